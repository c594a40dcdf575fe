/* SPDX-License-Identifier: MIT */
/*
 * kvmclock's arithmetic (include/vsnp/vsnp_kvm.h): portable, so host
 * tests check the guest's view of time against the TSC it came from.
 */
#include "vsnp/vsnp_kvm.h"

#include "lib/string.h"

#define NSEC_PER_SEC 1000000000ull

void vsnp_kvm_clock_scale(uint64_t tsc_hz, uint32_t *mul, int8_t *shift)
{
	int s = 0;
	unsigned __int128 hz = tsc_hz;

	/*
	 * The shifted rate hz * 2^s in (1 GHz, 2 GHz], so that mul = 2^32 * 1e9
	 * / (hz * 2^s) lies in [2^31, 2^32): the most bits mul can keep.
	 */
	while (hz <= NSEC_PER_SEC && s < 31) {
		hz <<= 1;
		s++;
	}
	while (hz > 2 * NSEC_PER_SEC && s > -31) {
		hz >>= 1;
		s--;
	}
	unsigned __int128 num = (unsigned __int128)NSEC_PER_SEC << 32;

	*mul = (uint32_t)(s >= 0 ? num / ((unsigned __int128)tsc_hz << s) : (num << -s) / tsc_hz);
	*shift = (int8_t)s;
}

void vsnp_kvm_time_info(struct pvclock_time_info *t, uint64_t tsc, uint64_t tsc0, uint64_t tsc_hz)
{
	uint64_t delta = tsc - tsc0;

	memset(t, 0, sizeof(*t));
	vsnp_kvm_clock_scale(tsc_hz, &t->tsc_to_system_mul, &t->tsc_shift);
	t->tsc_timestamp = tsc;
	/* The same scaling the guest applies, so its clock is continuous from system_time on. */
	delta = t->tsc_shift >= 0 ? delta << t->tsc_shift : delta >> -t->tsc_shift;
	t->system_time = (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
	t->flags = PVCLOCK_TSC_STABLE_BIT;
}
