/* SPDX-License-Identifier: MIT */
/* mm/pgtable.c on simulated memory, against a page-granular model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/x86.h"
#include "mm/buddy.h"
#include "mm/pgtable.h"
#include "mm_sim.h"
#include "svsm/errno.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define BASE (64 * MiB)
#define ENC (1ull << 47) /* a C-bit position QEMU's EPYC model does not use; any bit works */
#define HI 0xFFFF900000000000ull

static struct mm_sim sim;
static struct buddy b;
static struct pgtable pt;
static int table_budget; /* < 0: unlimited */
static unsigned flushes, flush_alls;
static uint64_t last_flush;

static uint64_t t_alloc(void *ctx)
{
	(void)ctx;
	if (table_budget == 0)
		return MM_PA_NONE;
	if (table_budget > 0)
		table_budget--;

	uint64_t pa = buddy_alloc(&b, 0);

	if (pa != MM_PA_NONE)
		memset(buddy_va(&b, pa), 0, PAGE_SIZE);
	return pa;
}

static void *t_va(void *ctx, uint64_t pa)
{
	(void)ctx;
	assert_true(buddy_owns(&b, pa));
	return buddy_va(&b, pa);
}

static void t_flush(void *ctx, uint64_t va)
{
	(void)ctx;
	flushes++;
	last_flush = va;
}

static void t_flush_all(void *ctx)
{
	(void)ctx;
	flush_alls++;
}

/* A freed table: flushed before it came back (flush_alls counted since the last free), then freed. */
static unsigned tables_freed, flush_alls_at_free;

static void t_free(void *ctx, uint64_t pa)
{
	(void)ctx;
	assert_true(flush_alls > flush_alls_at_free);
	flush_alls_at_free = flush_alls;
	tables_freed++;
	buddy_free(&b, pa, 0);
}

static const struct pgtable_ops ops = { t_alloc, t_va, t_flush, t_flush_all, t_free };

