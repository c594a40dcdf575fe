/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the vTPM state disk (svsm/vtpm/state_image.c,
 * state_slots.c) as a hostile host may leave it. Input: a flags byte, then
 * per slot a version byte, a patch offset (2 bytes) and value, then the
 * bytes the two slots are built from (half each). A slot whose flag is set
 * is sealed properly from its bytes (so the tag check is reached) and then
 * patched; otherwise it holds the raw bytes.
 *
 * Invariants: open answers one of its defined outcomes, with a sentence
 * for every one but a clean open; a state it accepts is the plaintext of
 * a slot sealed here, unpatched, with the highest version of those, and
 * never empty; a patched slot never opens; after an accepted open, a
 * commit then an open give back exactly what was committed, one version
 * on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svsm/errno.h"
#include "svsm/vtpm_state.h"

#define DISK (2 * VTPM_STATE_SLOT_SIZE)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t disk[DISK];
static uint8_t scratch[VTPM_STATE_SLOT_SIZE];
static uint8_t plain[VTPM_STATE_PAYLOAD_MAX];
static const uint8_t key[32] = { 'f', 'u', 'z', 'z' };
static uint8_t rng;

static int d_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	if (off % 512 != 0 || len % 512 != 0 || off > DISK || len > DISK - off)
		abort(); /* the store asked for something outside the disk */
	memcpy(buf, disk + off, len);
	return SVSM_OK;
}

static int d_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx;
	if (off % 512 != 0 || len % 512 != 0 || off > DISK || len > DISK - off)
		abort();
	memcpy(disk + off, buf, len);
	return SVSM_OK;
}

static int d_flush(void *ctx)
{
	(void)ctx;
	return SVSM_OK;
}

static int d_random(void *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = rng++;
	return SVSM_OK;
}

static const struct vtpm_disk_ops ops = { NULL, DISK, d_read, d_write, d_flush, d_random };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtpm_store st;
	struct vtpm_state_keys k;
	const uint8_t iv[VTPM_STATE_IV_LEN] = { 7 };
	const size_t head = 1 + 2 * 4;
	bool sealed[2] = { false, false }, patched[2] = { false, false };
	uint64_t version[2] = { 0, 0 };
	const uint8_t *part[2];
	size_t plen[2], n = 0, out = 0;
	const char *why = NULL;
	int err;

	if (size < head)
		return 0;
	memset(disk, 0, sizeof(disk));
	if (vtpm_state_keys_derive(key, &k) != SVSM_OK)
		abort();
	plen[0] = (size - head) / 2;
	plen[1] = size - head - plen[0];
	part[0] = data + head;
	part[1] = data + head + plen[0];
	for (unsigned s = 0; s < 2; s++) {
		const uint8_t *p = data + 1 + 4 * s;
		uint8_t *slot = disk + (size_t)s * VTPM_STATE_SLOT_SIZE;
		const size_t at = (size_t)(p[1] | p[2] << 8);

		if (data[0] & (1u << s)) {
			version[s] = p[0] + 1u;
			if (vtpm_state_seal(&k, version[s], iv, part[s], plen[s], slot, &out) != SVSM_OK)
				abort();
			sealed[s] = true;
			if (p[3] != 0 && at < out) {
				slot[at] ^= p[3];
				patched[s] = true;
			}
		} else {
			memcpy(slot, part[s], plen[s]);
		}
	}

	err = vtpm_store_open(&st, &ops, key, scratch, plain, sizeof(plain), &n, &why);
	if (err != SVSM_OK && err != SVSM_EPERM && err != SVSM_EINVAL && err != SVSM_EIO)
		abort();
	if (err != SVSM_OK && (why == NULL || n != 0 || st.cur != -1))
		abort();
	for (unsigned s = 0; s < 2; s++) {
		if (patched[s] && st.seen[s] == VTPM_SLOT_OK)
			abort(); /* a changed byte got through */
		if (sealed[s] && !patched[s] && st.seen[s] != VTPM_SLOT_OK)
			abort(); /* a good slot was not recognised */
	}
	if (err != SVSM_OK)
		return 0;
	if (st.cur >= 0) {
		const unsigned c = (unsigned)st.cur;

		if (!sealed[c] || patched[c] || st.version != version[c] || n == 0 || n != plen[c] ||
		    memcmp(plain, part[c], n) != 0)
			abort();
		if (sealed[!c] && !patched[!c] && version[!c] > version[c])
			abort(); /* the older of two good slots was chosen */
	} else if (n != 0 || st.version != 0) {
		abort();
	}

	/* A commit then an open: exactly what was committed, one version on. */
	const uint64_t before = st.version;
	static uint8_t next[64];

	memset(next, data[0], sizeof(next));
	if (vtpm_store_commit(&st, next, sizeof(next)) != SVSM_OK)
		abort();
	if (vtpm_store_open(&st, &ops, key, scratch, plain, sizeof(plain), &n, &why) != SVSM_OK ||
	    st.version != before + 1 || n != sizeof(next) || memcmp(plain, next, n) != 0)
		abort();
	return 0;
}
