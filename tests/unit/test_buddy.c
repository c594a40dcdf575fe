/* SPDX-License-Identifier: MIT */
/* mm/buddy.c on simulated physical memory: tiling, splitting, coalescing, exhaustion, bad frees. */
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
#include "mm_sim.h"
#include "svsm/errno.h"

#define MiB (1ull << 20)
#define ZONE_BASE (16 * MiB) /* 4 MiB aligned, so the biggest blocks fit */

static struct mm_sim sim;
static struct buddy b;

static int setup(void **state)
{
	(void)state;
	mm_sim_init(&sim, ZONE_BASE, 16 * MiB);
	buddy_init(&b, sim.va_offset);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mm_sim_free(&sim);
	return 0;
}

static void assert_sound(void)
{
	const char *why = buddy_check(&b);

	if (why != NULL)
		fail_msg("buddy_check: %s", why);
}

static void test_zone_errors(void **state)
{
	(void)state;
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE + 1, ZONE_BASE + MiB), SVSM_EINVAL);
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE, ZONE_BASE + MiB + 8), SVSM_EINVAL);
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE, ZONE_BASE), SVSM_EINVAL);
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE + MiB, ZONE_BASE), SVSM_EINVAL);
	assert_int_equal(buddy_add_zone(&b, 0, 0x10000000000000ull), SVSM_EINVAL); /* > 2^28 pages */
	/* One page cannot hold its metadata and something to hand out. */
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE, ZONE_BASE + PAGE_SIZE), SVSM_ENOSPC);
	assert_int_equal(b.nzones, 0);
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE, ZONE_BASE + 4 * MiB), SVSM_OK);
	/* Overlaps are refused, whichever side they touch. */
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE + MiB, ZONE_BASE + 2 * MiB), SVSM_EINVAL);
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE + 4 * MiB - PAGE_SIZE, ZONE_BASE + 5 * MiB),
			 SVSM_EINVAL);
	assert_int_equal(b.nzones, 1);
	for (unsigned i = 1; i < BUDDY_MAX_ZONES; i++)
		assert_int_equal(buddy_add_zone(&b, ZONE_BASE + 4 * MiB + i * 64 * PAGE_SIZE,
						ZONE_BASE + 4 * MiB + (i + 1) * 64 * PAGE_SIZE),
				 SVSM_OK);
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE + 12 * MiB, ZONE_BASE + 13 * MiB), SVSM_ENOSPC);
	assert_sound();
}

static void test_tiling(void **state)
{
	struct buddy_stats st;

	(void)state;
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE, ZONE_BASE + 16 * MiB), SVSM_OK);
	buddy_get_stats(&b, &st);
	/* 4096 pages need 32 KiB of metadata: 8 pages, at the zone's start. */
	assert_int_equal(st.meta_bytes, 8 * PAGE_SIZE);
	assert_int_equal(st.total_pages, 4096 - 8);
	assert_int_equal(st.free_pages, 4096 - 8);
	/* Pages 8..1023 tile as 8+16+...+512, then three 4 MiB blocks. */
	for (unsigned o = 0; o < 3; o++)
		assert_int_equal(st.free_blocks[o], 0);
	for (unsigned o = 3; o < 10; o++)
		assert_int_equal(st.free_blocks[o], 1);
	assert_int_equal(st.free_blocks[10], 3);
	assert_sound();
}

static void test_alignment_and_split(void **state)
{
	(void)state;
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE, ZONE_BASE + 16 * MiB), SVSM_OK);
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		uint64_t pa = buddy_alloc(&b, o);

		assert_int_not_equal(pa, MM_PA_NONE);
		assert_int_equal(pa % (PAGE_SIZE << o), 0);
		assert_true(pa >= ZONE_BASE + 8 * PAGE_SIZE && pa + (PAGE_SIZE << o) <= ZONE_BASE + 16 * MiB);
		/* The memory is really there and writable. */
		memset(buddy_va(&b, pa), o, PAGE_SIZE << o);
		assert_sound();
	}
	assert_int_equal(buddy_alloc(&b, BUDDY_MAX_ORDER + 1), MM_PA_NONE);
	assert_int_equal(buddy_alloc(&b, 100), MM_PA_NONE);
}

