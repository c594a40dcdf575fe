/* SPDX-License-Identifier: MIT */
/*
 * Measured boot (include/svsm/measured_boot.h): hashes in every active
 * bank, TPM2_PCR_Extend, and the crypto-agile event log.
 *
 * TPM command layouts: TPM 2.0 Part 3 §30.2 (TPM2_GetCapability, with
 * TPM_CAP_PCRS the whole allocation in one TPML_PCR_SELECTION) and §22.2
 * (TPM2_PCR_Extend: a handle with one password session of empty auth,
 * which PCRs 8 and 9 have, then a TPML_DIGEST_VALUES); all big-endian.
 */
#include "svsm/measured_boot.h"

#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include "abi/tcg_log.h"
#include "abi/tpm2.h"
#include "lib/endian.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/guest_mem.h"

#define TPM_HDR TPM2_HDR_SIZE
#define TPM_RSP_MAX 4096u
/* A command the module has not finished within this many slices (VTPM_SLICE_US each) has hung. */
#define MB_BUSY_MAX 1000u
#define MB_CHUNK 16384u

/* One command to completion (a busy module gets the same bytes again): the TPM's response code, or -1. */
static long tpm_call(const struct vtpm_backend *tpm, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t *rlen)
{
	for (unsigned i = 0; i < MB_BUSY_MAX; i++) {
		int err = tpm->send_command(tpm->ctx, cmd, len, rsp, TPM_RSP_MAX, rlen);

		if (err == SVSM_EBUSY)
			continue;
		if (err != SVSM_OK || *rlen < TPM_HDR || *rlen > TPM_RSP_MAX || be32_get(rsp + 2) != *rlen)
			return -1;
		return (long)be32_get(rsp + 6);
	}
	return -1;
}

static uint16_t digest_size(uint16_t alg)
{
	switch (alg) {
	case TCG_ALG_SHA1: return 20;
	case TCG_ALG_SHA256: return 32;
	case TCG_ALG_SHA384: return 48;
	case TCG_ALG_SHA512: return 64;
	default: return 0;
	}
}

static bool put(struct mb_log *log, size_t *at, const void *src, size_t len)
{
	if (len > log->max - *at)
		return false;
	memcpy(log->buf + *at, src, len);
	*at += len;
	return true;
}

static bool put_le32(struct mb_log *log, size_t *at, uint32_t v)
{
	return put(log, at, &v, sizeof(v)); /* x86: little-endian as the log is */
}

/* Reads TPML_PCR_SELECTION from the GetCapability response into the active banks. */
static const char *read_banks(struct mb_log *log, const uint8_t *r, size_t n)
{
	size_t at = TPM_HDR + 1 + 4; /* moreData, capability */
	uint32_t count;

	if (n < at + 4 || be32_get(r + TPM_HDR + 1) != TPM2_CAP_PCRS)
		return "the vTPM's PCR allocation answer is malformed";
	count = be32_get(r + at);
	at += 4;
	for (uint32_t i = 0; i < count; i++) {
		if (n < at + 3 || n - at - 3 < r[at + 2])
			return "the vTPM's PCR allocation answer is malformed";
		uint16_t alg = (uint16_t)(r[at] << 8 | r[at + 1]);
		unsigned sel = r[at + 2];
		bool any = false;

		for (unsigned k = 0; k < sel; k++)
			any |= r[at + 3 + k] != 0;
		at += 3 + sel;
		if (!any)
			continue; /* a bank with no PCR allocated is not active */
		if (digest_size(alg) == 0)
			return "the vTPM has an active PCR bank of a hash this loader cannot compute";
		if (log->nbanks == MB_MAX_BANKS)
			return "the vTPM reports more active PCR banks than there are hashes";
		for (unsigned b = 0; b < log->nbanks; b++) {
			if (log->banks[b].alg == alg)
				return "the vTPM reports a PCR bank twice";
		}
		log->banks[log->nbanks++] = (struct mb_bank){ alg, digest_size(alg) };
	}
	return log->nbanks ? NULL : "the vTPM has no active PCR bank";
}

int mb_start(struct mb_log *log, const struct vtpm_backend *tpm, uint8_t *buf, size_t max, const char **why)
{
	static uint8_t rsp[TPM_RSP_MAX];
	uint8_t cmd[22];
	size_t n, at = 0;

	memset(log, 0, sizeof(*log));
	log->tpm = tpm, log->buf = buf, log->max = max;
	be16_put(cmd, TPM2_ST_NO_SESSIONS), be32_put(cmd + 2, sizeof(cmd)), be32_put(cmd + 6, TPM2_CC_GET_CAPABILITY);
	be32_put(cmd + 10, TPM2_CAP_PCRS), be32_put(cmd + 14, 0), be32_put(cmd + 18, 1);
	if (tpm_call(tpm, cmd, sizeof(cmd), rsp, &n) != 0) {
		*why = "the vTPM did not report its PCR banks (TPM2_GetCapability)";
		return SVSM_EIO;
	}
	if ((*why = read_banks(log, rsp, n)) != NULL)
		return SVSM_EINVAL;

	struct tcg_spec_id_head id = {
		.signature = TCG_SPEC_ID_SIGNATURE,
		.platform_class = TCG_PLATFORM_CLASS_CLIENT,
		.spec_version_minor = 0,
		.spec_version_major = 2,
		.spec_errata = 0,
		.uintn_size = TCG_UINTN_SIZE_64,
		.number_of_algorithms = log->nbanks,
	};
	struct tcg_pcr_event first = { 0, TCG_EV_NO_ACTION, { 0 },
				       (uint32_t)(sizeof(id) + log->nbanks * sizeof(struct tcg_alg_size) + 1) };
	bool ok = put(log, &at, &first, sizeof(first)) && put(log, &at, &id, sizeof(id));

	for (unsigned b = 0; b < log->nbanks && ok; b++) {
		struct tcg_alg_size s = { log->banks[b].alg, log->banks[b].size };

		ok = put(log, &at, &s, sizeof(s));
	}
	ok = ok && put(log, &at, "", 1); /* vendorInfoSize 0 */
	if (!ok) {
		*why = "the event log's space is too small for its first event";
		return SVSM_ENOSPC;
	}
	log->len = at;
	return SVSM_OK;
}

