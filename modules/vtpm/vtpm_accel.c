/* SPDX-License-Identifier: MIT */
/*
 * Faster, and for AES safer, routes for two ways libtpms 0.9 reaches
 * OpenSSL. The module is linked with -Wl,--wrap for the functions below
 * (modules/meson.build), so every caller in libtpms.a and libcrypto.a
 * that names them comes here; __real_X is OpenSSL's own X.
 *
 * 1. AES. libtpms's DRBG and its CBC/OFB helpers use OpenSSL's legacy
 *    AES_* functions, which in OpenSSL 3 are the table-driven x86-64 code
 *    even on a CPU with AES-NI (only the EVP layer picks AES-NI). Table
 *    lookups indexed by key and data are a cache-timing channel, which in
 *    a confidential VM the host can watch; and they cost half of a
 *    TPM2_GetRandom. Where OpenSSL itself would use AES-NI (its own
 *    capability vector, bit 57), these wrappers call libcrypto's AES-NI
 *    routines (aesni_*: internal to libcrypto, global in Debian 12's
 *    libcrypto.a; the link fails if they are missing). The AES-NI key
 *    schedule differs from the table code's (rounds is stored one less),
 *    so every legacy function that takes an AES_KEY is wrapped, and all
 *    of them decide alike: a key set here is only ever used here. Without
 *    AES-NI everything goes to __real_*, unchanged.
 *
 * 2. Curves. libtpms builds each curve from explicit parameters
 *    (EC_GROUP_new_curve_GFp), which gives OpenSSL's generic Montgomery
 *    ladder even for NIST P-256, where OpenSSL's named group runs its
 *    dedicated constant-time code (ecp_nistz256): the ladder is 90% of a
 *    TPM2_CreatePrimary. When p, a and b are exactly those of a named
 *    curve whose group has such a method of its own, the wrapper returns
 *    that named group: the same curve, the same points, the same results.
 *    libtpms then sets the generator, order and cofactor on it as it would
 *    on its own group. Any other curve (BN, SM2, P-384 whose named group
 *    is the generic one anyway) takes __real_ unchanged.
 *
 * The state here is plain statics: the module is single-threaded (its
 * system-call personality has no threads). tests/unit/test_vtpm_accel.c
 * checks both routes against OpenSSL's own code.
 */
/* EC_GROUP_method_of and EC_GFp_mont_method have no replacement in OpenSSL 3's API. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdbool.h>
#include <stddef.h>

#include <openssl/aes.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/modes.h>
#include <openssl/obj_mac.h>

#include "vtpm_accel.h"

/* libcrypto internals (crypto/aes/asm/aesni-x86_64.pl, crypto/cryptlib.c). */
int aesni_set_encrypt_key(const unsigned char *user_key, int bits, AES_KEY *key);
int aesni_set_decrypt_key(const unsigned char *user_key, int bits, AES_KEY *key);
void aesni_encrypt(const unsigned char *in, unsigned char *out, const AES_KEY *key);
void aesni_decrypt(const unsigned char *in, unsigned char *out, const AES_KEY *key);
void OPENSSL_cpuid_setup(void);
extern unsigned int OPENSSL_ia32cap_P[];

/* What the linker's --wrap sends every caller of the functions above to. */
int __wrap_AES_set_encrypt_key(const unsigned char *user_key, const int bits, AES_KEY *key);
int __wrap_AES_set_decrypt_key(const unsigned char *user_key, const int bits, AES_KEY *key);
void __wrap_AES_encrypt(const unsigned char *in, unsigned char *out, const AES_KEY *key);
void __wrap_AES_decrypt(const unsigned char *in, unsigned char *out, const AES_KEY *key);
void __wrap_AES_cbc_encrypt(const unsigned char *in, unsigned char *out, size_t length,
			    const AES_KEY *key, unsigned char *ivec, const int enc);
EC_GROUP *__wrap_EC_GROUP_new_curve_GFp(const BIGNUM *p, const BIGNUM *a, const BIGNUM *b,
					BN_CTX *ctx);

/* OpenSSL's own test (crypto/evp/e_aes.c AESNI_CAPABLE): capability bit 57. */
#define OSSL_CAP_AESNI_WORD 1
#define OSSL_CAP_AESNI_BIT (57 - 32)

static int aesni_state = -1; /* -1 unknown, 0 no, 1 yes; vtpm_accel_force_aesni overrides */

bool vtpm_accel_aesni(void)
{
	if (aesni_state < 0) {
		OPENSSL_cpuid_setup(); /* idempotent; normally already run from .init */
		aesni_state = (OPENSSL_ia32cap_P[OSSL_CAP_AESNI_WORD] >> OSSL_CAP_AESNI_BIT) & 1;
	}
	return aesni_state == 1;
}

