/* SPDX-License-Identifier: MIT */
/* The PSP model (include/vsnp/psp_model.h). */
#include "vsnp/psp_model.h"

#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>
#include <mbedtls/x509_crt.h>

#include "protocols/guest_msg.h"
#include "svsm/errno.h"

#define REPORT_VERSION 3
#define KEY_SEL_VLEK 2
/* SNP ABI, ATTESTATION_REPORT KEY_INFO[4:2] SIGNING_KEY: 0 = VCEK. */
#define KEY_INFO_SIGNING_VCEK 0u

/* ctr_drbg's entropy source: the seed, once (deterministic test keys). */
struct seed_src {
	const uint8_t *seed;
	size_t used;
};

static int seed_entropy(void *ctx, unsigned char *out, size_t len)
{
	struct seed_src *s = ctx;

	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(s->seed[(s->used + i) % 32] ^ (uint8_t)((s->used + i) / 32));
	s->used += len;
	return 0;
}

static int gen_key(struct psp_model *p, mbedtls_pk_context *k)
{
	mbedtls_pk_init(k);
	if (mbedtls_pk_setup(k, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
		return -1;
	return mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP384R1, mbedtls_pk_ec(*k),
				   mbedtls_ctr_drbg_random, &p->drbg);
}

static int make_cert(struct psp_model *p, mbedtls_pk_context *subject, const char *subject_name,
		     mbedtls_pk_context *issuer, const char *issuer_name, int serial, bool ca,
		     struct psp_cert *out)
{
	mbedtls_x509write_cert w;
	mbedtls_mpi sn;
	uint8_t buf[PSP_CERT_MAX];
	int n;

	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&sn);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA384);
	mbedtls_x509write_crt_set_subject_key(&w, subject);
	mbedtls_x509write_crt_set_issuer_key(&w, issuer);
	n = mbedtls_mpi_lset(&sn, serial);
	if (n == 0)
		n = mbedtls_x509write_crt_set_serial(&w, &sn);
	if (n == 0)
		n = mbedtls_x509write_crt_set_subject_name(&w, subject_name);
	if (n == 0)
		n = mbedtls_x509write_crt_set_issuer_name(&w, issuer_name);
	if (n == 0)
		n = mbedtls_x509write_crt_set_validity(&w, "20250101000000", "20450101000000");
	if (n == 0)
		n = mbedtls_x509write_crt_set_basic_constraints(&w, ca ? 1 : 0, ca ? 2 : -1);
	if (n == 0)
		n = mbedtls_x509write_crt_der(&w, buf, sizeof(buf), mbedtls_ctr_drbg_random, &p->drbg);
	mbedtls_mpi_free(&sn);
	mbedtls_x509write_crt_free(&w);
	if (n <= 0)
		return -1;
	/* The DER is written at the end of buf. */
	memcpy(out->der, buf + sizeof(buf) - (size_t)n, (size_t)n);
	out->len = (size_t)n;
	return 0;
}

int psp_model_init(struct psp_model *p, const uint8_t seed[32], const struct psp_launch *launch)
{
	struct seed_src src = { seed, 0 };
	static const char ark_name[] = "CN=SVSM-C test ARK,O=test only";
	static const char ask_name[] = "CN=SVSM-C test ASK,O=test only";
	static const char vcek_name[] = "CN=SVSM-C test VCEK,O=test only";
	int rc;

	memset(p, 0, sizeof(*p));
	p->launch = *launch;
	mbedtls_ctr_drbg_init(&p->drbg);
	mbedtls_pk_init(&p->ark);
	mbedtls_pk_init(&p->ask);
	mbedtls_pk_init(&p->vcek);
	rc = mbedtls_ctr_drbg_seed(&p->drbg, seed_entropy, &src, (const uint8_t *)"psp-model", 9);
	for (unsigned k = 0; rc == 0 && k < 4; k++)
		rc = mbedtls_ctr_drbg_random(&p->drbg, p->vmpck[k], sizeof(p->vmpck[k]));
	/* The root derived keys come from: the chip's, so it outlives a launch (its VMPCKs do not). */
	if (rc == 0)
		rc = mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA384), seed, 32,
				     (const uint8_t *)"vsnp VCEK derivation root", 25, p->derive_root);
	if (rc == 0)
		rc = gen_key(p, &p->ark);
	if (rc == 0)
		rc = gen_key(p, &p->ask);
	if (rc == 0)
		rc = gen_key(p, &p->vcek);
	if (rc == 0)
		rc = make_cert(p, &p->ark, ark_name, &p->ark, ark_name, 1, true, &p->ark_cert);
	if (rc == 0)
		rc = make_cert(p, &p->ask, ask_name, &p->ark, ark_name, 2, true, &p->ask_cert);
	if (rc == 0)
		rc = make_cert(p, &p->vcek, vcek_name, &p->ask, ask_name, 3, false, &p->vcek_cert);
	if (rc != 0) {
		psp_model_free(p);
		return SVSM_EIO;
	}
	return SVSM_OK;
}

