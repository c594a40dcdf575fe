/* SPDX-License-Identifier: MIT */
/*
 * What a relying party does with an SNP attestation report (SNP ABI 56860,
 * ATTESTATION_REPORT; SNP ABI 56860 and AMD KDS, the VCEK chain): check the
 * VCEK's chain up to a trusted ARK (ARK self-signed and a CA -> ASK a CA signed
 * by it -> VCEK signed by the ASK and not a CA; three distinct certificates and
 * keys) and the report's ECDSA P-384/SHA-384 signature with the VCEK's key.
 * Host-side; used by the snp-verify tool and by tests against the PSP model.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/snp_msg.h"

enum report_verdict {
	REPORT_OK = 0,
	REPORT_BAD_FORMAT,    /* version, signature algorithm, or reserved signature bytes */
	REPORT_BAD_CERT,      /* a certificate does not parse, or the VCEK key is not P-384 */
	REPORT_BAD_CHAIN,     /* VCEK is not signed by ASK, or ASK not by the trusted ARK */
	REPORT_BAD_SIGNATURE, /* the report is not signed by the VCEK */
};

/* DER certificates as the PSP's certificate table carries them (GHCB spec, extended guest request certificate table). */
struct report_certs {
	const uint8_t *ark;
	size_t ark_len;
	const uint8_t *ask;
	size_t ask_len;
	const uint8_t *vcek;
	size_t vcek_len;
};

enum report_verdict snp_report_verify(const struct snp_attestation_report *r,
				      const struct report_certs *certs);
const char *snp_report_verdict_name(enum report_verdict v);
