/* SPDX-License-Identifier: MIT */
/*
 * The SNP secrets page (SNP ABI 56860, the secrets page): the checks the SVSM
 * makes on the firmware's page before relying on it, and the copy it gives a
 * guest at a lower VMPL. Pure; the snp backend and host tests use it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/snp_pages.h"

/*
 * Checks the firmware's secrets page: every VMPCK (the SVSM needs VMPCK0
 * for its own guest messages and hands the lower ones on) is non-zero,
 * and the SVSM fields, which firmware leaves zero, are zero. SVSM_OK or
 * SVSM_EINVAL with *why.
 */
int snp_secrets_check(const struct snp_secrets_page *fw, const char **why);

/* What the guest learns about the SVSM (secrets page 0x140..0x15C). */
struct snp_svsm_desc {
	uint64_t base;        /* SVSM memory GPA, page aligned */
	uint64_t size;        /* bytes, page aligned, not 0 */
	uint64_t caa;         /* boot vCPU's calling area GPA, page aligned */
	uint32_t max_version; /* highest core protocol version */
	uint8_t guest_vmpl;   /* 1..3 */
};

/*
 * Builds the guest's copy: the firmware page with VMPCK0..VMPCK(vmpl-1)
 * zeroed (keys of more privileged VMPLs never leave the SVSM) and the SVSM
 * fields filled in. SVSM_OK; SVSM_EINVAL for a bad descriptor (vmpl not
 * 1..3, unaligned or zero size, range wraps), out untouched.
 */
int snp_secrets_for_guest(const struct snp_secrets_page *fw, const struct snp_svsm_desc *d,
			  struct snp_secrets_page *out);