void psp_model_free(struct psp_model *p)
{
	mbedtls_pk_free(&p->ark);
	mbedtls_pk_free(&p->ask);
	mbedtls_pk_free(&p->vcek);
	mbedtls_ctr_drbg_free(&p->drbg);
	memset(p->vmpck, 0, sizeof(p->vmpck));
	memset(p->derive_root, 0, sizeof(p->derive_root));
}

void psp_model_launch_start(struct psp_model *p, const uint8_t keys[4][32])
{
	memcpy(p->vmpck, keys, sizeof(p->vmpck));
	memset(p->seqno, 0, sizeof(p->seqno));
}

void psp_model_launch_finish(struct psp_model *p, const uint8_t measurement[48])
{
	memcpy(p->launch.measurement, measurement, sizeof(p->launch.measurement));
}

/* ECDSA P-384 over SHA-384 of the first 0x2A0 bytes; R and S little endian (SNP ABI, ATTESTATION_REPORT). */
static int sign_report(struct psp_model *p, struct snp_attestation_report *r)
{
	const mbedtls_ecp_keypair *k = mbedtls_pk_ec(p->vcek);
	uint8_t hash[48];
	mbedtls_mpi sr, ss;
	mbedtls_ecp_group grp;
	int rc;

	rc = mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA384), (const uint8_t *)r,
			SNP_REPORT_SIGNED_LEN, hash);
	if (rc != 0)
		return rc;
	mbedtls_mpi_init(&sr);
	mbedtls_mpi_init(&ss);
	mbedtls_ecp_group_init(&grp);
	rc = mbedtls_ecp_group_copy(&grp, &k->grp);
	if (rc == 0)
		rc = mbedtls_ecdsa_sign(&grp, &sr, &ss, &k->d, hash, sizeof(hash),
					mbedtls_ctr_drbg_random, &p->drbg);
	if (rc == 0)
		rc = mbedtls_mpi_write_binary_le(&sr, r->sig_r, sizeof(r->sig_r));
	if (rc == 0)
		rc = mbedtls_mpi_write_binary_le(&ss, r->sig_s, sizeof(r->sig_s));
	mbedtls_ecp_group_free(&grp);
	mbedtls_mpi_free(&sr);
	mbedtls_mpi_free(&ss);
	return rc;
}

static bool all_zero(const uint8_t *b, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= b[i];
	return acc == 0;
}

/*
 * TCB_VERSION "must not exceed" the committed TCB (SNP ABI, MSG_KEY_REQ):
 * every component SVN (one byte each: boot loader, TEE, SNP, microcode)
 * at most the committed one.
 */
static bool tcb_within(uint64_t asked, uint64_t committed)
{
	for (unsigned i = 0; i < 8; i++) {
		if (((asked >> (8 * i)) & 0xFF) > ((committed >> (8 * i)) & 0xFF))
			return false;
	}
	return true;
}

/* The MSG_REPORT_RSP for a request made with VMPCK<key>. */
static int report(struct psp_model *p, unsigned key, const struct snp_report_req *q,
		  struct snp_report_rsp *rsp)
{
	struct snp_attestation_report *r = &rsp->report;
	const struct psp_launch *l = &p->launch;

