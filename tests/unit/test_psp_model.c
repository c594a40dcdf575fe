/* SPDX-License-Identifier: MIT */
/*
 * The PSP model and the report verifier, end to end through the guest-
 * message layer: a VMPL0 report request sealed with VMPCK0, answered with a
 * signed report in the SNP ABI, ATTESTATION_REPORT layout that verifies against the generated
 * chain; and every way a request, a report or a chain can be wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "protocols/guest_msg.h"
#include "report_verify.h"
#include "svsm/errno.h"
#include "vsnp/psp_model.h"

static const uint8_t seed[32] = { 's', 'v', 's', 'm', '-', 'c', 1, 2, 3 };
static struct psp_model psp, other;
static struct snp_msg_ctx ctx;
static struct snp_guest_msg req, rsp;
static struct snp_report_rsp out;

static const struct psp_launch launch = {
	.measurement = { 0xA1, 0xA2, [47] = 0xAF },
	.host_data = { 0x11, [31] = 0x1F },
	.policy = 0x30000,
	.guest_svn = 7,
	.tcb = 0xDB18000000000004ull,
	.platform_info = 0x3,
	.chip_id = { 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8 },
	.cpuid_fam = 0x19, .cpuid_mod = 0x11, .cpuid_step = 1,
};

static int group_setup(void **state)
{
	static const uint8_t seed2[32] = { 'o', 't', 'h', 'e', 'r' };

	(void)state;
	if (psp_model_init(&psp, seed, &launch) != SVSM_OK ||
	    psp_model_init(&other, seed2, &launch) != SVSM_OK)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	psp_model_free(&psp);
	psp_model_free(&other);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(psp.seqno, 0, sizeof(psp.seqno));
	return snp_msg_init(&ctx, psp.vmpck[0], 0);
}

static struct report_certs certs_of(const struct psp_model *p)
{
	return (struct report_certs){ p->ark_cert.der, p->ark_cert.len, p->ask_cert.der,
				      p->ask_cert.len, p->vcek_cert.der, p->vcek_cert.len };
}

/* One report request through the message layer; returns the PSP's SVSM result. */
static int request(uint32_t vmpl, uint32_t flags, uint8_t fill)
{
	struct snp_report_req q;
	uint64_t fw = 0;
	size_t len = 0;
	int err;

	memset(&q, 0, sizeof(q));
	memset(q.report_data, fill, sizeof(q.report_data));
	q.vmpl = vmpl;
	q.flags = flags;
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, &q, sizeof(q), &req), SVSM_OK);
	err = psp_model_guest_request(&psp, &req, &rsp, &fw);
	if (err != SVSM_OK) {
		assert_int_equal(fw, PSP_FW_ERR_INVALID_PARAM);
		snp_msg_abandon(&ctx);
		return err;
	}
	assert_int_equal(fw, 0);
	assert_int_equal(snp_msg_open(&ctx, &rsp, &out, sizeof(out), &len), SVSM_OK);
	assert_int_equal(len, sizeof(out));
	return SVSM_OK;
}

static void test_report(void **state)
{
	const struct report_certs certs = certs_of(&psp);
	const struct snp_attestation_report *r = &out.report;

	(void)state;
	assert_int_equal(request(0, 0, 0x5C), SVSM_OK);
	assert_int_equal(out.status, SNP_REPORT_STATUS_OK);
	assert_int_equal(out.report_size, SNP_REPORT_SIZE);
	assert_int_equal(r->version, 3);
	assert_int_equal(r->vmpl, 0);
	assert_int_equal(r->signature_algo, 1);
	assert_int_equal(r->guest_svn, 7);
	assert_int_equal(r->policy, 0x30000);
	assert_int_equal(r->current_tcb, launch.tcb);
	assert_int_equal(r->reported_tcb, launch.tcb);
	assert_int_equal(r->report_data[0], 0x5C);
	assert_int_equal(r->report_data[63], 0x5C);
	assert_memory_equal(r->measurement, launch.measurement, 48);
	assert_memory_equal(r->host_data, launch.host_data, 32);
	assert_memory_equal(r->chip_id, launch.chip_id, 64);
	assert_int_equal(r->cpuid_fam_id, 0x19);
	assert_int_equal(snp_report_verify(r, &certs), REPORT_OK);
	/* The sequence went 1/2; the next request is 3/4 and also verifies. */
	assert_int_equal(request(2, 1, 0x11), SVSM_OK);
	assert_int_equal(out.report.vmpl, 2);
	assert_int_equal(snp_report_verify(&out.report, &certs), REPORT_OK);
	assert_int_equal(ctx.seqno, 4);
	assert_int_equal(psp.seqno[0], 4);
}

