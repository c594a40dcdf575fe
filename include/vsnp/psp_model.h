/* SPDX-License-Identifier: MIT */
/*
 * A model of the SNP firmware (PSP) for host tests and, later, vsnp: it
 * holds VMPCK0-3, takes encrypted guest requests (SNP ABI 56860, guest messages),
 * answers MSG_REPORT_REQ with an ATTESTATION_REPORT in the real layout
 * (SNP ABI, ATTESTATION_REPORT, version 3) signed ECDSA P-384/SHA-384 by a VCEK, and encrypts
 * the response; MSG_KEY_REQ with a key derived from the chip's root and
 * the fields the request selects (psp_model.c says how). The VCEK sits under a generated ARK -> ASK -> VCEK X.509
 * chain. Test-only keys, derived from a seed so runs repeat; the chain is
 * ECDSA P-384 throughout (AMD's ARK/ASK are RSA-PSS: a relying party's
 * code path for those is not exercised by this model).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>

#include "abi/snp_msg.h"

#define PSP_CERT_MAX 1024

/* What the firmware knows about the guest and the platform, copied into reports. */
struct psp_launch {
	uint8_t measurement[48];
	uint8_t host_data[32];
	uint8_t family_id[16];
	uint8_t image_id[16];
	uint64_t policy;
	uint32_t guest_svn;
	uint64_t tcb;           /* current = committed = launch = reported in the model */
	uint64_t platform_info;
	uint8_t chip_id[64];
	uint8_t cpuid_fam, cpuid_mod, cpuid_step;
};

struct psp_cert {
	uint8_t der[PSP_CERT_MAX];
	size_t len;
};

struct psp_model {
	uint8_t vmpck[4][32];
	uint8_t derive_root[48]; /* the chip's root of MSG_KEY_REQ keys (the model's stand-in for the VCEK secret) */
	uint64_t seqno[4];  /* last sequence number per key (requests must be +1) */
	struct psp_launch launch;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context ark, ask, vcek;
	struct psp_cert ark_cert, ask_cert, vcek_cert;
	unsigned requests;  /* requests answered */
};

/* Firmware error (SW_EXITINFO2[31:0]) for a request the model will not take. */
#define PSP_FW_ERR_INVALID_PARAM 0x16

/*
 * Generates the VMPCKs, the keys and the chain from seed. SVSM_OK or
 * SVSM_EIO (mbedTLS failed). psp_model_free releases it.
 */
int psp_model_init(struct psp_model *p, const uint8_t seed[32], const struct psp_launch *launch);
void psp_model_free(struct psp_model *p);

/*
 * A new launch on the same chip (SNP_LAUNCH_START): VMPCK0-3 replaced by
 * keys (vsnp draws them fresh for every boot, so a public chip seed does
 * not give the guest's keys away), sequence numbers back to 0.
 */
void psp_model_launch_start(struct psp_model *p, const uint8_t keys[4][32]);

/* SNP_LAUNCH_FINISH: the launch digest reports carry from now on. */
void psp_model_launch_finish(struct psp_model *p, const uint8_t measurement[48]);

/*
 * One SNP guest request: req is the request page, resp receives the
 * response page. SVSM_OK with *fw_error 0; otherwise SVSM_EIO with
 * *fw_error = PSP_FW_ERR_INVALID_PARAM and no response (a header, sequence
 * number or tag that does not check out; nothing changes in the model).
 * Report and key errors (VMPL below the key's, VLEK or VMRK asked for,
 * reserved bits, a GUEST_SVN or TCB_VERSION above the launch's) are a
 * successful exchange whose MSG_REPORT_RSP or MSG_KEY_RSP carries the
 * status.
 */
int psp_model_guest_request(struct psp_model *p, const struct snp_guest_msg *req,
			    struct snp_guest_msg *resp, uint64_t *fw_error);
