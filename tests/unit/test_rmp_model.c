/* SPDX-License-Identifier: MIT */
/*
 * The RMP model, one test per rule; each names its public source
 * (docs/REFERENCES.md). Every refusal also checks that the model did not
 * change.
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

#define BASE 0x40000000ull
#define PAGES 2048 /* 8 MiB */
#define P4K 0x1000ull
#define P2M 0x200000ull
#define RWX (RMP_PERM_READ | RMP_PERM_WRITE | RMP_PERM_X_USER | RMP_PERM_X_SUPER)

static struct rmp_entry entries[PAGES], snapshot[PAGES];
static struct rmp_model m;

static int setup(void **state)
{
	(void)state;
	assert_int_equal(rmp_model_init(&m, entries, BASE, PAGES), SVSM_OK);
	/* First 2 MiB: 4 KiB private pages; second: one 2 MiB private entry; the rest shared. */
	for (uint64_t a = BASE; a < BASE + P2M; a += P4K)
		assert_int_equal(rmp_model_set_private(&m, a, false, true), SVSM_OK);
	assert_int_equal(rmp_model_set_private(&m, BASE + P2M, true, true), SVSM_OK);
	return 0;
}

static void snap(void)
{
	memcpy(snapshot, entries, sizeof(entries));
}

static void assert_unchanged(void)
{
	assert_memory_equal(snapshot, entries, sizeof(entries));
}

static void expect_pv(unsigned vmpl, uint64_t gpa, unsigned size, bool validate, int code, bool unchanged)
{
	struct rmp_result r = rmp_model_pvalidate(&m, vmpl, gpa, size, validate);

	assert_int_equal(r.code, code);
	assert_int_equal(r.unchanged, unchanged);
}

static void expect_ra(unsigned vmpl, uint64_t gpa, unsigned size, uint64_t attrs, int code)
{
	assert_int_equal(rmp_model_rmpadjust(&m, vmpl, gpa, size, attrs).code, code);
}

static void test_init_shape(void **state)
{
	struct rmp_model x;

	(void)state;
	assert_int_equal(rmp_model_init(&x, entries, BASE + P4K, PAGES), SVSM_EINVAL);
	assert_int_equal(rmp_model_init(&x, entries, BASE, 100), SVSM_EINVAL);
	assert_int_equal(rmp_model_init(&x, entries, BASE, 0), SVSM_EINVAL);
	assert_int_equal(rmp_model_init(&x, entries, ~0ull & ~(P2M - 1), 1024), SVSM_EINVAL);
}

/*
 * A second window (guest memory outside RAM, e.g. a firmware image ending
 * at 4 GiB): the same rules there, its own entries, the gap between the
 * windows outside the model, and a bad or second window refused.
 */
static void test_window(void **state)
{
	static struct rmp_entry win[1024];
	const uint64_t wb = 0xFFC00000ull;

	(void)state;
	assert_int_equal(rmp_model_add_window(&m, win, BASE + P2M, 1024), SVSM_EINVAL); /* overlaps RAM */
	assert_int_equal(rmp_model_add_window(&m, win, wb + P4K, 1024), SVSM_EINVAL);   /* unaligned */
	assert_int_equal(rmp_model_add_window(&m, win, wb, 100), SVSM_EINVAL);          /* not whole 2 MiB */
	assert_int_equal(rmp_model_add_window(&m, win, wb, 1024), SVSM_OK);
	assert_int_equal(rmp_model_add_window(&m, win, 0x200000000ull, 512), SVSM_EINVAL); /* a second one */
	/* Shared at first; made private and validated 4 KiB at a time and as a 2 MiB entry. */
	assert_int_equal(rmp_model_access(&m, wb, 0, RMP_ACCESS_READ), RMP_NOT_ASSIGNED);
	assert_int_equal(rmp_model_set_private(&m, wb, false, true), SVSM_OK);
	expect_pv(0, wb, RMP_PG_SIZE_4K, true, PVALIDATE_SUCCESS, false);
	assert_true(win[0].validated);
	assert_int_equal(rmp_model_set_private(&m, wb + P2M, true, true), SVSM_OK);
	expect_pv(0, wb + P2M, RMP_PG_SIZE_2M, true, PVALIDATE_SUCCESS, false);
	assert_true(win[512].validated && win[1023].validated && win[512].large);
	expect_ra(0, wb, RMP_PG_SIZE_4K, 2 | RWX, RMPADJUST_SUCCESS);
	assert_int_equal(rmp_model_access(&m, wb, 2, RMP_ACCESS_READ), RMP_OK);
	assert_int_equal(rmp_model_access(&m, wb + P4K, 2, RMP_ACCESS_READ), RMP_NOT_ASSIGNED);
	/* RAM's entries untouched; the gap and past the window outside the model. */
	assert_false(entries[0].validated);
	assert_null(rmp_model_entry(&m, wb - P4K));
	assert_null(rmp_model_entry(&m, wb + 1024 * P4K));
	assert_int_equal(rmp_model_set_private(&m, wb - P4K, false, true), SVSM_EINVAL);
	expect_pv(0, 0x100000000ull, RMP_PG_SIZE_4K, true, PVALIDATE_FAIL_INPUT, false);
}

