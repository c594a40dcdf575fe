/* SPDX-License-Identifier: MIT */
/* kvmclock's scale: the guest's formula (msr.rst) on what vsnp writes gives the TSC's time and frequency back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "vsnp/vsnp_kvm.h"

/* What a guest computes (Linux's pvclock_scale_delta and pvclock_tsc_khz, from msr.rst). */
static uint64_t guest_ns(const struct pvclock_time_info *t, uint64_t tsc)
{
	uint64_t d = tsc - t->tsc_timestamp;

	d = t->tsc_shift >= 0 ? d << t->tsc_shift : d >> -t->tsc_shift;
	return t->system_time + (uint64_t)(((unsigned __int128)d * t->tsc_to_system_mul) >> 32);
}

static uint64_t guest_khz(const struct pvclock_time_info *t)
{
	uint64_t khz = (1000000ull << 32) / t->tsc_to_system_mul;

	return t->tsc_shift < 0 ? khz << -t->tsc_shift : khz >> t->tsc_shift;
}

static void test_rates(void **state)
{
	static const uint64_t rates[] = { 2096037000ull, 1000000000ull, 1000000001ull, 3999999999ull, 100000000ull,
					  25000000ull, 5000000000ull };

	(void)state;
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct pvclock_time_info t;
		uint64_t hz = rates[i], tsc0 = 1000, at = tsc0 + 3 * hz; /* 3 s after the origin */

		vsnp_kvm_time_info(&t, at, tsc0, hz);
		assert_true(t.tsc_to_system_mul >= (1u << 31)); /* the most bits of precision */
		assert_int_equal(t.flags, PVCLOCK_TSC_STABLE_BIT);
		/* system_time at the write: 3 s, to a nanosecond or two per second of rounding. */
		assert_in_range(t.system_time, 3000000000ull - 8, 3000000000ull);
		/* One more second of TSC later: one more second of guest time. */
		uint64_t later = guest_ns(&t, at + hz);

		assert_in_range(later - t.system_time, 1000000000ull - 4, 1000000000ull);
		/* The frequency the guest derives, in kHz, to within a part in a million. */
		uint64_t khz = guest_khz(&t), want = hz / 1000;

		assert_in_range(khz, want - want / 1000000 - 1, want + want / 1000000 + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_rates) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
