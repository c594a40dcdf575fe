/* SPDX-License-Identifier: MIT */
/*
 * Measured boot (svsm/guest/measured_boot.c) against a scripted vTPM: the
 * banks it reports, the TPM2_PCR_Extend commands it gets, and the event log.
 * Digests are checked against the published test vectors for "abc" (FIPS
 * 180-4 examples), not against the library the code uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/tcg_log.h"
#include "guest_sim.h"
#include "svsm/errno.h"
#include "svsm/measured_boot.h"

static const uint8_t sha1_abc[20] = { 0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
				      0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d };
static const uint8_t sha256_abc[32] = { 0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
					0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
					0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };
static const uint8_t sha384_abc_head[8] = { 0xcb, 0x00, 0x75, 0x3f, 0x45, 0xa3, 0x5e, 0x8b };
static const uint8_t sha512_abc_head[8] = { 0xdd, 0xaf, 0x35, 0xa1, 0x93, 0x61, 0x7a, 0xba };

/* The scripted TPM. */
static struct {
	uint8_t cap[256]; /* TPML_PCR_SELECTION as the TPM answers it */
	size_t cap_len;
	uint32_t extend_rc;
	unsigned busy_left; /* EBUSY answers before the next real one */
	unsigned extends;
	uint8_t last[1024];
	size_t last_len;
	int fail_send;      /* the back end fails every command */
} tpm;

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)), put16(p + 2, (uint16_t)v); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

static int send_command(void *ctx, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t max, size_t *rlen)
{
	(void)ctx;
	if (tpm.fail_send)
		return SVSM_EIO;
	if (tpm.busy_left > 0) {
		tpm.busy_left--;
		return SVSM_EBUSY;
	}
	assert_true(len >= 10 && get32(cmd + 2) == len);
	uint32_t cc = get32(cmd + 6);

	put16(rsp, 0x8001);
	if (cc == 0x17A) { /* GetCapability(TPM_CAP_PCRS) */
		assert_int_equal(get32(cmd + 10), 5);
		size_t n = 10 + 1 + 4 + tpm.cap_len;

		assert_true(n <= max);
		put32(rsp + 6, 0);
		rsp[10] = 0;
		put32(rsp + 11, 5);
		memcpy(rsp + 15, tpm.cap, tpm.cap_len);
		put32(rsp + 2, (uint32_t)n);
		*rlen = n;
		return SVSM_OK;
	}
	assert_int_equal(cc, 0x182); /* PCR_Extend */
	tpm.extends++;
	memcpy(tpm.last, cmd, len);
	tpm.last_len = len;
	put32(rsp + 2, 10);
	put32(rsp + 6, tpm.extend_rc);
	*rlen = 10;
	return SVSM_OK;
}

static const struct vtpm_backend backend = { .send_command = send_command };

/* The capability answer: count, then per bank alg, sizeofSelect 3, the selection (PCRs 0-23 or none). */
static void banks(const uint16_t *algs, unsigned n, int empty_last)
{
	uint8_t *p = tpm.cap;

	put32(p, n), p += 4;
	for (unsigned i = 0; i < n; i++) {
		put16(p, algs[i]);
		p[2] = 3;
		memset(p + 3, empty_last && i == n - 1 ? 0 : 0xFF, 3);
		p += 6;
	}
	tpm.cap_len = (size_t)(p - tpm.cap);
}

static struct guest_sim sim;
static uint8_t logbuf[4096];
static struct mb_log mlog;

static int setup(void **state)
{
	static const uint16_t all[] = { TCG_ALG_SHA1, TCG_ALG_SHA256, TCG_ALG_SHA384, TCG_ALG_SHA512 };

	(void)state;
	memset(&tpm, 0, sizeof(tpm));
	banks(all, 4, 0);
	memset(&sim, 0, sizeof(sim));
	sim.size = 0x10000;
	sim.mem = calloc(1, sim.size);
	memmap_init(&sim.guest_ram);
	memmap_init(&sim.svsm_mem);
	assert_int_equal(memmap_add(&sim.guest_ram, 0, 0x8000), SVSM_OK);
	assert_int_equal(memmap_add(&sim.svsm_mem, 0x8000, 0x10000), SVSM_OK);
	guest_sim_use(&sim);
	memcpy(sim.mem + 0x1FFF, "bc", 2); /* across a page boundary */
	memset(logbuf, 0xAA, sizeof(logbuf));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(sim.mem);
	return 0;
}

/* "a" from SVSM memory and "bc" from guest memory: one stream, "abc". */
static const struct mb_piece abc[] = { { "a", 0, 1 }, { NULL, 0x1FFF, 2 } };

