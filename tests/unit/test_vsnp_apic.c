/* SPDX-License-Identifier: MIT */
/*
 * The emulated x2APIC (vsnp/apic.c): registers as MSRs, the timer's
 * one-shot, periodic and TSC-deadline modes with the divider, requests,
 * priorities, delivery and EOI, IPIs and who they reach, and every write a
 * real x2APIC refuses (#GP: SVSM_EINVAL, or SVSM_ENOTSUP for a delivery
 * mode not emulated) leaving it as it was.
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
#define R_TPR 0x808u
#define R_PPR 0x80Au
#define R_ISR 0x810u
#define R_IRR 0x820u
#define R_ESR 0x828u
#define R_SELF_IPI 0x83Fu
#define MSR_TSC_DEADLINE 0x6E0u

/* A fresh APIC with APIC ID id, software-enabled (SVR 0x1FF). */
static void enabled(struct vsnp_apic *a, uint32_t id)
{
	vsnp_apic_init(a, id);
	assert_int_equal(vsnp_apic_wrmsr(a, R_SVR, 0, 0x1FF), SVSM_OK);
}

/* Which of the APICs t[0..n-1] (APIC ID = index) the IPI sent from APIC ID from reaches: a bit per ID. */
static uint32_t reached(const struct vsnp_ipi *ipi, uint32_t from, const struct vsnp_apic *t, unsigned n)
{
	uint32_t mask = 0;

	for (unsigned i = 0; i < n; i++)
		if (vsnp_apic_ipi_targets(ipi, from, &t[i]))
			mask |= 1u << i;
	return mask;
}

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
		{ R_LVT_TIMER, 0x40 | (3u << 17) },                   /* timer mode 11b: reserved */
		{ R_TMICT, 1ull << 32 },                              /* beyond 32 bits */
		{ R_TDCR, 0x4 },                                      /* reserved divider bit */
		{ R_ID, 5 },                                          /* read-only */
		{ R_TMCCT, 5 },                                       /* read-only */
		{ R_ICR, 0x40 | (1u << 13) },                         /* ICR reserved bit */
		{ R_ICR, 0x40 | (1u << 12) },                         /* delivery status: none in x2APIC */
		{ R_ICR, (1ull << 32) | 0x40 | (1u << 20) },         /* ICR reserved bits 31:20 */
		{ R_SELF_IPI, 0x140 },                                /* self IPI: beyond the vector */
		{ R_ESR, 1 },                                         /* ESR: only 0 may be written */
		{ R_TPR, 0x100 },                                     /* TPR: beyond 8 bits */
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
	assert_int_equal(vsnp_apic_rdmsr(&a, R_SELF_IPI, 0, &v), SVSM_EINVAL); /* write-only */
	/* Delivery modes besides fixed, NMI, INIT and start-up (lowest priority, SMI, reserved): a #GP, nothing sent. */
	for (unsigned mode = 1; mode < 8; mode++) {
		struct vsnp_apic before;

		if (mode == 4 || mode == 5 || mode == 6)
			continue;
		enabled(&a, 0);
		memcpy(&before, &a, sizeof(a));
		assert_int_equal(vsnp_apic_wrmsr(&a, R_ICR, 0, (1ull << 32) | (mode << 8) | 0x40), SVSM_ENOTSUP);
		assert_memory_equal(&a, &before, sizeof(a));
	}
	/* INIT and start-up: not modelled (a vCPU starts by AP creation): SVSM_EPERM, the machine stops; nothing sent. */
	enabled(&a, 0);
	struct vsnp_apic before;

	memcpy(&before, &a, sizeof(a));
	assert_int_equal(vsnp_apic_wrmsr(&a, R_ICR, 0, 0xC4500), SVSM_EPERM); /* INIT, all but self */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_ICR, 0, 0xC4608), SVSM_EPERM); /* start-up at 0x8000 */
	assert_memory_equal(&a, &before, sizeof(a));
	assert_int_equal(vsnp_apic_wrmsr(&a, R_ICR, 0, 0xC4500 | (1ull << 13)), SVSM_EINVAL); /* reserved bit 13 */
}

