/* SPDX-License-Identifier: MIT */
/* AES-NI and named-curve routes for libtpms's OpenSSL calls (vtpm_accel.c). */
#ifndef VTPM_ACCEL_H
#define VTPM_ACCEL_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/aes.h>
#include <openssl/bn.h>
#include <openssl/ec.h>

/* Whether the wrapped legacy AES functions use AES-NI (OpenSSL's own capability test). */
bool vtpm_accel_aesni(void);
/* For tests: 1 forces the AES-NI route, 0 the table code, -1 asks the CPU again. */
void vtpm_accel_force_aesni(int state);
/* The NID of the named curve with a dedicated method whose p, a, b these are; NID_undef if none. */
int vtpm_accel_named_nid(const BIGNUM *p, const BIGNUM *a, const BIGNUM *b);

/* OpenSSL's own functions, under the names the linker's --wrap gives them. */
int __real_AES_set_encrypt_key(const unsigned char *user_key, const int bits, AES_KEY *key);
int __real_AES_set_decrypt_key(const unsigned char *user_key, const int bits, AES_KEY *key);
void __real_AES_encrypt(const unsigned char *in, unsigned char *out, const AES_KEY *key);
void __real_AES_decrypt(const unsigned char *in, unsigned char *out, const AES_KEY *key);
void __real_AES_cbc_encrypt(const unsigned char *in, unsigned char *out, size_t length,
			    const AES_KEY *key, unsigned char *ivec, const int enc);
EC_GROUP *__real_EC_GROUP_new_curve_GFp(const BIGNUM *p, const BIGNUM *a, const BIGNUM *b,
					BN_CTX *ctx);

#endif