/* APM vol. 3, PVALIDATE: "The PVALIDATE instruction can only be performed at VMPL0". */
static void test_pv_vmpl0_only(void **state)
{
	(void)state;
	snap();
	for (unsigned v = 1; v < 4; v++)
		expect_pv(v, BASE, RMP_PG_SIZE_4K, true, RMP_MODEL_FAULT, false);
	assert_unchanged();
}

/* APM vol. 3, PVALIDATE: RCX page size 0 = 4K, 1 = 2M; RAX must be 2M-aligned for 2M; FAIL_INPUT otherwise. */
static void test_pv_operands(void **state)
{
	(void)state;
	snap();
	expect_pv(0, BASE, 2, true, PVALIDATE_FAIL_INPUT, false);
	expect_pv(0, BASE + 8, RMP_PG_SIZE_4K, true, PVALIDATE_FAIL_INPUT, false);
	expect_pv(0, BASE + P2M + P4K, RMP_PG_SIZE_2M, true, PVALIDATE_FAIL_INPUT, false);
	expect_pv(0, BASE - P4K, RMP_PG_SIZE_4K, true, PVALIDATE_FAIL_INPUT, false);
	expect_pv(0, BASE + PAGES * P4K, RMP_PG_SIZE_4K, true, PVALIDATE_FAIL_INPUT, false);
	/* Model choice: shared (unassigned) pages cannot be validated. */
	expect_pv(0, BASE + 2 * P2M, RMP_PG_SIZE_4K, true, PVALIDATE_FAIL_INPUT, false);
	assert_unchanged();
}

/* APM vol. 3, PVALIDATE: validate / rescind set and clear the Validated bit. */
static void test_pv_validate_rescind(void **state)
{
	(void)state;
	expect_pv(0, BASE + 5 * P4K, RMP_PG_SIZE_4K, true, PVALIDATE_SUCCESS, false);
	assert_true(rmp_model_entry(&m, BASE + 5 * P4K)->validated);
	assert_false(rmp_model_entry(&m, BASE + 6 * P4K)->validated);
	expect_pv(0, BASE + 5 * P4K, RMP_PG_SIZE_4K, false, PVALIDATE_SUCCESS, false);
	assert_false(rmp_model_entry(&m, BASE + 5 * P4K)->validated);
	/* 2 MiB: all 512 entries at once. */
	expect_pv(0, BASE + P2M, RMP_PG_SIZE_2M, true, PVALIDATE_SUCCESS, false);
	assert_true(rmp_model_entry(&m, BASE + P2M)->validated);
	assert_true(rmp_model_entry(&m, BASE + 2 * P2M - P4K)->validated);
}

/* APM vol. 3, PVALIDATE: EAX = 0 with CF = 1 when nothing changed ("no update"). */
static void test_pv_no_update(void **state)
{
	(void)state;
	expect_pv(0, BASE, RMP_PG_SIZE_4K, false, PVALIDATE_SUCCESS, true);
	expect_pv(0, BASE, RMP_PG_SIZE_4K, true, PVALIDATE_SUCCESS, false);
	snap();
	expect_pv(0, BASE, RMP_PG_SIZE_4K, true, PVALIDATE_SUCCESS, true);
	assert_unchanged();
}