/*
 * A new launch on the same chip: the old VMPCKs no longer open the PSP,
 * the new ones do from sequence number 1, the chain stays, and reports
 * carry the measurement of the finished launch.
 */
static void test_new_launch(void **state)
{
	static struct psp_model p2;
	static const uint8_t chip2[32] = "a chip for one relaunch test....";
	uint8_t keys[4][32], old0[32], md[48], ark[PSP_CERT_MAX];
	(void)state;

	assert_int_equal(psp_model_init(&p2, chip2, &launch), SVSM_OK);
	memcpy(ark, p2.ark_cert.der, p2.ark_cert.len);
	memcpy(old0, p2.vmpck[0], sizeof(old0));
	memset(keys, 0x42, sizeof(keys));
	keys[0][0] = 0x01;
	memset(md, 0x6D, sizeof(md));

	struct psp_model saved = psp; /* request() works on psp: swap the model in */

	psp = p2;
	assert_int_equal(snp_msg_init(&ctx, old0, 0), SVSM_OK);
	assert_int_equal(request(0, 0, 1), SVSM_OK); /* seqno 1/2 with the first keys */
	psp_model_launch_start(&psp, keys);
	psp_model_launch_finish(&psp, md);
	assert_int_equal(psp.seqno[0], 0);
	/* The old key, with the right sequence number (1), no longer opens the PSP. */
	assert_int_equal(snp_msg_init(&ctx, old0, 0), SVSM_OK);
	assert_int_equal(request(0, 0, 2), SVSM_EIO);
	assert_int_equal(psp.seqno[0], 0);
	/* The new key does, from sequence number 1; the chain is the chip's, unchanged. */
	assert_int_equal(snp_msg_init(&ctx, keys[0], 0), SVSM_OK);
	assert_int_equal(request(0, 0, 3), SVSM_OK);
	assert_int_equal(out.status, SNP_REPORT_STATUS_OK);
	assert_memory_equal(out.report.measurement, md, sizeof(md));
	assert_memory_equal(psp.ark_cert.der, ark, psp.ark_cert.len);

	const struct report_certs certs = certs_of(&psp);

	assert_int_equal(snp_report_verify(&out.report, &certs), REPORT_OK);
	p2 = psp;
	psp = saved;
	psp_model_free(&p2);
}

static void test_report_status(void **state)
{
	(void)state;
	assert_int_equal(request(4, 0, 0), SVSM_OK);
	assert_int_equal(out.status, SNP_REPORT_STATUS_INVALID_PARAMS);
	assert_int_equal(request(0, 2, 0), SVSM_OK); /* VLEK: none installed */
	assert_int_equal(out.status, SNP_REPORT_STATUS_INVALID_KEY);
	assert_int_equal(request(0, 0x10, 0), SVSM_OK); /* reserved flag bits */
	assert_int_equal(out.status, SNP_REPORT_STATUS_INVALID_PARAMS);
	/* A VMPL2 key may not ask for a VMPL0 or VMPL1 report. */
	assert_int_equal(snp_msg_init(&ctx, psp.vmpck[2], 2), SVSM_OK);
	assert_int_equal(request(1, 0, 0), SVSM_OK);
	assert_int_equal(out.status, SNP_REPORT_STATUS_INVALID_PARAMS);
	assert_int_equal(request(2, 0, 0), SVSM_OK);
	assert_int_equal(out.status, SNP_REPORT_STATUS_OK);
}

