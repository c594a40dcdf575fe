/* SPDX-License-Identifier: MIT */
/* The secrets page checks and the guest's copy (SNP ABI 56860, the secrets page). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "svsm/errno.h"
#include "svsm/snp_secrets.h"

static struct snp_secrets_page fw, out;

static int setup(void **state)
{
	(void)state;
	memset(&fw, 0, sizeof(fw));
	fw.version = 3;
	fw.fms = 0x00A00F11;
	for (unsigned k = 0; k < SNP_VMPCK_COUNT; k++)
		memset(fw.vmpck[k], 0x10 + (int)k, SNP_VMPCK_SIZE);
	fw.tsc_factor = 7;
	memset(&out, 0xCC, sizeof(out));
	return 0;
}

static void test_check_good(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(snp_secrets_check(&fw, &why), SVSM_OK);
	/* One non-zero byte is enough for a key to count as present. */
	memset(fw.vmpck[2], 0, SNP_VMPCK_SIZE);
	fw.vmpck[2][31] = 1;
	assert_int_equal(snp_secrets_check(&fw, &why), SVSM_OK);
}

static void test_check_bad(void **state)
{
	const char *why = NULL;

	(void)state;
	for (unsigned k = 0; k < SNP_VMPCK_COUNT; k++) {
		setup(NULL);
		memset(fw.vmpck[k], 0, SNP_VMPCK_SIZE);
		assert_int_equal(snp_secrets_check(&fw, &why), SVSM_EINVAL);
		assert_non_null(strstr(why, "is zero"));
		assert_int_equal(why[5], (char)('0' + k));
	}
	setup(NULL);
	fw.svsm_size = 4096;
	assert_int_equal(snp_secrets_check(&fw, &why), SVSM_EINVAL);
	assert_non_null(strstr(why, "SVSM fields"));
	setup(NULL);
	fw.svsm_guest_vmpl = 2;
	assert_int_equal(snp_secrets_check(&fw, &why), SVSM_EINVAL);
}

static void test_guest_copy(void **state)
{
	struct snp_svsm_desc d = { .base = 0x100000000ull, .size = 0x1000000, .caa = 0x7F000,
				   .max_version = 1, .guest_vmpl = 2 };

	(void)state;
	assert_int_equal(snp_secrets_for_guest(&fw, &d, &out), SVSM_OK);
	static const uint8_t zero[SNP_VMPCK_SIZE];

	assert_memory_equal(out.vmpck[0], zero, SNP_VMPCK_SIZE);
	assert_memory_equal(out.vmpck[1], zero, SNP_VMPCK_SIZE);
	assert_memory_equal(out.vmpck[2], fw.vmpck[2], SNP_VMPCK_SIZE);
	assert_memory_equal(out.vmpck[3], fw.vmpck[3], SNP_VMPCK_SIZE);
	assert_int_equal(out.svsm_base, d.base);
	assert_int_equal(out.svsm_size, d.size);
	assert_int_equal(out.svsm_caa, d.caa);
	assert_int_equal(out.svsm_max_version, 1);
	assert_int_equal(out.svsm_guest_vmpl, 2);
	assert_int_equal(out.version, 3);
	assert_int_equal(out.fms, 0x00A00F11);
	assert_int_equal(out.tsc_factor, 7);
	/* The firmware page itself keeps every key. */
	assert_int_equal(fw.vmpck[0][0], 0x10);
	/* VMPL1 guest: only VMPCK0 is removed; VMPL3: all but VMPCK3. */
	d.guest_vmpl = 1;
	assert_int_equal(snp_secrets_for_guest(&fw, &d, &out), SVSM_OK);
	assert_memory_equal(out.vmpck[0], zero, SNP_VMPCK_SIZE);
	assert_memory_equal(out.vmpck[1], fw.vmpck[1], SNP_VMPCK_SIZE);
	d.guest_vmpl = 3;
	assert_int_equal(snp_secrets_for_guest(&fw, &d, &out), SVSM_OK);
	assert_memory_equal(out.vmpck[2], zero, SNP_VMPCK_SIZE);
	assert_memory_equal(out.vmpck[3], fw.vmpck[3], SNP_VMPCK_SIZE);
}

static void test_guest_copy_bad(void **state)
{
	const struct snp_svsm_desc good = { .base = 0x100000000ull, .size = 0x1000000,
					    .caa = 0x7F000, .max_version = 1, .guest_vmpl = 2 };
	struct snp_svsm_desc bad[] = { good, good, good, good, good, good, good };
	struct snp_secrets_page before;

	(void)state;
	bad[0].guest_vmpl = 0;
	bad[1].guest_vmpl = 4;
	bad[2].base += 8;
	bad[3].size = 0;
	bad[4].size = 0x1800;
	bad[5].caa = 0x7F010;
	bad[6].base = 0xFFFFFFFFFFFFF000ull;
	memcpy(&before, &out, sizeof(out));
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(snp_secrets_for_guest(&fw, &bad[i], &out), SVSM_EINVAL);
		assert_memory_equal(&before, &out, sizeof(out));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_check_good, setup),
		cmocka_unit_test_setup(test_check_bad, setup),
		cmocka_unit_test_setup(test_guest_copy, setup),
		cmocka_unit_test_setup(test_guest_copy_bad, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