static void test_coalescing(void **state)
{
	struct buddy_stats before, mid, after;

	(void)state;
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE, ZONE_BASE + 16 * MiB), SVSM_OK);
	buddy_get_stats(&b, &before);
	/* Order 0 from an empty order-0 list splits the order-3 block at pages 8..15. */
	uint64_t a = buddy_alloc(&b, 0), c = buddy_alloc(&b, 0);

	assert_int_equal(a, ZONE_BASE + 8 * PAGE_SIZE);
	assert_int_equal(c, ZONE_BASE + 9 * PAGE_SIZE);
	buddy_get_stats(&b, &mid);
	assert_int_equal(mid.free_blocks[3], 0);
	assert_int_equal(mid.free_blocks[2], 1);
	assert_int_equal(mid.free_blocks[1], 1);
	assert_int_equal(mid.free_blocks[0], 0);
	buddy_free(&b, a, 0);
	assert_sound();
	buddy_free(&b, c, 0);
	assert_sound();
	buddy_get_stats(&b, &after);
	after.min_free_pages = before.min_free_pages; /* the peak is history, not state */
	assert_memory_equal(&before, &after, sizeof(before));
}

/* The low-water mark: the most ever in use, kept after frees, reset by a new zone. */
static void test_peak_in_use(void **state)
{
	struct buddy_stats st;
	(void)state;

	assert_int_equal(buddy_add_zone(&b, ZONE_BASE, ZONE_BASE + 16 * MiB), SVSM_OK);
	buddy_get_stats(&b, &st);
	assert_int_equal(st.min_free_pages, st.free_pages);

	uint64_t a = buddy_alloc(&b, 4), c = buddy_alloc(&b, 2);

	buddy_free(&b, c, 2);
	buddy_get_stats(&b, &st);
	assert_int_equal(st.min_free_pages, st.total_pages - 16 - 4);
	buddy_free(&b, a, 4);
	c = buddy_alloc(&b, 0);
	buddy_get_stats(&b, &st);
	assert_int_equal(st.free_pages, st.total_pages - 1);
	assert_int_equal(st.min_free_pages, st.total_pages - 20); /* the peak stays */
	buddy_free(&b, c, 0);
	assert_sound();
}

static void test_exhaustion(void **state)
{
	static uint64_t got[4096];
	struct buddy_stats before, st;
	unsigned n = 0;

	(void)state;
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE, ZONE_BASE + 2 * MiB), SVSM_OK);
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE + 3 * MiB + 5 * PAGE_SIZE, ZONE_BASE + 4 * MiB),
			 SVSM_OK);
	buddy_get_stats(&b, &before);
	for (;;) {
		uint64_t pa = buddy_alloc(&b, 0);

		if (pa == MM_PA_NONE)
			break;
		assert_true(n < 4096);
		got[n++] = pa;
	}
	assert_int_equal(n, before.total_pages);
	buddy_get_stats(&b, &st);
	assert_int_equal(st.free_pages, 0);
	/* Nothing left at any order, and the failure changed nothing. */
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		assert_int_equal(buddy_alloc(&b, o), MM_PA_NONE);
	assert_sound();
	/* Free in a scrambled order; everything merges back. */
	for (unsigned i = 0; i < n; i++) {
		unsigned j = (i * 7919u) % n;
		uint64_t t = got[i];

		got[i] = got[j];
		got[j] = t;
	}
	for (unsigned i = 0; i < n; i++)
		buddy_free(&b, got[i], 0);
	buddy_get_stats(&b, &st);
	st.min_free_pages = before.min_free_pages; /* the peak is history, not state */
	assert_memory_equal(&before, &st, sizeof(st));
	assert_sound();
}

