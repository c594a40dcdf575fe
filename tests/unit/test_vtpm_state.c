/* SPDX-License-Identifier: MIT */
/*
 * The vTPM state's sealed image and its two slots (include/svsm/vtpm_state.h),
 * on a disk in memory that can fail, stop a write part-way, drop a write
 * or hand back something else: round trips, every refusal with its own
 * verdict, a write cut short at every sector leaving the old state or the
 * new one and never neither, rollback shown only by the version.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/md.h>

#include "svsm/errno.h"
#include "svsm/vtpm_state.h"

#define DISK_SIZE (2 * VTPM_STATE_SLOT_SIZE)

static const uint8_t key_a[32] = { 'k', 'e', 'y', '-', 'a' };
static const uint8_t key_b[32] = { 'k', 'e', 'y', '-', 'b' };

/* The disk in memory. */
static struct {
	uint8_t *bytes;
	long write_budget;   /* sectors a write may still put down before it "loses power"; <0 unlimited */
	bool fail_read, fail_write, fail_flush, drop_writes;
	unsigned reads, writes, flushes;
	uint8_t rng;
} disk;

static int d_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	assert_true(off % 512 == 0 && len % 512 == 0 && off + len <= DISK_SIZE);
	disk.reads++;
	if (disk.fail_read)
		return SVSM_EIO;
	memcpy(buf, disk.bytes + off, len);
	return SVSM_OK;
}

static int d_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx;
	assert_true(off % 512 == 0 && len % 512 == 0 && off + len <= DISK_SIZE);
	disk.writes++;
	if (disk.fail_write)
		return SVSM_EIO;
	if (disk.drop_writes)
		return SVSM_OK;
	for (size_t s = 0; s < len / 512; s++) {
		if (disk.write_budget == 0)
			return SVSM_EIO; /* the power went here */
		if (disk.write_budget > 0)
			disk.write_budget--;
		memcpy(disk.bytes + off + s * 512, (const uint8_t *)buf + s * 512, 512);
	}
	return SVSM_OK;
}

static int d_flush(void *ctx)
{
	(void)ctx;
	disk.flushes++;
	return disk.fail_flush ? SVSM_EIO : SVSM_OK;
}

static int d_random(void *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)(disk.rng++ * 37 + 11);
	return SVSM_OK;
}

static struct vtpm_disk_ops ops = { NULL, DISK_SIZE, d_read, d_write, d_flush, d_random };
static uint8_t scratch[VTPM_STATE_SLOT_SIZE];
static uint8_t plain[VTPM_STATE_PAYLOAD_MAX];
static uint8_t big[VTPM_STATE_PAYLOAD_MAX];
static struct vtpm_store st;

static int setup(void **state)
{
	(void)state;
	disk.bytes = calloc(1, DISK_SIZE);
	disk.write_budget = -1;
	disk.fail_read = disk.fail_write = disk.fail_flush = disk.drop_writes = false;
	ops.size = DISK_SIZE;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + (i >> 9));
	return disk.bytes == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	free(disk.bytes);
	return 0;
}

/* Opens the store on the disk with key; the result, *len in n. */
static int open_with(const uint8_t *key, size_t *n, const char **why)
{
	return vtpm_store_open(&st, &ops, key, scratch, plain, sizeof(plain), n, why);
}

/* Commits a state of len bytes whose content says which (fill). */
static int commit_fill(size_t len, uint8_t fill)
{
	static uint8_t buf[VTPM_STATE_PAYLOAD_MAX + 1];

	memset(buf, fill, len);
	return vtpm_store_commit(&st, buf, len);
}

static void expect_state(size_t len, uint8_t fill, uint64_t version)
{
	size_t n = 99;
	const char *why = "x";

	assert_int_equal(open_with(key_a, &n, &why), SVSM_OK);
	assert_int_equal(n, len);
	assert_int_equal(st.version, version);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(plain[i], fill);
}

/* ---- one image ---- */

