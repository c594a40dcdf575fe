/* SPDX-License-Identifier: MIT */
/* The vTPM state's two slots on a disk (include/svsm/vtpm_state.h). Portable. */
#include "svsm/vtpm_state.h"

#include <mbedtls/md.h>

#include "lib/string.h"
#include "svsm/errno.h"

#define SECTOR 512u

static uint64_t slot_off(unsigned slot)
{
	return (uint64_t)slot * VTPM_STATE_SLOT_SIZE;
}

static size_t round_sector(size_t n)
{
	return (n + SECTOR - 1) & ~(size_t)(SECTOR - 1);
}

/*
 * Reads slot `slot` into the scratch buffer: its first sector, then as
 * much more as the header's length asks (bounded by the slot), so a small
 * state costs a small read. The header's length is only a hint for how
 * much to read: vtpm_state_open checks it again against what was read.
 */
static int read_slot(struct vtpm_store *s, unsigned slot, size_t *got)
{
	const struct vtpm_state_hdr *h = (const void *)s->scratch;
	uint32_t plen;
	size_t want;

	if (s->disk->read(s->disk->ctx, slot_off(slot), s->scratch, SECTOR) != SVSM_OK)
		return SVSM_EIO;
	memcpy(&plen, &h->payload_len, sizeof(plen));
	want = plen > VTPM_STATE_PAYLOAD_MAX ? SECTOR : round_sector(VTPM_STATE_HDR_SIZE + plen);
	if (want > SECTOR &&
	    s->disk->read(s->disk->ctx, slot_off(slot) + SECTOR, s->scratch + SECTOR, want - SECTOR) != SVSM_OK)
		return SVSM_EIO;
	*got = want;
	return SVSM_OK;
}

static int digest_of(const uint8_t *img, size_t len, uint8_t out[VTPM_STATE_DIGEST_LEN])
{
	return mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), img, len, out) == 0 ? SVSM_OK : SVSM_EIO;
}

static void store_init(struct vtpm_store *s, const struct vtpm_disk_ops *disk, uint8_t *scratch)
{
	memset(s, 0, sizeof(*s));
	s->disk = disk;
	s->scratch = scratch;
	s->cur = -1;
}

int vtpm_store_open(struct vtpm_store *s, const struct vtpm_disk_ops *disk, const uint8_t key[VTPM_STATE_KEY_LEN],
		    uint8_t *scratch, void *plain, size_t max, size_t *len, const char **why)
{
	uint64_t best = 0;
	size_t got = 0;
	unsigned damaged = 0, written = 0;

	store_init(s, disk, scratch);
	*len = 0;
	*why = NULL;
	if (disk->size < VTPM_STATE_DISK_MIN) {
		*why = "the state disk is smaller than the two 512 KiB slots the vTPM state needs";
		return SVSM_ENOSPC;
	}
	if (vtpm_state_keys_derive(key, &s->keys) != SVSM_OK) {
		*why = "the sealing keys could not be derived";
		return SVSM_EIO;
	}
	for (unsigned slot = 0; slot < VTPM_STATE_SLOTS; slot++) {
		size_t n = 0;
		uint64_t version = 0;

		if (read_slot(s, slot, &got) != SVSM_OK) {
			*why = "the state disk failed a read";
			return SVSM_EIO;
		}
		s->seen[slot] = vtpm_state_open(&s->keys, s->scratch, got, plain, max, &n, &version);
		written += s->seen[slot] != VTPM_SLOT_EMPTY;
		damaged += s->seen[slot] == VTPM_SLOT_DAMAGED;
		if (s->seen[slot] == VTPM_SLOT_OK && version > best) {
			best = version;
			s->cur = (int)slot;
		}
	}
	for (unsigned slot = 0; slot < VTPM_STATE_SLOTS; slot++) {
		if (s->seen[slot] == VTPM_SLOT_FOREIGN) {
			*why = "the state was sealed under another key: another SVSM image, guest policy or chip "
			       "(tools/vtpm-state reset on the host discards it)";
			s->cur = -1;
			return SVSM_EPERM;
		}
		if (s->seen[slot] == VTPM_SLOT_FORMAT) {
			*why = "the state disk holds something that is not a state image this SVSM can read";
			s->cur = -1;
			return SVSM_EINVAL;
		}
	}
	if (written == 0)
		return SVSM_OK; /* a fresh disk: a fresh vTPM */
	if (s->cur < 0) {
		*why = "no slot of the state disk opens: damaged or tampered with (a first write cut short "
		       "looks the same; tools/vtpm-state reset on the host discards it)";
		return SVSM_EIO;
	}
	/* Open the chosen slot again: plain holds the last slot that opened, which need not be it. */
	if (read_slot(s, (unsigned)s->cur, &got) != SVSM_OK ||
	    vtpm_state_open(&s->keys, s->scratch, got, plain, max, len, &s->version) != VTPM_SLOT_OK) {
		*why = "the state disk changed while it was read";
		s->cur = -1;
		*len = 0;
		return SVSM_EIO;
	}
	if (*len == 0) {
		/* commit never writes one: a state sealed under our key yet empty is not a reset to honour */
		*why = "the state disk's newest image holds no TPM state (this SVSM never writes one)";
		s->cur = -1;
		return SVSM_EINVAL;
	}
	if (digest_of(s->scratch, VTPM_STATE_HDR_SIZE + *len, s->digest) != SVSM_OK) {
		*why = "the state's digest could not be computed";
		return SVSM_EIO;
	}
	if (damaged != 0)
		*why = "one slot of the state disk is damaged (a write cut short, or tampering); "
		       "the other, older or newer, opens and is used";
	return SVSM_OK;
}

