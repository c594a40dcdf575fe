/* SPDX-License-Identifier: MIT */
/* Report and chain verification (tools/snp-verify/report_verify.h), on mbedTLS. */
#include "report_verify.h"

#include <stdbool.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

/* Report versions seen in the field (SNP ABI, ATTESTATION_REPORT); all share the signed-area layout used here. */
static int known_version(uint32_t v)
{
	return v == 2 || v == 3 || v == 5;
}

static enum report_verdict check_signature(const struct snp_attestation_report *r,
					   const mbedtls_x509_crt *vcek)
{
	const mbedtls_ecp_keypair *k;
	uint8_t hash[48];
	mbedtls_mpi sr, ss;
	mbedtls_ecp_group grp;
	enum report_verdict v = REPORT_BAD_SIGNATURE;

	if (mbedtls_pk_get_type(&vcek->pk) != MBEDTLS_PK_ECKEY)
		return REPORT_BAD_CERT;
	k = mbedtls_pk_ec(vcek->pk);
	if (k->grp.id != MBEDTLS_ECP_DP_SECP384R1)
		return REPORT_BAD_CERT;
	if (mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA384), (const uint8_t *)r,
		       SNP_REPORT_SIGNED_LEN, hash) != 0)
		return REPORT_BAD_SIGNATURE;
	mbedtls_mpi_init(&sr);
	mbedtls_mpi_init(&ss);
	mbedtls_ecp_group_init(&grp);
	if (mbedtls_mpi_read_binary_le(&sr, r->sig_r, sizeof(r->sig_r)) == 0 &&
	    mbedtls_mpi_read_binary_le(&ss, r->sig_s, sizeof(r->sig_s)) == 0 &&
	    mbedtls_ecp_group_copy(&grp, &k->grp) == 0 &&
	    mbedtls_ecdsa_verify(&grp, hash, sizeof(hash), &k->Q, &sr, &ss) == 0)
		v = REPORT_OK;
	mbedtls_ecp_group_free(&grp);
	mbedtls_mpi_free(&sr);
	mbedtls_mpi_free(&ss);
	return v;
}

/* child's signature verifies with parent's key, and child names parent as its issuer. */
static bool signed_by(const mbedtls_x509_crt *child, const mbedtls_x509_crt *parent)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(child->sig_md);
	uint8_t hash[MBEDTLS_MD_MAX_SIZE];

	if (md == NULL || child->issuer_raw.len != parent->subject_raw.len ||
	    memcmp(child->issuer_raw.p, parent->subject_raw.p, child->issuer_raw.len) != 0 ||
	    mbedtls_md(md, child->tbs.p, child->tbs.len, hash) != 0)
		return false;
	/* mbedTLS 2.28 takes the key non-const; it only reads it. */
	return mbedtls_pk_verify_ext(child->sig_pk, child->sig_opts, (mbedtls_pk_context *)&parent->pk, child->sig_md, hash,
				     mbedtls_md_get_size(md), child->sig.p, child->sig.len) == 0;
}

static bool same_cert(const mbedtls_x509_crt *a, const mbedtls_x509_crt *b)
{
	return a->raw.len == b->raw.len && memcmp(a->raw.p, b->raw.p, a->raw.len) == 0;
}

static bool same_key(const mbedtls_x509_crt *a, const mbedtls_x509_crt *b)
{
	uint8_t ka[1024], kb[1024];
	int la = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)&a->pk, ka, sizeof(ka));
	int lb = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)&b->pk, kb, sizeof(kb));

	/* The DER is written at the end of the buffer. */
	return la > 0 && la == lb && memcmp(ka + sizeof(ka) - la, kb + sizeof(kb) - lb, (size_t)la) == 0;
}

/*
 * Every rule of the ARK -> ASK -> VCEK recipe (SEV-SNP ABI 56860 §2.2,
 * the VCEK's chain), each checked on its own so that no certificate can
 * stand in for another: the ARK self-signed and a CA; the ASK a CA signed
 * by the ARK, neither the ARK nor carrying its key; the VCEK signed by the
 * ASK and not a CA; three different certificates. Then the library's own
 * path validation (dates, key usage) with the ARK as the only anchor.
 */
static bool chain_ok(const mbedtls_x509_crt *ark, const mbedtls_x509_crt *ask, const mbedtls_x509_crt *vcek)
{
	mbedtls_x509_crt *path = (mbedtls_x509_crt *)vcek;
	uint32_t flags = 0;

	if (same_cert(ark, ask) || same_cert(ask, vcek) || same_cert(ark, vcek) || same_key(ark, ask) ||
	    same_key(ask, vcek) || same_key(ark, vcek))
		return false;
	if (!ark->ca_istrue || !signed_by(ark, ark))
		return false;
	if (!ask->ca_istrue || !signed_by(ask, ark) || signed_by(ask, ask))
		return false;
	if (vcek->ca_istrue || !signed_by(vcek, ask))
		return false;
	/* vcek and ask were parsed into one list (vcek first, then ask): the path the library checks. */
	return mbedtls_x509_crt_verify(path, (mbedtls_x509_crt *)ark, NULL, NULL, &flags, NULL, NULL) == 0 &&
	       flags == 0;
}

enum report_verdict snp_report_verify(const struct snp_attestation_report *r,
				      const struct report_certs *c)
{
	mbedtls_x509_crt trust, chain;
	enum report_verdict v;
	uint8_t rsvd = 0;

	for (size_t i = 0; i < sizeof(r->rsvd_sig); i++)
		rsvd |= r->rsvd_sig[i];
	if (!known_version(r->version) || r->signature_algo != SNP_REPORT_SIG_ALGO_ECDSA_P384_SHA384 ||
	    rsvd != 0)
		return REPORT_BAD_FORMAT;
	mbedtls_x509_crt_init(&trust);
	mbedtls_x509_crt_init(&chain);
	/* The chain is VCEK first, then ASK; the ARK is the only trust anchor. */
	if (mbedtls_x509_crt_parse_der(&trust, c->ark, c->ark_len) != 0 ||
	    mbedtls_x509_crt_parse_der(&chain, c->vcek, c->vcek_len) != 0 ||
	    mbedtls_x509_crt_parse_der(&chain, c->ask, c->ask_len) != 0 || chain.next == NULL)
		v = REPORT_BAD_CERT;
	else if (!chain_ok(&trust, chain.next, &chain))
		v = REPORT_BAD_CHAIN;
	else
		v = check_signature(r, &chain);
	mbedtls_x509_crt_free(&trust);
	mbedtls_x509_crt_free(&chain);
	return v;
}

const char *snp_report_verdict_name(enum report_verdict v)
{
	switch (v) {
	case REPORT_OK:
		return "ok: chain and signature verified";
	case REPORT_BAD_FORMAT:
		return "report format not accepted (version, signature algorithm or reserved bytes)";
	case REPORT_BAD_CERT:
		return "a certificate does not parse or the VCEK key is not ECDSA P-384";
	case REPORT_BAD_CHAIN:
		return "certificate chain does not lead to the given ARK";
	case REPORT_BAD_SIGNATURE:
		return "report signature does not verify with the VCEK";
	}
	return "unknown verdict";
}
