/* SPDX-License-Identifier: MIT */
/*
 * SNP guest messages (SNP ABI 56860, guest messages): AES-256-GCM with the IV
 * from the sequence number and the header's 0x30..0x5F as AAD, the sequence and
 * type rules, and the key wiped on any bad response.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/gcm.h>
#include <pthread.h>

#include "protocols/guest_msg.h"
#include "svsm/errno.h"

static const uint8_t key[SNP_VMPCK_LEN] = {
	0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
	0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4,
};
static struct snp_msg_ctx ctx;
static struct snp_guest_msg req, rsp;
static uint8_t plain[SNP_MSG_PAYLOAD_MAX];

static int setup(void **state)
{
	(void)state;
	return snp_msg_init(&ctx, key, 0) == SVSM_OK ? 0 : -1;
}

/* What the PSP does: answer the sealed request with `type`, seqno and size given. */
static void psp_answer(uint8_t type, uint64_t seqno, const void *payload, uint16_t len)
{
	snp_msg_hdr_init(&rsp, type, seqno, len, 0);
	assert_int_equal(snp_msg_encrypt(key, &rsp, payload, len), SVSM_OK);
}

static void test_init(void **state)
{
	static const uint8_t zero[SNP_VMPCK_LEN];
	struct snp_msg_ctx c;

	(void)state;
	assert_int_equal(snp_msg_init(&c, key, 4), SVSM_EINVAL);
	assert_true(c.wiped);
	assert_int_equal(snp_msg_init(&c, zero, 0), SVSM_EINVAL);
	assert_int_equal(snp_msg_seal(&c, SNP_MSG_REPORT_REQ, "x", 1, &req), SVSM_EPERM);
	assert_int_equal(snp_msg_init(&c, key, 3), SVSM_OK);
	assert_int_equal(c.vmpck_id, 3);
}

/* The ciphertext equals AES-256-GCM computed here with the SNP ABI, guest messages IV and AAD built by hand. */
static void test_seal_known_construction(void **state)
{
	uint8_t payload[96], expect[96], tag[16], iv[12] = { 0 };
	mbedtls_gcm_context g;

	(void)state;
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	ctx.seqno = 0x0102030405060706ull; /* the request gets ...0707 */
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, payload, sizeof(payload), &req),
			 SVSM_OK);
	assert_int_equal(req.hdr.msg_seqno, 0x0102030405060707ull);
	assert_int_equal(req.hdr.algo, 1);
	assert_int_equal(req.hdr.hdr_version, 1);
	assert_int_equal(req.hdr.hdr_sz, 0x60);
	assert_int_equal(req.hdr.msg_type, SNP_MSG_REPORT_REQ);
	assert_int_equal(req.hdr.msg_version, 1);
	assert_int_equal(req.hdr.msg_sz, sizeof(payload));
	assert_int_equal(req.hdr.msg_vmpck, 0);
	for (unsigned i = 0; i < 8; i++)
		iv[i] = (uint8_t)(0x0102030405060707ull >> (8 * i));
	mbedtls_gcm_init(&g);
	assert_int_equal(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 256), 0);
	assert_int_equal(mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, sizeof(payload), iv, 12,
						   (const uint8_t *)&req + 0x30, 48, payload, expect,
						   16, tag),
			 0);
	mbedtls_gcm_free(&g);
	assert_memory_equal(req.payload, expect, sizeof(expect));
	assert_memory_equal(req.hdr.authtag, tag, 16);
	for (unsigned i = 16; i < 32; i++)
		assert_int_equal(req.hdr.authtag[i], 0);
	/* Any change to the AAD breaks the tag. */
	req.hdr.rsvd2 = 1;
	assert_int_equal(snp_msg_decrypt(key, &req, plain, sizeof(payload)), SVSM_EIO);
	req.hdr.rsvd2 = 0;
	assert_int_equal(snp_msg_decrypt(key, &req, plain, sizeof(payload)), SVSM_OK);
	assert_memory_equal(plain, payload, sizeof(payload));
}