static void one_shot_timer(void **state)
{
	struct vsnp_apic a;
	uint64_t v;
	(void)state;

	enabled(&a, 0);
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
	assert_int_equal(vsnp_apic_rdmsr(&a, R_IRR + 2, 0, &v), SVSM_OK);
	assert_int_equal(v, 1); /* vector 0x40: IRR word 2, bit 0 */
	vsnp_apic_delivered(&a, 0x40);
	assert_int_equal(vsnp_apic_deliverable(&a), -1); /* in service */
	assert_int_equal(vsnp_apic_rdmsr(&a, R_ISR + 2, 0, &v), SVSM_OK);
	assert_int_equal(v, 1);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_IRR + 2, 0, &v), SVSM_OK);
	assert_int_equal(v, 0);
	vsnp_apic_tick(&a, 100000);
	assert_int_equal(a.fired, 1); /* no second expiry */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_EOI, 0, 0), SVSM_OK);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_ISR + 2, 0, &v), SVSM_OK);
	assert_int_equal(v, 0);
}

static void periodic_timer_and_divider(void **state)
{
	struct vsnp_apic a;
	uint64_t v;
	(void)state;

	enabled(&a, 0);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_TDCR, 0, 0x1), SVSM_OK); /* divide by 4 */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_LVT_TIMER, 0, 0x41 | (1u << 17)), SVSM_OK);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_TMICT, 0, 100), SVSM_OK);  /* 400 TSC cycles a period */
	assert_int_equal(vsnp_apic_rdmsr(&a, R_TMCCT, 200, &v), SVSM_OK);
	assert_int_equal(v, 50);
	vsnp_apic_tick(&a, 1000);   /* two periods gone: pending, counting on from 800 */
	assert_int_equal(vsnp_apic_deliverable(&a), 0x41);
	assert_int_equal(vsnp_apic_cycles_left(&a, 1000), 200);
	vsnp_apic_delivered(&a, 0x41);
	/* Masked: the timer counts on, but its expiry raises nothing. */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_LVT_TIMER, 1000, 0x41 | (1u << 16) | (1u << 17)), SVSM_OK);
	vsnp_apic_tick(&a, 1300);
	assert_int_equal(a.fired, 2);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_IRR + 2, 1300, &v), SVSM_OK);
	assert_int_equal(v, 0);
	/* A vector below 16 is never raised: ESR "received illegal vector". */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_LVT_TIMER, 1300, 0x0F | (1u << 17)), SVSM_OK);
	vsnp_apic_tick(&a, 1700);
	assert_int_equal(vsnp_apic_deliverable(&a), -1);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_ESR, 1700, &v), SVSM_OK);
	assert_int_equal(v, 1u << 6);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_ESR, 1700, 0), SVSM_OK);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_ESR, 1700, &v), SVSM_OK);
	assert_int_equal(v, 0);
	/* Software disable masks the LVT, and a write cannot unmask it while disabled. */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_SVR, 1700, 0xFF), SVSM_OK);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_LVT_TIMER, 1700, 0x41 | (1u << 17)), SVSM_OK);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_LVT_TIMER, 1700, &v), SVSM_OK);
	assert_int_equal(v, 0x41 | (1u << 16) | (1u << 17));
	assert_false(vsnp_apic_accept(&a, 0x50)); /* nor does it take interrupts */
	/* Stopping the count: TMICT 0. */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_TMICT, 2000, 0), SVSM_OK);
	assert_int_equal(vsnp_apic_cycles_left(&a, 3000), 0);
}

