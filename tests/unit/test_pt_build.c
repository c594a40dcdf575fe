/* SPDX-License-Identifier: MIT */
/* Page-table construction: leaf sizes, rights, encryption mask, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/x86.h"
#include "fake_phys.h"
#include "phys.h"
#include "pt_build.h"

#define POOL_PA 0x400000u
#define DM 0xFFFF800000000000ull
#define KVA 0xFFFFFFFF80000000ull

static struct pt_builder pt;

static void init(uint64_t pages, uint64_t mask)
{
	fake_phys_reset();
	assert_null(pt_init(&pt, POOL_PA, pages, mask));
}

static void lookup_ok(uint64_t va, uint64_t want_pa, uint64_t want_size, uint64_t want_flags)
{
	uint64_t pa, flags, size;

	assert_true(pt_lookup(&pt, va, &pa, &flags, &size));
	assert_int_equal(pa, want_pa);
	assert_int_equal(size, want_size);
	assert_int_equal(flags & (PTE_W | PTE_NX | PTE_U | PTE_G), want_flags);
}

static void direct_map_uses_large_pages_where_aligned(void **state)
{
	(void)state;
	init(64, 0);
	/* [0x1000, 0x600000): 4K up to 2 MiB, 2 MiB pages after. */
	assert_null(pt_map_range(&pt, DM + 0x1000, 0x1000, 0x5FF000, PTE_W | PTE_NX | PTE_G));
	lookup_ok(DM + 0x1000, 0x1000, PAGE_SIZE, PTE_W | PTE_NX | PTE_G);
	lookup_ok(DM + 0x1FF123, 0x1FF123, PAGE_SIZE, PTE_W | PTE_NX | PTE_G);
	lookup_ok(DM + 0x200000, 0x200000, LARGE_PAGE_SIZE, PTE_W | PTE_NX | PTE_G);
	lookup_ok(DM + 0x5FFFFF, 0x5FFFFF, LARGE_PAGE_SIZE, PTE_W | PTE_NX | PTE_G);

	uint64_t pa, flags, size;

	assert_false(pt_lookup(&pt, DM, &pa, &flags, &size));        /* page 0 not mapped */
	assert_false(pt_lookup(&pt, DM + 0x600000, &pa, &flags, &size)); /* end */
	/* PML4 + PDPT + PD + one PT. */
	assert_int_equal(pt.used_pages, 4);
}

static void kernel_rights_follow_flags(void **state)
{
	(void)state;
	init(64, 0);
	assert_null(pt_map_range(&pt, KVA, 0x200000, 0x3000, PTE_G));
	assert_null(pt_map_range(&pt, KVA + 0x3000, 0x203000, 0x1000, PTE_G | PTE_NX));
	assert_null(pt_map_range(&pt, KVA + 0x4000, 0x204000, 0x2000, PTE_G | PTE_NX | PTE_W));
	lookup_ok(KVA + 0x10, 0x200010, PAGE_SIZE, PTE_G);
	lookup_ok(KVA + 0x3008, 0x203008, PAGE_SIZE, PTE_G | PTE_NX);
	lookup_ok(KVA + 0x5FF8, 0x205FF8, PAGE_SIZE, PTE_G | PTE_NX | PTE_W);
}

static void encryption_mask_in_every_entry(void **state)
{
	const uint64_t cbit = 1ull << 51;
	(void)state;

	init(64, cbit);
	assert_null(pt_map_range(&pt, DM + 0x200000, 0x200000, 0x201000, PTE_W | PTE_NX));
	lookup_ok(DM + 0x200000, 0x200000, LARGE_PAGE_SIZE, PTE_W | PTE_NX);
	lookup_ok(DM + 0x400000, 0x400000, PAGE_SIZE, PTE_W | PTE_NX);

	/* Walk by hand: every present entry on the path carries the C-bit. */
	const uint64_t *pml4 = phys_ptr(pt.pml4_pa, PAGE_SIZE);
	uint64_t e = pml4[PML4_INDEX(DM)];

	assert_true(e & cbit);
	const uint64_t *pdpt = phys_ptr((e & PTE_ADDR_MASK) & ~cbit, PAGE_SIZE);

	e = pdpt[PDPT_INDEX(DM + 0x200000)];
	assert_true(e & cbit);
	const uint64_t *pd = phys_ptr((e & PTE_ADDR_MASK) & ~cbit, PAGE_SIZE);

	assert_true(pd[PD_INDEX(DM + 0x200000)] & cbit);
	assert_true(pd[PD_INDEX(DM + 0x200000)] & PTE_PS);

	/* A physical address that reaches the C-bit is refused. */
	assert_non_null(pt_map_range(&pt, DM + 0x800000, cbit, PAGE_SIZE, 0));
}