static void spec_id_event_names_the_banks(void **state)
{
	const char *why = NULL;
	struct tcg_pcr_event first;
	struct tcg_spec_id_head id;
	struct tcg_alg_size s[4];

	(void)state;
	assert_int_equal(mb_start(&mlog, &backend, logbuf, sizeof(logbuf), &why), SVSM_OK);
	assert_int_equal(mlog.nbanks, 4);
	memcpy(&first, logbuf, sizeof(first));
	assert_int_equal(first.pcr_index, 0);
	assert_int_equal(first.event_type, TCG_EV_NO_ACTION);
	assert_int_equal(first.event_size, sizeof(id) + 4 * sizeof(s[0]) + 1);
	memcpy(&id, logbuf + sizeof(first), sizeof(id));
	assert_memory_equal(id.signature, "Spec ID Event03\0", 16);
	assert_int_equal(id.spec_version_major, 2);
	assert_int_equal(id.uintn_size, 2);
	assert_int_equal(id.number_of_algorithms, 4);
	memcpy(s, logbuf + sizeof(first) + sizeof(id), sizeof(s));
	assert_int_equal(s[0].algorithm_id, TCG_ALG_SHA1);
	assert_int_equal(s[0].digest_size, 20);
	assert_int_equal(s[3].algorithm_id, TCG_ALG_SHA512);
	assert_int_equal(s[3].digest_size, 64);
	assert_int_equal(logbuf[sizeof(first) + sizeof(id) + sizeof(s)], 0); /* vendorInfoSize */
	assert_int_equal(mlog.len, sizeof(first) + first.event_size);
}

static void extend_carries_each_banks_digest(void **state)
{
	const char *why = NULL;
	size_t start;

	(void)state;
	assert_int_equal(mb_start(&mlog, &backend, logbuf, sizeof(logbuf), &why), SVSM_OK);
	start = mlog.len;
	assert_int_equal(mb_measure(&mlog, 9, TCG_EV_IPL, abc, 2, "kernel", 6, &why), SVSM_OK);
	assert_int_equal(tpm.extends, 1);
	/* The command: sessions tag, handle 9, a password session, 4 digests. */
	const uint8_t *c = tpm.last;

	assert_int_equal(c[0] << 8 | c[1], 0x8002);
	assert_int_equal(get32(c + 10), 9);
	assert_int_equal(get32(c + 14), 9);
	assert_int_equal(get32(c + 18), 0x40000009);
	assert_int_equal(get32(c + 27), 4);
	assert_int_equal(c[31] << 8 | c[32], TCG_ALG_SHA1);
	assert_memory_equal(c + 33, sha1_abc, 20);
	assert_int_equal(c[53] << 8 | c[54], TCG_ALG_SHA256);
	assert_memory_equal(c + 55, sha256_abc, 32);
	assert_int_equal(c[87] << 8 | c[88], TCG_ALG_SHA384);
	assert_memory_equal(c + 89, sha384_abc_head, 8);
	assert_int_equal(c[137] << 8 | c[138], TCG_ALG_SHA512);
	assert_memory_equal(c + 139, sha512_abc_head, 8);
	assert_int_equal(tpm.last_len, 139 + 64);
	/* The log entry: PCR, type, count, (alg LE, digest)..., size, data. */
	const uint8_t *e = logbuf + start;
	uint32_t v;

	memcpy(&v, e, 4), assert_int_equal(v, 9);
	memcpy(&v, e + 4, 4), assert_int_equal(v, TCG_EV_IPL);
	memcpy(&v, e + 8, 4), assert_int_equal(v, 4);
	assert_int_equal(e[12] | e[13] << 8, TCG_ALG_SHA1);
	assert_memory_equal(e + 14, sha1_abc, 20);
	assert_int_equal(e[34] | e[35] << 8, TCG_ALG_SHA256);
	assert_memory_equal(e + 36, sha256_abc, 32);
	size_t at = 12 + 4 * 2 + 20 + 32 + 48 + 64;

	memcpy(&v, e + at, 4), assert_int_equal(v, 6);
	assert_memory_equal(e + at + 4, "kernel", 6);
	assert_int_equal(mlog.len, start + at + 4 + 6);
	assert_int_equal(mlog.events, 1);
}

static void busy_module_gets_the_command_again(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(mb_start(&mlog, &backend, logbuf, sizeof(logbuf), &why), SVSM_OK);
	tpm.busy_left = 5;
	assert_int_equal(mb_measure(&mlog, 8, TCG_EV_IPL, abc, 2, "x", 1, &why), SVSM_OK);
	assert_int_equal(tpm.extends, 1);
}

/* Refusals: each leaves the log as it was. */
static void refused(int want, const char *why_part)
{
	const char *why = NULL;
	size_t len = mlog.len;
	unsigned extends = tpm.extends;

	assert_int_equal(mb_measure(&mlog, 9, TCG_EV_IPL, abc, 2, "kernel", 6, &why), want);
	assert_non_null(strstr(why, why_part));
	assert_int_equal(mlog.len, len);
	assert_int_equal(mlog.events, 0);
	(void)extends;
}

