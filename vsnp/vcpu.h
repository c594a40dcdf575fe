/* SPDX-License-Identifier: MIT */
/*
 * One emulated SNP vCPU as the machine runs it (vsnp/cpu.c): the VMCB its
 * VMSA was loaded into, the registers VMRUN does not keep, its GHCB MSR,
 * and the machine it belongs to. Helpers shared by the exit handlers:
 * guest memory as the vCPU sees it (vsnp/guest_access.c) and the SNP
 * instructions (vsnp/snp_insn.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/snp.h"
#include "abi/vmcb.h"
#include "apic.h"
#include "machine.h"
#include "vsnp/vsnp.h"

/*
 * A vCPU has one VMSA per VMPL it runs at (APM vol.2 §15.36.7), and runs
 * one at a time: the running one is in the VMCB, the others in their VMSA
 * pages, which are the only place their state lives (Run VMPL switches).
 */
/* vCPUs the machine can have (APIC IDs 0..VSNP_MAX_VCPUS-1), taking turns on the machine's CPUs. */
#define VSNP_MAX_VCPUS 8
_Static_assert(VSNP_MAX_VCPUS * SNP_VMPL_COUNT <= VSNP_IO_WRITERS, "a UART line per vCPU and VMPL");

enum vsnp_vcpu_state {
	VCPU_OFF,      /* no running VMSA (not created, or destroyed) */
	VCPU_RUNNABLE,
	VCPU_HALTED,   /* after HLT, until its APIC has an interrupt for it */
};

struct vsnp_vcpu {
	struct vsnp_machine *m;
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
	enum vsnp_vcpu_state state;
	bool flush_tlb;             /* its nested view changed: flush its guest TLB at its next VMRUN */
	struct svm_gprs g;
	struct vsnp_hv_vcpu hv;     /* the running VMPL's GHCB MSR and registered GHCB */
	unsigned vmpl;              /* the running VMPL */
	uint64_t sev_features;      /* from its VMSA */
	uint32_t apic_id;
	unsigned pcpu;              /* the machine CPU it runs on (vsnp/cpu.c) */
	bool pulled;                /* another CPU took its context over during VMRUN: that exit is not served */
	uint64_t last_vc_code, last_vc_rip, last_vc_rax, last_vc_rcx; /* its last #VC, for the end's report */
	/* Where the machine's timer last found it below VMPL0, and since when it has found it there (cpu.c: a dead loop). */
	uint64_t spin_rip, spin_rsp, spin_since;
	/*
	 * One x2APIC per VMPL (the hypervisor's emulation), as KVM gives each
	 * VMPL plane its own: a VMPL's timer and IPIs go to its own APIC,
	 * are delivered while that VMPL runs and wait while another does, so
	 * the guest's interrupts never reach the SVSM, nor its timer the guest.
	 */
	struct vsnp_apic apic[SNP_VMPL_COUNT];
	uint64_t vmsa_gpa[SNP_VMPL_COUNT];             /* each VMPL's VMSA, 0: none */
	/*
	 * AP creation gave VMPL start_at_hlt (0: none) the VMSA at
	 * start_at_hlt_gpa while a more privileged context of this vCPU ran
	 * (the SVSM's AP between a wake-up and its HLT): that context's next
	 * HLT starts it, as if it had halted first (cpu.c, ap_create).
	 */
	unsigned start_at_hlt;
	uint64_t start_at_hlt_gpa;
	struct vsnp_hv_vcpu hv_saved[SNP_VMPL_COUNT];  /* the others' GHCB state (KVM keeps it per VMPL) */
	/* vsnp.lie=rewrite: VMPL0's last GHCB and guest-request response page, rewritten at its next exit (0: none). */
	uint64_t lie_ghcb, lie_resp;
	uint8_t fpu[512] __attribute__((aligned(16)));  /* FXSAVE image while switching */
};

/* A shared page of guest RAM (RMP: not assigned) as the hypervisor reaches it: gpa page aligned; NULL otherwise. */
void *vsnp_shared_page(struct vsnp_vcpu *c, uint64_t gpa);

/*
 * The MSRs the hypervisor serves besides the APIC's (vsnp/kvm_msr.c):
 * TSC_AUX, SYSCFG, HWCR, NB_CFG, the kvmclock and PV EOI MSRs (include/vsnp/vsnp_kvm.h). SVSM_OK with
 * *val read or taken; SVSM_EINVAL for a value the MSR refuses (#GP);
 * SVSM_ENOENT: not one of these.
 */