static void test_exchange(void **state)
{
	static const uint8_t answer[40] = { 1, 2, 3, 4 };
	size_t len = 0;

	(void)state;
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, "request", 7, &req), SVSM_OK);
	assert_int_equal(req.hdr.msg_seqno, 1);
	/* A BUSY retry re-sends the same page; sealing another meanwhile is refused. */
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, "x", 1, &rsp), SVSM_EBUSY);
	psp_answer(SNP_MSG_REPORT_RSP, 2, answer, sizeof(answer));
	assert_int_equal(snp_msg_open(&ctx, &rsp, plain, sizeof(plain), &len), SVSM_OK);
	assert_int_equal(len, sizeof(answer));
	assert_memory_equal(plain, answer, sizeof(answer));
	assert_int_equal(ctx.seqno, 2);
	/* The next exchange uses 3 and 4. */
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_KEY_REQ, "k", 1, &req), SVSM_OK);
	assert_int_equal(req.hdr.msg_seqno, 3);
	psp_answer(SNP_MSG_KEY_RSP, 4, answer, 8);
	assert_int_equal(snp_msg_open(&ctx, &rsp, plain, sizeof(plain), &len), SVSM_OK);
	assert_int_equal(ctx.seqno, 4);
	/* Nothing pending: refused, the key kept. */
	assert_int_equal(snp_msg_open(&ctx, &rsp, plain, sizeof(plain), &len), SVSM_EINVAL);
	assert_false(ctx.wiped);
}

static void test_seal_refusals(void **state)
{
	(void)state;
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, plain, 0, &req), SVSM_EINVAL);
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, plain, SNP_MSG_PAYLOAD_MAX + 1, &req),
			 SVSM_EINVAL);
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_RSP, plain, 8, &req), SVSM_EINVAL);
	assert_int_equal(snp_msg_seal(&ctx, 0, plain, 8, &req), SVSM_EINVAL);
	ctx.seqno = UINT64_MAX - 2;
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, plain, 8, &req), SVSM_ERANGE);
	assert_false(ctx.wiped); /* nothing went out */
	ctx.seqno = 0;
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, plain, SNP_MSG_PAYLOAD_MAX, &req),
			 SVSM_OK);
	snp_msg_abandon(&ctx);
	assert_true(ctx.wiped);
	for (unsigned i = 0; i < SNP_VMPCK_LEN; i++)
		assert_int_equal(ctx.key[i], 0);
}

enum bad_rsp { BAD_SEQ_SAME, BAD_SEQ_NEXT, BAD_TYPE, BAD_VMPCK, BAD_ALGO, BAD_HDR_VER,
	       BAD_HDR_SZ, BAD_MSG_VER, BAD_SIZE_0, BAD_SIZE_BIG, BAD_TAG, BAD_PAYLOAD,
	       BAD_AAD, BAD_COUNT };

