/* SPDX-License-Identifier: MIT */
/*
 * The KVM paravirtual interface vsnp's hypervisor offers, as KVM offers it
 * (Linux Documentation/virt/kvm/x86/cpuid.rst and msr.rst): the signature
 * leaf, a feature leaf with only the kvmclock features, and the kvmclock
 * MSRs. A guest learns from it that it runs on a hypervisor with a
 * paravirtual x2APIC (Linux then keeps x2APIC mode without interrupt
 * remapping: this machine's APIC has no xAPIC page) and its TSC frequency
 * (the kvmclock structure; the guest cannot calibrate the TSC against a
 * timer through port I/O that exits on every access), and paravirtual
 * EOI: the guest ends the interrupt in service by clearing a flag in a
 * page it shared when the hypervisor set it, instead of an EOI write (an
 * MSR write, which under SEV-ES is a #VC and a VMGEXIT: two exits per
 * interrupt on this machine). Nothing else of KVM's paravirtual features
 * is offered.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define KVM_CPUID_SIGNATURE 0x40000000u   /* EAX: highest hypervisor leaf; EBX, ECX, EDX: "KVMKVMKVM\0\0\0" */
#define KVM_CPUID_FEATURES 0x40000001u    /* EAX: feature bits, EDX: hints */
#define KVM_SIGNATURE_EBX 0x4B4D564Bu     /* "KVMK" */
#define KVM_SIGNATURE_ECX 0x564B4D56u     /* "VMKV" */
#define KVM_SIGNATURE_EDX 0x0000004Du     /* "M\0\0\0" */
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define KVM_FEATURE_PV_EOI (1u << 6)
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT (1u << 24)
#define KVM_MSR_WALL_CLOCK_NEW 0x4B564D00u
#define KVM_MSR_SYSTEM_TIME_NEW 0x4B564D01u
#define KVM_SYSTEM_TIME_ENABLE 1ull       /* bit 0 of MSR_KVM_SYSTEM_TIME_NEW */
/*
 * MSR_KVM_PV_EOI_EN: bit 0 on, bit 1 reserved (#GP), bits 63:2 the
 * guest-physical address of a 4-byte-aligned word whose bit 0 the
 * hypervisor sets when the guest may end the interrupt in service by
 * clearing it (msr.rst).
 */
#define KVM_MSR_PV_EOI_EN 0x4B564D04u
#define KVM_PV_EOI_ENABLE 1ull
#define KVM_PV_EOI_RESERVED 2ull
#define KVM_PV_EOI_FLAG 1u
#define MSR_TSC_AUX 0xC0000103u           /* APM vol.2 §A.7: RDTSCP's ECX */
#define PVCLOCK_TSC_STABLE_BIT 0x01u

/* struct pvclock_vcpu_time_info (msr.rst, MSR_KVM_SYSTEM_TIME_NEW): ns = system_time + scale(tsc - tsc_timestamp). */
struct pvclock_time_info {
	uint32_t version;        /* odd while the hypervisor writes */
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;    /* ns */
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
};
_Static_assert(sizeof(struct pvclock_time_info) == 32, "pvclock time info size");

/* struct pvclock_wall_clock (msr.rst, MSR_KVM_WALL_CLOCK_NEW): the wall time at system_time 0. */
struct pvclock_wall_clock {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
};
_Static_assert(sizeof(struct pvclock_wall_clock) == 12, "pvclock wall clock size");

/*
 * tsc_to_system_mul and tsc_shift for a TSC of tsc_hz (> 0): ns = ((tsc
 * delta, shifted left by shift or right by -shift) * mul) >> 32, mul below
 * 2^32 and as large as it can be (msr.rst's formula). Pure, host-tested.
 */
void vsnp_kvm_clock_scale(uint64_t tsc_hz, uint32_t *mul, int8_t *shift);
/* The time info a guest reads at guest TSC tsc, for a clock that started at tsc0. */
void vsnp_kvm_time_info(struct pvclock_time_info *t, uint64_t tsc, uint64_t tsc0, uint64_t tsc_hz);
