/* SPDX-License-Identifier: MIT */
/* The CPUID page of the vsnp guest (vsnp/cpuid_build.c). */
#pragma once

#include "abi/snp_pages.h"
#include "lib/cpu.h"

/* Where the real CPUID answers come from (the CPU in the kernel, a table in host tests). */
struct vsnp_cpuid_src {
	struct cpuid_regs (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf);
	void *ctx;
};

/*
 * Fills t with the CPU's leaves (all-zero leaves left out, indexed leaves
 * with their existing sub-leaves), the extended range raised to 0x8000001F,
 * and leaf 0x8000001F of an SNP machine: SEV, SEV-ES, SNP and VMPL
 * present, C-bit at cbit_pos, one address bit lost, 4 VMPLs. SVSM_OK;
 * SVSM_EINVAL (C-bit outside 32..51) or SVSM_ENOSPC (more than 64
 * entries) with *why.
 */
int vsnp_cpuid_page_build(struct snp_cpuid_table *t, const struct vsnp_cpuid_src *src,
			  unsigned cbit_pos, const char **why);