static void test_open_refusals(void **state)
{
	static const uint8_t answer[64] = { 9 };
	size_t len = 0;

	(void)state;
	for (int b = 0; b < BAD_COUNT; b++) {
		print_message("bad response %d\n", b);
		assert_int_equal(snp_msg_init(&ctx, key, 0), SVSM_OK);
		assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, "r", 1, &req), SVSM_OK);
		psp_answer(SNP_MSG_REPORT_RSP, 2, answer, sizeof(answer));
		switch (b) {
		case BAD_SEQ_SAME: /* the request's own number: a replay of it */
			psp_answer(SNP_MSG_REPORT_RSP, 1, answer, sizeof(answer));
			break;
		case BAD_SEQ_NEXT:
			psp_answer(SNP_MSG_REPORT_RSP, 3, answer, sizeof(answer));
			break;
		case BAD_TYPE:
			rsp.hdr.msg_type = SNP_MSG_KEY_RSP;
			break;
		case BAD_VMPCK:
			rsp.hdr.msg_vmpck = 1;
			break;
		case BAD_ALGO:
			rsp.hdr.algo = 2;
			break;
		case BAD_HDR_VER:
			rsp.hdr.hdr_version = 2;
			break;
		case BAD_HDR_SZ:
			rsp.hdr.hdr_sz = 0x40;
			break;
		case BAD_MSG_VER:
			rsp.hdr.msg_version = 2;
			break;
		case BAD_SIZE_0:
			rsp.hdr.msg_sz = 0;
			break;
		case BAD_SIZE_BIG:
			rsp.hdr.msg_sz = SNP_MSG_PAYLOAD_MAX + 1;
			break;
		case BAD_TAG:
			rsp.hdr.authtag[3] ^= 1;
			break;
		case BAD_PAYLOAD:
			rsp.payload[10] ^= 0x80;
			break;
		case BAD_AAD:
			rsp.hdr.rsvd3[0] = 1;
			break;
		}
		assert_int_equal(snp_msg_open(&ctx, &rsp, plain, sizeof(plain), &len), SVSM_EIO);
		assert_true(ctx.wiped);
		assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, "r", 1, &req), SVSM_EPERM);
	}
	/* A response larger than the caller's buffer is refused the same way. */
	assert_int_equal(snp_msg_init(&ctx, key, 0), SVSM_OK);
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, "r", 1, &req), SVSM_OK);
	psp_answer(SNP_MSG_REPORT_RSP, 2, answer, sizeof(answer));
	assert_int_equal(snp_msg_open(&ctx, &rsp, plain, 63, &len), SVSM_EIO);
	assert_true(ctx.wiped);
}

/*
 * A hypervisor that rewrites the shared request page while the SVSM seals
 * into it: another thread keeps writing its own sequence number and AAD
 * bytes over the header. Every sealed message must still be the one the
 * context's counter makes: it opens under IV 1 and the SVSM's header, never
 * under the hypervisor's (which would be a forced IV: GCM nonce reuse).
 */
static struct snp_guest_msg shared_req;
static volatile bool rewriting;

static void *hypervisor_rewrites(void *arg)
{
	volatile struct snp_guest_msg_hdr *h = &shared_req.hdr;

	(void)arg;
	while (rewriting) {
		h->msg_seqno = 0x4242;
		h->msg_type = 0x7F;
		h->msg_sz = 0x10;
	}
	return NULL;
}

static void test_seal_into_a_page_the_hypervisor_rewrites(void **state)
{
	static const char payload[] = "report request from the SVSM, sealed under VMPCK0";
	static struct snp_guest_msg expect;
	static uint8_t out[sizeof(payload)];
	pthread_t hv;
	unsigned forced = 0;

	(void)state;
	rewriting = true;
	assert_int_equal(pthread_create(&hv, NULL, hypervisor_rewrites, NULL), 0);
	for (unsigned i = 0; i < 20000; i++) {
		assert_int_equal(snp_msg_init(&ctx, key, 0), SVSM_OK);
		assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, payload, sizeof(payload), &shared_req),
				 SVSM_OK);
		/* What the PSP must see: the SVSM's header (seqno 1), the ciphertext and tag as written. */
		snp_msg_hdr_init(&expect, SNP_MSG_REPORT_REQ, 1, sizeof(payload), 0);
		memcpy(expect.hdr.authtag, shared_req.hdr.authtag, sizeof(expect.hdr.authtag));
		memcpy(expect.payload, shared_req.payload, sizeof(payload));
		if (snp_msg_decrypt(key, &expect, out, sizeof(payload)) != SVSM_OK ||
		    memcmp(out, payload, sizeof(payload)) != 0)
			forced++;
	}
	rewriting = false;
	pthread_join(hv, NULL);
	if (forced != 0)
		print_error("%u of 20000 requests were sealed under the hypervisor's header\n", forced);
	assert_int_equal(forced, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test_setup(test_seal_known_construction, setup),
		cmocka_unit_test_setup(test_exchange, setup),
		cmocka_unit_test_setup(test_seal_refusals, setup),
		cmocka_unit_test_setup(test_open_refusals, setup),
		cmocka_unit_test(test_seal_into_a_page_the_hypervisor_rewrites),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
