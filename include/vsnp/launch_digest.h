/* SPDX-License-Identifier: MIT */
/*
 * The launch digest the SNP firmware keeps while pages are added to a launch
 * (SNP ABI 56860 §8.17.2, SNP_LAUNCH_UPDATE PAGE_INFO): LD starts as 48 zero
 * bytes and every page replaces it with SHA-384(PAGE_INFO). Part of the PSP
 * model: the vsnp backend measures the guest launch with it, and
 * tools/snp-launch-digest computes the same value from a payload file.
 */
#pragma once

#include <stdint.h>

#include "abi/snp_launch.h"

struct launch_digest {
	uint8_t ld[SNP_LD_LEN];
	uint64_t pages; /* pages measured so far */
};

void launch_digest_init(struct launch_digest *d);

/*
 * Adds one 4 KiB page of type (SNP_PAGE_TYPE_*) at gpa. contents (4096
 * bytes) is hashed for NORMAL and VMSA pages and ignored (may be NULL)
 * for the others. A VMSA must be passed at SNP_LD_VMSA_GPA. SVSM_OK;
 * SVSM_EINVAL (unknown type, gpa not page aligned, a VMSA elsewhere, no
 * contents where they are hashed; the digest is unchanged); SVSM_EIO
 * (SHA-384 failed; the digest is unchanged).
 */
int launch_digest_page(struct launch_digest *d, uint64_t gpa, unsigned type, const void *contents);
/* The SHA-384 of one 4 KiB page (PAGE_INFO's CONTENTS). SVSM_OK or SVSM_EIO. */
int launch_digest_contents(const void *contents, uint8_t hash[SNP_LD_LEN]);
/*
 * launch_digest_page with the contents' hash computed already
 * (launch_digest_contents; ignored, may be NULL, for the types not
 * hashed): the same digest, the same errors.
 */
int launch_digest_page_hashed(struct launch_digest *d, uint64_t gpa, unsigned type, const uint8_t *hash);
/* launch_digest_page with ctx the struct launch_digest (guest_launch_cfg's measure callback). */
int launch_digest_measure(void *ctx, uint64_t gpa, unsigned type, const void *contents);