struct mb_hash {
	mbedtls_sha1_context sha1;
	mbedtls_sha256_context sha256;
	mbedtls_sha512_context sha384, sha512;
};

static void hash_update(struct mb_hash *h, const struct mb_log *log, const uint8_t *p, size_t n)
{
	for (unsigned b = 0; b < log->nbanks; b++) {
		switch (log->banks[b].alg) {
		case TCG_ALG_SHA1: (void)mbedtls_sha1_update_ret(&h->sha1, p, n); break;
		case TCG_ALG_SHA256: (void)mbedtls_sha256_update_ret(&h->sha256, p, n); break;
		case TCG_ALG_SHA384: (void)mbedtls_sha512_update_ret(&h->sha384, p, n); break;
		case TCG_ALG_SHA512: (void)mbedtls_sha512_update_ret(&h->sha512, p, n); break;
		}
	}
}

/* Each bank's digest of the pieces as one stream: out[b] gets banks[b].size bytes. */
static const char *hash_pieces(const struct mb_log *log, const struct mb_piece *pieces, unsigned npieces,
			       uint8_t out[MB_MAX_BANKS][MB_MAX_DIGEST])
{
	static uint8_t chunk[MB_CHUNK];
	static struct mb_hash h;

	mbedtls_sha1_starts_ret(&h.sha1);
	mbedtls_sha256_starts_ret(&h.sha256, 0);
	mbedtls_sha512_starts_ret(&h.sha384, 1);
	mbedtls_sha512_starts_ret(&h.sha512, 0);
	for (unsigned i = 0; i < npieces; i++) {
		const struct mb_piece *p = &pieces[i];

		if (p->svsm != NULL) {
			hash_update(&h, log, p->svsm, (size_t)p->len);
			continue;
		}
		for (uint64_t off = 0; off < p->len; off += MB_CHUNK) {
			size_t n = p->len - off < MB_CHUNK ? (size_t)(p->len - off) : MB_CHUNK;

			if (p->gpa + off < p->gpa || copy_from_guest(chunk, gpa_init(p->gpa + off), n, 1) != SVSM_OK)
				return "a measured range is not readable guest memory";
			hash_update(&h, log, chunk, n);
		}
	}
	for (unsigned b = 0; b < log->nbanks; b++) {
		switch (log->banks[b].alg) {
		case TCG_ALG_SHA1: mbedtls_sha1_finish_ret(&h.sha1, out[b]); break;
		case TCG_ALG_SHA256: mbedtls_sha256_finish_ret(&h.sha256, out[b]); break;
		case TCG_ALG_SHA384: mbedtls_sha512_finish_ret(&h.sha384, out[b]); break;
		case TCG_ALG_SHA512: mbedtls_sha512_finish_ret(&h.sha512, out[b]); break;
		}
	}
	return NULL;
}

int mb_measure(struct mb_log *log, uint32_t pcr, uint32_t event_type, const struct mb_piece *pieces,
	       unsigned npieces, const void *event, uint32_t event_len, const char **why)
{
	static uint8_t digests[MB_MAX_BANKS][MB_MAX_DIGEST];
	static uint8_t cmd[TPM_RSP_MAX], rsp[TPM_RSP_MAX];
	size_t n, at = log->len, c = 10;

	if ((*why = hash_pieces(log, pieces, npieces, digests)) != NULL)
		return SVSM_EFAULT;

	/* The log entry first, so a full log leaves the PCR untouched. */
	bool ok = put_le32(log, &at, pcr) && put_le32(log, &at, event_type) && put_le32(log, &at, log->nbanks);

	for (unsigned b = 0; b < log->nbanks && ok; b++)
		ok = put(log, &at, &log->banks[b].alg, 2) && put(log, &at, digests[b], log->banks[b].size);
	ok = ok && put_le32(log, &at, event_len) && put(log, &at, event, event_len);
	if (!ok) {
		*why = "the event log is full";
		return SVSM_ENOSPC;
	}

	be32_put(cmd + c, pcr), c += 4;
	be32_put(cmd + c, 9), c += 4; /* authorizationSize: one password session */
	be32_put(cmd + c, TPM2_RS_PW), c += 4;
	be16_put(cmd + c, 0), c += 2; /* nonce */
	cmd[c++] = 0;             /* sessionAttributes */
	be16_put(cmd + c, 0), c += 2; /* hmac: the empty auth */
	be32_put(cmd + c, log->nbanks), c += 4;
	for (unsigned b = 0; b < log->nbanks; b++) {
		be16_put(cmd + c, log->banks[b].alg), c += 2;
		memcpy(cmd + c, digests[b], log->banks[b].size), c += log->banks[b].size;
	}
	be16_put(cmd, TPM2_ST_SESSIONS), be32_put(cmd + 2, (uint32_t)c), be32_put(cmd + 6, TPM2_CC_PCR_EXTEND);
	if (tpm_call(log->tpm, cmd, c, rsp, &n) != 0) {
		*why = "the vTPM refused TPM2_PCR_Extend";
		return SVSM_EIO;
	}
	log->len = at;
	log->events++;
	return SVSM_OK;
}
