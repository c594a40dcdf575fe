/* SPDX-License-Identifier: MIT */
/*
 * The launch digest (vsnp/model/launch_digest.c): the PAGE_INFO chain
 * (SNP ABI 56860 §8.17.2, SNP_LAUNCH_UPDATE) against a value computed
 * independently (Python hashlib over hand-packed PAGE_INFO bytes, see the
 * comment at KNOWN), and bad pages refused with the digest unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "svsm/errno.h"
#include "vsnp/launch_digest.h"

/*
 * import hashlib, struct
 * pi = lambda ld, c, t, gpa: ld + c + struct.pack('<HBB4sQ', 0x70, t, 0, bytes(4), gpa)
 * ld = bytes(48)
 * ld = sha384(pi(ld, sha384(bytes(4096)), 1, 0x100000))
 * ld = sha384(pi(ld, bytes(48), 5, 0x101000))
 * ld = sha384(pi(ld, sha384(b'\x11' * 4096), 2, 0xFFFFFFFFF000))
 */
static const char KNOWN[] = "2c0351231b195c4c0ebc13a7e7d535d4d2634778ec466d5247ca3796fb7531"
			    "1673798d14899a659a6131e0a673ab9fd0";

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void chain_matches_independent_computation(void **state)
{
	static uint8_t zero[4096], vmsa[4096];
	struct launch_digest d;
	char got[2 * SNP_LD_LEN + 1];
	(void)state;

	memset(vmsa, 0x11, sizeof(vmsa));
	launch_digest_init(&d);
	assert_int_equal(launch_digest_page(&d, 0x100000, SNP_PAGE_TYPE_NORMAL, zero), SVSM_OK);
	/* Contents of a SECRETS page are not hashed: any buffer, or none, gives the same. */
	assert_int_equal(launch_digest_page(&d, 0x101000, SNP_PAGE_TYPE_SECRETS, NULL), SVSM_OK);
	assert_int_equal(launch_digest_page(&d, SNP_LD_VMSA_GPA, SNP_PAGE_TYPE_VMSA, vmsa), SVSM_OK);
	hex(d.ld, sizeof(d.ld), got);
	assert_string_equal(got, KNOWN);
	assert_int_equal(d.pages, 3);
}

static void unhashed_types_ignore_contents(void **state)
{
	static uint8_t a[4096], b[4096];
	struct launch_digest x, y;
	(void)state;

	memset(b, 0x77, sizeof(b));
	for (unsigned t = SNP_PAGE_TYPE_ZERO; t <= SNP_PAGE_TYPE_CPUID; t++) {
		launch_digest_init(&x);
		launch_digest_init(&y);
		assert_int_equal(launch_digest_page(&x, 0x200000, t, a), SVSM_OK);
		assert_int_equal(launch_digest_page(&y, 0x200000, t, b), SVSM_OK);
		assert_memory_equal(x.ld, y.ld, sizeof(x.ld));
	}
	/* ...but a NORMAL page's contents and every page's GPA and type count. */
	launch_digest_init(&x);
	launch_digest_init(&y);
	assert_int_equal(launch_digest_page(&x, 0x200000, SNP_PAGE_TYPE_NORMAL, a), SVSM_OK);
	assert_int_equal(launch_digest_page(&y, 0x200000, SNP_PAGE_TYPE_NORMAL, b), SVSM_OK);
	assert_memory_not_equal(x.ld, y.ld, sizeof(x.ld));
	launch_digest_init(&y);
	assert_int_equal(launch_digest_page(&y, 0x201000, SNP_PAGE_TYPE_NORMAL, a), SVSM_OK);
	assert_memory_not_equal(x.ld, y.ld, sizeof(x.ld));
	launch_digest_init(&y);
	assert_int_equal(launch_digest_page(&y, 0x200000, SNP_PAGE_TYPE_ZERO, a), SVSM_OK);
	assert_memory_not_equal(x.ld, y.ld, sizeof(x.ld));
}

static void bad_pages_refused_unchanged(void **state)
{
	static uint8_t page[4096];
	struct launch_digest d, before;
	(void)state;

	launch_digest_init(&d);
	assert_int_equal(launch_digest_page(&d, 0x100000, SNP_PAGE_TYPE_NORMAL, page), SVSM_OK);
	before = d;
	assert_int_equal(launch_digest_page(&d, 0x100000, 0, page), SVSM_EINVAL);
	assert_int_equal(launch_digest_page(&d, 0x100000, 7, page), SVSM_EINVAL);
	assert_int_equal(launch_digest_page(&d, 0x100800, SNP_PAGE_TYPE_NORMAL, page), SVSM_EINVAL);
	assert_int_equal(launch_digest_page(&d, 0x100000, SNP_PAGE_TYPE_NORMAL, NULL), SVSM_EINVAL);
	assert_int_equal(launch_digest_page(&d, SNP_LD_VMSA_GPA, SNP_PAGE_TYPE_VMSA, NULL),
			 SVSM_EINVAL);
	/* A VMSA anywhere but the VMSA GPA, and a normal page there. */
	assert_int_equal(launch_digest_page(&d, 0x100000, SNP_PAGE_TYPE_VMSA, page), SVSM_EINVAL);
	assert_int_equal(launch_digest_page(&d, SNP_LD_VMSA_GPA, SNP_PAGE_TYPE_NORMAL, page),
			 SVSM_EINVAL);
	assert_memory_equal(&d, &before, sizeof(d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chain_matches_independent_computation),
		cmocka_unit_test(unhashed_types_ignore_contents),
		cmocka_unit_test(bad_pages_refused_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