static void extend_refused_by_the_tpm(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(mb_start(&mlog, &backend, logbuf, sizeof(logbuf), &why), SVSM_OK);
	tpm.extend_rc = 0x9A2; /* TPM_RC_BAD_AUTH */
	refused(SVSM_EIO, "PCR_Extend");
}

static void module_hangs(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(mb_start(&mlog, &backend, logbuf, sizeof(logbuf), &why), SVSM_OK);
	tpm.busy_left = 100000;
	refused(SVSM_EIO, "PCR_Extend");
}

static void log_full_sends_no_extend(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(mb_start(&mlog, &backend, logbuf, 120, &why), SVSM_OK);
	refused(SVSM_ENOSPC, "full");
	assert_int_equal(tpm.extends, 0);
	assert_int_equal(logbuf[120], 0xAA); /* nothing past the space given */
}

static void unreadable_guest_range(void **state)
{
	const char *why = NULL;
	const struct mb_piece svsm_mem[] = { { NULL, 0x7FFF, 2 } }; /* runs into SVSM memory */
	const struct mb_piece wraps[] = { { NULL, ~0ull - 1, 4 } };

	(void)state;
	assert_int_equal(mb_start(&mlog, &backend, logbuf, sizeof(logbuf), &why), SVSM_OK);
	assert_int_equal(mb_measure(&mlog, 9, TCG_EV_IPL, svsm_mem, 1, "k", 1, &why), SVSM_EFAULT);
	assert_int_equal(mb_measure(&mlog, 9, TCG_EV_IPL, wraps, 1, "k", 1, &why), SVSM_EFAULT);
	assert_int_equal(tpm.extends, 0);
	assert_int_equal(mlog.events, 0);
}

static void start_refused(const char *why_part)
{
	const char *why = NULL;

	assert_int_not_equal(mb_start(&mlog, &backend, logbuf, sizeof(logbuf), &why), SVSM_OK);
	assert_non_null(why);
	assert_non_null(strstr(why, why_part));
}

static void bank_of_unknown_hash(void **state)
{
	const uint16_t algs[] = { TCG_ALG_SHA256, 0x0012 /* SM3_256 */ };

	(void)state;
	banks(algs, 2, 0);
	start_refused("cannot compute");
}

static void inactive_unknown_bank_is_ignored(void **state)
{
	const uint16_t algs[] = { TCG_ALG_SHA256, 0x0012 };
	const char *why = NULL;

	(void)state;
	banks(algs, 2, 1); /* SM3 with no PCR allocated */
	assert_int_equal(mb_start(&mlog, &backend, logbuf, sizeof(logbuf), &why), SVSM_OK);
	assert_int_equal(mlog.nbanks, 1);
}

static void malformed_capability(void **state)
{
	(void)state;
	tpm.cap_len = 3; /* count cut short */
	start_refused("malformed");
	banks((const uint16_t[]){ TCG_ALG_SHA256 }, 1, 0);
	put32(tpm.cap, 2); /* a second bank announced, not there */
	start_refused("malformed");
	banks((const uint16_t[]){ TCG_ALG_SHA256 }, 1, 0);
	tpm.cap[6] = 200; /* sizeofSelect beyond the answer */
	start_refused("malformed");
}

static void duplicate_or_no_bank(void **state)
{
	(void)state;
	banks((const uint16_t[]){ TCG_ALG_SHA256, TCG_ALG_SHA256 }, 2, 0);
	start_refused("twice");
	banks((const uint16_t[]){ TCG_ALG_SHA256 }, 1, 1);
	start_refused("no active");
	banks((const uint16_t[]){ TCG_ALG_SHA1, TCG_ALG_SHA256, TCG_ALG_SHA384, TCG_ALG_SHA512, TCG_ALG_SHA1 }, 5, 0);
	start_refused("more active");
}

static void tpm_gone(void **state)
{
	(void)state;
	tpm.fail_send = 1;
	start_refused("did not report");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(spec_id_event_names_the_banks, setup, teardown),
		cmocka_unit_test_setup_teardown(extend_carries_each_banks_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(busy_module_gets_the_command_again, setup, teardown),
		cmocka_unit_test_setup_teardown(extend_refused_by_the_tpm, setup, teardown),
		cmocka_unit_test_setup_teardown(module_hangs, setup, teardown),
		cmocka_unit_test_setup_teardown(log_full_sends_no_extend, setup, teardown),
		cmocka_unit_test_setup_teardown(unreadable_guest_range, setup, teardown),
		cmocka_unit_test_setup_teardown(bank_of_unknown_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(inactive_unknown_bank_is_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_capability, setup, teardown),
		cmocka_unit_test_setup_teardown(duplicate_or_no_bank, setup, teardown),
		cmocka_unit_test_setup_teardown(tpm_gone, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
