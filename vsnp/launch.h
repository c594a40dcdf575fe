/* SPDX-License-Identifier: MIT */
/* The emulated machine's SEV-SNP launch from an IGVM file (vsnp/launch.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/snp_pages.h"
#include "gmem.h"
#include "lib/igvm.h"
#include "vsnp/igvm_measure.h"
#include "vsnp/launch_digest.h"
#include "vsnp/rmp_model.h"

#define VSNP_LAUNCH_MAX_VMSAS 8
#define PAGE_4K 4096u

/* REQUIRED_MEMORY ranges a launch keeps (an SVSM declares two: its image and its range). */
#define VSNP_LAUNCH_MAX_REQUIRED 8u

struct vsnp_launch {
	/* In: the machine the file is launched into. */
	struct vsnp_gmem *gmem;     /* where the pages go */
	struct rmp_model *rmp;      /* guest RAM's RMP: launched pages become private and validated */
	uint64_t ram_size;          /* guest RAM is GPA [0, ram_size) */
	uint64_t fw_base, fw_size;  /* guest memory outside RAM a launch may load too (a firmware's image); 0: none */
	unsigned vcpus;             /* the VP count parameter */
	const struct snp_cpuid_table *cpuid;    /* the hypervisor's CPUID table, as the PSP checked it */
	const struct snp_secrets_page *secrets; /* what the PSP writes into the secrets page */
	/*
	 * Optional, to measure faster: parallel runs work(arg, cpu, ncpus) on
	 * each of the machine's ncpus CPUs and returns when all are done; the
	 * pages' contents hashes are then computed ahead, a share per CPU
	 * (igvm_hash_share), into hashes/hashed (room for hashes_n pages),
	 * and the loading CPU only chains them. NULL parallel or hashes: each
	 * page is hashed as it is loaded. The digest is the same either way.
	 */
	void (*parallel)(void (*work)(void *arg, unsigned cpu, unsigned ncpus), void *arg);
	uint8_t (*hashes)[SNP_LD_LEN];
	uint8_t *hashed;
	size_t hashes_n;
	/* Out. */
	struct igvm_file file;
	uint32_t mask;              /* the SNP platform's compatibility mask */
	uint64_t policy;            /* the guest policy (the file's GUEST_POLICY, else VSNP_GUEST_POLICY) */
	struct launch_digest digest;
	unsigned vmsas;             /* VP contexts loaded, boot CPU first */
	uint64_t vmsa_gpa[VSNP_LAUNCH_MAX_VMSAS];
	uint64_t shared;            /* shared pages loaded (not measured) */
	uint64_t fw_pages;          /* pages loaded into the firmware window: the VM boots a firmware */
	unsigned required;          /* REQUIRED_MEMORY ranges (all in RAM): the paravisor's, kept from the guest's map */
	struct {
		uint64_t gpa, size;
	} req[VSNP_LAUNCH_MAX_REQUIRED];
	unsigned params;            /* parameters the loader wrote */
	uint64_t hashed_ahead;      /* pages whose contents hash came from the CPUs' shares */
};

/*
 * Checks the IGVM file at file (size bytes) and loads its SNP platform into
 * l->gmem, measuring as it goes; writes the parameters (memory map, VP
 * count, environment) into the areas the file inserts. SVSM_OK; else an
 * error with the reason in why (IGVM_WHY_LEN bytes): a refused file, no
 * SNP platform or VP context, a page outside guest RAM, guest memory
 * exhausted, a memory-map area too small for the map.
 */
int vsnp_launch_igvm(struct vsnp_launch *l, const uint8_t *file, size_t size, uint64_t *scratch,
		     size_t scratch_n, char *why);
