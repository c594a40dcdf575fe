/* SPDX-License-Identifier: MIT */
/*
 * PVALIDATE/RMPADJUST result mapping and the 2 MiB -> 512 x 4 KiB fallback (APM
 * vol. 3 (24594), PVALIDATE: "Size mismatch ... callers fall back to 512 x
 * 4K"), driven against the RMP model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/snp.h"
#include "svsm/errno.h"
#include "vsnp/rmp_model.h"
#include "svsm/snp_pvalidate.h"

#define BASE 0x40000000ull
#define PAGES 1024u
#define MB2 0x200000ull

static struct rmp_entry entries[PAGES];
static struct rmp_model rmp;
static unsigned calls;
static unsigned fail_after; /* 0: never; n: the nth call and later fault */

static insn_rc insn(void *ctx, vaddr_t va, unsigned size, bool validate, bool *cf)
{
	(void)ctx;
	if (fail_after != 0 && ++calls >= fail_after)
		return INSN_RC_FAULTED;
	struct rmp_result r = rmp_model_pvalidate(&rmp, 0, va_addr(va), size, validate); /* the test maps va = gpa */

	*cf = r.unchanged;
	return insn_rc_eax((uint32_t)r.code);
}

static int setup(void **state)
{
	(void)state;
	calls = 0, fail_after = 0;
	assert_int_equal(rmp_model_init(&rmp, entries, BASE, PAGES), SVSM_OK);
	/* First 2 MiB: one 2 MiB entry. Second 2 MiB: 512 4 KiB entries. */
	assert_int_equal(rmp_model_set_private(&rmp, BASE, true, true), SVSM_OK);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(rmp_model_set_private(&rmp, BASE + MB2 + i * 4096ull, false, true),
				 SVSM_OK);
	return 0;
}

static unsigned validated_in(uint64_t gpa)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 512; i++)
		n += rmp_model_entry(&rmp, gpa + i * 4096ull)->validated;
	return n;
}

static void test_codes(void **state)
{
	bool unchanged = true;

	(void)state;
	assert_int_equal(snp_pvalidate_code(insn_rc_eax(0), false, &unchanged).code, PVALIDATE_SUCCESS);
	assert_false(unchanged);
	assert_int_equal(snp_pvalidate_code(insn_rc_eax(0), true, &unchanged).code, PVALIDATE_SUCCESS);
	assert_true(unchanged);
	assert_int_equal(snp_pvalidate_code(insn_rc_eax(1), true, &unchanged).code, PVALIDATE_FAIL_INPUT);
	assert_false(unchanged); /* CF means nothing without success */
	assert_int_equal(snp_pvalidate_code(insn_rc_eax(6), false, &unchanged).code, PVALIDATE_FAIL_SIZEMISMATCH);
	assert_int_equal(snp_pvalidate_code(INSN_RC_FAULTED, false, &unchanged).code,
			 PVALIDATE_FAIL_INPUT);
	/* Codes up to 0xF pass through (SVSM spec §6.2: 0x80001000 + EAX); beyond: "unknown". */
	assert_int_equal(snp_pvalidate_code(insn_rc_eax(2), false, &unchanged).code, 2);
	assert_int_equal(snp_pvalidate_code(insn_rc_eax(0xF), false, &unchanged).code, 0xF);
	assert_int_equal(snp_pvalidate_code(insn_rc_eax(0x10), false, &unchanged).code, PVALIDATE_FAIL_UNKNOWN);
	assert_int_equal(snp_pvalidate_code(insn_rc_eax(0x7FFFFFFF), false, &unchanged).code, PVALIDATE_FAIL_UNKNOWN);
	assert_int_equal(snp_pvalidate_code(INSN_RC_TORN, false, &unchanged).code,
			 PVALIDATE_FAIL_UNKNOWN);
	/* An EAX with bit 31 set is a code, not the wrappers' fault: not FAIL_INPUT. */
	assert_int_equal(insn_rc_eax(0xFFFFFFFFu).code, PVALIDATE_FAIL_UNKNOWN);
	assert_int_equal(snp_pvalidate_code(insn_rc_eax(0xFFFFFFFFu), false, &unchanged).code,
			 PVALIDATE_FAIL_UNKNOWN);
	assert_int_equal(snp_rmpadjust_code(insn_rc_eax(0)).code, RMPADJUST_SUCCESS);
	assert_int_equal(snp_rmpadjust_code(insn_rc_eax(1)).code, RMPADJUST_FAIL_INPUT);
	assert_int_equal(snp_rmpadjust_code(insn_rc_eax(2)).code, RMPADJUST_FAIL_PERMISSION);
	assert_int_equal(snp_rmpadjust_code(insn_rc_eax(6)).code, RMPADJUST_FAIL_SIZEMISMATCH);
	assert_int_equal(snp_rmpadjust_code(INSN_RC_FAULTED).code, RMPADJUST_FAIL_INPUT);
	assert_int_equal(snp_rmpadjust_code(insn_rc_eax(3)).code, 3);
	assert_int_equal(snp_rmpadjust_code(insn_rc_eax(0x12)).code, PVALIDATE_FAIL_UNKNOWN);
}

static void test_2m_entry(void **state)
{
	bool unchanged;

	(void)state;
	assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE), RMP_PG_SIZE_2M, true, &unchanged).code,
			 PVALIDATE_SUCCESS);
	assert_false(unchanged);
	assert_int_equal(validated_in(BASE), 512);
	assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE), RMP_PG_SIZE_2M, true, &unchanged).code,
			 PVALIDATE_SUCCESS);
	assert_true(unchanged);
	/* 4 KiB inside a 2 MiB entry is the hardware's size mismatch: no fallback that way. */
	assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE), RMP_PG_SIZE_4K, false, &unchanged).code,
			 PVALIDATE_FAIL_SIZEMISMATCH);
	assert_int_equal(validated_in(BASE), 512);
}