static void test_request_refused(void **state)
{
	struct snp_report_req q;
	uint64_t fw = 0;
	unsigned answered = psp.requests;

	(void)state;
	memset(&q, 0, sizeof(q));
	/* A key the PSP does not hold for that index: the tag fails. */
	assert_int_equal(snp_msg_init(&ctx, psp.vmpck[1], 0), SVSM_OK);
	assert_int_equal(request(0, 0, 0), SVSM_EIO);
	/* Replayed sequence number. */
	assert_int_equal(snp_msg_init(&ctx, psp.vmpck[0], 0), SVSM_OK);
	assert_int_equal(request(0, 0, 0), SVSM_OK);
	ctx.seqno = 0;
	assert_int_equal(request(0, 0, 0), SVSM_EIO);
	/* Tampered ciphertext, wrong type, wrong size. */
	assert_int_equal(snp_msg_init(&ctx, psp.vmpck[0], 0), SVSM_OK);
	ctx.seqno = 2;
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, &q, sizeof(q), &req), SVSM_OK);
	req.payload[5] ^= 1;
	assert_int_equal(psp_model_guest_request(&psp, &req, &rsp, &fw), SVSM_EIO);
	assert_int_equal(fw, PSP_FW_ERR_INVALID_PARAM);
	snp_msg_abandon(&ctx);
	assert_int_equal(snp_msg_init(&ctx, psp.vmpck[0], 0), SVSM_OK);
	ctx.seqno = 2;
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_CPUID_REQ, &q, sizeof(q), &req), SVSM_OK);
	assert_int_equal(psp_model_guest_request(&psp, &req, &rsp, &fw), SVSM_EIO);
	snp_msg_abandon(&ctx);
	assert_int_equal(snp_msg_init(&ctx, psp.vmpck[0], 0), SVSM_OK);
	ctx.seqno = 2;
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, &q, sizeof(q) - 1, &req), SVSM_OK);
	assert_int_equal(psp_model_guest_request(&psp, &req, &rsp, &fw), SVSM_EIO);
	/* Key index beyond 3. */
	req.hdr.msg_vmpck = 4;
	assert_int_equal(psp_model_guest_request(&psp, &req, &rsp, &fw), SVSM_EIO);
	assert_int_equal(psp.requests, answered + 1); /* only the one good request */
	assert_int_equal(psp.seqno[0], 2);
}

/* One MSG_KEY_REQ through the message layer on model m; the MSG_KEY_RSP in *kr. */
static void key_request(struct psp_model *m, const struct snp_key_req *q, struct snp_key_rsp *kr)
{
	uint64_t fw = 1;
	size_t len = 0;

	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_KEY_REQ, q, sizeof(*q), &req), SVSM_OK);
	assert_int_equal(psp_model_guest_request(m, &req, &rsp, &fw), SVSM_OK);
	assert_int_equal(fw, 0);
	assert_int_equal(rsp.hdr.msg_type, SNP_MSG_KEY_RSP);
	assert_int_equal(snp_msg_open(&ctx, &rsp, kr, sizeof(*kr), &len), SVSM_OK);
	assert_int_equal(len, sizeof(*kr));
}

static const struct snp_key_req sealing_req = {
	.guest_field_select = SNP_KEY_FIELD_POLICY | SNP_KEY_FIELD_MEASUREMENT,
};

/*
 * Derived keys: the same request gives the same key, also after a new
 * launch on the same chip (fresh VMPCKs): that is what lets sealed state
 * outlive a restart; any selected field that differs (measurement, policy,
 * VMPL, field choice), or another chip, gives another key.
 */
