/* SPDX-License-Identifier: MIT */
/* GHCB MSR protocol values, valid bitmap and PSC entries, bit for bit (GHCB spec 56421). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "svsm/ghcb_proto.h"

static void test_sev_info(void **state)
{
	struct ghcb_sev_info i;

	(void)state;
	/* max 2, min 1, C-bit 51: 0x0002_0001_33xx_x001 */
	assert_true(ghcb_msr_sev_info_parse(0x0002000133000001ull, &i));
	assert_int_equal(i.max_version, 2);
	assert_int_equal(i.min_version, 1);
	assert_int_equal(i.cbit, 51);
	assert_int_equal(ghcb_negotiate_version(&i), 2);
	/* Wrong response code. */
	assert_false(ghcb_msr_sev_info_parse(0x0002000133000002ull, &i));
	assert_false(ghcb_msr_sev_info_parse(0, &i));
	/* Ranges that do not include 2. */
	i.min_version = 1, i.max_version = 1;
	assert_int_equal(ghcb_negotiate_version(&i), 0);
	i.min_version = 3, i.max_version = 5;
	assert_int_equal(ghcb_negotiate_version(&i), 0);
	i.min_version = 2, i.max_version = 9;
	assert_int_equal(ghcb_negotiate_version(&i), 2);
	i.min_version = 5, i.max_version = 1; /* inverted range from a hostile hypervisor */
	assert_int_equal(ghcb_negotiate_version(&i), 0);
}

static void test_register_gpa(void **state)
{
	(void)state;
	assert_int_equal(ghcb_msr_reg_gpa_req(0x12345000), 0x12345012);
	assert_int_equal(ghcb_msr_reg_gpa_req(0x12345800), 0);
	assert_true(ghcb_msr_reg_gpa_ok(0x12345013, 0x12345000));
	assert_false(ghcb_msr_reg_gpa_ok(0x12346013, 0x12345000)); /* another GFN */
	assert_false(ghcb_msr_reg_gpa_ok(0x12345012, 0x12345000)); /* request echoed */
	assert_false(ghcb_msr_reg_gpa_ok(0x12345013, 0x12345008));
}

static void test_psc_msr(void **state)
{
	uint32_t err;

	(void)state;
	/* GFN 0xABCDE at [51:12], op 2 (shared) at [55:52]. */
	assert_int_equal(ghcb_msr_psc_req(0xABCDE000, GHCB_PSC_OP_SHARED), 0x00200000ABCDE014ull);
	assert_int_equal(ghcb_msr_psc_req(0xABCDE000, GHCB_PSC_OP_PRIVATE), 0x00100000ABCDE014ull);
	assert_int_equal(ghcb_msr_psc_req(0xABCDE001, GHCB_PSC_OP_SHARED), 0);
	assert_int_equal(ghcb_msr_psc_req(0xABCDE000, GHCB_PSC_OP_PSMASH), 0); /* not via MSR */
	assert_int_equal(ghcb_msr_psc_req(0xABCDE000, 0), 0);
	assert_int_equal(ghcb_msr_psc_req(1ull << 52, GHCB_PSC_OP_SHARED), 0);
	assert_true(ghcb_msr_resp_ok(0x015, GHCB_MSR_PSC_RESP, &err));
	assert_int_equal(err, 0);
	assert_false(ghcb_msr_resp_ok(0x0000000700000015ull, GHCB_MSR_PSC_RESP, &err));
	assert_int_equal(err, 7);
	assert_false(ghcb_msr_resp_ok(0x014, GHCB_MSR_PSC_RESP, &err));
	assert_int_equal(err, ~0u);
}

