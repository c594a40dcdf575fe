/* SPDX-License-Identifier: MIT */
/* One sealed image of the vTPM's state (include/svsm/vtpm_state.h). Portable. */
#include "svsm/vtpm_state.h"

#include <mbedtls/gcm.h>
#include <mbedtls/md.h>

#include "lib/string.h"
#include "svsm/errno.h"

static const char cipher_label[] = "svsm vTPM state AES-256-GCM";
static const char check_label[] = "svsm vTPM state key check";

int vtpm_state_keys_derive(const uint8_t key[VTPM_STATE_KEY_LEN], struct vtpm_state_keys *k)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	uint8_t check[32];
	int rc;

	rc = mbedtls_md_hmac(md, key, VTPM_STATE_KEY_LEN, (const uint8_t *)cipher_label, sizeof(cipher_label) - 1,
			     k->cipher);
	if (rc == 0)
		rc = mbedtls_md_hmac(md, key, VTPM_STATE_KEY_LEN, (const uint8_t *)check_label,
				     sizeof(check_label) - 1, check);
	memcpy(k->check, check, sizeof(k->check));
	memset(check, 0, sizeof(check));
	if (rc != 0) {
		memset(k, 0, sizeof(*k));
		return SVSM_EIO;
	}
	return SVSM_OK;
}

int vtpm_state_seal(const struct vtpm_state_keys *k, uint64_t version, const uint8_t iv[VTPM_STATE_IV_LEN],
		    const void *plain, size_t len, uint8_t *out, size_t *out_len)
{
	struct vtpm_state_hdr h;
	mbedtls_gcm_context gcm;
	int rc;

	if (len > VTPM_STATE_PAYLOAD_MAX || version == 0)
		return SVSM_EINVAL;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, VTPM_STATE_MAGIC, sizeof(h.magic));
	h.format = VTPM_STATE_FORMAT;
	h.hdr_size = VTPM_STATE_HDR_SIZE;
	h.version = version;
	h.payload_len = (uint32_t)len;
	memcpy(h.key_check, k->check, sizeof(h.key_check));
	memcpy(h.iv, iv, sizeof(h.iv));
	mbedtls_gcm_init(&gcm);
	rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, k->cipher, 256);
	if (rc == 0)
		rc = mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, len, h.iv, sizeof(h.iv),
					       (const uint8_t *)&h, VTPM_STATE_AAD_LEN, plain,
					       out + VTPM_STATE_HDR_SIZE, sizeof(h.tag), h.tag);
	mbedtls_gcm_free(&gcm);
	if (rc != 0)
		return SVSM_EIO;
	memcpy(out, &h, sizeof(h));
	*out_len = VTPM_STATE_HDR_SIZE + len;
	return SVSM_OK;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= b[i];
	return acc == 0;
}

/* Constant time: the key check is compared like a tag. */
static bool same(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= a[i] ^ b[i];
	return acc == 0;
}

enum vtpm_slot_verdict vtpm_state_open(const struct vtpm_state_keys *k, const uint8_t *img, size_t avail,
				       void *plain, size_t max, size_t *len, uint64_t *version)
{
	struct vtpm_state_hdr h;
	mbedtls_gcm_context gcm;
	int rc;

	*len = 0;
	*version = 0;
	if (avail < sizeof(h))
		return VTPM_SLOT_FORMAT;
	memcpy(&h, img, sizeof(h)); /* the disk is the host's: one copy, checked, then used */
	if (all_zero(&h, sizeof(h)))
		return VTPM_SLOT_EMPTY;
	if (memcmp(h.magic, VTPM_STATE_MAGIC, sizeof(h.magic)) != 0 || h.format != VTPM_STATE_FORMAT ||
	    h.hdr_size != VTPM_STATE_HDR_SIZE || h.payload_len > VTPM_STATE_PAYLOAD_MAX ||
	    h.payload_len > avail - sizeof(h) || h.payload_len > max || h.version == 0 || h.rsvd_1c != 0 ||
	    !all_zero(h.rsvd_3c, sizeof(h.rsvd_3c)) || !all_zero(h.rsvd_70, sizeof(h.rsvd_70)))
		return VTPM_SLOT_FORMAT;
	if (!same(h.key_check, k->check, sizeof(h.key_check)))
		return VTPM_SLOT_FOREIGN;
	mbedtls_gcm_init(&gcm);
	rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, k->cipher, 256);
	if (rc == 0)
		rc = mbedtls_gcm_auth_decrypt(&gcm, h.payload_len, h.iv, sizeof(h.iv), (const uint8_t *)&h,
					      VTPM_STATE_AAD_LEN, h.tag, sizeof(h.tag), img + sizeof(h), plain);
	mbedtls_gcm_free(&gcm);
	if (rc != 0) {
		memset(plain, 0, h.payload_len); /* mbedTLS clears it too; say so here as well */
		return VTPM_SLOT_DAMAGED;
	}
	*len = h.payload_len;
	*version = h.version;
	return VTPM_SLOT_OK;
}

const char *vtpm_slot_verdict_str(enum vtpm_slot_verdict v)
{
	switch (v) {
	case VTPM_SLOT_EMPTY:
		return "empty";
	case VTPM_SLOT_OK:
		return "opens";
	case VTPM_SLOT_FOREIGN:
		return "sealed under another key (another SVSM image, guest policy or chip)";
	case VTPM_SLOT_DAMAGED:
		return "damaged: the tag does not verify (a write cut short, or tampering)";
	case VTPM_SLOT_FORMAT:
		return "not a state image this SVSM can read (magic, format, sizes or reserved fields)";
	}
	return "?";
}