static void test_derived_key(void **state)
{
	static struct psp_model p2;
	struct snp_key_rsp a, b;
	struct snp_key_req q = sealing_req;
	uint8_t keys[4][32];
	uint8_t zero[32] = { 0 };

	(void)state;
	key_request(&psp, &q, &a);
	assert_int_equal(a.status, SNP_REPORT_STATUS_OK);
	assert_memory_not_equal(a.key, zero, sizeof(zero));
	key_request(&psp, &q, &b);
	assert_memory_equal(a.key, b.key, sizeof(a.key));
	assert_int_equal(psp.seqno[0], 4);

	/* A relaunch of the same image on the same chip: same key. */
	assert_int_equal(psp_model_init(&p2, seed, &launch), SVSM_OK);
	memset(keys, 0x5A, sizeof(keys));
	psp_model_launch_start(&p2, keys);
	psp_model_launch_finish(&p2, launch.measurement);
	assert_int_equal(snp_msg_init(&ctx, keys[0], 0), SVSM_OK);
	key_request(&p2, &q, &b);
	assert_memory_equal(a.key, b.key, sizeof(a.key));
	/* Another image (measurement): another key; unselected, the measurement does not matter. */
	uint8_t md[48];

	memset(md, 0x77, sizeof(md));
	psp_model_launch_finish(&p2, md);
	key_request(&p2, &q, &b);
	assert_memory_not_equal(a.key, b.key, sizeof(a.key));
	q.guest_field_select = SNP_KEY_FIELD_POLICY;
	key_request(&p2, &q, &b);
	struct snp_key_rsp c;

	psp_model_launch_finish(&p2, launch.measurement);
	key_request(&p2, &q, &c);
	assert_memory_equal(b.key, c.key, sizeof(b.key));
	assert_memory_not_equal(a.key, c.key, sizeof(a.key)); /* the field choice is mixed in */
	/* Another policy. */
	q = sealing_req;
	p2.launch.policy ^= 0x10000;
	key_request(&p2, &q, &b);
	assert_memory_not_equal(a.key, b.key, sizeof(a.key));
	p2.launch.policy ^= 0x10000;
	/* Another VMPL. */
	q.vmpl = 2;
	key_request(&p2, &q, &b);
	assert_memory_not_equal(a.key, b.key, sizeof(a.key));
	psp_model_free(&p2);
	/* Another chip. */
	assert_int_equal(snp_msg_init(&ctx, other.vmpck[0], 0), SVSM_OK);
	memset(other.seqno, 0, sizeof(other.seqno));
	q = sealing_req;
	key_request(&other, &q, &b);
	assert_int_equal(b.status, SNP_REPORT_STATUS_OK);
	assert_memory_not_equal(a.key, b.key, sizeof(a.key));
}

/* What the SNP ABI's MSG_KEY_REQ refuses: the status, and no key in the response. */
static void test_derived_key_status(void **state)
{
	static const struct {
		const char *what;
		struct snp_key_req q;
		uint32_t status;
	} rows[] = {
		{ "reserved ROOT_KEY_SELECT bit", { .root_key_select = 0x8 }, SNP_REPORT_STATUS_INVALID_PARAMS },
		{ "reserved word", { .rsvd = 1 }, SNP_REPORT_STATUS_INVALID_PARAMS },
		{ "reserved GUEST_FIELD_SELECT bit", { .guest_field_select = 1ull << 6 }, SNP_REPORT_STATUS_INVALID_PARAMS },
		{ "VMPL above 3", { .vmpl = 4 }, SNP_REPORT_STATUS_INVALID_PARAMS },
		{ "GUEST_SVN above the launch's", { .guest_svn = 8 }, SNP_REPORT_STATUS_INVALID_PARAMS },
		{ "a TCB component above the committed one", { .tcb_version = 0x05 }, SNP_REPORT_STATUS_INVALID_PARAMS },
		{ "the VMRK (no migration agent)", { .root_key_select = SNP_KEY_ROOT_VMRK }, SNP_REPORT_STATUS_INVALID_KEY },
		{ "the VLEK (none installed)", { .root_key_select = 2u << SNP_KEY_SEL_SHIFT }, SNP_REPORT_STATUS_INVALID_KEY },
		{ "GUEST_SVN and TCB at the launch's", { .guest_svn = 7, .tcb_version = 0xDB18000000000004ull },
		  SNP_REPORT_STATUS_OK },
	};
	struct snp_key_rsp kr;
	const uint8_t zero[32] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		key_request(&psp, &rows[i].q, &kr);
		if (kr.status != rows[i].status)
			fail_msg("%s: status 0x%x, expected 0x%x", rows[i].what, kr.status, rows[i].status);
		if (rows[i].status != SNP_REPORT_STATUS_OK)
			assert_memory_equal(kr.key, zero, sizeof(zero));
	}
	/* A VMPL2 key may not ask for a VMPL0 or VMPL1 key. */
	struct snp_key_req q = { .vmpl = 1 };

	assert_int_equal(snp_msg_init(&ctx, psp.vmpck[2], 2), SVSM_OK);
	key_request(&psp, &q, &kr);
	assert_int_equal(kr.status, SNP_REPORT_STATUS_INVALID_PARAMS);
	q.vmpl = 2;
	key_request(&psp, &q, &kr);
	assert_int_equal(kr.status, SNP_REPORT_STATUS_OK);
	/* A key request of the report's size is refused whole. */
	struct snp_report_req big;
	uint64_t fw = 0;

	memset(&big, 0, sizeof(big));
	assert_int_equal(snp_msg_seal(&ctx, SNP_MSG_KEY_REQ, &big, sizeof(big), &req), SVSM_OK);
	assert_int_equal(psp_model_guest_request(&psp, &req, &rsp, &fw), SVSM_EIO);
	assert_int_equal(fw, PSP_FW_ERR_INVALID_PARAM);
}