static void test_fallback(void **state)
{
	bool unchanged;

	(void)state;
	assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE + MB2), RMP_PG_SIZE_2M, true,
					    &unchanged).code,
			 PVALIDATE_SUCCESS);
	assert_false(unchanged);
	assert_int_equal(validated_in(BASE + MB2), 512);
	/* Rescind the same way. */
	assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE + MB2), RMP_PG_SIZE_2M, false,
					    &unchanged).code,
			 PVALIDATE_SUCCESS);
	assert_false(unchanged);
	assert_int_equal(validated_in(BASE + MB2), 0);
}

static void test_fallback_unchanged_undoes(void **state)
{
	bool unchanged;

	(void)state;
	/*
	 * Page 300 already validated, the rest not: not "unchanged" (that is
	 * the whole range), not success (page 300 was there already): every
	 * page changed goes back and the answer is FAIL_SIZEMISMATCH, so the
	 * caller asks page by page. (It once said unchanged with 1 page of
	 * 512 valid: with IGNORE_CF the SVSM then granted the whole 2 MiB.)
	 */
	assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE + MB2 + 300 * 4096ull), RMP_PG_SIZE_4K,
					    true, &unchanged).code,
			 PVALIDATE_SUCCESS);
	assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE + MB2), RMP_PG_SIZE_2M, true,
					    &unchanged).code,
			 PVALIDATE_FAIL_SIZEMISMATCH);
	assert_false(unchanged);
	assert_int_equal(validated_in(BASE + MB2), 1);
	assert_true(rmp_model_entry(&rmp, BASE + MB2 + 300 * 4096ull)->validated);
	/* The same with the first and with the last page the odd one out, and for a rescind. */
	assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE + MB2 + 300 * 4096ull), RMP_PG_SIZE_4K,
					    false, &unchanged).code,
			 PVALIDATE_SUCCESS);
	for (unsigned k = 0; k < 2; k++) {
		uint64_t odd = BASE + MB2 + (k == 0 ? 0 : 511 * 4096ull);

		assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(odd), RMP_PG_SIZE_4K, true, &unchanged).code,
				 PVALIDATE_SUCCESS);
		assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE + MB2), RMP_PG_SIZE_2M, true, &unchanged).code,
				 PVALIDATE_FAIL_SIZEMISMATCH);
		assert_int_equal(validated_in(BASE + MB2), 1);
		assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE + MB2), RMP_PG_SIZE_2M, false, &unchanged).code,
				 PVALIDATE_FAIL_SIZEMISMATCH);
		assert_int_equal(validated_in(BASE + MB2), 1);
		assert_true(rmp_model_entry(&rmp, odd)->validated);
		assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(odd), RMP_PG_SIZE_4K, false, &unchanged).code,
				 PVALIDATE_SUCCESS);
	}
	assert_int_equal(validated_in(BASE + MB2), 0);
	/* All already validated: unchanged, still all validated. */
	for (unsigned i = 0; i < 512; i++)
		assert_true(insn_rc_ok(snp_pvalidate_page(insn, NULL, va_init(BASE + MB2 + i * 4096ull),
							  RMP_PG_SIZE_4K, true, &unchanged)));
	assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE + MB2), RMP_PG_SIZE_2M, true,
					    &unchanged).code,
			 PVALIDATE_SUCCESS);
	assert_true(unchanged);
	assert_int_equal(validated_in(BASE + MB2), 512);
}

static void test_fallback_failure_undoes(void **state)
{
	bool unchanged;

	(void)state;
	/* Page 100 is shared (not assigned): FAIL_INPUT, the first 100 put back. */
	assert_int_equal(rmp_model_set_private(&rmp, BASE + MB2 + 100 * 4096ull, false, false),
			 SVSM_OK);
	assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE + MB2), RMP_PG_SIZE_2M, true,
					    &unchanged).code,
			 PVALIDATE_FAIL_INPUT);
	assert_false(unchanged);
	assert_int_equal(validated_in(BASE + MB2), 0);
	/* A fault at page 10 (the 12th instruction: the 2 MiB try, pages 0..9, then 10). */
	assert_int_equal(rmp_model_set_private(&rmp, BASE + MB2 + 100 * 4096ull, false, true),
			 SVSM_OK);
	calls = 0, fail_after = 12;
	assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE + MB2), RMP_PG_SIZE_2M, true,
					    &unchanged).code,
			 INSN_RC_TORN.code); /* and the undo faults as well */
	fail_after = 0;
	assert_int_equal(validated_in(BASE + MB2), 10);
}

static void test_misaligned(void **state)
{
	bool unchanged;

	(void)state;
	assert_int_equal(snp_pvalidate_page(insn, NULL, va_init(BASE + 4096), RMP_PG_SIZE_2M, true,
					    &unchanged).code,
			 PVALIDATE_FAIL_INPUT);
	assert_int_equal(validated_in(BASE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test_setup(test_2m_entry, setup),
		cmocka_unit_test_setup(test_fallback, setup),
		cmocka_unit_test_setup(test_fallback_unchanged_undoes, setup),
		cmocka_unit_test_setup(test_fallback_failure_undoes, setup),
		cmocka_unit_test_setup(test_misaligned, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
