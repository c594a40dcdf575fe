/* SPDX-License-Identifier: MIT */
/*
 * modules/vtpm/vtpm_accel.c: linked as the module is (libcrypto.a and the
 * same -Wl,--wrap list), so AES_* and EC_GROUP_new_curve_GFp here are the
 * wrapped routes and __real_* OpenSSL's own. Each route must give exactly
 * the bytes OpenSSL's own code gives, bad input included.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/aes.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include "../../modules/vtpm/vtpm_accel.h"

/* FIPS-197 Appendix C: key 00 01 .. (bits/8 - 1), plaintext 00 11 22 .. ff. */
static const struct {
	int bits;
	uint8_t ct[16];
} fips197[] = {
	{ 128, { 0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30, 0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4,
		 0xc5, 0x5a } },
	{ 192, { 0xdd, 0xa9, 0x7c, 0xa4, 0x86, 0x4c, 0xdf, 0xe0, 0x6e, 0xaf, 0x70, 0xa0, 0xec, 0x0d,
		 0x71, 0x91 } },
	{ 256, { 0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67, 0x45, 0xbf, 0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49,
		 0x60, 0x89 } },
};

/* Both routes where the CPU has AES-NI, else the table route only (the wrapper's fallback). */
static int routes(int *list)
{
	int n = 0;

	vtpm_accel_force_aesni(-1);
	if (vtpm_accel_aesni())
		list[n++] = 1;
	list[n++] = 0;
	return n;
}

static void aes_fips197_both_routes(void **state)
{
	int list[2], n = routes(list);
	uint8_t key[32], pt[16], out[16], back[16];

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 16; i++)
		pt[i] = (uint8_t)(i * 0x11);
	for (int r = 0; r < n; r++) {
		vtpm_accel_force_aesni(list[r]);
		for (size_t v = 0; v < sizeof(fips197) / sizeof(fips197[0]); v++) {
			AES_KEY ek, dk;

			assert_int_equal(AES_set_encrypt_key(key, fips197[v].bits, &ek), 0);
			AES_encrypt(pt, out, &ek);
			assert_memory_equal(out, fips197[v].ct, 16);
			assert_int_equal(AES_set_decrypt_key(key, fips197[v].bits, &dk), 0);
			AES_decrypt(out, back, &dk);
			assert_memory_equal(back, pt, 16);
		}
	}
	vtpm_accel_force_aesni(-1);
}

static void aes_bad_keys_refused_alike(void **state)
{
	int list[2], n = routes(list);
	uint8_t key[32] = { 0 };
	AES_KEY k;

	(void)state;
	for (int r = 0; r < n; r++) {
		vtpm_accel_force_aesni(list[r]);
		assert_int_equal(AES_set_encrypt_key(key, 100, &k), __real_AES_set_encrypt_key(key, 100, &k));
		assert_int_equal(AES_set_encrypt_key(key, 100, &k), -2);
		assert_int_equal(AES_set_decrypt_key(key, 64, &k), -2);
		assert_int_equal(AES_set_encrypt_key(NULL, 128, &k), -1);
		assert_int_equal(AES_set_decrypt_key(key, 128, NULL), -1);
	}
	vtpm_accel_force_aesni(-1);
}

/* The AES-NI route against OpenSSL's table code: random keys and blocks, every key size. */
static void aes_routes_agree_on_random_blocks(void **state)
{
	(void)state;
	vtpm_accel_force_aesni(-1);
	if (!vtpm_accel_aesni())
		skip();
	for (int i = 0; i < 300; i++) {
		int bits = 128 + 64 * (i % 3);
		uint8_t key[32], in[16], a[16], b[16];
		AES_KEY ka, kb;

		assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
		assert_int_equal(RAND_bytes(in, sizeof(in)), 1);
		assert_int_equal(AES_set_encrypt_key(key, bits, &ka), 0);
		assert_int_equal(__real_AES_set_encrypt_key(key, bits, &kb), 0);
		AES_encrypt(in, a, &ka);
		__real_AES_encrypt(in, b, &kb);
		assert_memory_equal(a, b, 16);
		assert_int_equal(AES_set_decrypt_key(key, bits, &ka), 0);
		assert_int_equal(__real_AES_set_decrypt_key(key, bits, &kb), 0);
		AES_decrypt(in, a, &ka);
		__real_AES_decrypt(in, b, &kb);
		assert_memory_equal(a, b, 16);
	}
}