/*
 * Every way of filling the three places (ARK, ASK, VCEK) from the three
 * certificates but the right one is refused as a bad chain: ARK and ASK
 * swapped, ASK-VCEK-VCEK, one certificate in two places, and so on. (The
 * verifier once made whatever came first the trust anchor: the swapped
 * recipe and ASK-VCEK-VCEK "verified".)
 */
static void test_verify_wrong_recipes(void **state)
{
	const struct report_certs good = certs_of(&psp);
	const uint8_t *der[3] = { good.ark, good.ask, good.vcek };
	const size_t len[3] = { good.ark_len, good.ask_len, good.vcek_len };
	static const char *const name[3] = { "ARK", "ASK", "VCEK" };
	struct snp_attestation_report r;
	unsigned refused = 0;

	(void)state;
	assert_int_equal(request(0, 0, 0x42), SVSM_OK);
	r = out.report;
	for (unsigned a = 0; a < 3; a++) {
		for (unsigned s = 0; s < 3; s++) {
			for (unsigned v = 0; v < 3; v++) {
				const struct report_certs c = { der[a], len[a], der[s], len[s], der[v], len[v] };
				enum report_verdict got = snp_report_verify(&r, &c);

				if (a == 0 && s == 1 && v == 2) {
					assert_int_equal(got, REPORT_OK);
					continue;
				}
				if (got != REPORT_BAD_CHAIN)
					print_error("recipe %s, %s, %s: verdict %d\n", name[a], name[s], name[v], got);
				refused += got == REPORT_BAD_CHAIN;
			}
		}
	}
	assert_int_equal(refused, 26);
}

static void test_verify_refusals(void **state)
{
	struct report_certs certs = certs_of(&psp);
	const struct report_certs foreign = certs_of(&other);
	struct snp_attestation_report r;
	uint8_t der[PSP_CERT_MAX];

	(void)state;
	assert_int_equal(request(0, 0, 0x42), SVSM_OK);
	r = out.report;
	assert_int_equal(snp_report_verify(&r, &certs), REPORT_OK);
	/* Any signed byte changed: the signature fails. */
	r.report_data[7] ^= 1;
	assert_int_equal(snp_report_verify(&r, &certs), REPORT_BAD_SIGNATURE);
	r = out.report;
	r.measurement[0] ^= 0x80;
	assert_int_equal(snp_report_verify(&r, &certs), REPORT_BAD_SIGNATURE);
	r = out.report;
	r.sig_s[0] ^= 1;
	assert_int_equal(snp_report_verify(&r, &certs), REPORT_BAD_SIGNATURE);
	r = out.report;
	memset(r.sig_r, 0, sizeof(r.sig_r));
	assert_int_equal(snp_report_verify(&r, &certs), REPORT_BAD_SIGNATURE);
	/* Format. */
	r = out.report;
	r.version = 4;
	assert_int_equal(snp_report_verify(&r, &certs), REPORT_BAD_FORMAT);
	r = out.report;
	r.signature_algo = 2;
	assert_int_equal(snp_report_verify(&r, &certs), REPORT_BAD_FORMAT);
	r = out.report;
	r.rsvd_sig[100] = 1;
	assert_int_equal(snp_report_verify(&r, &certs), REPORT_BAD_FORMAT);
	/* Another platform's VCEK, or its whole chain: chain or signature fail. */
	r = out.report;
	certs.vcek = foreign.vcek, certs.vcek_len = foreign.vcek_len;
	assert_int_equal(snp_report_verify(&r, &certs), REPORT_BAD_CHAIN);
	assert_int_equal(snp_report_verify(&r, &foreign), REPORT_BAD_SIGNATURE);
	/* An ASK from elsewhere under our ARK; a different trust anchor. */
	certs = certs_of(&psp);
	certs.ask = foreign.ask, certs.ask_len = foreign.ask_len;
	assert_int_equal(snp_report_verify(&r, &certs), REPORT_BAD_CHAIN);
	certs = certs_of(&psp);
	certs.ark = foreign.ark, certs.ark_len = foreign.ark_len;
	assert_int_equal(snp_report_verify(&r, &certs), REPORT_BAD_CHAIN);
	/* Certificates that do not parse: truncated, garbage. */
	certs = certs_of(&psp);
	certs.vcek_len -= 10;
	assert_int_equal(snp_report_verify(&r, &certs), REPORT_BAD_CERT);
	memcpy(der, psp.ark_cert.der, psp.ark_cert.len);
	der[0] = 0x05;
	certs = certs_of(&psp);
	certs.ark = der;
	assert_int_equal(snp_report_verify(&r, &certs), REPORT_BAD_CERT);
	/* The VCEK given as the ASK and the other way round. */
	certs = certs_of(&psp);
	certs.ask = psp.vcek_cert.der, certs.ask_len = psp.vcek_cert.len;
	certs.vcek = psp.ask_cert.der, certs.vcek_len = psp.ask_cert.len;
	assert_int_not_equal(snp_report_verify(&r, &certs), REPORT_OK);
}