static int setup(void **state)
{
	(void)state;
	mm_sim_init(&sim, BASE, 8 * MiB);
	buddy_init(&b, sim.va_offset);
	assert_int_equal(buddy_add_zone(&b, BASE, BASE + 8 * MiB), SVSM_OK);
	table_budget = -1;
	flushes = flush_alls = 0;
	assert_int_equal(pgt_init(&pt, &ops, NULL, ENC), SVSM_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mm_sim_free(&sim);
	return 0;
}

static void expect_map(uint64_t va, uint64_t pa, unsigned flags)
{
	uint64_t got_pa = 0;
	unsigned got_flags = 0;

	assert_int_equal(pgt_lookup(&pt, va, &got_pa, &got_flags), SVSM_OK);
	assert_int_equal(got_pa, pa);
	assert_int_equal(got_flags, flags);
}

static void expect_none(uint64_t va)
{
	assert_int_equal(pgt_lookup(&pt, va, NULL, NULL), SVSM_ENOENT);
}

static void test_init(void **state)
{
	struct pgtable p2;

	(void)state;
	assert_int_equal(pgt_init(&p2, &ops, NULL, ENC | (ENC << 1)), SVSM_EINVAL);
	assert_int_equal(pgt_init(&p2, &ops, NULL, 1ull << 63), SVSM_EINVAL);
	assert_int_equal(pgt_init(&p2, &ops, NULL, 0), SVSM_OK);
	table_budget = 0;
	assert_int_equal(pgt_init(&p2, &ops, NULL, 0), SVSM_ENOMEM);
}

static void test_map_4k_flags(void **state)
{
	(void)state;
	assert_int_equal(pgt_map(&pt, HI, 0x123000, PAGE_SIZE, PGT_WRITE | PGT_ENC | PGT_GLOBAL),
			 SVSM_OK);
	expect_map(HI, 0x123000, PGT_WRITE | PGT_ENC | PGT_GLOBAL);
	expect_map(HI + 0x7FF, 0x1237FF, PGT_WRITE | PGT_ENC | PGT_GLOBAL);
	expect_none(HI + PAGE_SIZE);
	expect_none(HI - PAGE_SIZE);
	assert_int_equal(pgt_map(&pt, 0x400000, 0x5000, 2 * PAGE_SIZE, PGT_USER | PGT_EXEC), SVSM_OK);
	expect_map(0x401000, 0x6000, PGT_USER | PGT_EXEC);

	/* The raw entries: C-bit, NX, U all the way down for the user page. */
	uint64_t *pml4 = t_va(NULL, pt.root_pa);
	uint64_t e4 = pml4[pgt_pml4_index(0x400000)];

	assert_true(e4 & PTE_U);
	assert_true(e4 & ENC);
	assert_false(pml4[pgt_pml4_index(HI)] & PTE_U);
	/* New mappings need no flush (non-present entries are not cached). */
	assert_int_equal(flushes, 0);
}

static void test_map_refusals(void **state)
{
	(void)state;
	assert_int_equal(pgt_map(&pt, HI + 1, 0, PAGE_SIZE, 0), SVSM_EINVAL);
	assert_int_equal(pgt_map(&pt, HI, 1, PAGE_SIZE, 0), SVSM_EINVAL);
	assert_int_equal(pgt_map(&pt, HI, 0, 0, 0), SVSM_EINVAL);
	assert_int_equal(pgt_map(&pt, HI, 0, 100, 0), SVSM_EINVAL);
	assert_int_equal(pgt_map(&pt, 0x0000900000000000ull, 0, PAGE_SIZE, 0), SVSM_EINVAL);
	assert_int_equal(pgt_map(&pt, 0x00007FFFFFFFF000ull, 0, 2 * PAGE_SIZE, 0), SVSM_EINVAL);
	assert_int_equal(pgt_map(&pt, 0xFFFFFFFFFFFFF000ull, 0, 2 * PAGE_SIZE, 0), SVSM_EINVAL);
	assert_int_equal(pgt_map(&pt, HI, ENC, PAGE_SIZE, 0), SVSM_EINVAL);
	assert_int_equal(pgt_map(&pt, HI, ENC - PAGE_SIZE, 2 * PAGE_SIZE, 0), SVSM_EINVAL);
	assert_int_equal(pgt_map(&pt, HI, PGT_MAX_PA, PAGE_SIZE, 0), SVSM_EINVAL);
	/* Overlap with an existing page: refused, nothing new mapped. */
	assert_int_equal(pgt_map(&pt, HI + 5 * PAGE_SIZE, 0x9000, PAGE_SIZE, 0), SVSM_OK);
	assert_int_equal(pgt_map(&pt, HI, 0x100000, 8 * PAGE_SIZE, PGT_WRITE), SVSM_EEXIST);
	expect_none(HI);
	expect_map(HI + 5 * PAGE_SIZE, 0x9000, 0);
	/* Overlap with a 2 MiB page. */
	assert_int_equal(pgt_map(&pt, HI + 2 * MiB, 4 * MiB, 2 * MiB, PGT_LARGE), SVSM_OK);
	assert_int_equal(pgt_map(&pt, HI + 3 * MiB, 0, PAGE_SIZE, 0), SVSM_EEXIST);
}

static void test_large_pages(void **state)
{
	(void)state;
	/* 2 MiB aligned on both sides: one 2 MiB page, 4 KiB at the edges. */
	assert_int_equal(pgt_map(&pt, HI + 2 * MiB - PAGE_SIZE, 6 * MiB - PAGE_SIZE,
				 2 * MiB + 2 * PAGE_SIZE, PGT_LARGE | PGT_WRITE),
			 SVSM_OK);
	expect_map(HI + 2 * MiB - PAGE_SIZE, 6 * MiB - PAGE_SIZE, PGT_WRITE);
	expect_map(HI + 2 * MiB, 6 * MiB, PGT_WRITE | PGT_LARGE);
	expect_map(HI + 3 * MiB + 0x1234, 7 * MiB + 0x1234, PGT_WRITE | PGT_LARGE);
	expect_map(HI + 4 * MiB, 8 * MiB, PGT_WRITE);
	/* Misaligned physical side: 4 KiB pages only. */
	assert_int_equal(pgt_map(&pt, HI + 8 * MiB, 10 * MiB + PAGE_SIZE, 2 * MiB, PGT_LARGE), SVSM_OK);
	expect_map(HI + 8 * MiB, 10 * MiB + PAGE_SIZE, 0);
	/* Without PGT_LARGE: 4 KiB pages. */
	assert_int_equal(pgt_map(&pt, HI + 12 * MiB, 12 * MiB, 2 * MiB, 0), SVSM_OK);
	expect_map(HI + 12 * MiB, 12 * MiB, 0);
}

static void test_unmap_split(void **state)
{
	unsigned f = PGT_WRITE | PGT_GLOBAL | PGT_ENC;

	(void)state;
	assert_int_equal(pgt_map(&pt, HI, 2 * MiB, 2 * MiB, f | PGT_LARGE), SVSM_OK);
	assert_int_equal(pgt_unmap(&pt, HI + 5 * PAGE_SIZE, 2 * PAGE_SIZE), SVSM_OK);
	/* Split: neighbours keep frame and rights, as 4 KiB pages. */
	expect_map(HI, 2 * MiB, f);
	expect_map(HI + 4 * PAGE_SIZE, 2 * MiB + 4 * PAGE_SIZE, f);
	expect_none(HI + 5 * PAGE_SIZE);
	expect_none(HI + 6 * PAGE_SIZE);
	expect_map(HI + 7 * PAGE_SIZE, 2 * MiB + 7 * PAGE_SIZE, f);
	expect_map(HI + 2 * MiB - PAGE_SIZE, 4 * MiB - PAGE_SIZE, f);
	assert_true(flushes >= 2);
	assert_int_equal(last_flush, HI + 6 * PAGE_SIZE);
	/* Unmapping holes is fine; the whole range is then gone. */
	assert_int_equal(pgt_unmap(&pt, HI, 2 * MiB), SVSM_OK);
	for (uint64_t off = 0; off < 2 * MiB; off += PAGE_SIZE)
		expect_none(HI + off);
	assert_int_equal(flush_alls, 1); /* 512 pages: one full flush instead of 510 INVLPGs */
	/* The empty table left behind takes 4 KiB pages, and a fresh 2 MiB page maps fine beside. */
	assert_int_equal(pgt_map(&pt, HI, 2 * MiB, 2 * MiB, f | PGT_LARGE), SVSM_OK);
	expect_map(HI, 2 * MiB, f);
	assert_int_equal(pgt_map(&pt, HI + 2 * MiB, 4 * MiB, 2 * MiB, f | PGT_LARGE), SVSM_OK);
	expect_map(HI + 2 * MiB, 4 * MiB, f | PGT_LARGE);
	assert_int_equal(pgt_unmap(&pt, HI + 1, PAGE_SIZE), SVSM_EINVAL);
}

static void test_protect(void **state)
{
	(void)state;
	assert_int_equal(pgt_map(&pt, HI, 2 * MiB, 2 * MiB, PGT_WRITE | PGT_ENC | PGT_LARGE), SVSM_OK);
	assert_int_equal(pgt_protect(&pt, HI + PAGE_SIZE, PAGE_SIZE, PGT_EXEC), SVSM_OK);
	expect_map(HI, 2 * MiB, PGT_WRITE | PGT_ENC);
	expect_map(HI + PAGE_SIZE, 2 * MiB + PAGE_SIZE, PGT_EXEC | PGT_ENC);
	expect_map(HI + 2 * PAGE_SIZE, 2 * MiB + 2 * PAGE_SIZE, PGT_WRITE | PGT_ENC);
	assert_int_equal(last_flush, HI + PAGE_SIZE);
	/* A hole in the range: ENOENT and nothing changes. */
	assert_int_equal(pgt_protect(&pt, HI + 2 * MiB - PAGE_SIZE, 2 * PAGE_SIZE, 0), SVSM_ENOENT);
	expect_map(HI + 2 * MiB - PAGE_SIZE, 4 * MiB - PAGE_SIZE, PGT_WRITE | PGT_ENC);
	/* Whole 2 MiB pages stay whole. */
	assert_int_equal(pgt_map(&pt, HI + 2 * MiB, 4 * MiB, 2 * MiB, PGT_WRITE | PGT_LARGE), SVSM_OK);
	assert_int_equal(pgt_protect(&pt, HI + 2 * MiB, 2 * MiB, PGT_USER), SVSM_OK);
	expect_map(HI + 2 * MiB, 4 * MiB, PGT_USER | PGT_LARGE);
	uint64_t *pml4 = t_va(NULL, pt.root_pa);

	assert_true(pml4[pgt_pml4_index(HI)] & PTE_U);
}

/* PGT_BORROWED: kept in the entry, reported, never made writable; unmapping just clears it. */
static void test_borrowed(void **state)
{
	(void)state;
	assert_int_equal(pgt_map(&pt, HI, 0x200000, PAGE_SIZE, PGT_WRITE | PGT_BORROWED), SVSM_EINVAL);
	assert_int_equal(pgt_map(&pt, HI, 0x200000, 2 * MiB, PGT_LARGE | PGT_BORROWED), SVSM_EINVAL);
	expect_none(HI);
	assert_int_equal(pgt_map(&pt, HI, 0x200000, 2 * PAGE_SIZE, PGT_USER | PGT_EXEC | PGT_ENC | PGT_BORROWED), SVSM_OK);
	assert_int_equal(pgt_map(&pt, HI + 2 * PAGE_SIZE, 0x300000, PAGE_SIZE, PGT_USER | PGT_WRITE), SVSM_OK);
	expect_map(HI, 0x200000, PGT_USER | PGT_EXEC | PGT_ENC | PGT_BORROWED);
	/* The attack: write rights over a range with a borrowed page, even one of three: EPERM, nothing changed. */
	assert_int_equal(pgt_protect(&pt, HI, 3 * PAGE_SIZE, PGT_USER | PGT_WRITE), SVSM_EPERM);
	assert_int_equal(pgt_protect(&pt, HI + PAGE_SIZE, PAGE_SIZE, PGT_WRITE), SVSM_EPERM);
	expect_map(HI, 0x200000, PGT_USER | PGT_EXEC | PGT_ENC | PGT_BORROWED);
	expect_map(HI + PAGE_SIZE, 0x201000, PGT_USER | PGT_EXEC | PGT_ENC | PGT_BORROWED);
	expect_map(HI + 2 * PAGE_SIZE, 0x300000, PGT_USER | PGT_WRITE);
	/* Other rights change and the mark stays. */
	assert_int_equal(pgt_protect(&pt, HI, 3 * PAGE_SIZE, PGT_USER), SVSM_OK);
	expect_map(HI + PAGE_SIZE, 0x201000, PGT_USER | PGT_ENC | PGT_BORROWED);
	expect_map(HI + 2 * PAGE_SIZE, 0x300000, PGT_USER);
	assert_int_equal(pgt_unmap(&pt, HI, 3 * PAGE_SIZE), SVSM_OK);
	expect_none(HI + PAGE_SIZE);
}

static void test_out_of_tables(void **state)
{
	(void)state;
	/* Mapping 4 MiB of 4 KiB pages across a 1 GiB boundary needs five tables; allow three. */
	uint64_t va = HI + GiB - 2 * MiB;

	table_budget = 3;
	assert_int_equal(pgt_map(&pt, va, 0, 4 * MiB, PGT_WRITE), SVSM_ENOMEM);
	for (uint64_t off = 0; off < 4 * MiB; off += PAGE_SIZE)
		expect_none(va + off);
	/* A split that cannot get its table leaves the 2 MiB page as it was. */
	table_budget = -1;
	assert_int_equal(pgt_map(&pt, HI, 0, 2 * MiB, PGT_WRITE | PGT_LARGE), SVSM_OK);
	table_budget = 0;
	assert_int_equal(pgt_unmap(&pt, HI + PAGE_SIZE, PAGE_SIZE), SVSM_ENOMEM);
	assert_int_equal(pgt_protect(&pt, HI + PAGE_SIZE, PAGE_SIZE, 0), SVSM_ENOMEM);
	expect_map(HI + PAGE_SIZE, PAGE_SIZE, PGT_WRITE | PGT_LARGE);
	/* Whole-page operations need no table. */
	assert_int_equal(pgt_unmap(&pt, HI, 2 * MiB), SVSM_OK);
	expect_none(HI);
}

/* Random map/unmap/protect against a per-page model of two 8 MiB windows. */
static void test_random(void **state)
{
	enum { PAGES = 2048, STEPS = 3000 };
	static uint64_t mpa[PAGES];
	static unsigned mfl[PAGES];
	static bool mapped[PAGES];
	const uint64_t window[2] = { 0x7FFFFF000000ull - 4 * MiB, HI + 30 * MiB };
	unsigned seed = 4242;

	(void)state;
	memset(mapped, 0, sizeof(mapped));
	for (unsigned step = 0; step < STEPS; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned first = (seed >> 4) % PAGES;

		if ((seed & 0x30) == 0)
			first &= ~511u; /* often 2 MiB aligned, so large pages come and get split */
		seed = seed * 1103515245u + 12345u;
		unsigned n = 1 + (seed >> 8) % ((seed & 3) == 0 ? 1024 : 16);
		unsigned op = (seed >> 24) % 3;
		unsigned flags = (seed >> 27) & (PGT_WRITE | PGT_EXEC | PGT_USER | PGT_GLOBAL);

		if (first + n > PAGES)
			n = PAGES - first;

		unsigned w = first / (PAGES / 2), wfirst = first % (PAGES / 2);

		if (wfirst + n > PAGES / 2)
			n = PAGES / 2 - wfirst;

		uint64_t va = window[w] + (uint64_t)wfirst * PAGE_SIZE;
		uint64_t pa = (((uint64_t)(seed >> 12) % 64) << 21) + (uint64_t)wfirst * PAGE_SIZE;
		bool any = false, all = true;

		for (unsigned i = first; i < first + n; i++) {
			any |= mapped[i];
			all &= mapped[i];
		}
		assert_int_equal(pgt_range_mapped(&pt, va, (uint64_t)n * PAGE_SIZE), any);
		if (op == 0) {
			int err = pgt_map(&pt, va, pa, (uint64_t)n * PAGE_SIZE, flags | PGT_LARGE | PGT_ENC);

			assert_int_equal(err, any ? SVSM_EEXIST : SVSM_OK);
			for (unsigned i = first; i < first + n && !any; i++) {
				mapped[i] = true;
				mpa[i] = pa + (uint64_t)(i - first) * PAGE_SIZE;
				mfl[i] = flags | PGT_ENC;
			}
		} else if (op == 1) {
			assert_int_equal(pgt_unmap(&pt, va, (uint64_t)n * PAGE_SIZE), SVSM_OK);
			for (unsigned i = first; i < first + n; i++)
				mapped[i] = false;
		} else {
			int err = pgt_protect(&pt, va, (uint64_t)n * PAGE_SIZE, flags);

			assert_int_equal(err, all ? SVSM_OK : SVSM_ENOENT);
			for (unsigned i = first; i < first + n && all; i++)
				mfl[i] = flags | PGT_ENC;
		}
		for (unsigned i = 0; i < PAGES; i++) {
			uint64_t v = window[i / (PAGES / 2)] + (uint64_t)(i % (PAGES / 2)) * PAGE_SIZE;
			uint64_t gpa;
			unsigned gfl;
			int err = pgt_lookup(&pt, v + 8, &gpa, &gfl);

			if (!mapped[i]) {
				assert_int_equal(err, SVSM_ENOENT);
				continue;
			}
			assert_int_equal(err, SVSM_OK);
			assert_int_equal(gpa, mpa[i] + 8);
			assert_int_equal(gfl & ~PGT_LARGE, mfl[i]);
		}
	}
}

/*
 * pgt_prune gives back every table an unmap emptied: mapping and unmapping
 * one page in 300 scattered 2 MiB regions and across 1 GiB and 512 GiB
 * lines, the free pages come back to what they were, the root stays, a
 * table still mapping something stays, the other half is untouched.
 * (Without it, such a loop grew the tables by a page or more each time.)
 */
static void test_prune(void **state)
{
	struct buddy_stats before, mid, after;
	const uint64_t lo = 0x0000700000000000ull;
	unsigned freed = 0, total = 0;
	uint64_t pa = buddy_alloc(&b, 0), keep = lo + 7 * GiB + 5 * PAGE_SIZE;

	(void)state;
	assert_int_not_equal(pa, MM_PA_NONE);
	assert_int_equal(pgt_map(&pt, HI, pa, PAGE_SIZE, PGT_WRITE), SVSM_OK); /* the other half */
	assert_int_equal(pgt_map(&pt, keep, pa, PAGE_SIZE, PGT_WRITE | PGT_USER), SVSM_OK);
	buddy_get_stats(&b, &before);
	for (unsigned i = 0; i < 300; i++) {
		uint64_t va = lo + (uint64_t)i * 37 * 2 * MiB + (i % 7) * (512 * GiB);

		assert_int_equal(pgt_map(&pt, va, pa, PAGE_SIZE, PGT_WRITE | PGT_USER), SVSM_OK);
		assert_int_equal(pgt_unmap(&pt, va, PAGE_SIZE), SVSM_OK);
		assert_int_equal(pgt_prune(&pt, va, PAGE_SIZE, &freed), SVSM_OK);
		assert_true(freed >= 1);
		total += freed;
	}
	buddy_get_stats(&b, &after);
	assert_int_equal(after.free_pages, before.free_pages);
	assert_int_equal(total, tables_freed);
	assert_int_equal(pgt_lookup(&pt, keep, NULL, NULL), SVSM_OK);
	assert_int_equal(pgt_lookup(&pt, HI, NULL, NULL), SVSM_OK);
	/* A whole-half prune with pages still mapped frees nothing that maps them. */
	assert_int_equal(pgt_prune(&pt, 0, 0x0000800000000000ull, &freed), SVSM_OK);
	assert_int_equal(freed, 0);
	/* Unmap the kept page: its three tables go, the root stays. */
	buddy_get_stats(&b, &mid);
	assert_int_equal(pgt_unmap(&pt, keep, PAGE_SIZE), SVSM_OK);
	assert_int_equal(pgt_prune(&pt, keep & ~(2 * MiB - 1), 2 * MiB, &freed), SVSM_OK);
	assert_int_equal(freed, 3);
	buddy_get_stats(&b, &after);
	assert_int_equal(after.free_pages, mid.free_pages + 3);
	assert_int_equal(pgt_lookup(&pt, HI, NULL, NULL), SVSM_OK);
	/* Bad ranges, and a table with no way to free: refused. */
	assert_int_equal(pgt_prune(&pt, lo + 1, PAGE_SIZE, NULL), SVSM_EINVAL);
	assert_int_equal(pgt_prune(&pt, 0x0000800000000000ull, PAGE_SIZE, NULL), SVSM_EINVAL);
	static const struct pgtable_ops no_free = { t_alloc, t_va, t_flush, t_flush_all, NULL };
	const struct pgtable_ops *o = pt.ops;

	pt.ops = &no_free;
	assert_int_equal(pgt_prune(&pt, lo, PAGE_SIZE, NULL), SVSM_EINVAL);
	pt.ops = o;
}

/* The last page of the address space maps, looks up and unmaps like any other (its end wraps to 0). */
static void test_top_page(void **state)
{
	const uint64_t top = 0xFFFFFFFFFFFFF000ull;
	uint64_t pa = buddy_alloc(&b, 0), got;

	(void)state;
	assert_int_equal(pgt_map(&pt, top, pa, PAGE_SIZE, PGT_WRITE), SVSM_OK);
	assert_int_equal(pgt_lookup(&pt, top + 0x10, &got, NULL), SVSM_OK);
	assert_int_equal(got, pa + 0x10);
	assert_int_equal(pgt_map(&pt, top, pa, PAGE_SIZE, PGT_WRITE), SVSM_EEXIST);
	assert_int_equal(pgt_map(&pt, top - PAGE_SIZE, pa, 3 * PAGE_SIZE, PGT_WRITE), SVSM_EINVAL); /* wraps past 0 */
	assert_int_equal(pgt_unmap(&pt, top, PAGE_SIZE), SVSM_OK);
	assert_int_equal(pgt_lookup(&pt, top, NULL, NULL), SVSM_ENOENT);
}

/* pgt_range_mapped: any leaf, 4 KiB or 2 MiB, in either half; nothing for a bad range. */
static void test_range_mapped(void **state)
{
	const uint64_t top = 0xFFFFFFFFFFFFF000ull;

	(void)state;
	assert_false(pgt_range_mapped(&pt, 0, 1ull << 47));
	assert_int_equal(pgt_map(&pt, 5 * GiB + 7 * PAGE_SIZE, BASE, PAGE_SIZE, PGT_WRITE), SVSM_OK);
	assert_true(pgt_range_mapped(&pt, 5 * GiB, 2 * MiB));
	assert_true(pgt_range_mapped(&pt, 5 * GiB + 7 * PAGE_SIZE, PAGE_SIZE));
	assert_false(pgt_range_mapped(&pt, 5 * GiB + 6 * PAGE_SIZE, PAGE_SIZE));
	assert_false(pgt_range_mapped(&pt, 5 * GiB + 8 * PAGE_SIZE, 2 * MiB));
	assert_true(pgt_range_mapped(&pt, 0, 1ull << 47));
	assert_int_equal(pgt_map(&pt, HI + 4 * MiB, BASE, 2 * MiB, PGT_WRITE | PGT_LARGE), SVSM_OK);
	assert_true(pgt_range_mapped(&pt, HI + 5 * MiB, PAGE_SIZE));
	assert_false(pgt_range_mapped(&pt, HI + 6 * MiB, 2 * MiB));
	assert_false(pgt_range_mapped(&pt, top, PAGE_SIZE));
	assert_int_equal(pgt_map(&pt, top, BASE, PAGE_SIZE, PGT_WRITE), SVSM_OK);
	assert_true(pgt_range_mapped(&pt, top, PAGE_SIZE)); /* a range that ends at the top */
	/* Bad ranges: unaligned, empty, across the hole. */
	assert_false(pgt_range_mapped(&pt, 5 * GiB + 7 * PAGE_SIZE + 1, PAGE_SIZE));
	assert_false(pgt_range_mapped(&pt, 5 * GiB, 0));
	assert_false(pgt_range_mapped(&pt, 0x7FFFFFFFF000ull, 2 * PAGE_SIZE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_4k_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_borrowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_top_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_mapped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
