/* SPDX-License-Identifier: MIT */
/*
 * The vTPM's state on a disk the host provides: sealed, in two slots.
 *
 * What is sealed is opaque here: the vTPM module's NV, as the module
 * serialises it. Each slot holds one sealed image, a 128-byte header then
 * the ciphertext:
 *
 *   AES-256-GCM (NIST SP 800-38D), 96-bit IV drawn at random for every
 *   write (never derived from the version: a host that puts an older image
 *   back would otherwise make the SVSM reuse an IV under the same key);
 *   additional data: the header's first 0x60 bytes (magic, format,
 *   version, length, key check, IV), so none of them can be changed
 *   without the tag failing; the tag in the header.
 *
 * The keys come from one 32-byte key the PSP derives for the SVSM
 * (MSG_KEY_REQ, SNP ABI 56860; the fields mixed in are chosen by the
 * caller, see docs/ARCHITECTURE.md): the cipher key is HMAC-SHA-256(key,
 * "svsm vTPM state AES-256-GCM"), and the header carries a key check value,
 * the first 16 bytes of HMAC-SHA-256(key, "svsm vTPM state key check"), so
 * an image sealed under another key (another SVSM image, policy or chip)
 * is told apart from one that was damaged or tampered with. Neither reveals
 * the key.
 *
 * Crash safety: a write goes to the slot that does not hold the current
 * state, with the next version, then is flushed and read back; only when
 * the read-back opens does it become current. A write cut short leaves the
 * other slot, the previous state, as it was. Open picks the slot with the
 * highest version whose tag verifies.
 *
 * Rollback: nothing here can tell an older, validly sealed image from the
 * latest (no trusted counter). The current version and the SHA-256 of the
 * current slot's image are what the SVSM reports in its attestation, so a
 * relying party that remembers the last version it saw can tell
 * (tools/vtpm-rollback-check).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VTPM_STATE_MAGIC "SVSMvTPM"
#define VTPM_STATE_FORMAT 1u
#define VTPM_STATE_HDR_SIZE 128u
#define VTPM_STATE_AAD_LEN 0x60u
#define VTPM_STATE_KEY_LEN 32u
#define VTPM_STATE_KCV_LEN 16u
#define VTPM_STATE_IV_LEN 12u
#define VTPM_STATE_TAG_LEN 16u
/* One slot: header and ciphertext. The disk needs two (1 MiB). */
#define VTPM_STATE_SLOT_SIZE (512u * 1024u)
#define VTPM_STATE_PAYLOAD_MAX (VTPM_STATE_SLOT_SIZE - VTPM_STATE_HDR_SIZE)
#define VTPM_STATE_SLOTS 2u
#define VTPM_STATE_DISK_MIN ((uint64_t)VTPM_STATE_SLOTS * VTPM_STATE_SLOT_SIZE)
#define VTPM_STATE_DIGEST_LEN 32u

/* The slot header, little endian. */
struct vtpm_state_hdr {
	char magic[8];                      /* 0x00: VTPM_STATE_MAGIC, no terminator */
	uint32_t format;                    /* 0x08: VTPM_STATE_FORMAT */
	uint32_t hdr_size;                  /* 0x0C: VTPM_STATE_HDR_SIZE */
	uint64_t version;                   /* 0x10: 1 for the first write, +1 each write after */
	uint32_t payload_len;               /* 0x18: ciphertext bytes (= plaintext bytes) */
	uint32_t rsvd_1c;                   /* 0x1C: 0 */
	uint8_t key_check[VTPM_STATE_KCV_LEN]; /* 0x20 */
	uint8_t iv[VTPM_STATE_IV_LEN];      /* 0x30 */
	uint8_t rsvd_3c[0x60 - 0x3C];       /* 0x3C: 0 */
	uint8_t tag[VTPM_STATE_TAG_LEN];    /* 0x60: not in the additional data */
	uint8_t rsvd_70[0x10];              /* 0x70: 0 */
};

_Static_assert(sizeof(struct vtpm_state_hdr) == VTPM_STATE_HDR_SIZE, "vTPM state header");
_Static_assert(__builtin_offsetof(struct vtpm_state_hdr, version) == 0x10, "version");
_Static_assert(__builtin_offsetof(struct vtpm_state_hdr, payload_len) == 0x18, "payload_len");
_Static_assert(__builtin_offsetof(struct vtpm_state_hdr, key_check) == 0x20, "key_check");
_Static_assert(__builtin_offsetof(struct vtpm_state_hdr, iv) == 0x30, "iv");
_Static_assert(__builtin_offsetof(struct vtpm_state_hdr, tag) == VTPM_STATE_AAD_LEN, "tag ends the AAD");