static void tsc_deadline_timer(void **state)
{
	struct vsnp_apic a;
	uint64_t v;
	(void)state;

	enabled(&a, 0);
	/* In one-shot mode the deadline MSR is ignored and reads 0. */
	assert_int_equal(vsnp_apic_wrmsr(&a, MSR_TSC_DEADLINE, 0, 5000), SVSM_OK);
	assert_int_equal(vsnp_apic_rdmsr(&a, MSR_TSC_DEADLINE, 0, &v), SVSM_OK);
	assert_int_equal(v, 0);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_LVT_TIMER, 0, 0x42 | (2u << 17)), SVSM_OK);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_TMICT, 0, 100), SVSM_OK); /* ignored in this mode */
	assert_int_equal(vsnp_apic_cycles_left(&a, 10), 0);
	assert_int_equal(vsnp_apic_wrmsr(&a, MSR_TSC_DEADLINE, 100, 5000), SVSM_OK);
	assert_int_equal(vsnp_apic_cycles_left(&a, 1000), 4000);
	vsnp_apic_tick(&a, 4999);
	assert_int_equal(vsnp_apic_deliverable(&a), -1);
	vsnp_apic_tick(&a, 5000);
	assert_int_equal(vsnp_apic_deliverable(&a), 0x42);
	assert_int_equal(vsnp_apic_rdmsr(&a, MSR_TSC_DEADLINE, 5000, &v), SVSM_OK);
	assert_int_equal(v, 0); /* disarmed by its expiry */
	vsnp_apic_delivered(&a, 0x42);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_EOI, 5000, 0), SVSM_OK);
	/* A deadline already gone by fires at once; 0 disarms. */
	assert_int_equal(vsnp_apic_wrmsr(&a, MSR_TSC_DEADLINE, 6000, 10), SVSM_OK);
	assert_int_equal(vsnp_apic_deliverable(&a), 0x42);
	assert_int_equal(vsnp_apic_wrmsr(&a, MSR_TSC_DEADLINE, 6000, 9000), SVSM_OK);
	assert_int_equal(vsnp_apic_wrmsr(&a, MSR_TSC_DEADLINE, 6000, 0), SVSM_OK);
	assert_int_equal(vsnp_apic_cycles_left(&a, 6000), 0);
	/* Leaving the mode disarms it. */
	assert_int_equal(vsnp_apic_wrmsr(&a, MSR_TSC_DEADLINE, 6000, 9000), SVSM_OK);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_LVT_TIMER, 6000, 0x42), SVSM_OK);
	assert_int_equal(a.tsc_deadline, 0);
}

/* Priorities (APM vol.2 §16.6): the highest request first, above the PPR's class only; EOI ends the highest in service. */
static void priorities_and_eoi(void **state)
{
	struct vsnp_apic a;
	uint64_t v;
	(void)state;

	enabled(&a, 0);
	assert_true(vsnp_apic_accept(&a, 0x31));
	assert_true(vsnp_apic_accept(&a, 0x52));
	assert_true(vsnp_apic_accept(&a, 0x52)); /* requested twice: one request */
	assert_int_equal(vsnp_apic_deliverable(&a), 0x52);
	vsnp_apic_delivered(&a, 0x52);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_PPR, 0, &v), SVSM_OK);
	assert_int_equal(v, 0x50);
	assert_int_equal(vsnp_apic_deliverable(&a), -1); /* 0x31: class 3, under the one in service */
	assert_true(vsnp_apic_accept(&a, 0x55));
	assert_int_equal(vsnp_apic_deliverable(&a), -1); /* the same class: waits too */
	assert_true(vsnp_apic_accept(&a, 0x61));
	assert_int_equal(vsnp_apic_deliverable(&a), 0x61); /* a higher class nests */
	vsnp_apic_delivered(&a, 0x61);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_EOI, 0, 0), SVSM_OK); /* ends 0x61, the highest */
	assert_int_equal(vsnp_apic_rdmsr(&a, R_ISR + 2, 0, &v), SVSM_OK);
	assert_int_equal(v, 1u << 0x12);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_EOI, 0, 0), SVSM_OK); /* ends 0x52 */
	assert_int_equal(vsnp_apic_deliverable(&a), 0x55);
	/* The TPR holds back a class at or under its own. */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_TPR, 0, 0x50), SVSM_OK);
	assert_int_equal(vsnp_apic_deliverable(&a), -1);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_TPR, 0, 0x4F), SVSM_OK);
	assert_int_equal(vsnp_apic_deliverable(&a), 0x55);
	/* An EOI with nothing in service changes nothing. */
	vsnp_apic_init(&a, 0);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_EOI, 0, 0), SVSM_OK);
	assert_int_equal(vsnp_apic_deliverable(&a), -1);
}

/*
 * A vector offered as a virtual interrupt: taken, it is in service, and one
 * arriving again while it was offered is requested again (not merged into
 * the one the guest took: that IPI would be lost); not taken, arrivals are one.
 */
