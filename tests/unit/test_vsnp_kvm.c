/* SPDX-License-Identifier: MIT */
/*
 * vsnp/kvm_msr.c: kvmclock's scale (the guest's formula from msr.rst on
 * what vsnp writes gives the TSC's time and frequency back), the MSRs it
 * keeps, and PV EOI's flag as the hypervisor sets and reads it.
 */
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

static bool shared_gone; /* the guest made that page private again */

void *vsnp_shared_page(struct vsnp_vcpu *c, uint64_t gpa)
{
	(void)c;
	return gpa == SHARED_GPA && !shared_gone ? shared_page : NULL;
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

/* A vCPU at VMPL2 whose APIC has vector 0x31 in service, nothing requested; MSR_KVM_PV_EOI_EN written msr unless 0. */
static void pv_eoi_vcpu(struct vsnp_vcpu *c, uint64_t msr)
{
	memset(c, 0, sizeof(*c));
	for (unsigned vmpl = 0; vmpl < SNP_VMPL_COUNT; vmpl++)
		vsnp_apic_init(&c->apic[vmpl], 0);
	c->vmpl = 2;
	assert_int_equal(vsnp_apic_wrmsr(&c->apic[2], 0x80F, 0, 0x1FF), SVSM_OK); /* SVR: enabled */
	assert_true(vsnp_apic_accept(&c->apic[2], 0x31));
	vsnp_apic_delivered(&c->apic[2], 0x31);
	if (msr != 0)
		assert_int_equal(vsnp_kvm_msr(c, KVM_MSR_PV_EOI_EN, true, &msr), SVSM_OK);
}

/* PV EOI (msr.rst MSR_KVM_PV_EOI_EN): the guest's flag set, its answer taken, each EOI once, only in a shared page. */
static void test_pv_eoi(void **state)
{
	static struct vsnp_vcpu c;
	struct vsnp_apic *a = &c.apic[2];
	uint64_t v;

	(void)state;
	shared_gone = false;
	memset(shared_page, 0xAA, sizeof(shared_page)); /* bit 0 clear in every byte */
	pv_eoi_vcpu(&c, 0);
	/* Off: nothing is offered, nothing written. */
	vsnp_kvm_pv_eoi_enter(&c, -1);
	assert_false(a->pv_eoi_pending);
	/* Bit 1 reserved, an address past 52 bits: #GP, the MSR unchanged. */
	v = (SHARED_GPA + 8) | KVM_PV_EOI_RESERVED | KVM_PV_EOI_ENABLE;
	assert_int_equal(vsnp_kvm_msr(&c, KVM_MSR_PV_EOI_EN, true, &v), SVSM_EINVAL);
	v = (1ull << 52) | KVM_PV_EOI_ENABLE;
	assert_int_equal(vsnp_kvm_msr(&c, KVM_MSR_PV_EOI_EN, true, &v), SVSM_EINVAL);
	assert_int_equal(vsnp_kvm_msr(&c, KVM_MSR_PV_EOI_EN, false, &v), SVSM_OK);
	assert_int_equal(v, 0);
	/* A private page is accepted (the host cannot tell) but never written nor read: EOIs stay the guest's writes. */
	v = 0x300008ull | KVM_PV_EOI_ENABLE;
	assert_int_equal(vsnp_kvm_msr(&c, KVM_MSR_PV_EOI_EN, true, &v), SVSM_OK);
	vsnp_kvm_pv_eoi_enter(&c, -1);
	assert_false(a->pv_eoi_pending);
	vsnp_kvm_pv_eoi_exit(&c, 2);
	assert_int_equal(vsnp_apic_highest(a->isr), 0x31);
	/* The word in the shared page: its flag set before the entry, and only that bit of only that byte. */
	v = (SHARED_GPA + 8) | KVM_PV_EOI_ENABLE;
	assert_int_equal(vsnp_kvm_msr(&c, KVM_MSR_PV_EOI_EN, true, &v), SVSM_OK);
	assert_int_equal(vsnp_kvm_msr(&c, KVM_MSR_PV_EOI_EN, false, &v), SVSM_OK);
	assert_int_equal(v, (SHARED_GPA + 8) | KVM_PV_EOI_ENABLE);
	vsnp_kvm_pv_eoi_enter(&c, -1);
	assert_true(a->pv_eoi_pending);
	assert_int_equal(shared_page[8], 0xAB);
	for (size_t i = 0; i < sizeof(shared_page); i++)
		if (i != 8)
			assert_int_equal(shared_page[i], 0xAA);
	/* The guest cleared it: the exit ends 0x31 for it, once. */
	shared_page[8] = 0xAA;
	vsnp_kvm_pv_eoi_exit(&c, 2);
	assert_false(a->pv_eoi_pending);
	assert_int_equal(vsnp_apic_highest(a->isr), -1);
	assert_int_equal(a->pv_eois, 1);
	vsnp_kvm_pv_eoi_exit(&c, 2); /* no second EOI from a stale answer */
	assert_int_equal(a->pv_eois, 1);
	/* Nothing in service: no flag. */
	vsnp_kvm_pv_eoi_enter(&c, -1);
	assert_false(a->pv_eoi_pending);
	assert_int_equal(shared_page[8], 0xAA);

	/* The guest left it set (it has not ended the interrupt): cleared, no EOI; its EOI write comes later. */
	pv_eoi_vcpu(&c, (SHARED_GPA + 8) | KVM_PV_EOI_ENABLE);
	vsnp_kvm_pv_eoi_enter(&c, -1);
	vsnp_kvm_pv_eoi_exit(&c, 2);
	assert_int_equal(shared_page[8], 0xAA);
	assert_int_equal(vsnp_apic_highest(a->isr), 0x31);
	assert_int_equal(a->pv_eois, 0);
	/* An interrupt requested as well (it could nest): no flag, as KVM decides. */
	assert_true(vsnp_apic_accept(a, 0x40));
	vsnp_kvm_pv_eoi_enter(&c, -1);
	assert_false(a->pv_eoi_pending);
	assert_int_equal(shared_page[8], 0xAA);

	/*
	 * A vector offered as a virtual interrupt counts as in service: with nothing in service the flag is
	 * set for it; the guest took it (in service at the exit) and cleared the flag: ended. Another vector
	 * requested beside it: no flag.
	 */
	pv_eoi_vcpu(&c, (SHARED_GPA + 8) | KVM_PV_EOI_ENABLE);
	vsnp_apic_eoi(a); /* nothing in service */
	assert_true(vsnp_apic_accept(a, 0x41));
	vsnp_kvm_pv_eoi_enter(&c, -1);
	assert_false(a->pv_eoi_pending); /* requested, not offered: it could nest */
	vsnp_kvm_pv_eoi_enter(&c, 0x41);
	assert_true(a->pv_eoi_pending);
	assert_int_equal(shared_page[8], 0xAB);
	vsnp_apic_delivered(a, 0x41);
	shared_page[8] = 0xAA;
	vsnp_kvm_pv_eoi_exit(&c, 2);
	assert_int_equal(vsnp_apic_highest(a->isr), -1);
	assert_int_equal(a->pv_eois, 1);
	assert_true(vsnp_apic_accept(a, 0x41));
	assert_true(vsnp_apic_accept(a, 0x42));
	vsnp_kvm_pv_eoi_enter(&c, 0x42);
	assert_false(a->pv_eoi_pending);
	assert_false(vsnp_apic_pv_eoi_offer(a, 0x100)); /* no such vector */

	/*
	 * The flag set for a vector offered that the guest did not take: the guest, ending the vector
	 * it has in service, finds the flag set and clears it; that ends the one in service (0x31), and the
	 * offered one stays requested. With none in service, a flag cleared ends nothing and counts nothing.
	 */
	pv_eoi_vcpu(&c, (SHARED_GPA + 8) | KVM_PV_EOI_ENABLE);
	assert_true(vsnp_apic_accept(a, 0x61));
	vsnp_kvm_pv_eoi_enter(&c, 0x61);
	assert_true(a->pv_eoi_pending);
	shared_page[8] = 0xAA;
	vsnp_kvm_pv_eoi_exit(&c, 2);
	assert_int_equal(vsnp_apic_highest(a->isr), -1);
	assert_int_equal(vsnp_apic_highest(a->irr), 0x61);
	assert_int_equal(a->pv_eois, 1);
	vsnp_kvm_pv_eoi_enter(&c, 0x61);
	assert_true(a->pv_eoi_pending);
	shared_page[8] = 0xAA;
	vsnp_kvm_pv_eoi_exit(&c, 2);
	assert_int_equal(vsnp_apic_highest(a->irr), 0x61);
	assert_int_equal(a->pv_eois, 1);

	/* The page made private while the flag was out: nothing read or written, no EOI; the guest's write will end it. */
	pv_eoi_vcpu(&c, (SHARED_GPA + 8) | KVM_PV_EOI_ENABLE);
	vsnp_kvm_pv_eoi_enter(&c, -1);
	assert_int_equal(shared_page[8], 0xAB);
	shared_page[8] = 0xAA;
	shared_gone = true;
	vsnp_kvm_pv_eoi_exit(&c, 2);
	assert_false(a->pv_eoi_pending);
	assert_int_equal(vsnp_apic_highest(a->isr), 0x31);
	shared_gone = false;

	/* Per VMPL: VMPL2's MSR is not VMPL0's, and VMPL0's APIC is never ended by VMPL2's flag. */
	pv_eoi_vcpu(&c, (SHARED_GPA + 8) | KVM_PV_EOI_ENABLE);
	assert_int_equal(vsnp_apic_wrmsr(&c.apic[0], 0x80F, 0, 0x1FF), SVSM_OK);
	assert_true(vsnp_apic_accept(&c.apic[0], 0x50));
	vsnp_apic_delivered(&c.apic[0], 0x50);
	c.vmpl = 0;
	assert_int_equal(vsnp_kvm_msr(&c, KVM_MSR_PV_EOI_EN, false, &v), SVSM_OK);
	assert_int_equal(v, 0);
	vsnp_kvm_pv_eoi_enter(&c, -1);
	assert_false(c.apic[0].pv_eoi_pending);
	assert_int_equal(shared_page[8], 0xAA);
	vsnp_kvm_pv_eoi_exit(&c, 0);
	assert_int_equal(vsnp_apic_highest(c.apic[0].isr), 0x50);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_rates), cmocka_unit_test(test_clock_only_in_shared_pages),
					    cmocka_unit_test(test_mtrrs), cmocka_unit_test(test_msr_bad_values),
					    cmocka_unit_test(test_pv_eoi) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
