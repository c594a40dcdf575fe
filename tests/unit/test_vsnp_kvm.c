/* SPDX-License-Identifier: MIT */
/* kvmclock's scale: the guest's formula (msr.rst) on what vsnp writes gives the TSC's time and frequency back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <string.h>

#include "svsm/errno.h"
#include "vcpu.h"
#include "vsnp/vsnp_kvm.h"

/* ---- vsnp/kvm_msr.c on a test double of the machine: which pages are shared, the TSC rate ---- */

static uint8_t shared_page[4096] __attribute__((aligned(4096)));
#define SHARED_GPA 0x200000ull /* the one page the test double calls shared; every other is private */

void *vsnp_shared_page(struct vsnp_vcpu *c, uint64_t gpa)
{
	(void)c;
	return gpa == SHARED_GPA ? shared_page : NULL;
}

uint64_t tsc_hz(void)
{
	return 2000000000ull;
}

void console_printf(const char *fmt, ...)
{
	(void)fmt;
}

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

/* kvmclock: written only into a shared page, never a private one (the SVSM's, a VMSA, the guest's own). */
static void test_clock_only_in_shared_pages(void **state)
{
	static struct vsnp_vcpu c;
	uint64_t v;

	(void)state;
	memset(shared_page, 0xAB, sizeof(shared_page));
	vsnp_kvm_clock_start(0);
	v = 0x300000ull | KVM_SYSTEM_TIME_ENABLE; /* a private page */
	assert_int_equal(vsnp_kvm_msr(&c, KVM_MSR_SYSTEM_TIME_NEW, true, &v), SVSM_OK);
	v = (SHARED_GPA + 4096 - 16) | KVM_SYSTEM_TIME_ENABLE; /* the structure would cross the page */
	assert_int_equal(vsnp_kvm_msr(&c, KVM_MSR_SYSTEM_TIME_NEW, true, &v), SVSM_OK);
	v = 0x300000ull;
	assert_int_equal(vsnp_kvm_msr(&c, KVM_MSR_WALL_CLOCK_NEW, true, &v), SVSM_OK);
	for (size_t i = 0; i < sizeof(shared_page); i++)
		assert_int_equal(shared_page[i], 0xAB); /* nothing written anywhere */
	v = (SHARED_GPA + 64) | KVM_SYSTEM_TIME_ENABLE;
	assert_int_equal(vsnp_kvm_msr(&c, KVM_MSR_SYSTEM_TIME_NEW, true, &v), SVSM_OK);
	const struct pvclock_time_info *t = (const void *)(shared_page + 64);

	assert_int_equal(t->version % 2, 0); /* consistent */
	assert_int_equal(t->flags, PVCLOCK_TSC_STABLE_BIT);
	assert_int_equal(shared_page[63], 0xAB);
	assert_int_equal(shared_page[64 + sizeof(*t)], 0xAB);
	v = 0;
	assert_int_equal(vsnp_kvm_msr(&c, KVM_MSR_SYSTEM_TIME_NEW, false, &v), SVSM_OK);
	assert_int_equal(v, (SHARED_GPA + 64) | KVM_SYSTEM_TIME_ENABLE);
}