static void offered_vector(void **state)
{
	struct vsnp_apic a;

	(void)state;
	enabled(&a, 0);
	assert_true(vsnp_apic_accept(&a, 0xFB));
	vsnp_apic_offer(&a, vsnp_apic_deliverable(&a));
	assert_int_equal(a.offered, 0xFB);
	assert_true(vsnp_apic_accept(&a, 0xFB)); /* another CPU's IPI while the guest runs */
	vsnp_apic_offer_done(&a, true);
	assert_int_equal(vsnp_apic_highest(a.isr), 0xFB);
	assert_int_equal(vsnp_apic_highest(a.irr), 0xFB); /* requested again */
	assert_int_equal(a.offered, -1);
	vsnp_apic_eoi(&a);
	assert_int_equal(vsnp_apic_deliverable(&a), 0xFB);
	/* Taken, nothing arrived meanwhile: nothing requested. */
	vsnp_apic_offer(&a, 0xFB);
	vsnp_apic_offer_done(&a, true);
	assert_int_equal(vsnp_apic_highest(a.irr), -1);
	vsnp_apic_eoi(&a);
	/* Not taken: the two arrivals are one request, nothing in service. */
	assert_true(vsnp_apic_accept(&a, 0xFC));
	vsnp_apic_offer(&a, 0xFC);
	assert_true(vsnp_apic_accept(&a, 0xFC));
	vsnp_apic_offer_done(&a, false);
	assert_int_equal(vsnp_apic_highest(a.isr), -1);
	assert_int_equal(vsnp_apic_highest(a.irr), 0xFC);
	vsnp_apic_offer(&a, 0xFC);
	vsnp_apic_offer_done(&a, true);
	assert_int_equal(vsnp_apic_highest(a.irr), -1);
	/* Another vector arriving while one is offered is its own request either way; no offer, nothing taken. */
	vsnp_apic_eoi(&a);
	assert_true(vsnp_apic_accept(&a, 0xEC));
	vsnp_apic_offer(&a, 0xEC);
	assert_true(vsnp_apic_accept(&a, 0xFD));
	vsnp_apic_offer_done(&a, true);
	assert_int_equal(vsnp_apic_highest(a.isr), 0xEC);
	assert_int_equal(vsnp_apic_highest(a.irr), 0xFD);
	vsnp_apic_offer(&a, -1);
	vsnp_apic_offer_done(&a, true);
	assert_int_equal(vsnp_apic_highest(a.irr), 0xFD);
}

/* ICR and self-IPI writes leave the IPI for the caller; who it reaches follows the shorthand and destination. */
/*
 * NMI: sent through the ICR whatever the vector (an NMI has none), taken
 * by a software-disabled APIC too, one pending however many arrive, and
 * none delivered while the last is in progress (until NMI_COMPLETE).
 */
static void nmis(void **state)
{
	struct vsnp_apic a, t[4];
	(void)state;

	for (unsigned i = 0; i < 4; i++)
		vsnp_apic_init(&t[i], i);
	enabled(&a, 1);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_ICR, 0, (2ull << 32) | (4u << 8) | 0x05), SVSM_OK);
	assert_true(a.ipi_out && a.ipi.nmi);
	assert_int_equal(a.ipi.vector, 0);
	assert_int_equal(reached(&a.ipi, 1, t, 4), 1u << 2);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_ICR, 0, (3u << 18) | (4u << 8)), SVSM_OK); /* all but self */
	assert_true(a.ipi.nmi);
	assert_int_equal(reached(&a.ipi, 1, t, 4), 0xFu & ~(1u << 1));

	/* An NMI_COMPLETE with no NMI in progress (a guest's stray one) changes nothing. */
	vsnp_apic_nmi_done(&t[3]);
	assert_false(t[3].nmi_pending || t[3].nmi_in_progress || vsnp_apic_nmi_ready(&t[3]));
	/* t[2]'s APIC is software-disabled (SVR bit 8 clear after reset): the NMI is still taken. */
	assert_false(vsnp_apic_nmi_ready(&t[2]));
	vsnp_apic_nmi(&t[2]);
	vsnp_apic_nmi(&t[2]);
	assert_true(vsnp_apic_nmi_ready(&t[2]));
	assert_int_equal(vsnp_apic_deliverable(&t[2]), -1); /* not a vector of the IRR */
	vsnp_apic_nmi_delivered(&t[2]);
	assert_false(vsnp_apic_nmi_ready(&t[2])); /* the two were one */
	vsnp_apic_nmi(&t[2]);
	assert_false(vsnp_apic_nmi_ready(&t[2])); /* in progress: the next waits */
	vsnp_apic_nmi_done(&t[2]);
	assert_true(vsnp_apic_nmi_ready(&t[2]));
	vsnp_apic_nmi_delivered(&t[2]);
	vsnp_apic_nmi_done(&t[2]);
	assert_false(vsnp_apic_nmi_ready(&t[2]));
	assert_int_equal(t[2].nmis, 2);
}