	memset(rsp, 0, sizeof(*rsp));
	/* A VMPL below the requester's would let a guest speak for the SVSM ([UNCONFIRMED] SNP ABI, MSG_REPORT_REQ). */
	if (q->vmpl < key || q->vmpl > 3 || !all_zero(q->rsvd, sizeof(q->rsvd)) ||
	    (q->flags & ~SNP_REPORT_KEY_SEL_MASK) != 0) {
		rsp->status = SNP_REPORT_STATUS_INVALID_PARAMS;
		return 0;
	}
	if ((q->flags & SNP_REPORT_KEY_SEL_MASK) >= KEY_SEL_VLEK) {
		rsp->status = SNP_REPORT_STATUS_INVALID_KEY; /* no VLEK in the model */
		return 0;
	}
	r->version = REPORT_VERSION;
	r->guest_svn = l->guest_svn;
	r->policy = l->policy;
	memcpy(r->family_id, l->family_id, sizeof(r->family_id));
	memcpy(r->image_id, l->image_id, sizeof(r->image_id));
	r->vmpl = q->vmpl;
	r->signature_algo = SNP_REPORT_SIG_ALGO_ECDSA_P384_SHA384;
	r->current_tcb = r->reported_tcb = r->committed_tcb = r->launch_tcb = l->tcb;
	r->platform_info = l->platform_info;
	r->key_info = KEY_INFO_SIGNING_VCEK << 2;
	memcpy(r->report_data, q->report_data, sizeof(r->report_data));
	memcpy(r->measurement, l->measurement, sizeof(r->measurement));
	memcpy(r->host_data, l->host_data, sizeof(r->host_data));
	memcpy(r->chip_id, l->chip_id, sizeof(r->chip_id));
	r->cpuid_fam_id = l->cpuid_fam;
	r->cpuid_mod_id = l->cpuid_mod;
	r->cpuid_step = l->cpuid_step;
	if (mbedtls_ctr_drbg_random(&p->drbg, r->report_id, sizeof(r->report_id)) != 0)
		return -1;
	rsp->status = SNP_REPORT_STATUS_OK;
	rsp->report_size = SNP_REPORT_SIZE;
	return sign_report(p, r);
}

/* SP 800-108 (counter mode) label of the model's derived keys. */
static const char derive_label[] = "vsnp SNP derived key";

/*
 * The model's MSG_KEY_RSP for a request made with VMPCK<key>. The real
 * firmware's derivation is its own; the model's: NIST SP 800-108 KDF in
 * counter mode, PRF HMAC-SHA-384 keyed by the chip's root (VCEK
 * derivation root, from the chip seed), one block, the first 32 bytes;
 * context = VMPL (u32) || GUEST_FIELD_SELECT (u64) || then, in the
 * select bits' order, POLICY (u64), IMAGE_ID (16), FAMILY_ID (16),
 * MEASUREMENT (48), GUEST_SVN (u32), TCB_VERSION (u64), each zero when
 * not selected. The checks are the SNP ABI's (MSG_KEY_REQ).
 */
static int derive_key(struct psp_model *p, unsigned key, const struct snp_key_req *q, struct snp_key_rsp *rsp)
{
	const struct psp_launch *l = &p->launch;
	const uint64_t sel = q->guest_field_select;
	uint8_t ctx[4 + 8 + 8 + 16 + 16 + 48 + 4 + 8], out[48];
	const uint32_t counter_be = 0x01000000u, bits_be = 0x00010000u; /* i = 1, L = 256, big endian */
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA384);
	mbedtls_md_context_t h;
	size_t o = 0;
	int rc;

	memset(rsp, 0, sizeof(*rsp));
	if ((q->root_key_select & SNP_KEY_ROOT_RSVD_MASK) != 0 || q->rsvd != 0 ||
	    (sel & ~SNP_KEY_FIELD_KNOWN) != 0 || q->vmpl < key || q->vmpl > 3 || q->guest_svn > l->guest_svn ||
	    !tcb_within(q->tcb_version, l->tcb)) {
		rsp->status = SNP_REPORT_STATUS_INVALID_PARAMS;
		return 0;
	}
	/* No migration agent (VMRK) and no VLEK in the model. */
	if ((q->root_key_select & SNP_KEY_ROOT_VMRK) != 0 ||
	    ((q->root_key_select >> SNP_KEY_SEL_SHIFT) & SNP_REPORT_KEY_SEL_MASK) >= KEY_SEL_VLEK) {
		rsp->status = SNP_REPORT_STATUS_INVALID_KEY;
		return 0;
	}
	memset(ctx, 0, sizeof(ctx));
	memcpy(ctx + o, &q->vmpl, 4), o += 4;
	memcpy(ctx + o, &sel, 8), o += 8;
	if (sel & SNP_KEY_FIELD_POLICY)
		memcpy(ctx + o, &l->policy, 8);
	o += 8;
	if (sel & SNP_KEY_FIELD_IMAGE_ID)
		memcpy(ctx + o, l->image_id, 16);
	o += 16;
	if (sel & SNP_KEY_FIELD_FAMILY_ID)
		memcpy(ctx + o, l->family_id, 16);
	o += 16;
	if (sel & SNP_KEY_FIELD_MEASUREMENT)
		memcpy(ctx + o, l->measurement, 48);
	o += 48;
	if (sel & SNP_KEY_FIELD_GUEST_SVN)
		memcpy(ctx + o, &q->guest_svn, 4);
	o += 4;
	if (sel & SNP_KEY_FIELD_TCB_VERSION)
		memcpy(ctx + o, &q->tcb_version, 8);
	o += 8;
	_Static_assert(sizeof(ctx) == 4 + 8 + 8 + 16 + 16 + 48 + 4 + 8, "derivation context");

	mbedtls_md_init(&h);
	rc = mbedtls_md_setup(&h, md, 1);
	if (rc == 0)
		rc = mbedtls_md_hmac_starts(&h, p->derive_root, sizeof(p->derive_root));
	if (rc == 0)
		rc = mbedtls_md_hmac_update(&h, (const uint8_t *)&counter_be, 4);
	if (rc == 0)
		rc = mbedtls_md_hmac_update(&h, (const uint8_t *)derive_label, sizeof(derive_label)); /* with its 0x00 */
	if (rc == 0)
		rc = mbedtls_md_hmac_update(&h, ctx, o);
	if (rc == 0)
		rc = mbedtls_md_hmac_update(&h, (const uint8_t *)&bits_be, 4);
	if (rc == 0)
		rc = mbedtls_md_hmac_finish(&h, out);
	mbedtls_md_free(&h);
	memcpy(rsp->key, out, sizeof(rsp->key));
	memset(out, 0, sizeof(out));
	rsp->status = SNP_REPORT_STATUS_OK;
	return rc;
}

