/* SPDX-License-Identifier: MIT */
/*
 * What the SVSM's #VC handler does for an intercepted instruction under
 * SNP (GHCB spec 56421, NAE events): decode it (vc_decode), answer CPUID from the
 * CPUID page, send MSR and port accesses through the GHCB, update the
 * registers and step over the instruction. Pure, so host tests drive it
 * with a scripted hypervisor; svsm/platform/snp/vc.c is the kernel glue.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svsm/snp_cpuid.h"
#include "svsm/snp_hv.h"

/* The registers an emulated CPUID/RDMSR/WRMSR/IN/OUT reads and writes. */
struct vc_regs {
	uint64_t rax, rbx, rcx, rdx, rip;
};

struct snp_vc_env {
	struct snp_hv *hv;
	const struct snp_cpuid *cpuid;
	bool osxsave, pke; /* CR4 bits */
	uint64_t xcr0, xss;
};

/*
 * CPUID as the SVSM answers it under SNP: the CPUID page with this CPU's
 * fix-ups, the hypervisor asked (through env->hv) only for APIC IDs.
 * What the #VC handler and the seam's platform_cpuid both use.
 */
int snp_vc_cpuid(const struct snp_vc_env *env, uint32_t leaf, uint32_t subleaf,
		 struct cpuid_regs *out);

/*
 * Emulates the instruction at insn (avail readable bytes) that raised #VC
 * with exit_code. SVSM_OK: regs updated and RIP advanced. Otherwise regs
 * are unchanged and: SVSM_EFAULT, the hypervisor says the access faults
 * (an MSR that does not exist: the caller raises it as #GP at RIP);
 * SVSM_ENOTSUP, an exit code or form the SVSM does not emulate (string
 * I/O, anything but CPUID/MSR/IOIO); SVSM_EINVAL or SVSM_ERANGE, the bytes
 * do not decode as the exit code says; SVSM_EIO, the hypervisor failed.
 */
int snp_vc_emulate(const struct snp_vc_env *env, uint64_t exit_code, struct vc_regs *regs,
		   const uint8_t *insn, size_t avail);
