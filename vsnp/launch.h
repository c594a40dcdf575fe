/* SPDX-License-Identifier: MIT */
/* The emulated machine's SEV-SNP launch from an IGVM file (vsnp/launch.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "gmem.h"
#include "lib/igvm.h"
#include "svsm/igvm_measure.h"
#include "svsm/launch_digest.h"

#define VSNP_LAUNCH_MAX_VMSAS 8
#define PAGE_4K 4096u

struct vsnp_launch {
	struct vsnp_gmem *gmem;     /* where the pages go */
	struct igvm_file file;
	uint32_t mask;              /* the SNP platform's compatibility mask */
	struct launch_digest digest;
	unsigned vmsas;             /* VP contexts loaded, boot CPU first */
	uint64_t vmsa_gpa[VSNP_LAUNCH_MAX_VMSAS];
	uint64_t shared;            /* shared pages loaded (not measured) */
};

/*
 * Checks the IGVM file at file (size bytes) and loads its SNP platform into
 * l->gmem, measuring as it goes. SVSM_OK; else an error with the reason
 * in why (IGVM_WHY_LEN bytes): a refused file, no SNP platform or VP
 * context, guest memory exhausted.
 */
int vsnp_launch_igvm(struct vsnp_launch *l, const uint8_t *file, size_t size, uint64_t *scratch,
		     size_t scratch_n, char *why);