static void test_image_round_trip(void **state)
{
	struct vtpm_state_keys k, other;
	static uint8_t img[VTPM_STATE_SLOT_SIZE];
	uint8_t iv[VTPM_STATE_IV_LEN] = { 1, 2, 3 };
	size_t out = 0, n = 0;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(vtpm_state_keys_derive(key_a, &k), SVSM_OK);
	assert_int_equal(vtpm_state_keys_derive(key_b, &other), SVSM_OK);
	assert_memory_not_equal(k.cipher, key_a, 32); /* the cipher key is not the PSP's key */
	assert_memory_not_equal(k.check, other.check, sizeof(k.check));
	assert_int_equal(vtpm_state_seal(&k, 5, iv, big, sizeof(big), img, &out), SVSM_OK);
	assert_int_equal(out, VTPM_STATE_SLOT_SIZE);
	assert_memory_equal(img, VTPM_STATE_MAGIC, 8);
	/* The ciphertext is not the plaintext. */
	assert_memory_not_equal(img + VTPM_STATE_HDR_SIZE, big, 64);
	assert_int_equal(vtpm_state_open(&k, img, out, plain, sizeof(plain), &n, &v), VTPM_SLOT_OK);
	assert_int_equal(n, sizeof(big));
	assert_int_equal(v, 5);
	assert_memory_equal(plain, big, sizeof(big));
	/* An empty state seals and opens too. */
	assert_int_equal(vtpm_state_seal(&k, 1, iv, big, 0, img, &out), SVSM_OK);
	assert_int_equal(vtpm_state_open(&k, img, out, plain, sizeof(plain), &n, &v), VTPM_SLOT_OK);
	assert_int_equal(n, 0);
	/* Refused to seal: too long, version 0. */
	assert_int_equal(vtpm_state_seal(&k, 1, iv, big, VTPM_STATE_PAYLOAD_MAX + 1, img, &out), SVSM_EINVAL);
	assert_int_equal(vtpm_state_seal(&k, 0, iv, big, 16, img, &out), SVSM_EINVAL);
}

/* Every byte of a small image flipped in turn: none opens, and each gets the verdict its field earns. */
static void test_image_every_flip(void **state)
{
	struct vtpm_state_keys k;
	uint8_t img[VTPM_STATE_HDR_SIZE + 40], iv[VTPM_STATE_IV_LEN] = { 9 };
	size_t out = 0, n = 0;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(vtpm_state_keys_derive(key_a, &k), SVSM_OK);
	assert_int_equal(vtpm_state_seal(&k, 3, iv, big, 40, img, &out), SVSM_OK);
	for (size_t i = 0; i < out; i++) {
		enum vtpm_slot_verdict want, got;

		img[i] ^= 0x01;
		memset(plain, 0xEE, 64);
		got = vtpm_state_open(&k, img, out, plain, sizeof(plain), &n, &v);
		if (i < 0x10 || (i >= 0x18 && i < 0x20) || (i >= 0x3C && i < 0x60) || (i >= 0x70 && i < 0x80))
			want = VTPM_SLOT_FORMAT; /* magic, format, size, length, reserved */
		else if (i >= 0x20 && i < 0x30)
			want = VTPM_SLOT_FOREIGN; /* the key check */
		else
			want = VTPM_SLOT_DAMAGED; /* version, IV, tag, ciphertext: the tag says no */
		if (i >= 0x10 && i < 0x18 && v == 0 && got == VTPM_SLOT_FORMAT)
			want = VTPM_SLOT_FORMAT; /* the flip made the version 0 (not with 3 ^ 1 = 2) */
		if (got != want)
			fail_msg("byte 0x%zx flipped: verdict %d (%s), expected %d", i, got, vtpm_slot_verdict_str(got),
				 want);
		assert_int_equal(n, 0);
		if (got == VTPM_SLOT_DAMAGED) {
			for (size_t j = 0; j < 40; j++)
				assert_int_equal(plain[j], 0); /* nothing unauthenticated left behind */
		}
		img[i] ^= 0x01;
	}
	assert_int_equal(vtpm_state_open(&k, img, out, plain, sizeof(plain), &n, &v), VTPM_SLOT_OK);
}

