/* SPDX-License-Identifier: MIT */
/*
 * A CMOS real-time clock (Motorola MC146818A data sheet; the PC's CMOS at
 * ports 0x70/0x71) as vsnp gives it to a guest firmware's VMPL: the time
 * runs from the machine's own RTC read once at start (its wall clock)
 * plus the TSC since, in the format the guest sets in register B (BCD or
 * binary, 24 or 12 hours); register A never says an update is in
 * progress, C has no flag (no interrupts), D says the time is valid; a
 * guest that sets B's SET bit may write its own time (its clock only,
 * never the machine's); the other CMOS bytes are 114 bytes of RAM that
 * start zero. Portable (host-tested).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define RTC_PORT_INDEX 0x70u
#define RTC_PORT_DATA 0x71u
#define RTC_REG_A 0x0Au
#define RTC_REG_B 0x0Bu
#define RTC_REG_C 0x0Cu
#define RTC_REG_D 0x0Du
#define RTC_REG_CENTURY 0x32u  /* the PC's century byte (IBM PC/AT CMOS map) */
#define RTC_B_SET 0x80u
#define RTC_B_DM_BINARY 0x04u
#define RTC_B_24H 0x02u
#define RTC_D_VRT 0x80u

struct vsnp_rtc {
	uint8_t index;
	uint8_t a, b;
	uint8_t alarm[3];          /* seconds, minutes, hours alarms: kept, never fire */
	uint8_t ram[128];          /* the other CMOS bytes */
	int64_t base;              /* seconds since 1970-01-01 00:00:00 UTC at tsc0 */
	uint64_t tsc0, tsc_hz;
	uint8_t set_time[10];      /* the time registers while SET holds updates */
};

/* Starts the clock at `seconds` (since 1970, UTC) at TSC `tsc0`, counting at `tsc_hz`; B: BCD, 24 hours. */
void vsnp_rtc_init(struct vsnp_rtc *r, int64_t seconds, uint64_t tsc0, uint64_t tsc_hz);
/* Port access at TSC `now`: true when port is 0x70 or 0x71 (size 1), *val read or written. */
bool vsnp_rtc_io(struct vsnp_rtc *r, uint16_t port, unsigned size, bool in, uint32_t *val, uint64_t now);
/* Seconds since 1970 of a civil date and time (UTC), and back: the calendar the clock keeps. */
int64_t vsnp_rtc_seconds(unsigned year, unsigned month, unsigned day, unsigned h, unsigned m, unsigned s);
void vsnp_rtc_civil(int64_t seconds, unsigned *year, unsigned *month, unsigned *day, unsigned *h, unsigned *m,
		    unsigned *s, unsigned *weekday);
