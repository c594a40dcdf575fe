/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the hypervisor's x2APIC and KVM MSRs (vsnp/apic.c,
 * vsnp/kvm_msr.c) as a hostile guest drives them through the GHCB's MSR
 * exits. The input is a program of operations on one vCPU with four VMPL
 * APICs: RDMSR/WRMSR of any MSR (routed as cpu.c routes them: the KVM
 * MSRs first, then the APIC's), time passing, interrupts arriving, NMIs,
 * an entry and exit as cpu.c makes them around VMRUN (tick, NMI, the
 * deliverable vector offered as V_IRQ, PV EOI's flag set, the guest
 * taking it or not and writing anything into its shared page, the offer
 * and the flag read back), the running VMPL changing, and the guest's one
 * shared page made private and shared again.
 *
 * After every operation: no vector 0-15 requested or in service; the
 * deliverable vector is a requested one above the priority; nothing
 * offered and no flag outstanding between entries; a timer that says it
 * fires in N cycles has fired N cycles later. A refused MSR access (#GP)
 * and every read leave the vCPU and the shared page as they were; a
 * write changes the shared page only inside the kvmclock structure it
 * registered there; an entry or exit changes at most bit 0 of the PV EOI
 * flag byte, only in a shared page, and ends at most one interrupt. The
 * shared page is an allocation of exactly one page, so a byte written
 * past it is an ASan finding; a private page is never handed out at all.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svsm/errno.h"
#include "vcpu.h"
#include "vsnp/vsnp_kvm.h"

#define PAGE 4096u
#define SHARED_GPA 0x200000ull
#define MAX_OPS 256

/* ---- the machine around the two files: one shared page, the TSC's rate, a silent console ---- */

static uint8_t *shared_page;
static bool page_shared;

void *vsnp_shared_page(struct vsnp_vcpu *c, uint64_t gpa)
{
	(void)c;
	return gpa == SHARED_GPA && page_shared ? shared_page : NULL;
}

uint64_t tsc_hz(void)
{
	return 2000000000ull;
}

void console_printf(const char *fmt, ...)
{
	(void)fmt;
}

/* ---- the input as a stream; reads past its end give zeros ---- */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v |= (uint64_t)(in->n ? *in->p : 0) << (8 * i);
		if (in->n)
			in->p++, in->n--;
	}
	return v;
}

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_vsnp_apic: %s\n", what);
	abort();
}

/* The MSRs worth aiming at; otherwise any 32-bit number. */
static uint32_t pick_msr(struct in *in)
{
	static const uint32_t msrs[] = {
		0x1B, 0x6E0, 0x802, 0x803, 0x808, 0x80A, 0x80B, 0x80D, 0x80F, 0x810, 0x817, 0x820, 0x827, 0x828,
		0x82F, 0x830, 0x831, 0x832, 0x837, 0x838, 0x839, 0x83E, 0x83F, 0x8FF, KVM_MSR_WALL_CLOCK_NEW,
		KVM_MSR_SYSTEM_TIME_NEW, KVM_MSR_PV_EOI_EN, MSR_TSC_AUX, 0xC0010010, 0xC0010015, 0xC001001F, 0xFE,
		0x2FF, 0x200, 0x20F, 0x210, 0x250, 0x258, 0x26F,
	};
	uint8_t k = (uint8_t)take(in, 1);

	if (k < 2 * sizeof(msrs) / sizeof(msrs[0]))
		return msrs[k / 2];
	if (k < 0xF0)
		return 0x800u + (uint32_t)take(in, 1); /* anywhere in the x2APIC range */
	return (uint32_t)take(in, 4);
}

/* A value for it: raw, or an address in (or next to) the shared page with the enable bits chosen. */
static uint64_t pick_value(struct in *in)
{
	uint8_t k = (uint8_t)take(in, 1);

	if (k < 0x60)
		return SHARED_GPA + (take(in, 2) & 0x1FFF) - 0x800 + (take(in, 1) & 3);
	if (k < 0x90)
		return take(in, 1); /* small: vectors, TPR, divide, modes */
	if (k < 0xA0)
		return take(in, 1) | (take(in, 1) & 7) << 8 | (take(in, 1) & 3) << 18 | take(in, 1) << 32; /* an ICR */
	return take(in, 8);
}

static struct vsnp_vcpu vcpu;
static uint64_t now;

/* ---- invariants ---- */

