/* SPDX-License-Identifier: MIT */
/*
 * CPUID under SNP: answered from the firmware-checked CPUID page
 * (SNP ABI 56860, the CPUID page), never from the hypervisor, except for the few
 * per-CPU values the page cannot hold (APIC IDs), which are merged in from
 * the hypervisor's answer, and the bits that mirror this CPU's control
 * registers (OSXSAVE, OSPKE) and the XSAVE area size, which are computed.
 * Pure; the kernel's #VC handler and host tests use it alike.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/snp_pages.h"
#include "lib/cpu.h"

/* CPUID 0x8000001F: EAX bit 1 = SEV, EBX[5:0] = C-bit position (APM vol.3 App. E.4.17). */
#define CPUID_SEV_LEAF 0x8000001Fu
#define CPUID_SEV_EAX_SEV (1u << 1)
#define CPUID_SEV_EBX_CBIT_MASK 0x3Fu

/* The private copy the SVSM answers from, with the ranges taken from it. */
struct snp_cpuid {
	struct snp_cpuid_table t;
	uint32_t std_max; /* EAX of leaf 0x0 */
	uint32_t hyp_max; /* EAX of leaf 0x40000000; 0 if absent */
	uint32_t ext_max; /* EAX of leaf 0x80000000 */
	unsigned cbit;    /* from leaf 0x8000001F */
};

/*
 * Checks the firmware's table and copies it into c. SVSM_OK, or SVSM_EINVAL
 * with *why naming the field: count outside 1..64, leaf 0x0 or 0x80000000
 * missing, extended range without leaf 0x8000001F, SEV not reported, C-bit
 * outside 32..51, or two entries for the same inputs.
 */
int snp_cpuid_init(struct snp_cpuid *c, const struct snp_cpuid_table *fw, const char **why);

/* The dynamic state the answers depend on. */
struct snp_cpuid_env {
	bool osxsave;  /* CR4.OSXSAVE */
	bool pke;      /* CR4.PKE */
	uint64_t xcr0; /* XCR0 (1, the reset value, when OSXSAVE is clear) */
	uint64_t xss;  /* IA32_XSS (0 when XSAVES is not in use) */
	/* The hypervisor's CPUID answer, for the per-CPU fields only; SVSM_OK or an error. */
	int (*hv)(void *ctx, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out);
	void *ctx;
};

/* True for leaves whose output depends on ECX (the table then matches ecx_in). */
bool snp_cpuid_indexed(uint32_t leaf);

/*
 * The answer for (leaf, subleaf): SVSM_OK; SVSM_EINVAL if leaf 0xD asks
 * for an XSAVE size the table cannot give (a feature enabled in XCR0/XSS
 * without its sub-leaf, or sub-leaf 1 without XSAVEC/XSAVES); the error of
 * env->hv if the hypervisor fails. Leaves not in the table are zero; in
 * range they still get the per-CPU fix-ups (Linux snp_cpuid does the same).
 */
int snp_cpuid_lookup(const struct snp_cpuid *c, uint32_t leaf, uint32_t subleaf,
		     const struct snp_cpuid_env *env, struct cpuid_regs *out);