static void test_image_refusals(void **state)
{
	struct vtpm_state_keys k, other;
	static uint8_t img[VTPM_STATE_HDR_SIZE + 4096];
	uint8_t iv[VTPM_STATE_IV_LEN] = { 0 };
	struct vtpm_state_hdr h;
	size_t out = 0, n = 0;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(vtpm_state_keys_derive(key_a, &k), SVSM_OK);
	assert_int_equal(vtpm_state_keys_derive(key_b, &other), SVSM_OK);
	memset(img, 0, sizeof(img));
	assert_int_equal(vtpm_state_open(&k, img, sizeof(img), plain, sizeof(plain), &n, &v), VTPM_SLOT_EMPTY);
	assert_int_equal(vtpm_state_seal(&k, 2, iv, big, 4096, img, &out), SVSM_OK);
	/* Another key: told apart from damage. */
	assert_int_equal(vtpm_state_open(&other, img, out, plain, sizeof(plain), &n, &v), VTPM_SLOT_FOREIGN);
	/* Truncated: less than the header, less than its length says. */
	assert_int_equal(vtpm_state_open(&k, img, 100, plain, sizeof(plain), &n, &v), VTPM_SLOT_FORMAT);
	assert_int_equal(vtpm_state_open(&k, img, out - 1, plain, sizeof(plain), &n, &v), VTPM_SLOT_FORMAT);
	/* A caller's buffer smaller than the state. */
	assert_int_equal(vtpm_state_open(&k, img, out, plain, 4095, &n, &v), VTPM_SLOT_FORMAT);
	/* A newer format, a length beyond any slot. */
	memcpy(&h, img, sizeof(h));
	h.format = 2;
	memcpy(img, &h, sizeof(h));
	assert_int_equal(vtpm_state_open(&k, img, out, plain, sizeof(plain), &n, &v), VTPM_SLOT_FORMAT);
	h.format = VTPM_STATE_FORMAT;
	h.payload_len = 0xFFFFFFFFu;
	memcpy(img, &h, sizeof(h));
	assert_int_equal(vtpm_state_open(&k, img, out, plain, sizeof(plain), &n, &v), VTPM_SLOT_FORMAT);
	/* A shorter length with the rest intact: the tag covers the length. */
	h.payload_len = 4000;
	memcpy(img, &h, sizeof(h));
	assert_int_equal(vtpm_state_open(&k, img, out, plain, sizeof(plain), &n, &v), VTPM_SLOT_DAMAGED);
	assert_string_equal(vtpm_slot_verdict_str(VTPM_SLOT_FOREIGN),
			    "sealed under another key (another SVSM image, guest policy or chip)");
}

/* ---- the slots ---- */

static void test_store_fresh_then_commits(void **state)
{
	size_t n = 1;
	const char *why = "x";
	uint8_t digest[32];

	(void)state;
	assert_int_equal(open_with(key_a, &n, &why), SVSM_OK);
	assert_int_equal(n, 0);
	assert_null(why);
	assert_int_equal(st.version, 0);
	assert_int_equal(st.cur, -1);
	assert_int_equal(commit_fill(1000, 0x11), SVSM_OK);
	assert_int_equal(st.cur, 0);
	assert_int_equal(st.version, 1);
	/* The digest is the SHA-256 of the slot's image as on the disk. */
	assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), disk.bytes,
				    VTPM_STATE_HDR_SIZE + 1000, digest), 0);
	assert_memory_equal(st.digest, digest, 32);
	assert_int_equal(commit_fill(3000, 0x22), SVSM_OK);
	assert_int_equal(st.cur, 1);
	assert_int_equal(commit_fill(VTPM_STATE_PAYLOAD_MAX, 0x33), SVSM_OK);
	assert_int_equal(st.cur, 0);
	assert_int_equal(st.writes, 3);
	/* Writes are whole sectors of header and ciphertext, never the whole slot for a small state. */
	assert_int_equal(st.bytes_written, 1536 + 3584 + VTPM_STATE_SLOT_SIZE);
	expect_state(VTPM_STATE_PAYLOAD_MAX, 0x33, 3);
	assert_int_equal(st.seen[0], VTPM_SLOT_OK);
	assert_int_equal(st.seen[1], VTPM_SLOT_OK);
	assert_int_equal(commit_fill(10, 0x44), SVSM_OK);
	expect_state(10, 0x44, 4);
	assert_int_equal(commit_fill(VTPM_STATE_PAYLOAD_MAX + 1, 0x55), SVSM_EINVAL);
	assert_int_equal(commit_fill(0, 0x55), SVSM_EINVAL); /* empty: could not be told from a fresh disk */
	expect_state(10, 0x44, 4);
}

/*
 * QEMU killed during a write, at every sector of it: the next open has
 * the old state or, only once the whole image is down, the new one.
 */