int vtpm_store_commit(struct vtpm_store *s, const void *plain, size_t len)
{
	const unsigned slot = s->cur == 0 ? 1u : 0u; /* never the current one */
	uint8_t iv[VTPM_STATE_IV_LEN], digest[VTPM_STATE_DIGEST_LEN], back[VTPM_STATE_DIGEST_LEN];
	size_t out = 0, n = 0, got = 0;
	uint64_t version = 0;

	if (len == 0 || len > VTPM_STATE_PAYLOAD_MAX)
		return SVSM_EINVAL; /* empty: open could not tell it from a fresh disk's state */
	if (s->version == UINT64_MAX)
		return SVSM_ERANGE;
	if (s->disk->random(iv, sizeof(iv)) != SVSM_OK)
		return SVSM_EIO;
	if (vtpm_state_seal(&s->keys, s->version + 1, iv, plain, len, s->scratch, &out) != SVSM_OK ||
	    digest_of(s->scratch, out, digest) != SVSM_OK)
		return SVSM_EIO;
	n = round_sector(out);
	memset(s->scratch + out, 0, n - out);
	if (s->disk->write(s->disk->ctx, slot_off(slot), s->scratch, n) != SVSM_OK ||
	    s->disk->flush(s->disk->ctx) != SVSM_OK)
		return SVSM_EIO;
	s->writes++;
	s->bytes_written += n;
	/*
	 * Read back: only what the disk gives back counts. The same bytes
	 * (digest), and their tag verifies (opened in place: GCM decrypts
	 * in place, and the plaintext is not needed).
	 */
	memset(s->scratch, 0, n);
	if (read_slot(s, slot, &got) != SVSM_OK || got != n || digest_of(s->scratch, out, back) != SVSM_OK ||
	    memcmp(back, digest, sizeof(back)) != 0 ||
	    vtpm_state_open(&s->keys, s->scratch, got, s->scratch + VTPM_STATE_HDR_SIZE, VTPM_STATE_PAYLOAD_MAX, &n,
			    &version) != VTPM_SLOT_OK ||
	    version != s->version + 1)
		return SVSM_EIO;
	s->cur = (int)slot;
	s->version++;
	memcpy(s->digest, digest, sizeof(digest));
	return SVSM_OK;
}
