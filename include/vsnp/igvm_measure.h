/* SPDX-License-Identifier: MIT */
/*
 * The SNP launch digest of an IGVM file (vsnp/model/igvm_measure.c):
 * what the PSP computes as a loader launches the file for one platform.
 */
#pragma once

#include <stdint.h>

#include "lib/igvm.h"
#include "vsnp/launch_digest.h"

/* One 4 KiB page of a launch as a loader hands it to the PSP. */
struct igvm_launch_page {
	uint64_t gpa;          /* where it lives (a VMSA: its own GPA, measured at 0xFFFFFFFFF000) */
	unsigned type;         /* SNP_PAGE_TYPE_*, or 0 for a shared page (loaded, not part of the launch) */
	const uint8_t *data;   /* its 4 KiB of contents (zeros for none) */
	uint32_t header;       /* offset of the header it comes from */
};

/*
 * Every page of the platform with mask, in file order, given to fn (which
 * returns SVSM_OK to go on, or an error that stops the walk and is
 * returned). The rules of the table above.
 */
int igvm_launch_pages(const struct igvm_file *f, uint32_t mask,
		      int (*fn)(void *ctx, const struct igvm_launch_page *p), void *ctx);

/*
 * d from the start: every page of the platform with mask (the SNP
 * platform's compatibility mask), in file order, of a file igvm_open
 * accepted. SVSM_OK, or an error with the reason in why (IGVM_WHY_LEN).
 */
int igvm_measure(const struct igvm_file *f, uint32_t mask, struct launch_digest *d, char *why);