int vsnp_kvm_msr(struct vsnp_vcpu *c, uint32_t msr, bool write, uint64_t *val);
/*
 * PV EOI around a VMRUN of the vCPU (KVM's protocol, msr.rst
 * MSR_KVM_PV_EOI_EN): before it, the running VMPL's flag set when its
 * APIC has one interrupt in service and none requested, offered (or -1)
 * the vector offered by V_IRQ counted as in service
 * (vsnp_apic_pv_eoi_offer); after the exit, once a V_IRQ the guest took
 * is in service, from VMPL vmpl's flag: cleared by the guest, the EOI is
 * done for it; still set, it is cleared, and the guest will write EOI.
 * Only a word in a shared page is touched.
 */
void vsnp_kvm_pv_eoi_enter(struct vsnp_vcpu *c, int offered);
void vsnp_kvm_pv_eoi_exit(struct vsnp_vcpu *c, unsigned vmpl);
/* The kvmclock's origin: the machine's TSC when its vCPUs start (system time 0). */
void vsnp_kvm_clock_start(uint64_t tsc0);

/* General-purpose register n (ModRM numbering: 0 RAX .. 15 R15) of the vCPU. */
uint64_t vsnp_gpr(const struct vsnp_vcpu *c, unsigned n);

/*
 * Guest memory through the vCPU's own paging, as the CPU's accesses would
 * go: with paging off linear = GPA; in long mode the 4-level walk, whose
 * table accesses are private whatever their C-bit (APM vol.2 §15.34.5).
 * Data accesses are allowed only to private pages (the C-bit set in the
 * leaf, or paging off) the RMP lets the vCPU's VMPL read (or write), so
 * nothing the vCPU could not touch is touched for it. SVSM_OK or
 * SVSM_EFAULT (not mapped, not allowed, or a paging mode not emulated:
 * 32-bit paging and PAE without long mode).
 */
int vsnp_guest_virt(struct vsnp_vcpu *c, uint64_t va, void *buf, size_t len, bool write);
/* len (<= 15) instruction bytes at CS:RIP. SVSM_OK or SVSM_EFAULT. */
int vsnp_guest_insn(struct vsnp_vcpu *c, uint8_t *buf, size_t len);
/* The GPA (C-bit cleared) and whether the mapping is private, for linear address va. SVSM_OK or SVSM_EFAULT. */
int vsnp_guest_translate(struct vsnp_vcpu *c, uint64_t va, uint64_t *gpa, bool *priv);

/*
 * Delivers exception vector with error code error as the CPU would in
 * 64-bit mode (APM vol.2 §8.9.3): RIP unchanged (a fault). Used for #VC,
 * which QEMU TCG cannot inject with its error code. SVSM_OK or SVSM_EFAULT
 * (not in 64-bit mode, or no usable IDT gate or stack: the CPU would
 * escalate to a double fault and, under SNP, shut down).
 */
int vsnp_deliver_exception(struct vsnp_vcpu *c, unsigned vector, uint64_t error);
/* An exception without error code, or #GP/#PF style with one, through EVENTINJ (vectors QEMU pushes codes for). */
void vsnp_inject(struct vsnp_vcpu *c, unsigned vector, bool has_error, uint32_t error);

/* What an SNP instruction at RIP (found on a #UD intercept) came to. */
enum vsnp_insn_result {
	VSNP_INSN_DONE,    /* emulated, RIP advanced */
	VSNP_INSN_FAULTED, /* it raised an exception in the guest (injected) */
	VSNP_INSN_NOT_SNP, /* not an SNP instruction: the #UD stands */
	VSNP_INSN_STOP,    /* the machine cannot go on (*why) */
};
/*
 * PVALIDATE, RMPADJUST, PSMASH, RMPUPDATE, RMPREAD, RMPQUERY as an SNP
 * guest executes them (vsnp/snp_insn.c). Sets *why for VSNP_INSN_STOP.
 */
enum vsnp_insn_result vsnp_snp_insn(struct vsnp_vcpu *c, const char **why);

/* Whether gpa is the VMSA some vCPU runs now (an RMPADJUST of it is FAIL_INUSE). vsnp/cpu.c. */
bool vsnp_vmsa_in_use(uint64_t gpa);
