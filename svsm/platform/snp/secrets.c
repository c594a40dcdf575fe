/* SPDX-License-Identifier: MIT */
/* SNP secrets page checks and the guest's copy (include/svsm/snp_secrets.h). */
#include "svsm/snp_secrets.h"

#include "abi/snp.h"
#include "lib/string.h"
#include "svsm/errno.h"

#define SECRETS_PAGE_SIZE 4096ull

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

int snp_secrets_check(const struct snp_secrets_page *fw, const char **why)
{
	static const char *const zero_key[SNP_VMPCK_COUNT] = {
		"VMPCK0 is zero", "VMPCK1 is zero", "VMPCK2 is zero", "VMPCK3 is zero",
	};

	for (unsigned i = 0; i < SNP_VMPCK_COUNT; i++) {
		if (all_zero(fw->vmpck[i], SNP_VMPCK_SIZE)) {
			*why = zero_key[i];
			return SVSM_EINVAL;
		}
	}
	if (fw->svsm_base != 0 || fw->svsm_size != 0 || fw->svsm_caa != 0 ||
	    fw->svsm_max_version != 0 || fw->svsm_guest_vmpl != 0) {
		/* Firmware leaves these zero; set means someone else already claimed the page. */
		*why = "the SVSM fields are already filled in";
		return SVSM_EINVAL;
	}
	return SVSM_OK;
}

int snp_secrets_for_guest(const struct snp_secrets_page *fw, const struct snp_svsm_desc *d,
			  struct snp_secrets_page *out)
{
	const uint64_t page_mask = SECRETS_PAGE_SIZE - 1;

	if (d->guest_vmpl == 0 || d->guest_vmpl >= SNP_VMPL_COUNT)
		return SVSM_EINVAL;
	if ((d->base | d->size | d->caa) & page_mask || d->size == 0 ||
	    d->base + d->size < d->base)
		return SVSM_EINVAL;
	memcpy(out, fw, sizeof(*out));
	for (unsigned i = 0; i < d->guest_vmpl; i++)
		memset(out->vmpck[i], 0, SNP_VMPCK_SIZE);
	out->svsm_base = d->base;
	out->svsm_size = d->size;
	out->svsm_caa = d->caa;
	out->svsm_max_version = d->max_version;
	out->svsm_guest_vmpl = d->guest_vmpl;
	return SVSM_OK;
}
