/* SPDX-License-Identifier: MIT */
/*
 * A guest firmware (OVMF) at VMPL2 (svsm/guest/ovmf_launch.c): what the
 * launch carried (boot_info firmware_pa/size, igvm-build --firmware),
 * read and prepared by the SVSM as SNP firmware and an SVSM leave it for
 * OVMF's first instruction (edk2 OvmfPkg/ResetVector; SEV metadata
 * include/abi/ovmf.h).
 */
#pragma once

#include "abi/snp_pages.h"
#include "abi/vmsa.h"
#include "lib/ovmf_meta.h"
#include "mm/memmap.h"
#include "svsm/addr.h"
#include "svsm/boot_info.h"

/*
 * The firmware's SEV metadata, read from its launched pages with the
 * checks of lib/ovmf_meta.c: SVSM_OK with *m, else the error and why.
 */
int ovmf_launch_read_meta(const struct boot_info *bi, struct ovmf_meta *m, char why[OVMF_WHY_LEN]);

struct ovmf_launch_cfg {
	const struct ovmf_meta *meta;           /* read by ovmf_launch_read_meta */
	const struct memmap *guest_ram;         /* every section must lie in it */
	unsigned vmpl;                          /* the firmware's VMPL (1..3) */
	uint64_t sev_features;                  /* its VMSA's SEV_FEATURES */
	const struct snp_cpuid_table *cpuid;    /* copied into its CPUID section */
	const struct snp_secrets_page *secrets; /* the launch's page (all VMPCKs): its copy goes into its secrets section */
	uint64_t svsm_base, svsm_size;          /* for that copy */
	struct vmsa *vmsa;                      /* an SVSM page for the boot VMSA, never guest memory ... */
	paddr_t vmsa_pa;                        /* ... and its address */
};

/*
 * Prepares the firmware's sections (each page private, validated and the
 * firmware's: SEC memory and the kernel-hashes page zeroed, the CPUID
 * page, the secrets-page copy with VMPCKs below its VMPL cleared and the
 * SVSM fields set, the calling area zeroed), grants it its own image's
 * pages and builds its boot VMSA at the reset vector (real mode, CS
 * 0xF000 base 0xFFFF0000, RIP 0xFFF0) with the VMSA bit set. SVSM_OK, or
 * an error with *why (a section outside guest RAM, a platform step
 * failed); on an error the guest never runs.
 */
int ovmf_launch(const struct ovmf_launch_cfg *cfg, const char **why);
