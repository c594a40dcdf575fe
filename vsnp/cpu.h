/* SPDX-License-Identifier: MIT */
/*
 * Running the launched boot CPU (vsnp/cpu.c): its VMSA loaded into a VMCB,
 * VMRUN over the nested view of VMPL0 that matches its paging, and every
 * exit served as an SNP host (CPU, PSP, KVM) serves it: non-automatic
 * exits delivered to the guest as #VC, the SNP instructions emulated, the
 * GHCB MSR and page protocols answered. Anything not served yet stops the
 * CPU with what it was.
 */
#pragma once

#include <stdint.h>

#include "abi/vmsa.h"
#include "machine.h"

#define VSNP_PROF_KINDS 24
/* The profile's keys: an SVM exit code as it is; a VMGEXIT by what it asked. */
#define VSNP_KIND_GHCB(sw_exit_code) ((1ull << 32) | ((sw_exit_code) & 0xFFFFFFFFull))
#define VSNP_KIND_GHCB_MSR(info) ((2ull << 32) | ((info) & 0xFFFull))

struct vsnp_cpu_end {
	enum { VSNP_CPU_TERMINATED, VSNP_CPU_STOPPED, VSNP_CPU_POWERED_OFF } kind;
	unsigned set, code;    /* TERMINATED: the guest's GHCB reason set and code */
	const char *why;       /* STOPPED: what happened */
	uint64_t exit_code, exit_info_1, exit_info_2, rip;
	/* Exits by kind (the report's figures). */
	uint64_t exits, vmgexits, ghcb_calls, msr_exits, vc_delivered, snp_insns, npf_mapped, cr0_writes;
	uint64_t vmpl_switches, vmpl2_exits, intr_exits, guest_requests, vcpu_switches, aps_started;
	uint64_t lie_rewrites; /* vsnp.lie=rewrite: VMPL0 answers rewritten after it had them */
	uint64_t irqs_vmpl0, irqs_lower, ipis, idle_waits; /* interrupts delivered (at VMPL0, below), IPIs sent, waits with no vCPU to run */
	uint64_t pv_eois;      /* interrupts a guest ended through its PV EOI flag (no EOI write) */
	uint64_t kicks;        /* IPIs from one machine CPU to another (a vCPU's state changed there) */
	uint64_t vmgexits_fused; /* VMGEXITs served in the exit of the GHCB MSR write just before them */
	uint64_t events_again, soft_again; /* events an exit cut short: injected again; software interrupts run again */
	uint64_t irqs_again;   /* interrupts an exit cut short: left to the APIC, offered again */
	uint64_t aps_at_hlt;   /* of aps_started: started at the HLT of a context that ran when they were created */
	unsigned pcpus;        /* the machine CPUs the vCPUs ran on */
	uint64_t mmio_vc;      /* shared accesses to addresses that are no RAM: #VC 0x400 */
	unsigned apic_id;      /* the vCPU whose exit ended it */
	uint64_t tsc_start, tsc_first_vmpl2, tsc_end; /* the boot vCPU's first VMRUN, the first below VMPL0, the end */
	unsigned vmpl;         /* the VMPL running when it ended */
	uint64_t last_vc_code, last_vc_rip, last_vc_rax, last_vc_rcx; /* the ending vCPU's last #VC (0 code: none): what a guest that terminates on an exit it cannot handle met */
	/*
	 * Where the machine CPUs' time went (TSC cycles, summed over them):
	 * inside VMRUN, idle in HLT, and serving exits, by kind (the first
	 * VSNP_PROF_KINDS kinds met; the rest in other_*).
	 */
	uint64_t tsc_guest, tsc_idle, tsc_serving;
	struct vsnp_exit_kind {
		uint64_t key;   /* VSNP_KIND_*: an SVM exit code, or a VMGEXIT's GHCB or MSR-protocol request */
		uint64_t count, tsc;
	} kinds[VSNP_PROF_KINDS];
	uint64_t other_count, other_tsc;
	/*
	 * The counters as they stood at two points the machine sees, for the
	 * report's phases: [0] the first instruction below VMPL0 (the SVSM
	 * booted), [1] the guest's boot disk's first request (a firmware at
	 * its boot manager). Not taken: the phase never ended.
	 */
	struct vsnp_phase_mark {
		bool taken;
		uint64_t tsc, exits, vmgexits, vc_delivered, npf_mapped, snp_insns, tsc_guest, tsc_serving;
	} mark[2];
};

/*
 * Runs the machine's ncpus vCPUs (APIC IDs 0..ncpus-1, taking turns on this
 * CPU): the boot vCPU from the VMSA at vmsa_gpa in guest memory, the others
 * once AP creation gives them a VMSA, until the VM terminates or stops.
 * SVSM_OK, SVSM_EINVAL (no VMSA there, or ncpus outside 1..VSNP_MAX_VCPUS),
 * or SVSM_ENOMEM before it ran.
 */
int vsnp_cpu_run(struct vsnp_machine *m, uint64_t vmsa_gpa, unsigned ncpus, struct vsnp_cpu_end *end);

/* After vsnp_cpu_run: one console line per vCPU (state, VMPL, RIP, its VMSAs), for a stopped run's report. */
void vsnp_cpu_report(void);
