/* SPDX-License-Identifier: MIT */
/*
 * Guest physical addresses as their own type. A gpa_t is an address in the
 * guest's physical view, without the C-bit, as a guest hands it over (in a
 * register, a list entry, a VMSA field): an input to check, never memory
 * the SVSM may touch directly. A one-member struct (Hafnium's ipaddr_t is
 * the model), so the compiler refuses one where an SVSM physical address,
 * a virtual address or a length is expected, and the other way round.
 *
 * Conversions are explicit and few: gpa_init where a guest value enters
 * (the protocol handlers reading registers and lists, the launch code
 * naming the pages it places), gpa_addr where the one function whose job
 * it is turns it into something else (the guest copies, which check the
 * range and map it; the RMP calls through the platform seam).
 */
#pragma once

#include <stdint.h>

typedef struct {
	uint64_t gpa;
} gpa_t;

static inline gpa_t gpa_init(uint64_t gpa)
{
	return (gpa_t){ .gpa = gpa };
}

static inline uint64_t gpa_addr(gpa_t a)
{
	return a.gpa;
}

static inline gpa_t gpa_add(gpa_t a, uint64_t off)
{
	return (gpa_t){ .gpa = a.gpa + off };
}