static void refusals(void **state)
{
	(void)state;
	init(64, 0);
	assert_non_null(pt_map_range(&pt, DM + 0x10, 0x1000, PAGE_SIZE, 0));     /* va align */
	assert_non_null(pt_map_range(&pt, DM, 0x1010, PAGE_SIZE, 0));           /* pa align */
	assert_non_null(pt_map_range(&pt, DM, 0x1000, 0x800, 0));               /* len align */
	assert_non_null(pt_map_range(&pt, DM, 0x1000, 0, 0));                   /* empty */
	assert_non_null(pt_map_range(&pt, DM, 0x1000, PAGE_SIZE, PTE_PS));      /* not a right */
	assert_non_null(pt_map_range(&pt, 0x0000800000000000ull, 0x1000, PAGE_SIZE, 0)); /* non-canonical */
	assert_non_null(pt_map_range(&pt, 0x00007FFFFFFFF000ull, 0x1000, 0x2000, 0)); /* crosses the hole */
	assert_non_null(pt_map_range(&pt, DM, 0x10000000000000ull, PAGE_SIZE, 0)); /* pa beyond 52 bits */
	assert_non_null(pt_map_range(&pt, DM, ~0ull & ~0xFFFull, 0x2000, 0));      /* pa wraps */
	assert_int_equal(pt.used_pages, 1); /* nothing was built by the refusals */

	/* Double mapping, at both sizes, and 4K inside an existing 2M page. */
	assert_null(pt_map_range(&pt, DM + 0x200000, 0x200000, LARGE_PAGE_SIZE, 0));
	assert_non_null(strstr(pt_map_range(&pt, DM + 0x200000, 0x200000, LARGE_PAGE_SIZE, 0),
			       "already mapped"));
	assert_non_null(strstr(pt_map_range(&pt, DM + 0x201000, 0x201000, PAGE_SIZE, 0),
			       "large page"));
	assert_null(pt_map_range(&pt, DM + 0x1000, 0x1000, PAGE_SIZE, 0));
	assert_non_null(strstr(pt_map_range(&pt, DM + 0x1000, 0x5000, PAGE_SIZE, 0),
			       "already mapped"));

	/* Misaligned pool and a mask that is not one address bit. */
	assert_non_null(pt_init(&pt, POOL_PA + 8, 4, 0));
	assert_non_null(pt_init(&pt, POOL_PA, 4, 3ull << 47));
	assert_non_null(pt_init(&pt, POOL_PA, 4, 1ull << 63));
}

static void pool_exhaustion_reported(void **state)
{
	(void)state;
	init(3, 0); /* PML4, PDPT, PD: no room for a PT */
	assert_null(pt_map_range(&pt, DM + 0x200000, 0x200000, LARGE_PAGE_SIZE, 0));
	assert_non_null(strstr(pt_map_range(&pt, DM + 0x1000, 0x1000, PAGE_SIZE, 0), "exhausted"));
	/* A pool that is not addressable. */
	fake_phys_reset();
	assert_non_null(pt_init(&pt, FAKE_PHYS_SIZE, 4, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(direct_map_uses_large_pages_where_aligned),
		cmocka_unit_test(kernel_rights_follow_flags),
		cmocka_unit_test(encryption_mask_in_every_entry),
		cmocka_unit_test(refusals),
		cmocka_unit_test(pool_exhaustion_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