/* What one slot holds. */
enum vtpm_slot_verdict {
	VTPM_SLOT_EMPTY,   /* never written: no magic, all zero header */
	VTPM_SLOT_OK,      /* opens under the key */
	VTPM_SLOT_FOREIGN, /* sealed under another key: another SVSM image, policy or chip */
	VTPM_SLOT_DAMAGED, /* the key matches but the tag fails: a write cut short, or tampering */
	VTPM_SLOT_FORMAT,  /* a header this SVSM cannot read: unknown format, sizes out of range, reserved bits */
};

/* The keys of one sealing key (derived as above). */
struct vtpm_state_keys {
	uint8_t cipher[VTPM_STATE_KEY_LEN];
	uint8_t check[VTPM_STATE_KCV_LEN];
};

/* SVSM_OK, or SVSM_EIO when the HMAC fails. */
int vtpm_state_keys_derive(const uint8_t key[VTPM_STATE_KEY_LEN], struct vtpm_state_keys *k);

/*
 * Seals len plaintext bytes as image `version` into out (at least
 * VTPM_STATE_HDR_SIZE + len bytes). SVSM_OK with *out_len; SVSM_EINVAL
 * for len above VTPM_STATE_PAYLOAD_MAX or version 0; SVSM_EIO (cipher).
 */
int vtpm_state_seal(const struct vtpm_state_keys *k, uint64_t version, const uint8_t iv[VTPM_STATE_IV_LEN],
		    const void *plain, size_t len, uint8_t *out, size_t *out_len);

/*
 * Judges the image of avail bytes (a whole slot as read from the disk)
 * and, when it opens, decrypts it into plain (max bytes) with *len and
 * *version. The header is copied once and checked before any use; plain
 * is written only for VTPM_SLOT_OK (it is cleared otherwise: no
 * unauthenticated plaintext is left).
 */
enum vtpm_slot_verdict vtpm_state_open(const struct vtpm_state_keys *k, const uint8_t *img, size_t avail,
				       void *plain, size_t max, size_t *len, uint64_t *version);

/* A sentence for a verdict ("sealed under another key (...)"). */
const char *vtpm_slot_verdict_str(enum vtpm_slot_verdict v);

/* ---- the two slots on a disk ---- */

/* The disk, as the store sees it: byte offsets and lengths, multiples of 512. */
struct vtpm_disk_ops {
	void *ctx;
	uint64_t size; /* bytes */
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t off, const void *buf, size_t len);
	int (*flush)(void *ctx);
	int (*random)(void *buf, size_t len); /* for the IVs */
};

struct vtpm_store {
	const struct vtpm_disk_ops *disk;
	struct vtpm_state_keys keys;
	uint8_t *scratch;   /* VTPM_STATE_SLOT_SIZE bytes the caller gives */
	int cur;            /* slot of the current state, -1: none yet */
	uint64_t version;   /* of the current state, 0: none */
	uint8_t digest[VTPM_STATE_DIGEST_LEN]; /* SHA-256 of the current slot's image (header and ciphertext) */
	uint64_t writes, bytes_written;        /* since open, for the figures */
	enum vtpm_slot_verdict seen[VTPM_STATE_SLOTS]; /* what open found */
};

/*
 * Opens the store on disk with key: the newest slot that opens is the
 * state, decrypted into plain (max bytes, *len). Outcomes:
 *  SVSM_OK, *len > 0: state found (s->version, s->digest say which);
 *  SVSM_OK, *len = 0 and s->version 0: an empty disk, a fresh vTPM;
 *  SVSM_ENOSPC: the disk is smaller than VTPM_STATE_DISK_MIN;
 *  SVSM_EPERM: a slot is sealed under another key;
 *  SVSM_EINVAL: a slot's header is in a format this SVSM cannot read, or
 *    the newest image that opens is empty (commit never writes one);
 *  SVSM_EIO: no slot opens though one was written (both damaged), or the
 *  disk failed.
 * *why gets a sentence for every outcome but a clean one. One damaged slot
 * beside one that opens is the normal trace of a write cut short: the
 * state is the one that opens, and *why says so.
 */
int vtpm_store_open(struct vtpm_store *s, const struct vtpm_disk_ops *disk, const uint8_t key[VTPM_STATE_KEY_LEN],
		    uint8_t *scratch, void *plain, size_t max, size_t *len, const char **why);

/*
 * Writes plain as the next version into the slot that is not current,
 * flushes, reads it back and opens it; only then is it current. SVSM_OK;
 * SVSM_EINVAL (empty or too long); SVSM_ERANGE (versions used up); SVSM_EIO (the
 * disk failed or the read-back did not open: the previous state stays
 * current).
 */
int vtpm_store_commit(struct vtpm_store *s, const void *plain, size_t len);
