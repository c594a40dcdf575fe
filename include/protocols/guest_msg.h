/* SPDX-License-Identifier: MIT */
/*
 * The SNP guest-message layer (SNP ABI 56860, guest messages): requests to the
 * PSP encrypted with AES-256-GCM under a VMPCK, the IV from the sequence
 * number, the header's bytes 0x30..0x5F as additional data. Sequence rules: a
 * request uses last + 1, the response must carry request + 1 and type request +
 * 1, and an exchange advances the counter by 2. Because a reused IV would break
 * GCM, the key is wiped on any failure once a request has gone out; after that
 * the context refuses everything. Portable (mbedTLS's libmbedcrypto); the PSP
 * model uses the same format from the other side.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/snp_msg.h"

#define SNP_VMPCK_LEN 32

struct snp_msg_ctx {
	uint8_t key[SNP_VMPCK_LEN];
	uint8_t vmpck_id;
	bool wiped;         /* the key is gone: every call fails with SVSM_EPERM */
	bool pending;       /* a sealed request awaits its response */
	uint8_t pending_type;
	uint64_t seqno;     /* last sequence number used by a completed exchange */
};

/* SVSM_OK; SVSM_EINVAL for a key index above 3 or an all-zero key (ctx then wiped). */
int snp_msg_init(struct snp_msg_ctx *c, const uint8_t key[SNP_VMPCK_LEN], unsigned vmpck_id);

/*
 * Encrypts payload as a request of `type` into msg (the whole page is
 * written). The same sealed page is what a BUSY retry sends again. msg may
 * be the shared request page: the header is built in private memory with
 * the IV from the context's own counter, the ciphertext made in private
 * chunks, and nothing is ever read back from msg (a hypervisor rewriting
 * the page meanwhile cannot force an IV or AAD on the VMPCK).
 * SVSM_OK; SVSM_EINVAL (len 0 or beyond the page, type 0 or even);
 * SVSM_EBUSY (a request is pending); SVSM_ERANGE (the sequence numbers
 * are used up); SVSM_EPERM (key wiped); SVSM_EIO (cipher failure).
 */
int snp_msg_seal(struct snp_msg_ctx *c, uint8_t type, const void *payload, size_t len,
		 struct snp_guest_msg *msg);

/*
 * Checks and decrypts the response to the pending request. resp must be
 * the caller's own copy of the shared page (read once). SVSM_OK with
 * *len plaintext bytes in payload; SVSM_EIO for any mismatch or a bad
 * tag, after which the key is wiped; SVSM_EPERM (wiped), SVSM_EINVAL
 * (nothing pending; the key is kept).
 */
int snp_msg_open(struct snp_msg_ctx *c, const struct snp_guest_msg *resp, void *payload,
		 size_t max, size_t *len);

/* The request went out and no usable answer will come: wipe the key. */
void snp_msg_abandon(struct snp_msg_ctx *c);

/* Clears msg and fills the SNP ABI, guest messages header fields (algorithm, versions, sizes, type, key, seqno). */
void snp_msg_hdr_init(struct snp_guest_msg *msg, uint8_t type, uint64_t seqno, uint16_t len,
		      uint8_t vmpck_id);
/*
 * Low-level AES-256-GCM with the SNP ABI, guest messages IV/AAD rules, shared with the PSP
 * model: msg's header is read once (IV and AAD from that copy), the
 * ciphertext and the header with its tag written, nothing read back.
 */
int snp_msg_encrypt(const uint8_t key[SNP_VMPCK_LEN], struct snp_guest_msg *msg,
		    const void *plain, size_t len);
int snp_msg_decrypt(const uint8_t key[SNP_VMPCK_LEN], const struct snp_guest_msg *msg,
		    void *plain, size_t len);
