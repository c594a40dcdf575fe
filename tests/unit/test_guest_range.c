/* SPDX-License-Identifier: MIT */
/* mm/guest_range.c: the checks before any guest-memory access. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mm/guest_range.h"
#include "svsm/errno.h"

static struct memmap guest, svsm;

static int setup(void **state)
{
	(void)state;
	memmap_init(&guest);
	memmap_init(&svsm);
	/* Guest RAM 1-2 MiB and 4-8 MiB; SVSM owns 2-4 MiB. */
	memmap_add(&guest, 0x100000, 0x200000);
	memmap_add(&guest, 0x400000, 0x800000);
	memmap_add(&svsm, 0x200000, 0x400000);
	return 0;
}

static int check(uint64_t gpa, uint64_t len, uint64_t align)
{
	return guest_range_check(&guest, &svsm, gpa, len, align);
}

static void test_good(void **state)
{
	(void)state;
	assert_int_equal(check(0x100000, 8, 8), SVSM_OK);
	assert_int_equal(check(0x1FFFF8, 8, 8), SVSM_OK);
	assert_int_equal(check(0x400001, 0xFFFFF, 1), SVSM_OK);
	assert_int_equal(check(0x400000, GUEST_COPY_MAX, 4096), SVSM_OK);
	assert_int_equal(check(0x123, 0, 1), SVSM_OK); /* nothing to copy */
}

static void test_alignment(void **state)
{
	(void)state;
	assert_int_equal(check(0x100004, 8, 8), SVSM_EINVAL);
	assert_int_equal(check(0x100000, 8, 0), SVSM_EINVAL);
	assert_int_equal(check(0x100000, 8, 24), SVSM_EINVAL);
	assert_int_equal(check(0x100001, 0, 2), SVSM_EINVAL);
}

static void test_length_and_wrap(void **state)
{
	(void)state;
	assert_int_equal(check(0x400000, GUEST_COPY_MAX + 1, 1), SVSM_ERANGE);
	assert_int_equal(check(~0ull - 7, 16, 1), SVSM_ERANGE);
	assert_int_equal(check(~0ull - 7, 8, 8), SVSM_ERANGE); /* ends exactly at 2^64 */
}

static void test_svsm_memory(void **state)
{
	(void)state;
	assert_int_equal(check(0x200000, 8, 8), SVSM_EPERM);
	assert_int_equal(check(0x1FFFF8, 16, 8), SVSM_EPERM);  /* runs into it */
	assert_int_equal(check(0x3FFFF8, 16, 8), SVSM_EPERM);  /* runs out of it */
	assert_int_equal(check(0x100000, 0x700000, 1), SVSM_ERANGE);
	assert_int_equal(check(0x1F0000, 0x20000, 1), SVSM_EPERM);
}

static void test_not_guest_ram(void **state)
{
	(void)state;
	assert_int_equal(check(0, 8, 8), SVSM_EFAULT);
	assert_int_equal(check(0xFFFF8, 16, 8), SVSM_EFAULT); /* straddles the start of RAM */
	assert_int_equal(check(0x7FFFF8, 16, 8), SVSM_EFAULT); /* runs past the end */
	assert_int_equal(check(0xFEE00000, 8, 8), SVSM_EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_good, setup),
		cmocka_unit_test_setup(test_alignment, setup),
		cmocka_unit_test_setup(test_length_and_wrap, setup),
		cmocka_unit_test_setup(test_svsm_memory, setup),
		cmocka_unit_test_setup(test_not_guest_ram, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
