/* SPDX-License-Identifier: MIT */
/* SNP guest messages (include/protocols/guest_msg.h). */
#include "protocols/guest_msg.h"

#include <mbedtls/gcm.h>
#include <mbedtls/platform_util.h>

#include "lib/string.h"
#include "svsm/errno.h"

#define VMPCK_MAX_ID 3
/* The largest request number whose response number (+1) still fits. */
#define SEQNO_LAST (UINT64_MAX - 2)

static void iv_of(uint64_t seqno, uint8_t iv[SNP_MSG_IV_LEN])
{
	memset(iv, 0, SNP_MSG_IV_LEN);
	for (unsigned i = 0; i < 8; i++)
		iv[i] = (uint8_t)(seqno >> (8 * i)); /* little endian, bytes 8..11 zero */
}

/* A GCM context keyed with the VMPCK and the IV for seqno; the caller frees it. */
static int gcm_begin(mbedtls_gcm_context *gcm, const uint8_t key[SNP_VMPCK_LEN], uint64_t seqno,
		     uint8_t iv[SNP_MSG_IV_LEN])
{
	iv_of(seqno, iv);
	mbedtls_gcm_init(gcm);
	return mbedtls_gcm_setkey(gcm, MBEDTLS_CIPHER_ID_AES, key, 8 * SNP_VMPCK_LEN);
}

/*
 * Encrypts len bytes of plain under key with the IV of seqno and the AAD of
 * hdr (the SVSM's own header), writing the ciphertext to out and the tag to
 * hdr->authtag. The output may be a page the hypervisor can write: GCM
 * hashes the ciphertext it produced, so each chunk is made in private
 * memory and only then copied out; nothing is ever read back from out.
 */
#define SEAL_CHUNK 256u
_Static_assert(SEAL_CHUNK % 16 == 0, "GCM updates but the last are whole blocks");

static int seal_to(const uint8_t key[SNP_VMPCK_LEN], uint64_t seqno, struct snp_guest_msg_hdr *hdr,
		   const void *plain, size_t len, uint8_t *out)
{
	mbedtls_gcm_context gcm;
	uint8_t iv[SNP_MSG_IV_LEN], chunk[SEAL_CHUNK];
	const uint8_t *in = plain;
	int rc;

	memset(hdr->authtag, 0, sizeof(hdr->authtag));
	rc = gcm_begin(&gcm, key, seqno, iv);
	if (rc == 0)
		rc = mbedtls_gcm_starts(&gcm, MBEDTLS_GCM_ENCRYPT, iv, sizeof(iv),
					(const uint8_t *)hdr + SNP_MSG_AAD_OFFSET, SNP_MSG_AAD_LEN);
	for (size_t done = 0; rc == 0 && done < len; done += SEAL_CHUNK) {
		size_t n = len - done < SEAL_CHUNK ? len - done : SEAL_CHUNK;

		rc = mbedtls_gcm_update(&gcm, n, in + done, chunk);
		if (rc == 0)
			memcpy(out + done, chunk, n);
	}
	if (rc == 0)
		rc = mbedtls_gcm_finish(&gcm, hdr->authtag, SNP_MSG_AUTHTAG_LEN);
	mbedtls_gcm_free(&gcm);
	mbedtls_platform_zeroize(chunk, sizeof(chunk));
	return rc == 0 ? SVSM_OK : SVSM_EIO;
}

int snp_msg_encrypt(const uint8_t key[SNP_VMPCK_LEN], struct snp_guest_msg *msg,
		    const void *plain, size_t len)
{
	struct snp_guest_msg_hdr hdr;
	int err;

	if (len > SNP_MSG_PAYLOAD_MAX)
		return SVSM_EINVAL;
	memcpy(&hdr, &msg->hdr, sizeof(hdr)); /* read once: the IV and AAD come from this copy */
	err = seal_to(key, hdr.msg_seqno, &hdr, plain, len, msg->payload);
	if (err == SVSM_OK)
		memcpy(&msg->hdr, &hdr, sizeof(hdr));
	return err;
}

int snp_msg_decrypt(const uint8_t key[SNP_VMPCK_LEN], const struct snp_guest_msg *msg,
		    void *plain, size_t len)
{
	mbedtls_gcm_context gcm;
	uint8_t iv[SNP_MSG_IV_LEN];
	int rc;

	if (len > SNP_MSG_PAYLOAD_MAX)
		return SVSM_EINVAL;
	rc = gcm_begin(&gcm, key, msg->hdr.msg_seqno, iv);
	if (rc == 0)
		rc = mbedtls_gcm_auth_decrypt(&gcm, len, iv, sizeof(iv),
					      (const uint8_t *)&msg->hdr + SNP_MSG_AAD_OFFSET,
					      SNP_MSG_AAD_LEN, msg->hdr.authtag, SNP_MSG_AUTHTAG_LEN,
					      msg->payload, plain);
	mbedtls_gcm_free(&gcm);
	if (rc != 0)
		mbedtls_platform_zeroize(plain, len); /* nothing of a forged message is kept */
	return rc == 0 ? SVSM_OK : SVSM_EIO;
}

