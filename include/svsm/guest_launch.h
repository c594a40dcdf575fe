/* SPDX-License-Identifier: MIT */
/*
 * Launching the VMPL2 payload (svsm/guest/launch.c): the payload ELF's
 * segments into guest memory, and the pages a launch sets up beside it
 * (boot parameters, the guest's secrets page copy, CPUID page, calling
 * area, initial page tables, the boot vCPU's VMSA), each made private,
 * validated and granted through the platform seam, as SNP firmware plus
 * the SVSM would leave them. Portable: the kernel runs it on the snp
 * backend, host tests and tools/snp-launch-digest on the fake backend.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/snp_pages.h"
#include "mm/memmap.h"
#include "svsm/snp_secrets.h"
#include "svsm/addr.h"

/* Launch pages after the image: boot, secrets, CPUID, CA, VMSA, PML4, PDPT, 4 PDs. */
#define GUEST_LAUNCH_PAGES 11u
/* The payload lies in [GUEST_LAUNCH_MIN_VA, ...) and spans at most GUEST_LAUNCH_MAX_SPAN. */
#define GUEST_LAUNCH_MIN_VA 0x100000ull
#define GUEST_LAUNCH_MAX_SPAN (64ull << 20)

/*
 * What every launch of this SVSM uses (svsm/boot/run.c), and so what
 * tools/snp-launch-digest assumes by default: the guest runs at VMPL2 with
 * SEV_FEATURES = SNPActive (bit 0, APM vol. 2 (24593) appendix B, the VMSA).
 */
#define GUEST_LAUNCH_VMPL 2u
#define GUEST_LAUNCH_SEV_FEATURES 0x1ull

struct guest_launch_cfg {
	const uint8_t *elf;        /* the payload file, in SVSM memory */
	size_t elf_size;
	const struct memmap *guest_ram;
	uint64_t cbit;             /* the guest's C-bit as an address mask */
	unsigned vmpl;             /* the guest's VMPL (1..3) */
	uint64_t sev_features;     /* the boot VMSA's SEV_FEATURES */
	const struct snp_cpuid_table *cpuid;
	const struct snp_secrets_page *secrets; /* the firmware's page (all VMPCKs) */
	uint64_t svsm_base, svsm_size;          /* for the guest's secrets page */
	const char *cmdline;
	unsigned vcpu_count;
	/*
	 * Measures a launch page as the PSP would (LAUNCH_UPDATE page type,
	 * contents or NULL), e.g. launch_digest_page on measure_ctx; NULL:
	 * not measured (under SNP the PSP measured the launch already).
	 */
	int (*measure)(void *ctx, uint64_t gpa, unsigned type, const void *contents);
	void *measure_ctx;
};

struct guest_launch_out {
	uint64_t entry;
	uint64_t boot_gpa, secrets_gpa, cpuid_gpa, caa_gpa, vmsa_gpa;
	uint64_t image_start, image_end; /* page aligned */
	uint64_t boot_start, boot_end;
};

/*
 * A page of guest RAM (RMP_PG_SIZE_4K or _2M at pa) made private through
 * the hypervisor and validated through the platform seam, as a launch
 * takes it: SVSM_OK, or SVSM_EIO with *why (the state change failed, or
 * PVALIDATE failed or found the page validated already). Used by both
 * launches (svsm/guest/launch.c, linux_launch.c).
 */
int guest_page_take(paddr_t pa, unsigned size, const char **why);

/*
 * Launches: SVSM_OK and *out; or an error with *why (the ELF refused, the
 * image or launch pages not in guest RAM, a platform step failed). On an
 * error pages already made private and validated stay so (the guest never
 * runs).
 */
int guest_launch(const struct guest_launch_cfg *cfg, struct guest_launch_out *out,
		 const char **why);
