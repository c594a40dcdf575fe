/* SPDX-License-Identifier: MIT */
/*
 * Time for CPL3 modules' clock_gettime: the TSC, calibrated once against
 * the PIT. There is no trusted wall clock in the SVSM, so every clock
 * counts from the calibration (the SVSM's start, near enough).
 */
#pragma once

#include <stdint.h>

/* Calibrates (10 ms on PIT channel 2 through the platform's port I/O); later calls do nothing. */
void tsc_calibrate(void);
/* TSC ticks per second (0 before calibration or if the PIT did not answer). */
uint64_t tsc_hz(void);
/* Nanoseconds since the calibration; 0 without one. */
uint64_t tsc_ns(void);
/*
 * Milliseconds for timeouts: since the calibration; without one, 2^21 TSC
 * ticks each (about a millisecond at 2 GHz), so a timeout still ends.
 */
uint64_t tsc_ms(void);
/* One pause of a spin-wait timed with tsc_ms. */
void tsc_spin(void);