/* CBC, every length 0..80 (short last blocks included), both directions, the IV carried alike. */
static void aes_cbc_agrees_at_every_length(void **state)
{
	(void)state;
	vtpm_accel_force_aesni(-1);
	if (!vtpm_accel_aesni())
		skip();
	for (size_t len = 0; len <= 80; len++) {
		for (int enc = 0; enc <= 1; enc++) {
			uint8_t key[16], iv0[16], iva[16], ivb[16], in[96], a[96], b[96];
			AES_KEY ka, kb;

			assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
			assert_int_equal(RAND_bytes(iv0, sizeof(iv0)), 1);
			assert_int_equal(RAND_bytes(in, sizeof(in)), 1);
			memset(a, 0xA5, sizeof(a));
			memset(b, 0xA5, sizeof(b));
			memcpy(iva, iv0, 16);
			memcpy(ivb, iv0, 16);
			if (enc) {
				AES_set_encrypt_key(key, 128, &ka);
				__real_AES_set_encrypt_key(key, 128, &kb);
			} else {
				AES_set_decrypt_key(key, 128, &ka);
				__real_AES_set_decrypt_key(key, 128, &kb);
			}
			AES_cbc_encrypt(in, a, len, &ka, iva, enc);
			__real_AES_cbc_encrypt(in, b, len, &kb, ivb, enc);
			assert_memory_equal(a, b, sizeof(a));
			assert_memory_equal(iva, ivb, 16);
		}
	}
}

/* OFB reaches AES_encrypt from inside libcrypto (aes_ofb.o): it takes the same route as the key. */
static void aes_ofb_inside_libcrypto_follows_the_key(void **state)
{
	uint8_t key[16], iv0[16], iva[16], ivb[16], in[50], a[50], b[50];
	int na = 0, nb = 0;
	AES_KEY ka, kb;

	(void)state;
	vtpm_accel_force_aesni(-1);
	if (!vtpm_accel_aesni())
		skip();
	assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
	assert_int_equal(RAND_bytes(iv0, sizeof(iv0)), 1);
	assert_int_equal(RAND_bytes(in, sizeof(in)), 1);
	memcpy(iva, iv0, 16);
	memcpy(ivb, iv0, 16);
	AES_set_encrypt_key(key, 128, &ka); /* AES-NI schedule */
	AES_ofb128_encrypt(in, a, sizeof(in), &ka, iva, &na);
	vtpm_accel_force_aesni(0);
	AES_set_encrypt_key(key, 128, &kb); /* table schedule */
	AES_ofb128_encrypt(in, b, sizeof(in), &kb, ivb, &nb);
	vtpm_accel_force_aesni(-1);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(na, nb);
}

struct curve {
	BIGNUM *p, *a, *b, *x, *y, *order, *cofactor;
	EC_POINT *g;
	const EC_GROUP *from;
};

/* A named curve's parameters, as libtpms would hand them over (explicit numbers). */
static void curve_of(int nid, struct curve *c)
{
	EC_GROUP *named = EC_GROUP_new_by_curve_name(nid);

	assert_non_null(named);
	c->p = BN_new(), c->a = BN_new(), c->b = BN_new();
	c->x = BN_new(), c->y = BN_new();
	assert_int_equal(EC_GROUP_get_curve(named, c->p, c->a, c->b, NULL), 1);
	assert_int_equal(EC_POINT_get_affine_coordinates(named, EC_GROUP_get0_generator(named), c->x,
							 c->y, NULL), 1);
	c->order = BN_dup(EC_GROUP_get0_order(named));
	c->cofactor = BN_dup(EC_GROUP_get0_cofactor(named));
	c->from = named;
}