static void test_store_cut_short_everywhere(void **state)
{
	const size_t len = 5000; /* 128 + 5000 bytes: 11 sectors */
	const long sectors = (long)((VTPM_STATE_HDR_SIZE + len + 511) / 512);

	(void)state;
	for (long cut = 0; cut <= sectors; cut++) {
		size_t n = 0;
		const char *why = NULL;

		memset(disk.bytes, 0, DISK_SIZE);
		disk.write_budget = -1;
		assert_int_equal(open_with(key_a, &n, &why), SVSM_OK);
		assert_int_equal(commit_fill(len, 0xA1), SVSM_OK); /* v1 in slot 0 */
		assert_int_equal(commit_fill(len, 0xA2), SVSM_OK); /* v2 in slot 1 */
		disk.write_budget = cut;
		int err = commit_fill(len, 0xA3);                  /* v3 into slot 0 */

		disk.write_budget = -1;
		assert_int_equal(err, cut < sectors ? SVSM_EIO : SVSM_OK);
		assert_int_equal(open_with(key_a, &n, &why), SVSM_OK);
		if (cut < sectors) {
			assert_int_equal(st.version, 2);
			assert_int_equal(plain[0], 0xA2);
			assert_int_equal(plain[len - 1], 0xA2);
			if (cut > 0)
				assert_non_null(why); /* the half-written slot is reported */
		} else {
			assert_int_equal(st.version, 3);
			assert_int_equal(plain[len - 1], 0xA3);
		}
	}
}

static void test_store_failures_keep_state(void **state)
{
	size_t n = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(open_with(key_a, &n, &why), SVSM_OK);
	assert_int_equal(commit_fill(2000, 0x61), SVSM_OK);
	/* The write fails, the flush fails, the disk drops the write, gives back the wrong bytes. */
	disk.fail_write = true;
	assert_int_equal(commit_fill(2000, 0x62), SVSM_EIO);
	disk.fail_write = false;
	disk.fail_flush = true;
	assert_int_equal(commit_fill(2000, 0x63), SVSM_EIO);
	disk.fail_flush = false;
	assert_int_equal(st.version, 1);
	assert_int_equal(st.cur, 0);
	/* A disk that acknowledges but keeps nothing: slot 1 still holds the failed flush's write (v2). */
	memset(disk.bytes + VTPM_STATE_SLOT_SIZE, 0, 4096);
	disk.drop_writes = true;
	assert_int_equal(commit_fill(2000, 0x64), SVSM_EIO);
	disk.drop_writes = false;
	assert_int_equal(st.version, 1);
	assert_int_equal(st.cur, 0);
	expect_state(2000, 0x61, 1);
	/* A read failure at open. */
	disk.fail_read = true;
	assert_int_equal(open_with(key_a, &n, &why), SVSM_EIO);
	assert_string_equal(why, "the state disk failed a read");
	disk.fail_read = false;
}

