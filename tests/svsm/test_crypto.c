/* SPDX-License-Identifier: MIT */
/*
 * mbedTLS inside the SVSM (Debian's libmbedcrypto.a with the kernel's
 * C-library shims, SSE on, the stack-protector canary at %fs:0x28):
 * known answers for SHA-512 and AES-256-GCM, and an SNP guest message
 * sealed and opened with the same code the attestation protocol uses.
 */
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>

#include "lib/cpu.h"
#include "lib/string.h"
#include "protocols/guest_msg.h"
#include "svsm/errno.h"
#include "svsm/percpu.h"
#include "svsm/selftest.h"

SELFTEST(crypto_sha512_known_answer)
{
	/* FIPS 180-2 appendix C.1: SHA-512("abc"). */
	static const uint8_t want[8] = { 0xdd, 0xaf, 0x35, 0xa1, 0x93, 0x61, 0x7a, 0xba };
	uint8_t h[64];

	ST_EQ(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA512), (const uint8_t *)"abc", 3, h), 0);
	ST_ASSERT(memcmp(h, want, sizeof(want)) == 0);
	ST_EQ(h[63], 0x9f);
}

SELFTEST(crypto_aes256_gcm_known_answer)
{
	/* GCM spec (McGrew/Viega) test case 14: zero key, IV and 16-byte plaintext. */
	static const uint8_t want_c[16] = { 0xce, 0xa7, 0x40, 0x3d, 0x4d, 0x60, 0x6b, 0x6e,
					    0x07, 0x4e, 0xc5, 0xd3, 0xba, 0xf3, 0x9d, 0x18 };
	static const uint8_t want_t[16] = { 0xd0, 0xd1, 0xc8, 0xa7, 0x99, 0x99, 0x6b, 0xf0,
					    0x26, 0x5b, 0x98, 0xb5, 0xd4, 0x8a, 0xb9, 0x19 };
	static const uint8_t zero[32];
	uint8_t c[16], tag[16];
	mbedtls_gcm_context g;

	mbedtls_gcm_init(&g);
	ST_EQ(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, zero, 256), 0);
	ST_EQ(mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, 16, zero, 12, NULL, 0, zero, c, 16, tag),
	      0);
	mbedtls_gcm_free(&g);
	ST_ASSERT(memcmp(c, want_c, 16) == 0);
	ST_ASSERT(memcmp(tag, want_t, 16) == 0);
}

SELFTEST(crypto_guest_message_round_trip)
{
	static struct snp_guest_msg msg, rsp;
	static const uint8_t key[SNP_VMPCK_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct snp_msg_ctx ctx;
	uint8_t payload[96], back[96];
	size_t len = 0;

	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i ^ 0x5A);
	ST_EQ(snp_msg_init(&ctx, key, 0), SVSM_OK);
	ST_EQ(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, payload, sizeof(payload), &msg), SVSM_OK);
	ST_EQ(snp_msg_decrypt(key, &msg, back, sizeof(back)), SVSM_OK);
	ST_ASSERT(memcmp(back, payload, sizeof(back)) == 0);
	/* The answer the PSP would give, then a forged one. */
	snp_msg_hdr_init(&rsp, SNP_MSG_REPORT_RSP, 2, sizeof(payload), 0);
	ST_EQ(snp_msg_encrypt(key, &rsp, payload, sizeof(payload)), SVSM_OK);
	ST_EQ(snp_msg_open(&ctx, &rsp, back, sizeof(back), &len), SVSM_OK);
	ST_EQ(len, sizeof(payload));
	ST_EQ(snp_msg_seal(&ctx, SNP_MSG_REPORT_REQ, payload, sizeof(payload), &msg), SVSM_OK);
	snp_msg_hdr_init(&rsp, SNP_MSG_REPORT_RSP, 4, sizeof(payload), 0);
	ST_EQ(snp_msg_encrypt(key, &rsp, payload, sizeof(payload)), SVSM_OK);
	rsp.payload[3] ^= 1;
	ST_EQ(snp_msg_open(&ctx, &rsp, back, sizeof(back), &len), SVSM_EIO);
	ST_ASSERT(ctx.wiped);
}

SELFTEST(crypto_stack_canary_in_place)
{
	uint64_t fs_canary;
	bool rdrand = (cpu_cpuid(1, 0).ecx & (1u << 30)) != 0;

	/* What the library's prologues read. */
	__asm__ volatile("movq %%fs:0x28, %0" : "=r"(fs_canary));
	ST_EQ(fs_canary, this_cpu()->tls[PERCPU_TLS_CANARY]);
	ST_ASSERT(fs_canary != 0);
	/* Random once the platform could give random bits (RDRAND here), fixed otherwise. */
	ST_EQ(fs_canary != (0xC3A5C85C97CB3127ull ^ (uint64_t)(uintptr_t)this_cpu()), rdrand);
}
