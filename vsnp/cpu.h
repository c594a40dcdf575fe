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

struct vsnp_cpu_end {
	enum { VSNP_CPU_TERMINATED, VSNP_CPU_STOPPED } kind;
	unsigned set, code;    /* TERMINATED: the guest's GHCB reason set and code */
	const char *why;       /* STOPPED: what happened */
	uint64_t exit_code, exit_info_1, exit_info_2, rip;
	/* Exits by kind (the report's figures). */
	uint64_t exits, vmgexits, ghcb_calls, msr_exits, vc_delivered, snp_insns, npf_mapped, cr0_writes;
};

/* Runs the CPU whose VMSA is *vmsa until it terminates or stops. SVSM_OK, or SVSM_ENOMEM before it ran. */
int vsnp_cpu_run(struct vsnp_machine *m, const struct vmsa *vmsa, struct vsnp_cpu_end *end);