/* APM vol. 3, PVALIDATE: 2 MiB PVALIDATE of 4 KiB RMP entries is FAIL_SIZEMISMATCH (callers fall back to 512 x 4 KiB). */
static void test_pv_size_mismatch(void **state)
{
	(void)state;
	snap();
	expect_pv(0, BASE, RMP_PG_SIZE_2M, true, PVALIDATE_FAIL_SIZEMISMATCH, false);
	/* And 4 KiB inside a 2 MiB entry (on hardware the host sees an RMP #NPF and PSMASHes). */
	expect_pv(0, BASE + P2M + P4K, RMP_PG_SIZE_4K, true, PVALIDATE_FAIL_SIZEMISMATCH, false);
	assert_unchanged();
	/* The fallback works: 512 x 4 KiB. */
	for (uint64_t a = BASE; a < BASE + P2M; a += P4K)
		expect_pv(0, a, RMP_PG_SIZE_4K, true, PVALIDATE_SUCCESS, false);
	/* After PSMASH the 2 MiB region takes 4 KiB operations. */
	assert_int_equal(rmp_model_psmash(&m, BASE + P2M + 7 * P4K), SVSM_OK);
	expect_pv(0, BASE + P2M + P4K, RMP_PG_SIZE_4K, true, PVALIDATE_SUCCESS, false);
	assert_int_equal(rmp_model_psmash(&m, BASE + P2M), SVSM_EINVAL); /* already split */
}

/* APM vol. 3, RMPADJUST: RMPADJUST only adjusts a numerically higher VMPL; own or more privileged: FAIL_PERMISSION. */
static void test_ra_target_vmpl(void **state)
{
	(void)state;
	expect_pv(0, BASE, RMP_PG_SIZE_4K, true, PVALIDATE_SUCCESS, false);
	snap();
	expect_ra(0, BASE, RMP_PG_SIZE_4K, 0 | RWX, RMPADJUST_FAIL_PERMISSION);
	expect_ra(1, BASE, RMP_PG_SIZE_4K, 1 | RMP_PERM_READ, RMPADJUST_FAIL_PERMISSION);
	expect_ra(2, BASE, RMP_PG_SIZE_4K, 1 | RMP_PERM_READ, RMPADJUST_FAIL_PERMISSION);
	expect_ra(0, BASE, RMP_PG_SIZE_4K, 4 | RMP_PERM_READ, RMPADJUST_FAIL_INPUT);
	assert_unchanged();
	/* Linux's VMPL0 probe: RMPADJUST(target 1, no permissions) succeeds at VMPL0. */
	expect_ra(0, BASE, RMP_PG_SIZE_4K, 1, RMPADJUST_SUCCESS);
	expect_ra(0, BASE, RMP_PG_SIZE_4K, 2 | RWX, RMPADJUST_SUCCESS);
	assert_int_equal(rmp_model_entry(&m, BASE)->perms[2], RWX >> 8);
	assert_int_equal(rmp_model_entry(&m, BASE)->perms[1], 0);
}

/* APM vol. 3, RMPADJUST: bits 15:12 and 63:17 of the attributes are reserved (model: FAIL_INPUT). */
static void test_ra_reserved_bits(void **state)
{
	(void)state;
	snap();
	expect_ra(0, BASE, RMP_PG_SIZE_4K, 2 | (1ull << 12), RMPADJUST_FAIL_INPUT);
	expect_ra(0, BASE, RMP_PG_SIZE_4K, 2 | (1ull << 17), RMPADJUST_FAIL_INPUT);
	expect_ra(0, BASE, RMP_PG_SIZE_4K, 2 | (1ull << 63), RMPADJUST_FAIL_INPUT);
	assert_unchanged();
}

