/* SPDX-License-Identifier: MIT */
/*
 * A vCPU's local APIC as the hypervisor emulates it for an SNP guest:
 * x2APIC mode only (its registers are MSRs 0x800-0x8FF, reached through
 * the GHCB as MSR NAE events; an MMIO page would need MMIO emulation).
 * It has the interrupt request and in-service registers with their
 * priorities (TPR, PPR), EOI, the timer (one-shot, periodic, TSC
 * deadline), fixed and NMI IPIs through the ICR and fixed ones through the
 * self-IPI register, which it hands to the caller to deliver, and the NMI
 * a vCPU has pending or in progress. Portable: time is the caller's TSC
 * value (vsnp/apic.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Slots for MSRs 0x82F-0x837: the LVTs (CMCI, thermal, perf, LINT0, LINT1, error; the timer has its own field, 0x830/0x831 are the ICR and reserved). */
#define VSNP_APIC_LVT_OTHER 9
/* 256 vectors in 32-bit words (IRR, ISR: x2APIC MSRs 0x820-0x827, 0x810-0x817). */
#define VSNP_APIC_WORDS 8
/* ICR destination shorthands, bits 19:18 (APM vol.2 §16.5 "Interprocessor Interrupts"). */
#define VSNP_IPI_DEST 0u
#define VSNP_IPI_SELF 1u
#define VSNP_IPI_ALL 2u
#define VSNP_IPI_OTHERS 3u

/* An interrupt an ICR write asked for, to be delivered by the caller (vsnp_apic_ipi_targets). */
struct vsnp_ipi {
	bool nmi;           /* delivery mode NMI (the vector is ignored), else fixed */
	uint8_t vector;
	uint8_t shorthand;  /* VSNP_IPI_* */
	bool logical;       /* destination mode: logical (cluster << 16 | bitmap) or physical (APIC ID) */
	uint32_t dest;
};

struct vsnp_apic {
	uint32_t id;
	uint32_t tpr, svr, esr, lvt_timer, tdcr, tmict;
	uint32_t lvt_other[VSNP_APIC_LVT_OTHER];  /* the LVT entries besides the timer (0x82F-0x837): kept, never fired */
	uint32_t irr[VSNP_APIC_WORDS], isr[VSNP_APIC_WORDS];
	uint64_t icr;          /* the last ICR written (readable in x2APIC mode) */
	/*
	 * The vector offered to the CPU as a virtual interrupt for the VMRUN
	 * under way (-1: none), which the guest takes without an exit, and
	 * whether it arrived again meanwhile: once taken it must be requested
	 * again, not merged into the request the guest already took (an IPI
	 * sent after the handler started would be lost: Linux sends the
	 * call-function IPI only to an empty queue, and waits).
	 */
	int offered;
	bool offered_again;
	uint64_t t_start;      /* TSC when the count started (one-shot, periodic) */
	uint64_t tsc_deadline; /* IA32_TSC_DEADLINE (TSC-deadline mode), 0: disarmed */
	uint64_t fired;        /* timer interrupts raised */
	bool ipi_out;          /* an ICR or self-IPI write left `ipi` for the caller to send */
	struct vsnp_ipi ipi;
	/*
	 * NMI: one can wait (more arriving meanwhile are one, as on hardware),
	 * and none is delivered while the last is in progress: for an SEV-ES
	 * guest the hypervisor cannot see its IRET, so "in progress" lasts
	 * until the guest's NMI_COMPLETE event (GHCB spec 56421), as KVM has it.
	 */
	bool nmi_pending, nmi_in_progress;
	uint64_t nmis;         /* NMIs delivered */
	/*
	 * KVM's paravirtual EOI (Linux Documentation/virt/kvm/x86/msr.rst,
	 * MSR_KVM_PV_EOI_EN): the MSR as the guest wrote it (bit 0 on, bits
	 * 63:2 the address of its flag word; vsnp/kvm_msr.c), and whether the
	 * hypervisor set the guest's flag for the interrupt in service, so the
	 * guest may end it by clearing the flag instead of writing EOI.
	 */
	uint64_t pv_eoi_msr;
	bool pv_eoi_pending;
	uint64_t pv_eois;      /* interrupts the guest ended through its flag */
};

