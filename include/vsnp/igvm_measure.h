/* SPDX-License-Identifier: MIT */
/*
 * The SNP launch digest of an IGVM file (vsnp/model/igvm_measure.c):
 * what the PSP computes as a loader launches the file for one platform.
 */
#pragma once

#include <stddef.h>
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
 * returned). The rules of the table above. buf holds each page's
 * contents while fn runs (the walk's only state besides the file, so
 * walks with their own buffers may run at once on several CPUs).
 */
int igvm_launch_pages(const struct igvm_file *f, uint32_t mask,
		      int (*fn)(void *ctx, const struct igvm_launch_page *p), void *ctx, uint8_t buf[IGVM_PAGE_SIZE]);

/*
 * The PAGE_INFO contents hashes of a launch, computed ahead by several
 * CPUs: the k-th page in igvm_launch_pages order whose contents are
 * hashed (NORMAL and VMSA) is worker k mod workers's to hash. The PAGE_INFO
 * chain itself is sequential; the page hashes are not, and they are the
 * bulk of the work (a SHA-384 of 4 KiB against one of 112 bytes).
 */
struct igvm_hash_share {
	uint8_t (*hashes)[SNP_LD_LEN]; /* hashes[k] for the k-th hashed page, k < n */
	uint8_t *done;                 /* done[k] = 1 once hashes[k] is written; the caller zeroes it */
	size_t n;
	unsigned worker, workers;      /* this call's share: worker < workers */
};

/*
 * Hashes worker's share of the first s->n hashed pages of the platform
 * with mask (a file igvm_open accepted), buf its walk's buffer. A page
 * whose hash fails is left not done (whoever uses the hashes computes
 * it again). Writes only hashes[k] and done[k] of its own k.
 */
void igvm_hash_share(const struct igvm_file *f, uint32_t mask, struct igvm_hash_share *s,
		     uint8_t buf[IGVM_PAGE_SIZE]);

/*
 * d from the start: every page of the platform with mask (the SNP
 * platform's compatibility mask), in file order, of a file igvm_open
 * accepted. SVSM_OK, or an error with the reason in why (IGVM_WHY_LEN).
 */
int igvm_measure(const struct igvm_file *f, uint32_t mask, struct launch_digest *d, char *why);
