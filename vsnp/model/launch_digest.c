/* SPDX-License-Identifier: MIT */
/* The launch digest (include/vsnp/launch_digest.h). */
#include "vsnp/launch_digest.h"

#include <stdbool.h>

#include <mbedtls/sha512.h>

#include "lib/string.h"
#include "svsm/errno.h"

#define SHA384 1 /* mbedtls_sha512_ret's is384 */

void launch_digest_init(struct launch_digest *d)
{
	memset(d, 0, sizeof(*d));
}

/* Whether a page of type is hashed into its PAGE_INFO's CONTENTS. */
static bool hashed_type(unsigned type)
{
	return type == SNP_PAGE_TYPE_NORMAL || type == SNP_PAGE_TYPE_VMSA;
}

/* A known type at a page-aligned GPA, a VMSA exactly at SNP_LD_VMSA_GPA. */
static bool page_ok(uint64_t gpa, unsigned type)
{
	return type >= SNP_PAGE_TYPE_NORMAL && type <= SNP_PAGE_TYPE_CPUID && (gpa & 0xFFF) == 0 &&
	       (type == SNP_PAGE_TYPE_VMSA) == (gpa == SNP_LD_VMSA_GPA);
}

int launch_digest_contents(const void *contents, uint8_t hash[SNP_LD_LEN])
{
	uint8_t out[64]; /* mbedtls_sha512_ret's output size; SHA-384 fills the first 48 */

	if (mbedtls_sha512_ret(contents, 4096, out, SHA384) != 0)
		return SVSM_EIO;
	memcpy(hash, out, SNP_LD_LEN);
	return SVSM_OK;
}

int launch_digest_page_hashed(struct launch_digest *d, uint64_t gpa, unsigned type, const uint8_t *hash)
{
	struct snp_page_info pi;
	uint8_t out[64];

	if (!page_ok(gpa, type) || (hashed_type(type) && hash == NULL))
		return SVSM_EINVAL;
	memset(&pi, 0, sizeof(pi));
	memcpy(pi.digest_cur, d->ld, sizeof(pi.digest_cur));
	if (hashed_type(type))
		memcpy(pi.contents, hash, sizeof(pi.contents));
	pi.length = sizeof(pi);
	pi.page_type = (uint8_t)type;
	pi.gpa = gpa;
	if (mbedtls_sha512_ret((const uint8_t *)&pi, sizeof(pi), out, SHA384) != 0)
		return SVSM_EIO;
	memcpy(d->ld, out, sizeof(d->ld));
	d->pages++;
	return SVSM_OK;
}

int launch_digest_page(struct launch_digest *d, uint64_t gpa, unsigned type, const void *contents)
{
	uint8_t hash[SNP_LD_LEN];

	if (!page_ok(gpa, type) || (hashed_type(type) && contents == NULL))
		return SVSM_EINVAL;
	if (!hashed_type(type))
		return launch_digest_page_hashed(d, gpa, type, NULL);
	if (launch_digest_contents(contents, hash) != SVSM_OK)
		return SVSM_EIO;
	return launch_digest_page_hashed(d, gpa, type, hash);
}

int launch_digest_measure(void *ctx, uint64_t gpa, unsigned type, const void *contents)
{
	return launch_digest_page(ctx, gpa, type, contents);
}
