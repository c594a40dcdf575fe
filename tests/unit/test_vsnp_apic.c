/* SPDX-License-Identifier: MIT */
/*
 * The emulated x2APIC (vsnp/apic.c): registers as MSRs, the timer's
 * one-shot and periodic counting with its divider, delivery and EOI, and
 * every write a real x2APIC refuses (#GP: SVSM_EINVAL) leaving it as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "apic.h"
#include "svsm/errno.h"

#define MSR_APIC_BASE 0x1Bu
#define R_ID 0x802u
#define R_EOI 0x80Bu
#define R_SVR 0x80Fu
#define R_LVT_TIMER 0x832u
#define R_LVT_LINT0 0x835u
#define R_TMICT 0x838u
#define R_TMCCT 0x839u
#define R_TDCR 0x83Eu
#define R_ICR 0x830u

static void registers_read_back(void **state)
{
	struct vsnp_apic a;
	uint64_t v;
	(void)state;

	vsnp_apic_init(&a, 3);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_ID, 0, &v), SVSM_OK);
	assert_int_equal(v, 3);
	assert_int_equal(vsnp_apic_rdmsr(&a, MSR_APIC_BASE, 0, &v), SVSM_OK);
	assert_int_equal(v, 0xFEE00000ull | (1u << 11) | (1u << 10)); /* enabled, x2APIC, not the BSP */
	vsnp_apic_init(&a, 0);
	assert_int_equal(vsnp_apic_rdmsr(&a, MSR_APIC_BASE, 0, &v), SVSM_OK);
	assert_true(v & (1u << 8)); /* APIC ID 0 is the BSP */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_SVR, 0, 0x1FF), SVSM_OK);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_SVR, 0, &v), SVSM_OK);
	assert_int_equal(v, 0x1FF);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_LVT_LINT0, 0, 0x10700), SVSM_OK);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_LVT_LINT0, 0, &v), SVSM_OK);
	assert_int_equal(v, 0x10700);
	/* Not APIC MSRs at all: for the caller to answer. */
	assert_int_equal(vsnp_apic_rdmsr(&a, 0xC0000080u, 0, &v), SVSM_ENOENT);
	assert_int_equal(vsnp_apic_wrmsr(&a, 0x900u, 0, 0), SVSM_ENOENT);
}

static void refused_writes_change_nothing(void **state)
{
	static const struct { uint32_t msr; uint64_t v; } bad[] = {
		{ MSR_APIC_BASE, 0xFEE00000ull | (1u << 11) },       /* leaving x2APIC mode */
		{ MSR_APIC_BASE, 0 },                                 /* disabling it */
		{ R_EOI, 1 },                                         /* a non-zero EOI */
		{ R_SVR, 0x2000 },                                    /* reserved bits */
		{ R_LVT_TIMER, 0x40 | (2u << 17) },                   /* TSC-deadline mode: not offered */
		{ R_TMICT, 1ull << 32 },                              /* beyond 32 bits */
		{ R_TDCR, 0x4 },                                      /* reserved divider bit */
		{ R_ID, 5 },                                          /* read-only */
		{ R_TMCCT, 5 },                                       /* read-only */
		{ R_ICR, 0x4040 },                                    /* IPIs: not emulated */
		{ 0x831u, 0 },                                        /* reserved in x2APIC mode */
		{ 0x8FFu, 0 },                                        /* reserved */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vsnp_apic a, before;

		vsnp_apic_init(&a, 0);
		memcpy(&before, &a, sizeof(a));
		assert_int_equal(vsnp_apic_wrmsr(&a, bad[i].msr, 10, bad[i].v), SVSM_EINVAL);
		assert_memory_equal(&a, &before, sizeof(a));
	}
	struct vsnp_apic a;
	uint64_t v;

	vsnp_apic_init(&a, 0);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_EOI, 0, &v), SVSM_EINVAL); /* write-only */
	assert_int_equal(vsnp_apic_rdmsr(&a, R_ICR, 0, &v), SVSM_EINVAL);
}

static void one_shot_timer(void **state)
{
	struct vsnp_apic a;
	uint64_t v;
	(void)state;

	vsnp_apic_init(&a, 0);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_SVR, 0, 0x1FF), SVSM_OK);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_TDCR, 0, 0xB), SVSM_OK); /* divide by 1 */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_LVT_TIMER, 0, 0x40), SVSM_OK);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_TMICT, 1000, 500), SVSM_OK);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_TMCCT, 1200, &v), SVSM_OK);
	assert_int_equal(v, 300);
	assert_int_equal(vsnp_apic_cycles_left(&a, 1200), 300);
	vsnp_apic_tick(&a, 1499);
	assert_int_equal(vsnp_apic_deliverable(&a), -1);
	vsnp_apic_tick(&a, 1500);
	assert_int_equal(vsnp_apic_deliverable(&a), 0x40);
	assert_int_equal(a.fired, 1);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_TMCCT, 1600, &v), SVSM_OK);
	assert_int_equal(v, 0); /* one-shot: stays at zero */
	vsnp_apic_delivered(&a);
	assert_int_equal(vsnp_apic_deliverable(&a), -1); /* in service */
	vsnp_apic_tick(&a, 100000);
	assert_int_equal(a.fired, 1); /* no second expiry */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_EOI, 0, 0), SVSM_OK);
	assert_false(a.in_service);
}

static void periodic_timer_and_divider(void **state)
{
	struct vsnp_apic a;
	uint64_t v;
	(void)state;

	vsnp_apic_init(&a, 0);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_SVR, 0, 0x1FF), SVSM_OK);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_TDCR, 0, 0x1), SVSM_OK); /* divide by 4 */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_LVT_TIMER, 0, 0x41 | (1u << 17)), SVSM_OK);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_TMICT, 0, 100), SVSM_OK);  /* 400 TSC cycles a period */
	assert_int_equal(vsnp_apic_rdmsr(&a, R_TMCCT, 200, &v), SVSM_OK);
	assert_int_equal(v, 50);
	vsnp_apic_tick(&a, 1000);   /* two periods gone: pending, counting on from 800 */
	assert_int_equal(vsnp_apic_deliverable(&a), 0x41);
	assert_int_equal(vsnp_apic_cycles_left(&a, 1000), 200);
	/* Masked or software-disabled: pending, not deliverable. */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_LVT_TIMER, 0, 0x41 | (1u << 16) | (1u << 17)), SVSM_OK);
	assert_int_equal(vsnp_apic_deliverable(&a), -1);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_LVT_TIMER, 0, 0x41 | (1u << 17)), SVSM_OK);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_SVR, 0, 0xFF), SVSM_OK);
	assert_int_equal(vsnp_apic_deliverable(&a), -1);
	/* A vector below 16 is never delivered. */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_SVR, 0, 0x1FF), SVSM_OK);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_LVT_TIMER, 0, 0x0F), SVSM_OK);
	assert_int_equal(vsnp_apic_deliverable(&a), -1);
	/* Stopping the count: TMICT 0. */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_TMICT, 2000, 0), SVSM_OK);
	assert_int_equal(vsnp_apic_cycles_left(&a, 3000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registers_read_back),
		cmocka_unit_test(refused_writes_change_nothing),
		cmocka_unit_test(one_shot_timer),
		cmocka_unit_test(periodic_timer_and_divider),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