static void curve_free(struct curve *c)
{
	BN_free(c->p), BN_free(c->a), BN_free(c->b), BN_free(c->x), BN_free(c->y);
	BN_free(c->order), BN_free(c->cofactor);
	EC_GROUP_free((EC_GROUP *)c->from);
}

/* What libtpms does with the group: set the generator, order and cofactor on it. */
static void set_generator(EC_GROUP *g, const struct curve *c)
{
	EC_POINT *gen = EC_POINT_new(g);

	assert_non_null(gen);
	assert_int_equal(EC_POINT_set_affine_coordinates(g, gen, c->x, c->y, NULL), 1);
	assert_int_equal(EC_GROUP_set_generator(g, gen, c->order, c->cofactor), 1);
	EC_POINT_free(gen);
}

static void p256_gets_the_named_group_with_the_same_points(void **state)
{
	struct curve c;

	(void)state;
	curve_of(NID_X9_62_prime256v1, &c);
	EC_GROUP *fast = EC_GROUP_new_curve_GFp(c.p, c.a, c.b, NULL);
	EC_GROUP *generic = __real_EC_GROUP_new_curve_GFp(c.p, c.a, c.b, NULL);

	assert_non_null(fast);
	assert_non_null(generic);
	assert_int_equal(vtpm_accel_named_nid(c.p, c.a, c.b), NID_X9_62_prime256v1);
	assert_int_equal(EC_GROUP_get_curve_name(fast), NID_X9_62_prime256v1);
	assert_ptr_not_equal(EC_GROUP_method_of(fast), EC_GFp_mont_method());
	assert_ptr_equal(EC_GROUP_method_of(generic), EC_GFp_mont_method());
	set_generator(fast, &c);
	set_generator(generic, &c);

	/* The same curve, order, cofactor and generator (EC_GROUP_cmp cannot compare across methods). */
	BIGNUM *k = BN_new(), *x1 = BN_new(), *y1 = BN_new(), *x2 = BN_new(), *y2 = BN_new();

	assert_non_null(k);
	assert_int_equal(EC_GROUP_get_curve(fast, x1, y1, k, NULL), 1);
	assert_true(BN_cmp(x1, c.p) == 0 && BN_cmp(y1, c.a) == 0 && BN_cmp(k, c.b) == 0);
	assert_int_equal(BN_cmp(EC_GROUP_get0_order(fast), EC_GROUP_get0_order(generic)), 0);
	assert_int_equal(BN_cmp(EC_GROUP_get0_cofactor(fast), EC_GROUP_get0_cofactor(generic)), 0);
	assert_int_equal(EC_POINT_get_affine_coordinates(fast, EC_GROUP_get0_generator(fast), x1, y1,
							 NULL), 1);
	assert_true(BN_cmp(x1, c.x) == 0 && BN_cmp(y1, c.y) == 0);

	/* k*G and k*P (P an arbitrary point) alike on both, k random, 0, 1, n-1 and n+5. */
	EC_POINT *r1 = EC_POINT_new(fast), *r2 = EC_POINT_new(generic);
	EC_POINT *p1 = EC_POINT_new(fast), *p2 = EC_POINT_new(generic);

	assert_non_null(r1);
	assert_non_null(r2);
	assert_non_null(p1);
	assert_non_null(p2);
	for (int i = 0; i < 40; i++) {
		if (i == 0)
			BN_zero(k);
		else if (i == 1)
			BN_one(k);
		else if (i == 2)
			BN_sub(k, c.order, BN_value_one());
		else if (i == 3)
			BN_add_word(BN_copy(k, c.order), 5);
		else
			assert_int_equal(BN_rand_range(k, c.order), 1);
		assert_int_equal(EC_POINT_mul(fast, r1, k, NULL, NULL, NULL), 1);
		assert_int_equal(EC_POINT_mul(generic, r2, k, NULL, NULL, NULL), 1);
		assert_int_equal(EC_POINT_is_at_infinity(fast, r1), EC_POINT_is_at_infinity(generic, r2));
		if (EC_POINT_is_at_infinity(fast, r1))
			continue;
		assert_int_equal(EC_POINT_get_affine_coordinates(fast, r1, x1, y1, NULL), 1);
		assert_int_equal(EC_POINT_get_affine_coordinates(generic, r2, x2, y2, NULL), 1);
		assert_int_equal(BN_cmp(x1, x2), 0);
		assert_int_equal(BN_cmp(y1, y2), 0);
		/* Now k times that point. */
		assert_int_equal(EC_POINT_set_affine_coordinates(fast, p1, x1, y1, NULL), 1);
		assert_int_equal(EC_POINT_set_affine_coordinates(generic, p2, x2, y2, NULL), 1);
		assert_int_equal(EC_POINT_mul(fast, r1, NULL, p1, k, NULL), 1);
		assert_int_equal(EC_POINT_mul(generic, r2, NULL, p2, k, NULL), 1);
		assert_int_equal(EC_POINT_get_affine_coordinates(fast, r1, x1, y1, NULL), 1);
		assert_int_equal(EC_POINT_get_affine_coordinates(generic, r2, x2, y2, NULL), 1);
		assert_int_equal(BN_cmp(x1, x2), 0);
		assert_int_equal(BN_cmp(y1, y2), 0);
	}
	/* A point off the curve is refused by both. */
	BN_add_word(y1, 1);
	assert_int_equal(EC_POINT_set_affine_coordinates(fast, p1, x1, y1, NULL), 0);
	assert_int_equal(EC_POINT_set_affine_coordinates(generic, p2, x1, y1, NULL), 0);
	EC_POINT_free(r1), EC_POINT_free(r2), EC_POINT_free(p1), EC_POINT_free(p2);
	BN_free(k), BN_free(x1), BN_free(y1), BN_free(x2), BN_free(y2);
	EC_GROUP_free(fast);
	EC_GROUP_free(generic);
	curve_free(&c);
}