void vtpm_accel_force_aesni(int state)
{
	aesni_state = state;
}

int __wrap_AES_set_encrypt_key(const unsigned char *user_key, const int bits, AES_KEY *key)
{
	return vtpm_accel_aesni() ? aesni_set_encrypt_key(user_key, bits, key)
				  : __real_AES_set_encrypt_key(user_key, bits, key);
}

int __wrap_AES_set_decrypt_key(const unsigned char *user_key, const int bits, AES_KEY *key)
{
	return vtpm_accel_aesni() ? aesni_set_decrypt_key(user_key, bits, key)
				  : __real_AES_set_decrypt_key(user_key, bits, key);
}

void __wrap_AES_encrypt(const unsigned char *in, unsigned char *out, const AES_KEY *key)
{
	if (vtpm_accel_aesni())
		aesni_encrypt(in, out, key);
	else
		__real_AES_encrypt(in, out, key);
}

void __wrap_AES_decrypt(const unsigned char *in, unsigned char *out, const AES_KEY *key)
{
	if (vtpm_accel_aesni())
		aesni_decrypt(in, out, key);
	else
		__real_AES_decrypt(in, out, key);
}

/*
 * OpenSSL's AES_cbc_encrypt is CRYPTO_cbc128_{en,de}crypt over one block
 * function (crypto/aes/aes_cbc.c; the x86-64 assembly keeps those
 * semantics, a short last block included), so the same modes code over
 * the AES-NI block functions gives the same bytes.
 */
void __wrap_AES_cbc_encrypt(const unsigned char *in, unsigned char *out, size_t length,
			    const AES_KEY *key, unsigned char *ivec, const int enc)
{
	if (!vtpm_accel_aesni())
		__real_AES_cbc_encrypt(in, out, length, key, ivec, enc);
	else if (enc)
		CRYPTO_cbc128_encrypt(in, out, length, key, ivec, (block128_f)aesni_encrypt);
	else
		CRYPTO_cbc128_decrypt(in, out, length, key, ivec, (block128_f)aesni_decrypt);
}

/* Named curves that may have a dedicated method, as OpenSSL names them. */
static const int named_candidates[] = { NID_X9_62_prime256v1, NID_secp224r1, NID_secp521r1 };
#define NCAND (sizeof(named_candidates) / sizeof(named_candidates[0]))

static struct named_curve {
	int nid;
	BIGNUM *p, *a, *b;
} named[NCAND];
static size_t named_count;
static bool named_ready, in_named_setup;

/*
 * Builds each candidate's named group once and keeps the curve
 * coefficients of those with a method other than the generic Montgomery
 * one. OpenSSL builds some named groups through EC_GROUP_new_curve_GFp
 * itself, which comes back here: in_named_setup sends those to __real_.
 */
static void named_setup(void)
{
	const EC_METHOD *generic = EC_GFp_mont_method();

	named_ready = true;
	in_named_setup = true;
	for (size_t i = 0; i < NCAND; i++) {
		EC_GROUP *g = EC_GROUP_new_by_curve_name(named_candidates[i]);
		struct named_curve *n = &named[named_count];

		if (g == NULL)
			continue;
		if (EC_GROUP_method_of(g) != generic) {
			n->p = BN_new(), n->a = BN_new(), n->b = BN_new();
			if (n->p != NULL && n->a != NULL && n->b != NULL &&
			    EC_GROUP_get_curve(g, n->p, n->a, n->b, NULL) == 1) {
				n->nid = named_candidates[i];
				named_count++;
			} else {
				BN_free(n->p), BN_free(n->a), BN_free(n->b);
			}
		}
		EC_GROUP_free(g);
	}
	in_named_setup = false;
}

int vtpm_accel_named_nid(const BIGNUM *p, const BIGNUM *a, const BIGNUM *b)
{
	if (!named_ready)
		named_setup();
	for (size_t i = 0; i < named_count; i++) {
		if (BN_cmp(p, named[i].p) == 0 && BN_cmp(a, named[i].a) == 0 && BN_cmp(b, named[i].b) == 0)
			return named[i].nid;
	}
	return NID_undef;
}

EC_GROUP *__wrap_EC_GROUP_new_curve_GFp(const BIGNUM *p, const BIGNUM *a, const BIGNUM *b,
					BN_CTX *ctx)
{
	if (!in_named_setup && p != NULL && a != NULL && b != NULL) {
		int nid = vtpm_accel_named_nid(p, a, b);
		EC_GROUP *g = NULL;

		if (nid != NID_undef) {
			in_named_setup = true;
			g = EC_GROUP_new_by_curve_name(nid);
			in_named_setup = false;
		}
		if (g != NULL)
			return g;
	}
	return __real_EC_GROUP_new_curve_GFp(p, a, b, ctx);
}