static void ipis(void **state)
{
	struct vsnp_apic a, t[20];
	uint64_t v;
	(void)state;

	for (unsigned i = 0; i < 20; i++)
		vsnp_apic_init(&t[i], i);
	enabled(&a, 1);
	/* Physical destination 3, vector 0x45. */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_ICR, 0, (3ull << 32) | 0x45), SVSM_OK);
	assert_true(a.ipi_out);
	assert_int_equal(a.ipi.vector, 0x45);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_ICR, 0, &v), SVSM_OK);
	assert_int_equal(v, (3ull << 32) | 0x45);
	assert_int_equal(reached(&a.ipi, 1, t, 20), 1u << 3);
	/* Physical broadcast. */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_ICR, 0, (0xFFFFFFFFull << 32) | 0x45), SVSM_OK);
	assert_int_equal(reached(&a.ipi, 1, t, 20), 0xFFFFFu);
	/* Logical: cluster 1 (IDs 16-31), bits 0 and 2: IDs 16 and 18. */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_ICR, 0, (0x10005ull << 32) | (1u << 11) | 0x45), SVSM_OK);
	assert_int_equal(reached(&a.ipi, 1, t, 20), (1u << 16) | (1u << 18));
	/* Shorthands: self, all, all but self (the destination is ignored). */
	assert_int_equal(vsnp_apic_wrmsr(&a, R_ICR, 0, (7ull << 32) | (1u << 18) | 0x45), SVSM_OK);
	assert_int_equal(reached(&a.ipi, 1, t, 20), 1u << 1);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_ICR, 0, (2u << 18) | 0x45), SVSM_OK);
	assert_int_equal(reached(&a.ipi, 1, t, 20), 0xFFFFFu);
	assert_int_equal(vsnp_apic_wrmsr(&a, R_ICR, 0, (3u << 18) | 0x45), SVSM_OK);
	assert_int_equal(reached(&a.ipi, 1, t, 20), 0xFFFFFu & ~(1u << 1));
	/* The self-IPI register. */
	a.ipi_out = false;
	assert_int_equal(vsnp_apic_wrmsr(&a, R_SELF_IPI, 0, 0x66), SVSM_OK);
	assert_true(a.ipi_out);
	assert_int_equal(a.ipi.vector, 0x66);
	assert_int_equal(reached(&a.ipi, 1, t, 20), 1u << 1);
	/* A vector below 16 is not sent: ESR "sent illegal vector". */
	a.ipi_out = false;
	assert_int_equal(vsnp_apic_wrmsr(&a, R_ICR, 0, (3ull << 32) | 0x0E), SVSM_OK);
	assert_false(a.ipi_out);
	assert_int_equal(vsnp_apic_rdmsr(&a, R_ESR, 0, &v), SVSM_OK);
	assert_int_equal(v, 1u << 5);
	/* An IPI taken by its target: requested there. */
	enabled(&t[3], 3);
	assert_true(vsnp_apic_accept(&t[3], 0x45));
	assert_int_equal(vsnp_apic_deliverable(&t[3]), 0x45);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registers_read_back),
		cmocka_unit_test(refused_writes_change_nothing),
		cmocka_unit_test(one_shot_timer),
		cmocka_unit_test(periodic_timer_and_divider),
		cmocka_unit_test(tsc_deadline_timer),
		cmocka_unit_test(priorities_and_eoi),
		cmocka_unit_test(offered_vector),
		cmocka_unit_test(ipis),
		cmocka_unit_test(nmis),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