/* The snp-verify tool on files: exit 0 verified, 1 not verified, 2 usage or file error. */
static int run_tool(const char *dir, const char *report, const char *extra)
{
	char cmd[1024];
	const char *tool = getenv("SNP_VERIFY");
	int st;

	assert_non_null(tool);
	snprintf(cmd, sizeof(cmd), "%s %s/%s %s/ark.der %s/ask.der %s/vcek.der %s > /dev/null 2>&1",
		 tool, dir, report, dir, dir, dir, extra);
	st = system(cmd);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void put(const char *dir, const char *name, const void *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_tool(void **state)
{
	char dir[] = "/tmp/snp-verify-XXXXXX";
	char hex[2 * SNP_REPORT_DATA_LEN + 16], cmd[600];
	struct snp_attestation_report r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(request(0, 0, 0xAB), SVSM_OK);
	r = out.report;
	put(dir, "ark.der", psp.ark_cert.der, psp.ark_cert.len);
	put(dir, "ask.der", psp.ask_cert.der, psp.ask_cert.len);
	put(dir, "vcek.der", psp.vcek_cert.der, psp.vcek_cert.len);
	put(dir, "good.bin", &r, sizeof(r));
	r.report_data[0] ^= 1;
	put(dir, "tampered.bin", &r, sizeof(r));
	put(dir, "short.bin", &r, sizeof(r) - 1);
	for (unsigned i = 0; i < SNP_REPORT_DATA_LEN; i++)
		snprintf(hex + 2 * i, 3, "ab");
	assert_int_equal(run_tool(dir, "good.bin", ""), 0);
	snprintf(cmd, sizeof(cmd), "--report-data %s", hex);
	assert_int_equal(run_tool(dir, "good.bin", cmd), 0);
	hex[0] = 'c';
	snprintf(cmd, sizeof(cmd), "--report-data %s", hex);
	assert_int_equal(run_tool(dir, "good.bin", cmd), 1);
	assert_int_equal(run_tool(dir, "good.bin", "--report-data 12"), 2);
	assert_int_equal(run_tool(dir, "tampered.bin", ""), 1);
	assert_int_equal(run_tool(dir, "short.bin", ""), 2);
	assert_int_equal(run_tool(dir, "missing.bin", ""), 2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_report, setup),
		cmocka_unit_test_setup(test_new_launch, setup),
		cmocka_unit_test_setup(test_report_status, setup),
		cmocka_unit_test_setup(test_request_refused, setup),
		cmocka_unit_test_setup(test_derived_key, setup),
		cmocka_unit_test_setup(test_derived_key_status, setup),
		cmocka_unit_test_setup(test_verify_wrong_recipes, setup),
		cmocka_unit_test_setup(test_verify_refusals, setup),
		cmocka_unit_test_setup(test_tool, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