static void check_apic(const struct vsnp_apic *a)
{
	if ((a->irr[0] | a->isr[0]) & 0xFFFFu)
		fail("a vector 0-15 requested or in service");
	int v = vsnp_apic_deliverable(a);

	if (v >= 0 && (v < 16 || !(a->irr[v / 32] & (1u << (v % 32)))))
		fail("the deliverable vector is not a requested one");
	if (v >= 0 && ((unsigned)v & 0xF0) <= (a->tpr & 0xF0))
		fail("the deliverable vector is not above the task priority");
	if (a->offered != -1 || a->offered_again)
		fail("a vector still offered between entries");
	if (a->pv_eoi_pending)
		fail("a PV EOI flag outstanding between entries");
	uint64_t left = vsnp_apic_cycles_left(a, now);

	if (left != 0 && now + left > now) {
		struct vsnp_apic later = *a;

		vsnp_apic_tick(&later, now + left);
		if (later.fired != a->fired + 1)
			fail("the timer did not fire when it said it would");
	}
}

static void check_all(void)
{
	for (unsigned i = 0; i < SNP_VMPL_COUNT; i++)
		check_apic(&vcpu.apic[i]);
}

/* Bytes of the shared page that differ from before outside [from, to). */
static bool page_changed_outside(const uint8_t *before, size_t from, size_t to)
{
	for (size_t i = 0; i < PAGE; i++)
		if ((i < from || i >= to) && shared_page[i] != before[i])
			return true;
	return false;
}

/* An entry or exit touched nothing but bit 0 of the flag byte, and that only in a shared page. */
static void check_flag_only(const uint8_t *before, const struct vsnp_apic *a)
{
	uint64_t gpa = a->pv_eoi_msr & ~3ull;
	size_t off = (gpa & ~(uint64_t)(PAGE - 1)) == SHARED_GPA && page_shared ? (size_t)(gpa & (PAGE - 1)) : PAGE;

	if (page_changed_outside(before, off, off + 1))
		fail("PV EOI changed the shared page outside its flag byte");
	if (off < PAGE && ((shared_page[off] ^ before[off]) & ~KVM_PV_EOI_FLAG) != 0)
		fail("PV EOI changed a bit of the flag byte other than bit 0");
}

static unsigned in_service(const struct vsnp_apic *a)
{
	unsigned n = 0;

	for (unsigned w = 0; w < VSNP_APIC_WORDS; w++)
		n += (unsigned)__builtin_popcount(a->isr[w]);
	return n;
}

/* ---- operations ---- */

/* RDMSR or WRMSR as cpu.c's ghcb_msr routes it, with what a refusal and a read may not change. */
static void msr_access(struct in *in, bool write)
{
	static struct vsnp_vcpu before;
	static uint8_t page_before[PAGE];
	uint32_t msr = pick_msr(in);
	uint64_t v = write ? pick_value(in) : 0, asked = v;
	struct vsnp_apic *apic = &vcpu.apic[vcpu.vmpl];
	int err;

	vsnp_apic_tick(apic, now); /* the access catches the timer up first; that is time, not the access */
	memcpy(&before, &vcpu, sizeof(vcpu));
	memcpy(page_before, shared_page, PAGE);
	err = vsnp_kvm_msr(&vcpu, msr, write, &v);
	if (err == SVSM_ENOENT)
		err = write ? vsnp_apic_wrmsr(apic, msr, now, v) : vsnp_apic_rdmsr(apic, msr, now, &v);
	if (err != SVSM_OK || !write) {
		if (memcmp(&before, &vcpu, sizeof(vcpu)) != 0)
			fail(write ? "a refused MSR write changed the vCPU" : "an MSR read changed the vCPU");
		if (memcmp(page_before, shared_page, PAGE) != 0)
			fail("a refused write or a read changed the shared page");
		return;
	}
	/* A write: the shared page changes only inside the kvmclock structure registered in it. */
	size_t from = PAGE, to = PAGE;
	uint64_t gpa = msr == KVM_MSR_SYSTEM_TIME_NEW ? asked & ~KVM_SYSTEM_TIME_ENABLE : asked;
	size_t len = msr == KVM_MSR_SYSTEM_TIME_NEW ? sizeof(struct pvclock_time_info) : sizeof(struct pvclock_wall_clock);

	if ((msr == KVM_MSR_WALL_CLOCK_NEW || (msr == KVM_MSR_SYSTEM_TIME_NEW && (asked & KVM_SYSTEM_TIME_ENABLE))) &&
	    (gpa & ~(uint64_t)(PAGE - 1)) == SHARED_GPA)
		from = (size_t)(gpa & (PAGE - 1)), to = from + len;
	if (page_changed_outside(page_before, from, to))
		fail("an MSR write changed the shared page outside its kvmclock structure");
	if (to > PAGE && memcmp(page_before, shared_page, PAGE) != 0)
		fail("a kvmclock structure crossing the page end was written");
	if (apic->ipi_out) {
		apic->ipi_out = false;
		if (msr != 0x830 && msr != 0x83F)
			fail("an IPI sent by a write to neither the ICR nor SELF_IPI");
		if (!apic->ipi.nmi && apic->ipi.vector < 16)
			fail("a fixed IPI with an illegal vector sent");
		/* This vCPU is the machine's only one: it gets what targets it. */
		if (vsnp_apic_ipi_targets(&apic->ipi, vcpu.apic_id, apic)) {
			if (apic->ipi.nmi)
				vsnp_apic_nmi(apic);
			else
				(void)vsnp_apic_accept(apic, apic->ipi.vector);
		}
	}
}