int psp_model_guest_request(struct psp_model *p, const struct snp_guest_msg *req_page,
			    struct snp_guest_msg *resp, uint64_t *fw_error)
{
	static struct snp_guest_msg req; /* the model's own copy of the shared page */
	static struct snp_guest_msg out; /* the response, until it is complete */
	static union {
		struct snp_report_req report;
		struct snp_key_req key;
	} q;
	static union {
		struct snp_report_rsp report;
		struct snp_key_rsp key;
	} rsp;
	const struct snp_guest_msg_hdr *h = &req.hdr;
	size_t qlen, rlen;
	unsigned key;
	int err;

	memcpy(&req, req_page, sizeof(req));
	*fw_error = PSP_FW_ERR_INVALID_PARAM;
	key = h->msg_vmpck;
	qlen = h->msg_type == SNP_MSG_KEY_REQ ? sizeof(q.key) : sizeof(q.report);
	if (key > 3 || h->algo != SNP_MSG_ALGO_AES_256_GCM || h->hdr_version != SNP_MSG_HDR_VERSION ||
	    h->hdr_sz != SNP_MSG_HDR_SIZE || h->msg_version != SNP_MSG_VERSION ||
	    h->msg_seqno != p->seqno[key] + 1 ||
	    (h->msg_type != SNP_MSG_REPORT_REQ && h->msg_type != SNP_MSG_KEY_REQ) || h->msg_sz != qlen)
		return SVSM_EIO;
	if (snp_msg_decrypt(p->vmpck[key], &req, &q, qlen) != SVSM_OK)
		return SVSM_EIO;
	if (h->msg_type == SNP_MSG_KEY_REQ) {
		err = derive_key(p, key, &q.key, &rsp.key);
		rlen = sizeof(rsp.key);
	} else {
		err = report(p, key, &q.report, &rsp.report);
		rlen = sizeof(rsp.report);
	}
	memset(&q, 0, sizeof(q));
	if (err != 0)
		return SVSM_EIO;

	/* Built in the model's own memory and copied out once: resp may be a page others can write. */
	snp_msg_hdr_init(&out, (uint8_t)(h->msg_type + 1), h->msg_seqno + 1, (uint16_t)rlen, (uint8_t)key);
	err = snp_msg_encrypt(p->vmpck[key], &out, &rsp, rlen);
	memset(&rsp, 0, sizeof(rsp)); /* a derived key stays nowhere in the model */
	if (err != SVSM_OK)
		return SVSM_EIO;
	memcpy(resp, &out, sizeof(out));
	p->seqno[key] += 2;
	p->requests++;
	*fw_error = 0;
	return SVSM_OK;
}