static void test_run_vmpl_features_term(void **state)
{
	uint64_t f;
	uint32_t err;

	(void)state;
	assert_int_equal(ghcb_msr_run_vmpl_req(0), 0x016);
	assert_int_equal(ghcb_msr_run_vmpl_req(2), 0x0000000200000016ull);
	assert_int_equal(ghcb_msr_run_vmpl_req(4), 0);
	assert_true(ghcb_msr_resp_ok(0x017, GHCB_MSR_RUN_VMPL_RESP, &err));
	assert_false(ghcb_msr_resp_ok(0x0000000100000017ull, GHCB_MSR_RUN_VMPL_RESP, &err));
	/* Features 0, 1, 5 set: 0x23 << 12 | 0x081. */
	assert_true(ghcb_msr_hv_features_parse(0x23081, &f));
	assert_int_equal(f, 0x23);
	assert_int_equal(f & GHCB_HV_FT_SVSM_REQUIRED, GHCB_HV_FT_SVSM_REQUIRED);
	assert_true(ghcb_msr_hv_features_parse(0x03081, &f));
	assert_int_not_equal(f & GHCB_HV_FT_SVSM_REQUIRED, GHCB_HV_FT_SVSM_REQUIRED);
	assert_false(ghcb_msr_hv_features_parse(0x23080, &f));
	/* Termination: set at [15:12], code at [23:16]. */
	assert_int_equal(ghcb_msr_term_req(0, 1), 0x10100);
	assert_int_equal(ghcb_msr_term_req(2, 0x34), 0x342100);
	assert_int_equal(ghcb_msr_term_req(0x1F, 0x1FF), 0xFFF100); /* masked, not spilled */
}

static void test_valid_bitmap(void **state)
{
	static struct ghcb g;

	(void)state;
	memset(&g, 0xFF, sizeof(g));
	ghcb_invalidate(&g);
	assert_int_equal(g.sw_exit_code, 0);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(g.valid_bitmap[i], 0);
	GHCB_SET(&g, rax, 5);
	GHCB_SET(&g, sw_exit_info_2, 7);
	GHCB_SET(&g, xcr0, 1);
	/* RAX 0x1F8 -> bit 63; EXITINFO2 0x3A0 -> bit 116; XCR0 0x3E8 -> bit 125. */
	assert_int_equal(g.valid_bitmap[7], 0x80);
	assert_int_equal(g.valid_bitmap[14], 0x10);
	assert_int_equal(g.valid_bitmap[15], 0x20);
	assert_true(GHCB_VALID(&g, rax));
	assert_true(GHCB_VALID(&g, sw_exit_info_2));
	assert_false(GHCB_VALID(&g, rcx));
	assert_false(GHCB_VALID(&g, sw_exit_info_1));
	/* Offsets that are not qword fields of the save area mark nothing. */
	ghcb_mark_valid(&g, 0x3F0);
	ghcb_mark_valid(&g, 0x1F9);
	assert_false(ghcb_is_valid(&g, 0x3F0));
	assert_int_equal(g.valid_bitmap[7], 0x80);
	assert_int_equal(g.valid_bitmap[15], 0x20);
}

static void test_psc_entries(void **state)
{
	struct psc_entry e;

	(void)state;
	uint64_t v = psc_entry_encode(0x12345, GHCB_PSC_OP_SHARED, false);

	assert_int_equal(v, 0x0020000012345000ull);
	assert_true(psc_entry_decode(v | 0x7, &e));
	assert_int_equal(e.gfn, 0x12345);
	assert_int_equal(e.op, GHCB_PSC_OP_SHARED);
	assert_false(e.large);
	assert_int_equal(e.cur_page, 7);
	v = psc_entry_encode(0x12200, GHCB_PSC_OP_PRIVATE, true);
	assert_int_equal(v, 0x0110000012200000ull);
	assert_true(psc_entry_decode(v, &e));
	assert_true(e.large);
	/* Refusals. */
	assert_int_equal(psc_entry_encode(0x12201, GHCB_PSC_OP_PRIVATE, true), 0);
	assert_int_equal(psc_entry_encode(1ull << 40, GHCB_PSC_OP_PRIVATE, false), 0);
	assert_int_equal(psc_entry_encode(1, 0, false), 0);
	assert_int_equal(psc_entry_encode(1, 5, false), 0);
	assert_false(psc_entry_decode(v | (1ull << 60), &e));         /* reserved bit */
	assert_false(psc_entry_decode(0x0000000012345000ull, &e));    /* op 0 */
	assert_false(psc_entry_decode(0x0050000012345000ull, &e));    /* op 5 */
	assert_false(psc_entry_decode(0x0110000012201000ull, &e));    /* misaligned 2 MiB */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sev_info),
		cmocka_unit_test(test_register_gpa),
		cmocka_unit_test(test_psc_msr),
		cmocka_unit_test(test_run_vmpl_features_term),
		cmocka_unit_test(test_valid_bitmap),
		cmocka_unit_test(test_psc_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
