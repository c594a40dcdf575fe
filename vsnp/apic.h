/* SPDX-License-Identifier: MIT */
/*
 * A vCPU's local APIC as the hypervisor emulates it for an SNP guest: x2APIC
 * mode only (its registers are MSRs 0x800-0x8FF, reached through the GHCB
 * as MSR NAE events; an MMIO page would need MMIO emulation), with the
 * timer (one-shot and periodic; the APIC timer counts TSC cycles divided
 * by the divide configuration) and EOI. Portable: time is the caller's
 * TSC value (vsnp/apic.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Slots for MSRs 0x82F-0x837: the LVTs (CMCI, thermal, perf, LINT0, LINT1, error; the timer has its own field, 0x830/0x831 are the ICR and reserved). */
#define VSNP_APIC_LVT_OTHER 9

struct vsnp_apic {
	uint32_t id;
	uint32_t tpr, svr, lvt_timer, tdcr, tmict;
	uint32_t lvt_other[VSNP_APIC_LVT_OTHER];  /* the LVT entries besides the timer (0x82F-0x837): kept, never fired */
	uint64_t t_start;   /* TSC when the count started */
	bool pending;       /* the timer fired; the interrupt is not yet delivered */
	bool in_service;    /* delivered; waiting for its EOI */
	uint64_t fired;     /* timer interrupts raised */
};

/* A fresh APIC (after reset, in x2APIC mode) with APIC ID id. */
void vsnp_apic_init(struct vsnp_apic *a, uint32_t id);
/*
 * RDMSR/WRMSR of an APIC MSR (IA32_APIC_BASE 0x1B, x2APIC 0x800-0x8FF) at
 * TSC now. SVSM_OK (*v the value read); SVSM_ENOENT: not an APIC MSR;
 * SVSM_EINVAL: a #GP (reserved register, read-only written, reserved bits,
 * leaving x2APIC mode).
 */
int vsnp_apic_rdmsr(struct vsnp_apic *a, uint32_t msr, uint64_t now, uint64_t *v);
int vsnp_apic_wrmsr(struct vsnp_apic *a, uint32_t msr, uint64_t now, uint64_t v);
/* Advances the timer to now: an expiry makes the interrupt pending (periodic mode reloads). */
void vsnp_apic_tick(struct vsnp_apic *a, uint64_t now);
/* The vector to deliver now (pending, unmasked, APIC enabled, none in service), or -1. */
int vsnp_apic_deliverable(const struct vsnp_apic *a);
/* The CPU took the vector: it is in service until the EOI. */
void vsnp_apic_delivered(struct vsnp_apic *a);
/* TSC cycles from now until the timer fires, or 0 when it is not counting. */
uint64_t vsnp_apic_cycles_left(const struct vsnp_apic *a, uint64_t now);