static void test_bad_frees(void **state)
{
	struct buddy_stats before, after;

	(void)state;
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE, ZONE_BASE + 4 * MiB), SVSM_OK);
	uint64_t one = buddy_alloc(&b, 0);
	uint64_t four = buddy_alloc(&b, 2);

	buddy_free(&b, one, 0);
	buddy_get_stats(&b, &before);
	MM_EXPECT_PANIC(buddy_free(&b, one, 0), "double free");
	MM_EXPECT_PANIC(buddy_free(&b, ZONE_BASE + 8 * MiB, 0), "not a page the allocator owns");
	MM_EXPECT_PANIC(buddy_free(&b, four + 8, 2), "not a page the allocator owns");
	MM_EXPECT_PANIC(buddy_free(&b, four + PAGE_SIZE, 0), "but the page is inside a block");
	MM_EXPECT_PANIC(buddy_free(&b, four, 1), "allocated with order 2");
	MM_EXPECT_PANIC(buddy_free(&b, ZONE_BASE, 0), "but the page is reserved");
	MM_EXPECT_PANIC(buddy_free_as(&b, four, 2, BUDDY_KMALLOC), "as kmalloc, but the page is allocated");
	buddy_get_stats(&b, &after);
	after.min_free_pages = before.min_free_pages; /* the peak is history, not state */
	assert_memory_equal(&before, &after, sizeof(before));
	assert_sound();
	buddy_free(&b, four, 2);
	assert_sound();
}

/* Random alloc/free with a fill pattern per block: no overlap, invariants hold after every step. */
static void test_random(void **state)
{
	enum { SLOTS = 64, STEPS = 6000 };
	uint64_t pa[SLOTS] = { 0 };
	unsigned order[SLOTS];
	struct buddy_stats before, st;
	uint64_t used = 0;
	unsigned seed = 12345;

	(void)state;
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE, ZONE_BASE + 6 * MiB), SVSM_OK);
	assert_int_equal(buddy_add_zone(&b, ZONE_BASE + 7 * MiB + 3 * PAGE_SIZE, ZONE_BASE + 9 * MiB),
			 SVSM_OK);
	buddy_get_stats(&b, &before);
	for (unsigned i = 0; i < SLOTS; i++)
		pa[i] = MM_PA_NONE;
	for (unsigned step = 0; step < STEPS; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned slot = (seed >> 8) % SLOTS;

		if (pa[slot] == MM_PA_NONE) {
			unsigned o = (seed >> 20) % (BUDDY_MAX_ORDER + 1);
			uint64_t p = buddy_alloc(&b, o);

			if (p == MM_PA_NONE) {
				buddy_get_stats(&b, &st);
				/* Refused only when no free block is big enough. */
				for (unsigned k = o; k <= BUDDY_MAX_ORDER; k++)
					assert_int_equal(st.free_blocks[k], 0);
			} else {
				pa[slot] = p;
				order[slot] = o;
				used += 1ull << o;
				uint64_t *w = buddy_va(&b, p);
				size_t nw = (PAGE_SIZE << o) / 8;

				w[0] = w[nw - 1] = p ^ 0x5a5a;
			}
		} else {
			uint64_t *w = buddy_va(&b, pa[slot]);
			size_t nw = (PAGE_SIZE << order[slot]) / 8;

			assert_int_equal(w[0], pa[slot] ^ 0x5a5a);
			assert_int_equal(w[nw - 1], pa[slot] ^ 0x5a5a);
			buddy_free(&b, pa[slot], order[slot]);
			used -= 1ull << order[slot];
			pa[slot] = MM_PA_NONE;
		}
		buddy_get_stats(&b, &st);
		assert_int_equal(st.free_pages + used, before.total_pages);
		assert_sound();
	}
	for (unsigned i = 0; i < SLOTS; i++) {
		if (pa[i] != MM_PA_NONE)
			buddy_free(&b, pa[i], order[i]);
	}
	buddy_get_stats(&b, &st);
	st.min_free_pages = before.min_free_pages; /* the peak is history, not state */
	assert_memory_equal(&before, &st, sizeof(st));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zone_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tiling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alignment_and_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coalescing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peak_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