/* A fresh APIC (after reset, in x2APIC mode) with APIC ID id. */
void vsnp_apic_init(struct vsnp_apic *a, uint32_t id);
/*
 * RDMSR/WRMSR of an APIC MSR (IA32_APIC_BASE 0x1B, IA32_TSC_DEADLINE
 * 0x6E0, x2APIC 0x800-0x8FF) at TSC now. SVSM_OK (*v the value read);
 * SVSM_ENOENT: not an APIC MSR; SVSM_EINVAL: a #GP (reserved register,
 * read-only or write-only register, reserved bits, leaving x2APIC mode);
 * SVSM_ENOTSUP: an ICR delivery mode this model does not emulate (lowest
 * priority, SMI, INIT, startup), also answered with #GP and nothing sent. A refused
 * write changes nothing. A write that sends an IPI sets a->ipi_out.
 */
int vsnp_apic_rdmsr(struct vsnp_apic *a, uint32_t msr, uint64_t now, uint64_t *v);
int vsnp_apic_wrmsr(struct vsnp_apic *a, uint32_t msr, uint64_t now, uint64_t v);
/* Advances the timer to now: an expiry raises its vector unless the LVT is masked (periodic mode reloads). */
void vsnp_apic_tick(struct vsnp_apic *a, uint64_t now);
/*
 * A fixed interrupt arrives (an IPI, or the timer): its IRR bit is set.
 * false when the APIC does not take it: software-disabled, or an illegal
 * vector (0-15: ESR "received illegal vector").
 */
bool vsnp_apic_accept(struct vsnp_apic *a, unsigned vector);
/* An NMI arrives: pending until it can be delivered (a software-disabled APIC takes NMIs too). */
void vsnp_apic_nmi(struct vsnp_apic *a);
/* Whether an NMI can be delivered now (pending, none in progress). */
bool vsnp_apic_nmi_ready(const struct vsnp_apic *a);
/* The CPU is given the pending NMI: in progress from now until vsnp_apic_nmi_done. */
void vsnp_apic_nmi_delivered(struct vsnp_apic *a);
/* The guest said its NMI handling is complete (NMI_COMPLETE): the next may come. */
void vsnp_apic_nmi_done(struct vsnp_apic *a);
/* Whether an IPI sent from APIC ID from reaches APIC to (shorthand, physical ID or broadcast, logical cluster and bit). */
bool vsnp_apic_ipi_targets(const struct vsnp_ipi *ipi, uint32_t from, const struct vsnp_apic *to);
/* The highest vector set in a 256-bit register (IRR, ISR: VSNP_APIC_WORDS words), or -1. */
int vsnp_apic_highest(const uint32_t *r);
/* The vector to deliver now: the highest requested one whose priority class is above the PPR; -1 if none. */
int vsnp_apic_deliverable(const struct vsnp_apic *a);
/* EOI (x2APIC MSR 0x80B written 0): the highest vector in service is done (true); none in service, nothing changes (false). */
bool vsnp_apic_eoi(struct vsnp_apic *a);
/*
 * Whether the guest's PV EOI flag may be set before the next entry, as
 * KVM decides it, with offered (or -1) the vector offered as a virtual
 * interrupt counted as in service (the guest takes it without an exit):
 * PV EOI on, nothing else requested in the IRR (an interrupt could nest)
 * and one in service, whose EOI the flag stands for. An EOI ends the
 * highest vector in service, so the guest's one EOI without a write is
 * the same EOI whichever it meant, done at the next exit.
 */
bool vsnp_apic_pv_eoi_offer(const struct vsnp_apic *a, int offered);
/* Before VMRUN: vector (or -1) is offered to the CPU as a virtual interrupt. */
void vsnp_apic_offer(struct vsnp_apic *a, int vector);
/*
 * After the exit: whether the CPU took the offered vector. Taken, it is in
 * service (vsnp_apic_delivered), and requested again if it arrived again
 * while offered; not taken, it stays requested (arrivals meanwhile are one).
 */
void vsnp_apic_offer_done(struct vsnp_apic *a, bool taken);
/* The CPU took vector: it moves from requested to in service until its EOI. */
void vsnp_apic_delivered(struct vsnp_apic *a, unsigned vector);
/* TSC cycles from now until the timer fires, or 0 when it is not counting. */
uint64_t vsnp_apic_cycles_left(const struct vsnp_apic *a, uint64_t now);