/* P-384's named group is the generic one, so it is not swapped; a look-alike of P-256 is not either. */
static void other_curves_keep_the_generic_group(void **state)
{
	struct curve c;

	(void)state;
	curve_of(NID_secp384r1, &c);
	assert_int_equal(vtpm_accel_named_nid(c.p, c.a, c.b), NID_undef);
	EC_GROUP *g = EC_GROUP_new_curve_GFp(c.p, c.a, c.b, NULL);

	assert_non_null(g);
	assert_int_equal(EC_GROUP_get_curve_name(g), NID_undef);
	EC_GROUP_free(g);
	curve_free(&c);

	curve_of(NID_X9_62_prime256v1, &c);
	BN_add_word(c.b, 1); /* P-256's field and a, another b: another curve */
	assert_int_equal(vtpm_accel_named_nid(c.p, c.a, c.b), NID_undef);
	g = EC_GROUP_new_curve_GFp(c.p, c.a, c.b, NULL);
	assert_non_null(g);
	assert_int_equal(EC_GROUP_get_curve_name(g), NID_undef);
	EC_GROUP_free(g);
	curve_free(&c);
}

/* Bad parameters get what OpenSSL's own function gives them: no group. */
static void bad_curve_parameters_refused(void **state)
{
	BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new();

	(void)state;
	assert_non_null(p);
	BN_set_word(p, 4); /* not an odd prime */
	BN_set_word(a, 1);
	BN_set_word(b, 1);
	assert_int_equal(vtpm_accel_named_nid(p, a, b), NID_undef);
	assert_null(EC_GROUP_new_curve_GFp(p, a, b, NULL));
	BN_free(p), BN_free(a), BN_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(aes_fips197_both_routes),
		cmocka_unit_test(aes_bad_keys_refused_alike),
		cmocka_unit_test(aes_routes_agree_on_random_blocks),
		cmocka_unit_test(aes_cbc_agrees_at_every_length),
		cmocka_unit_test(aes_ofb_inside_libcrypto_follows_the_key),
		cmocka_unit_test(p256_gets_the_named_group_with_the_same_points),
		cmocka_unit_test(other_curves_keep_the_generic_group),
		cmocka_unit_test(bad_curve_parameters_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