void snp_msg_hdr_init(struct snp_guest_msg *msg, uint8_t type, uint64_t seqno, uint16_t len,
		      uint8_t vmpck_id)
{
	memset(msg, 0, sizeof(*msg));
	msg->hdr.msg_seqno = seqno;
	msg->hdr.algo = SNP_MSG_ALGO_AES_256_GCM;
	msg->hdr.hdr_version = SNP_MSG_HDR_VERSION;
	msg->hdr.hdr_sz = SNP_MSG_HDR_SIZE;
	msg->hdr.msg_type = type;
	msg->hdr.msg_version = SNP_MSG_VERSION;
	msg->hdr.msg_sz = len;
	msg->hdr.msg_vmpck = vmpck_id;
}

void snp_msg_abandon(struct snp_msg_ctx *c)
{
	mbedtls_platform_zeroize(c->key, sizeof(c->key));
	c->wiped = true;
	c->pending = false;
}

int snp_msg_init(struct snp_msg_ctx *c, const uint8_t key[SNP_VMPCK_LEN], unsigned vmpck_id)
{
	uint8_t any = 0;

	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < SNP_VMPCK_LEN; i++)
		any |= key[i];
	if (vmpck_id > VMPCK_MAX_ID || any == 0) {
		c->wiped = true;
		return SVSM_EINVAL;
	}
	memcpy(c->key, key, SNP_VMPCK_LEN);
	c->vmpck_id = (uint8_t)vmpck_id;
	return SVSM_OK;
}

int snp_msg_seal(struct snp_msg_ctx *c, uint8_t type, const void *payload, size_t len,
		 struct snp_guest_msg *msg)
{
	int err;

	if (c->wiped)
		return SVSM_EPERM;
	if (c->pending)
		return SVSM_EBUSY;
	if (len == 0 || len > SNP_MSG_PAYLOAD_MAX || type == 0 || (type & 1) == 0)
		return SVSM_EINVAL; /* requests have odd types (SNP ABI, guest messages) */
	if (c->seqno >= SEQNO_LAST)
		return SVSM_ERANGE;
	/*
	 * The header is built here and never read back from msg, which may be
	 * the shared request page: a hypervisor rewriting it meanwhile cannot
	 * choose the IV (it is the context's own counter) or the AAD. The
	 * header goes out last, once, with its tag.
	 */
	struct snp_guest_msg_hdr hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.msg_seqno = c->seqno + 1;
	hdr.algo = SNP_MSG_ALGO_AES_256_GCM;
	hdr.hdr_version = SNP_MSG_HDR_VERSION;
	hdr.hdr_sz = SNP_MSG_HDR_SIZE;
	hdr.msg_type = type;
	hdr.msg_version = SNP_MSG_VERSION;
	hdr.msg_sz = (uint16_t)len;
	hdr.msg_vmpck = c->vmpck_id;
	err = seal_to(c->key, c->seqno + 1, &hdr, payload, len, msg->payload);
	if (err != SVSM_OK)
		return err; /* nothing went out: the key stays */
	memset(msg->payload + len, 0, sizeof(msg->payload) - len);
	memcpy(&msg->hdr, &hdr, sizeof(hdr));
	c->pending = true;
	c->pending_type = type;
	return SVSM_OK;
}

int snp_msg_open(struct snp_msg_ctx *c, const struct snp_guest_msg *resp, void *payload,
		 size_t max, size_t *len)
{
	const struct snp_guest_msg_hdr *h = &resp->hdr;

	if (c->wiped)
		return SVSM_EPERM;
	if (!c->pending)
		return SVSM_EINVAL;
	if (h->algo != SNP_MSG_ALGO_AES_256_GCM || h->hdr_version != SNP_MSG_HDR_VERSION ||
	    h->hdr_sz != SNP_MSG_HDR_SIZE || h->msg_type != c->pending_type + 1 ||
	    h->msg_version != SNP_MSG_VERSION || h->msg_vmpck != c->vmpck_id ||
	    h->msg_seqno != c->seqno + 2 || h->msg_sz == 0 || h->msg_sz > max ||
	    h->msg_sz > SNP_MSG_PAYLOAD_MAX ||
	    snp_msg_decrypt(c->key, resp, payload, h->msg_sz) != SVSM_OK) {
		snp_msg_abandon(c);
		return SVSM_EIO;
	}
	*len = h->msg_sz;
	c->seqno += 2;
	c->pending = false;
	return SVSM_OK;
}
