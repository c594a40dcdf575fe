/* SPDX-License-Identifier: MIT */
/*
 * Running the launched boot CPU (vsnp/cpu.c): its VMSA loaded into a VMCB,
 * VMRUN over the nested table of guest memory, and the exits an SNP host
 * serves for it. Step 2 of issue 16: the GHCB MSR protocol's termination
 * request and the GHCB MSR itself; any other exit stops the CPU with what
 * it was (SEV-ES #VC delivery, the SNP instructions, Run VMPL and the rest
 * come next).
 */
#pragma once

#include <stdint.h>

#include "abi/vmsa.h"
#include "gmem.h"

struct vsnp_cpu_end {
	enum { VSNP_CPU_TERMINATED, VSNP_CPU_STOPPED } kind;
	unsigned set, code;    /* TERMINATED: the guest's GHCB reason set and code */
	const char *why;       /* STOPPED: what happened */
	uint64_t exit_code, exit_info_1, exit_info_2, rip;
	uint64_t exits, vmgexits, msr_exits;
};

/* Runs the CPU whose VMSA is *vmsa until it terminates or stops. SVSM_OK, or SVSM_ENOMEM before it ran. */
int vsnp_cpu_run(struct vsnp_gmem *g, const struct vmsa *vmsa, struct vsnp_cpu_end *end);
