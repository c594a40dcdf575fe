/* SPDX-License-Identifier: MIT */
/*
 * vsnp's CMOS clock (vsnp/rtc.c) as a firmware reads and sets it: the
 * calendar against known dates, the time running with the TSC, BCD and
 * binary, 24 and 12 hours, register A never in an update, C empty, D
 * valid, a time set under SET taking effect when SET is cleared, writes
 * to a running clock ignored, the other CMOS bytes as RAM, and what is
 * not the device's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vsnp/rtc.h"

#define HZ 1000000000ull /* 1 GHz: a second is 1e9 ticks */

static struct vsnp_rtc r;

static uint8_t rd(unsigned idx, uint64_t now)
{
	uint32_t v = idx;

	assert_true(vsnp_rtc_io(&r, 0x70, 1, false, &v, now));
	assert_true(vsnp_rtc_io(&r, 0x71, 1, true, &v, now));
	return (uint8_t)v;
}

static void wr(unsigned idx, uint8_t val, uint64_t now)
{
	uint32_t v = idx;

	assert_true(vsnp_rtc_io(&r, 0x70, 1, false, &v, now));
	v = val;
	assert_true(vsnp_rtc_io(&r, 0x71, 1, false, &v, now));
}

static void calendar(void **state)
{
	unsigned y, mo, d, h, mi, s, wd;

	(void)state;
	assert_int_equal(vsnp_rtc_seconds(1970, 1, 1, 0, 0, 0), 0);
	assert_int_equal(vsnp_rtc_seconds(2000, 3, 1, 0, 0, 0), 951868800);  /* after a leap day of a /400 year */
	assert_int_equal(vsnp_rtc_seconds(2026, 12, 6, 18, 34, 25), 1796582065);
	vsnp_rtc_civil(1796582065, &y, &mo, &d, &h, &mi, &s, &wd);
	assert_true(y == 2026 && mo == 12 && d == 6 && h == 18 && mi == 34 && s == 25);
	assert_int_equal(wd, 0);                                               /* a Sunday */
	vsnp_rtc_civil(951782400, &y, &mo, &d, &h, &mi, &s, &wd);             /* 2000-02-29 */
	assert_true(y == 2000 && mo == 2 && d == 29 && wd == 2);
	vsnp_rtc_civil(4102444799, &y, &mo, &d, &h, &mi, &s, &wd);            /* 2099-12-31 23:59:59 */
	assert_true(y == 2099 && mo == 12 && d == 31 && h == 23 && mi == 59 && s == 59);
}

static void reads_and_formats(void **state)
{
	(void)state;
	vsnp_rtc_init(&r, vsnp_rtc_seconds(2026, 12, 6, 18, 34, 25), 1000, HZ);
	assert_int_equal(rd(0x0A, 1000) & 0x80, 0);  /* no update in progress */
	assert_int_equal(rd(0x0C, 1000), 0);
	assert_int_equal(rd(0x0D, 1000), 0x80);      /* valid */
	assert_int_equal(rd(0x0B, 1000), 0x02);      /* BCD, 24 hours */
	assert_int_equal(rd(0x00, 1000), 0x25);
	assert_int_equal(rd(0x04, 1000), 0x18);
	assert_int_equal(rd(0x07, 1000), 0x06);
	assert_int_equal(rd(0x08, 1000), 0x12);
	assert_int_equal(rd(0x09, 1000), 0x26);
	assert_int_equal(rd(0x32, 1000), 0x20);
	assert_int_equal(rd(0x06, 1000), 1);         /* Sunday */
	assert_int_equal(rd(0x00, 1000 + 36 * HZ), 0x01); /* 36 s later: 18:35:01 */
	assert_int_equal(rd(0x02, 1000 + 36 * HZ), 0x35);
	wr(0x0B, 0x04, 1000);                        /* binary, 12 hours */
	assert_int_equal(rd(0x04, 1000), 0x80 | 6);  /* 6 PM */
	assert_int_equal(rd(0x09, 1000), 26);
	wr(0x00, 0x11, 1000);                        /* the clock runs: a time write is ignored */
	assert_int_equal(rd(0x00, 1000), 25);
}

static void set_time(void **state)
{
	(void)state;
	vsnp_rtc_init(&r, vsnp_rtc_seconds(2026, 12, 6, 18, 34, 25), 0, HZ);
	wr(0x0B, 0x80 | 0x02, 5 * HZ);               /* SET, BCD, 24 hours: updates stop */
	assert_int_equal(rd(0x00, 100 * HZ), 0x30);  /* held at 18:34:30 */
	wr(0x09, 0x27, 100 * HZ);                    /* 2027-01-02 03:04:05 */
	wr(0x08, 0x01, 100 * HZ);
	wr(0x07, 0x02, 100 * HZ);
	wr(0x04, 0x03, 100 * HZ);
	wr(0x02, 0x04, 100 * HZ);
	wr(0x00, 0x05, 100 * HZ);
	wr(0x0B, 0x02, 100 * HZ);                    /* SET cleared: runs from there */
	assert_int_equal(rd(0x00, 110 * HZ), 0x15);  /* 10 s on */
	assert_int_equal(rd(0x09, 110 * HZ), 0x27);
	assert_int_equal(rd(0x07, 110 * HZ), 0x02);
	assert_int_equal(r.base, vsnp_rtc_seconds(2027, 1, 2, 3, 4, 5)); /* the guest's clock ... */
}

static void ram_and_not_the_device(void **state)
{
	uint32_t v = 0;

	(void)state;
	vsnp_rtc_init(&r, 0, 0, HZ);
	assert_int_equal(rd(0x34, 0), 0);            /* CMOS RAM starts zero */
	wr(0x34, 0xAB, 0);
	assert_int_equal(rd(0x34, 0), 0xAB);
	wr(0x0D, 0x00, 0);                           /* D is read-only */
	assert_int_equal(rd(0x0D, 0), 0x80);
	wr(0x8E, 0x5A, 0);                           /* bit 7 of the index (NMI mask) is not part of it */
	assert_int_equal(rd(0x0E, 0), 0x5A);
	assert_true(vsnp_rtc_io(&r, 0x70, 1, true, &v, 0));
	assert_int_equal(v, 0xFF);                   /* the index port is write-only */
	assert_false(vsnp_rtc_io(&r, 0x71, 2, true, &v, 0));
	assert_false(vsnp_rtc_io(&r, 0x72, 1, true, &v, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(calendar),
		cmocka_unit_test(reads_and_formats),
		cmocka_unit_test(set_time),
		cmocka_unit_test(ram_and_not_the_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