/* APM vol. 3, RMPADJUST FAIL_PERMISSION: "current VMPL has insufficient permissions" — no granting what you lack. */
static void test_ra_subset(void **state)
{
	(void)state;
	expect_ra(0, BASE, RMP_PG_SIZE_4K, 1 | RMP_PERM_READ | RMP_PERM_WRITE, RMPADJUST_SUCCESS);
	snap();
	expect_ra(1, BASE, RMP_PG_SIZE_4K, 2 | RMP_PERM_X_SUPER, RMPADJUST_FAIL_PERMISSION);
	assert_unchanged();
	expect_ra(1, BASE, RMP_PG_SIZE_4K, 2 | RMP_PERM_READ, RMPADJUST_SUCCESS);
	assert_int_equal(rmp_model_entry(&m, BASE)->perms[2], RMP_PERM_READ >> 8);
}

/* APM vol. 3, RMPADJUST (and Microsoft's __rmpadjust intrinsic documentation): the VMSA bit is ignored when the current VMPL is not 0. */
static void test_ra_vmsa_only_from_vmpl0(void **state)
{
	(void)state;
	expect_ra(0, BASE, RMP_PG_SIZE_4K, 1 | RWX, RMPADJUST_SUCCESS);
	expect_ra(1, BASE, RMP_PG_SIZE_4K, 2 | RMP_PERM_READ | RMPADJUST_VMSA, RMPADJUST_SUCCESS);
	assert_false(rmp_model_entry(&m, BASE)->vmsa);
	/* From VMPL0 it sets and clears the VMSA flag (Linux: attrs 1 | BIT(16)). */
	expect_ra(0, BASE, RMP_PG_SIZE_4K, 1 | RMPADJUST_VMSA, RMPADJUST_SUCCESS);
	assert_true(rmp_model_entry(&m, BASE)->vmsa);
	expect_ra(0, BASE, RMP_PG_SIZE_4K, 1, RMPADJUST_SUCCESS);
	assert_false(rmp_model_entry(&m, BASE)->vmsa);
	/* Model choice: a VMSA is a 4 KiB page (APM vol. 2 appendix B, the VMSA). */
	snap();
	expect_ra(0, BASE + P2M, RMP_PG_SIZE_2M, 1 | RMPADJUST_VMSA, RMPADJUST_FAIL_INPUT);
	assert_unchanged();
}

/* APM vol. 3, RMPADJUST: 2 MiB RMPADJUST needs one 2 MiB RMP entry; FAIL_SIZEMISMATCH otherwise. */
static void test_ra_size(void **state)
{
	(void)state;
	snap();
	expect_ra(0, BASE, RMP_PG_SIZE_2M, 2 | RWX, RMPADJUST_FAIL_SIZEMISMATCH);
	expect_ra(0, BASE + P2M + P4K, RMP_PG_SIZE_4K, 2 | RWX, RMPADJUST_FAIL_SIZEMISMATCH);
	expect_ra(0, BASE + P2M + P4K, RMP_PG_SIZE_2M, 2 | RWX, RMPADJUST_FAIL_INPUT); /* misaligned */
	assert_unchanged();
	expect_ra(0, BASE + P2M, RMP_PG_SIZE_2M, 2 | RMP_PERM_READ, RMPADJUST_SUCCESS);
	assert_int_equal(rmp_model_entry(&m, BASE + 2 * P2M - P4K)->perms[2], RMP_PERM_READ >> 8);
}