/* One entry and exit as cpu.c makes them; the guest in between is the input. */
static void entry(struct in *in)
{
	static uint8_t page_before[PAGE];
	unsigned vmpl = vcpu.vmpl;
	struct vsnp_apic *a = &vcpu.apic[vmpl];
	uint8_t how = (uint8_t)take(in, 1);

	vsnp_apic_tick(a, now);
	if (vsnp_apic_nmi_ready(a) && (how & 1))
		vsnp_apic_nmi_delivered(a);
	int vec = vsnp_apic_deliverable(a);

	vsnp_apic_offer(a, vec);
	memcpy(page_before, shared_page, PAGE);
	vsnp_kvm_pv_eoi_enter(&vcpu, vec);
	check_flag_only(page_before, a);
	/* The guest runs: an IPI may arrive meanwhile, it takes the V_IRQ or not, writes its shared page as it likes. */
	if (how & 2)
		(void)vsnp_apic_accept(a, (unsigned)take(in, 1));
	if (how & 4) {
		/* Often its flag byte itself (clearing the flag, or setting the other bits), else anywhere. */
		uint64_t flag = a->pv_eoi_msr & ~3ull;
		size_t off = (how & 32) && (flag & ~(uint64_t)(PAGE - 1)) == SHARED_GPA ? (size_t)(flag & (PAGE - 1))
											 : (size_t)(take(in, 2) % PAGE);

		shared_page[off] = (uint8_t)take(in, 1);
	}
	if (how & 8)
		page_shared = !page_shared;
	const bool taken = vec >= 0 && (how & 16);
	unsigned served_before, served_after;
	uint64_t eois = a->pv_eois;

	vsnp_apic_offer_done(a, taken);
	served_before = in_service(a);
	memcpy(page_before, shared_page, PAGE);
	vsnp_kvm_pv_eoi_exit(&vcpu, vmpl);
	served_after = in_service(a);
	check_flag_only(page_before, a);
	if (served_after > served_before || served_before - served_after > 1 || a->pv_eois - eois != served_before - served_after)
		fail("the flag's answer ended something other than one interrupt in service");
	if (taken && vec >= 0 && !(a->isr[vec / 32] & (1u << (vec % 32))) && a->pv_eois == eois)
		fail("a vector the guest took is not in service");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };

	if (shared_page == NULL && (shared_page = aligned_alloc(PAGE, PAGE)) == NULL)
		return 0;
	memset(shared_page, 0, PAGE);
	page_shared = true;
	memset(&vcpu, 0, sizeof(vcpu));
	vcpu.apic_id = (uint32_t)take(&in, 1) & 7;
	for (unsigned i = 0; i < SNP_VMPL_COUNT; i++)
		vsnp_apic_init(&vcpu.apic[i], vcpu.apic_id);
	now = take(&in, 4);
	vsnp_kvm_clock_start(now);
	for (unsigned op = 0; op < MAX_OPS && in.n > 0; op++) {
		switch (take(&in, 1) % 9) {
		case 0: msr_access(&in, true); break;
		case 1: msr_access(&in, false); break;
		case 2: now += take(&in, 1) << (take(&in, 1) % 40); break;
		case 3: (void)vsnp_apic_accept(&vcpu.apic[vcpu.vmpl], (unsigned)take(&in, 1)); break;
		case 4: entry(&in); break;
		case 5: vsnp_apic_nmi(&vcpu.apic[vcpu.vmpl]); break;
		case 6: vsnp_apic_nmi_done(&vcpu.apic[vcpu.vmpl]); break; /* NMI_COMPLETE */
		case 7: vcpu.vmpl = (unsigned)take(&in, 1) % SNP_VMPL_COUNT; break; /* Run VMPL */
		case 8: page_shared = !page_shared; break; /* a page state change by the guest */
		}
		check_all();
	}
	return 0;
}