static void test_store_refusals(void **state)
{
	size_t n = 0;
	const char *why = NULL;
	struct vtpm_state_hdr h;
	static uint8_t saved[512];

	(void)state;
	/* Too small a disk. */
	ops.size = DISK_SIZE - 512;
	assert_int_equal(open_with(key_a, &n, &why), SVSM_ENOSPC);
	assert_non_null(why);
	ops.size = DISK_SIZE;
	assert_int_equal(open_with(key_a, &n, &why), SVSM_OK);
	assert_int_equal(commit_fill(700, 0x71), SVSM_OK);
	assert_int_equal(commit_fill(700, 0x72), SVSM_OK);
	/* Another SVSM image (another key): refused, whatever the other slot holds. */
	assert_int_equal(open_with(key_b, &n, &why), SVSM_EPERM);
	assert_int_equal(n, 0);
	assert_non_null(strstr(why, "another key"));
	/* A bit flipped in both slots' ciphertext: nothing opens, refused (never a fresh TPM over it). */
	disk.bytes[VTPM_STATE_HDR_SIZE + 5] ^= 0x80;
	disk.bytes[VTPM_STATE_SLOT_SIZE + VTPM_STATE_HDR_SIZE + 5] ^= 0x80;
	assert_int_equal(open_with(key_a, &n, &why), SVSM_EIO);
	assert_int_equal(n, 0);
	assert_non_null(strstr(why, "no slot"));
	/* One repaired: it is the state, and the other is reported. */
	disk.bytes[VTPM_STATE_HDR_SIZE + 5] ^= 0x80;
	assert_int_equal(open_with(key_a, &n, &why), SVSM_OK);
	assert_int_equal(st.version, 1);
	assert_int_equal(st.seen[1], VTPM_SLOT_DAMAGED);
	assert_non_null(strstr(why, "damaged"));
	/*
	 * The newest slot sealed under the right key but empty (no SVSM writes
	 * one): refused, not taken as a fresh TPM over the older state.
	 */
	{
		uint8_t iv[VTPM_STATE_IV_LEN] = { 3 }, img[VTPM_STATE_HDR_SIZE];
		size_t out = 0;

		memcpy(saved, disk.bytes + VTPM_STATE_SLOT_SIZE, sizeof(saved));
		assert_int_equal(vtpm_state_seal(&st.keys, 9, iv, img, 0, img, &out), SVSM_OK);
		memset(disk.bytes + VTPM_STATE_SLOT_SIZE, 0, 512);
		memcpy(disk.bytes + VTPM_STATE_SLOT_SIZE, img, out);
		assert_int_equal(open_with(key_a, &n, &why), SVSM_EINVAL);
		assert_int_equal(n, 0);
		assert_non_null(strstr(why, "no TPM state"));
		memcpy(disk.bytes + VTPM_STATE_SLOT_SIZE, saved, sizeof(saved));
		assert_int_equal(open_with(key_a, &n, &why), SVSM_OK);
		assert_int_equal(st.version, 1);
	}
	/* A slot in a format this SVSM does not know. */
	memcpy(&h, disk.bytes + VTPM_STATE_SLOT_SIZE, sizeof(h));
	h.format = 7;
	memcpy(disk.bytes + VTPM_STATE_SLOT_SIZE, &h, sizeof(h));
	assert_int_equal(open_with(key_a, &n, &why), SVSM_EINVAL);
	/* Garbage where a slot should be. */
	memset(disk.bytes, 0x5A, 4096);
	assert_int_equal(open_with(key_a, &n, &why), SVSM_EINVAL);
	/* Only a damaged slot (a first write cut short looks the same): refused, the reset is the way out. */
	memset(disk.bytes, 0, DISK_SIZE);
	assert_int_equal(open_with(key_a, &n, &why), SVSM_OK);
	disk.write_budget = 1;
	assert_int_equal(commit_fill(2000, 0x73), SVSM_EIO);
	disk.write_budget = -1;
	assert_int_equal(open_with(key_a, &n, &why), SVSM_EIO);
	memset(disk.bytes, 0, 2 * VTPM_STATE_SLOT_SIZE); /* the host's reset (tools/vtpm-state reset): both slots zeroed */
	assert_int_equal(open_with(key_a, &n, &why), SVSM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(st.version, 0);
}

/*
 * Rollback: an older, validly sealed disk put back opens (nothing here can
 * know better); its version is what the SVSM reports, which is how a
 * relying party sees it.
 */
static void test_store_rollback_shows_in_version(void **state)
{
	static uint8_t old_disk[DISK_SIZE];
	uint8_t old_digest[32];
	size_t n = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(open_with(key_a, &n, &why), SVSM_OK);
	assert_int_equal(commit_fill(900, 0x81), SVSM_OK);
	memcpy(old_disk, disk.bytes, DISK_SIZE);
	memcpy(old_digest, st.digest, 32);
	assert_int_equal(commit_fill(900, 0x82), SVSM_OK);
	assert_int_equal(commit_fill(900, 0x83), SVSM_OK);
	memcpy(disk.bytes, old_disk, DISK_SIZE);
	expect_state(900, 0x81, 1);
	assert_memory_equal(st.digest, old_digest, 32);
	/* The next write goes on from the version it opened: the IV is fresh, so no IV repeats under the key. */
	uint8_t iv1[VTPM_STATE_IV_LEN];

	memcpy(iv1, disk.bytes + 0x30, sizeof(iv1));
	assert_int_equal(commit_fill(900, 0x84), SVSM_OK);
	assert_int_equal(st.version, 2);
	assert_memory_not_equal(disk.bytes + VTPM_STATE_SLOT_SIZE + 0x30, iv1, sizeof(iv1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_image_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_every_flip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_fresh_then_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_cut_short_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_failures_keep_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_rollback_shows_in_version, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