/* APM vol. 2 §15.36, #VC 0x404: an access to an unvalidated private page is #VC 0x404; APM vol. 2 §15.36: VMPL0 has every right. */
static void test_access(void **state)
{
	(void)state;
	assert_int_equal(rmp_model_access(&m, BASE + 2 * P2M, 2, RMP_ACCESS_READ), RMP_NOT_ASSIGNED);
	assert_int_equal(rmp_model_access(&m, BASE, 2, RMP_ACCESS_READ), RMP_NOT_VALIDATED);
	assert_int_equal(rmp_model_access(&m, BASE, 0, RMP_ACCESS_READ), RMP_NOT_VALIDATED);
	expect_pv(0, BASE, RMP_PG_SIZE_4K, true, PVALIDATE_SUCCESS, false);
	assert_int_equal(rmp_model_access(&m, BASE, 0, RMP_ACCESS_WRITE | RMP_ACCESS_EXEC_SUPER), RMP_OK);
	/* After launch lower VMPLs have nothing (APM vol. 2 §15.36) until RMPADJUST grants it. */
	assert_int_equal(rmp_model_access(&m, BASE, 2, RMP_ACCESS_READ), RMP_NO_PERMISSION);
	expect_ra(0, BASE, RMP_PG_SIZE_4K, 2 | RMP_PERM_READ | RMP_PERM_X_USER, RMPADJUST_SUCCESS);
	assert_int_equal(rmp_model_access(&m, BASE, 2, RMP_ACCESS_READ), RMP_OK);
	assert_int_equal(rmp_model_access(&m, BASE, 2, RMP_ACCESS_EXEC_USER), RMP_OK);
	assert_int_equal(rmp_model_access(&m, BASE, 2, RMP_ACCESS_WRITE), RMP_NO_PERMISSION);
	assert_int_equal(rmp_model_access(&m, BASE, 2, RMP_ACCESS_EXEC_SUPER), RMP_NO_PERMISSION);
	assert_int_equal(rmp_model_access(&m, BASE, 3, RMP_ACCESS_READ), RMP_NO_PERMISSION);
	assert_int_equal(rmp_model_access(&m, BASE, 4, RMP_ACCESS_READ), RMP_OUT_OF_RANGE);
	assert_int_equal(rmp_model_access(&m, BASE - 1, 0, RMP_ACCESS_READ), RMP_OUT_OF_RANGE);
	/* Rescind: access is #VC again, whatever the permissions say. */
	expect_pv(0, BASE, RMP_PG_SIZE_4K, false, PVALIDATE_SUCCESS, false);
	assert_int_equal(rmp_model_access(&m, BASE, 2, RMP_ACCESS_READ), RMP_NOT_VALIDATED);
}

/* APM vol. 2 §15.36: RMPUPDATE to private resets validation and lower-VMPL permissions; immutable pages refuse. */
static void test_hypervisor_updates(void **state)
{
	(void)state;
	expect_pv(0, BASE, RMP_PG_SIZE_4K, true, PVALIDATE_SUCCESS, false);
	expect_ra(0, BASE, RMP_PG_SIZE_4K, 2 | RWX, RMPADJUST_SUCCESS);
	assert_int_equal(rmp_model_set_private(&m, BASE, false, false), SVSM_OK);
	assert_int_equal(rmp_model_set_private(&m, BASE, false, true), SVSM_OK);
	assert_false(rmp_model_entry(&m, BASE)->validated);
	assert_int_equal(rmp_model_entry(&m, BASE)->perms[2], 0);
	assert_int_equal(rmp_model_set_immutable(&m, BASE + P4K, true), SVSM_OK);
	snap();
	assert_int_equal(rmp_model_set_private(&m, BASE + P4K, false, false), SVSM_EINVAL);
	/* A 4 KiB update inside a 2 MiB entry needs PSMASH first. */
	assert_int_equal(rmp_model_set_private(&m, BASE + P2M + P4K, false, false), SVSM_EINVAL);
	assert_int_equal(rmp_model_set_private(&m, BASE + 1, false, true), SVSM_EINVAL);
	assert_int_equal(rmp_model_set_private(&m, BASE + P4K, true, true), SVSM_EINVAL);
	assert_unchanged();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_shape, setup),
		cmocka_unit_test_setup(test_pv_vmpl0_only, setup),
		cmocka_unit_test_setup(test_pv_operands, setup),
		cmocka_unit_test_setup(test_pv_validate_rescind, setup),
		cmocka_unit_test_setup(test_pv_no_update, setup),
		cmocka_unit_test_setup(test_pv_size_mismatch, setup),
		cmocka_unit_test_setup(test_ra_target_vmpl, setup),
		cmocka_unit_test_setup(test_ra_reserved_bits, setup),
		cmocka_unit_test_setup(test_ra_subset, setup),
		cmocka_unit_test_setup(test_ra_vmsa_only_from_vmpl0, setup),
		cmocka_unit_test_setup(test_ra_size, setup),
		cmocka_unit_test_setup(test_access, setup),
		cmocka_unit_test_setup(test_window, setup),
		cmocka_unit_test_setup(test_hypervisor_updates, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