/* The MTRRs as KVM keeps them: values back as written, reserved bits and types refused, the capabilities read-only. */
static void test_mtrrs(void **state)
{
	static struct vsnp_vcpu c;
	uint64_t v;

	(void)state;
	assert_int_equal(vsnp_kvm_msr(&c, 0xFE, false, &v), SVSM_OK);
	assert_int_equal(v & 0xFF, 8);          /* 8 variable pairs */
	assert_true(v & (1u << 8));             /* fixed ranges */
	assert_int_equal(vsnp_kvm_msr(&c, 0xFE, true, &v), SVSM_EINVAL);
	v = 0xC06;                              /* E, FE, default WB */
	assert_int_equal(vsnp_kvm_msr(&c, 0x2FF, true, &v), SVSM_OK);
	v = 0;
	assert_int_equal(vsnp_kvm_msr(&c, 0x2FF, false, &v), SVSM_OK);
	assert_int_equal(v, 0xC06);
	v = 0xC02;                              /* type 2: reserved */
	assert_int_equal(vsnp_kvm_msr(&c, 0x2FF, true, &v), SVSM_EINVAL);
	v = 0x1C06;                             /* bit 12: reserved */
	assert_int_equal(vsnp_kvm_msr(&c, 0x2FF, true, &v), SVSM_EINVAL);
	assert_int_equal(vsnp_kvm_msr(&c, 0x2FF, false, &v), SVSM_OK);
	assert_int_equal(v, 0xC06);             /* unchanged */
	v = 0x80000000ull | 6;                  /* PhysBase0: 2 GiB, WB */
	assert_int_equal(vsnp_kvm_msr(&c, 0x200, true, &v), SVSM_OK);
	v = 0x80000100ull;                      /* bit 8 of a base: reserved */
	assert_int_equal(vsnp_kvm_msr(&c, 0x200, true, &v), SVSM_EINVAL);
	v = 0xFFFF80000800ull;                  /* PhysMask7: valid */
	assert_int_equal(vsnp_kvm_msr(&c, 0x20F, true, &v), SVSM_OK);
	v = 0xFFFF80000801ull;                  /* bit 0 of a mask: reserved */
	assert_int_equal(vsnp_kvm_msr(&c, 0x20F, true, &v), SVSM_EINVAL);
	v = 0x0606060606060606ull;              /* 64K_00000: all WB */
	assert_int_equal(vsnp_kvm_msr(&c, 0x250, true, &v), SVSM_OK);
	v = 0x0606060606060206ull;              /* one byte of type 2 */
	assert_int_equal(vsnp_kvm_msr(&c, 0x26F, true, &v), SVSM_EINVAL);
	assert_int_equal(vsnp_kvm_msr(&c, 0x250, false, &v), SVSM_OK);
	assert_int_equal(v, 0x0606060606060606ull);
	assert_int_equal(vsnp_kvm_msr(&c, 0x210, false, &v), SVSM_ENOENT); /* past the 8 pairs */
	assert_int_equal(vsnp_kvm_msr(&c, 0x251, false, &v), SVSM_ENOENT); /* not a fixed-range MTRR */
}

/* Values an MSR refuses: #GP for the guest (SVSM_EINVAL) and the MSR unchanged; other MSRs are not these. */
static void test_msr_bad_values(void **state)
{
	static struct vsnp_vcpu c;
	uint64_t v;

	(void)state;
	v = 7;
	assert_int_equal(vsnp_kvm_msr(&c, MSR_TSC_AUX, true, &v), SVSM_OK);
	v = 1ull << 32;
	assert_int_equal(vsnp_kvm_msr(&c, MSR_TSC_AUX, true, &v), SVSM_EINVAL);
	assert_int_equal(vsnp_kvm_msr(&c, MSR_TSC_AUX, false, &v), SVSM_OK);
	assert_int_equal(v, 7);
	v = 1ull << 18; /* McStatusWrEn: allowed */
	assert_int_equal(vsnp_kvm_msr(&c, 0xC0010015u, true, &v), SVSM_OK);
	v = 1ull << 3; /* anything else: refused */
	assert_int_equal(vsnp_kvm_msr(&c, 0xC0010015u, true, &v), SVSM_EINVAL);
	assert_int_equal(vsnp_kvm_msr(&c, 0xC0010015u, false, &v), SVSM_OK);
	assert_int_equal(v, (1ull << 18) | (1ull << 24));
	v = 0;
	assert_int_equal(vsnp_kvm_msr(&c, 0xC0010010u, true, &v), SVSM_EINVAL); /* SYSCFG is read-only */
	assert_int_equal(vsnp_kvm_msr(&c, 0xC0010010u, false, &v), SVSM_OK);
	assert_int_equal(v, 1ull << 23);
	assert_int_equal(vsnp_kvm_msr(&c, 0x277u, false, &v), SVSM_ENOENT); /* PAT: the CPU's, not served here */
	assert_int_equal(vsnp_kvm_msr(&c, 0x830u, false, &v), SVSM_ENOENT); /* the APIC's */
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_rates), cmocka_unit_test(test_clock_only_in_shared_pages),
					    cmocka_unit_test(test_mtrrs), cmocka_unit_test(test_msr_bad_values) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
