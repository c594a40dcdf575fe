/* SPDX-License-Identifier: MIT */
/* mm/memmap.c against a page bitmap model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/x86.h"
#include "mm/memmap.h"
#include "svsm/errno.h"

#define MODEL_PAGES 4096 /* 16 MiB of address space */

static bool model[MODEL_PAGES];

static void model_set(uint64_t start, uint64_t end, bool v, bool inward)
{
	uint64_t s = inward ? (start + PAGE_SIZE - 1) / PAGE_SIZE : start / PAGE_SIZE;
	uint64_t e = inward ? end / PAGE_SIZE : (end + PAGE_SIZE - 1) / PAGE_SIZE;

	for (uint64_t p = s; p < e && p < MODEL_PAGES; p++)
		model[p] = v;
}

static void assert_matches_model(const struct memmap *m)
{
	uint64_t total = 0;

	assert_true(memmap_valid(m));
	for (uint64_t p = 0; p < MODEL_PAGES; p++) {
		bool in = memmap_contains(m, p * PAGE_SIZE, (p + 1) * PAGE_SIZE);

		if (in != model[p]) {
			print_error("page %llu: map says %d, model %d\n", (unsigned long long)p, in,
				    model[p]);
			fail();
		}
		total += model[p] ? PAGE_SIZE : 0;
	}
	assert_int_equal(memmap_total(m), total);
}

static void random_add_remove_matches_model(void **state)
{
	static struct memmap m;
	(void)state;

	srand(99);
	memset(model, 0, sizeof(model));
	memmap_init(&m);
	for (int step = 0; step < 20000; step++) {
		uint64_t a = (uint64_t)rand() % (MODEL_PAGES * PAGE_SIZE);
		uint64_t len = (uint64_t)rand() % (64 * PAGE_SIZE);
		uint64_t b = a + len > MODEL_PAGES * PAGE_SIZE ? MODEL_PAGES * PAGE_SIZE : a + len;
		struct memmap before = m;
		bool add = rand() % 3 != 0;
		int err = add ? memmap_add(&m, a, b) : memmap_remove(&m, a, b);

		if (err == SVSM_ENOSPC) {
			/* Full: refused and unchanged. */
			assert_memory_equal(&before, &m, sizeof(m));
			continue;
		}
		assert_int_equal(err, SVSM_OK);
		model_set(a, b, add, add);
		if (step % 50 == 0)
			assert_matches_model(&m);
	}
	assert_matches_model(&m);
}

static void edges_and_errors(void **state)
{
	struct memmap m;
	(void)state;

	memmap_init(&m);
	assert_int_equal(memmap_add(&m, 0x2000, 0x1000), SVSM_EINVAL);
	assert_int_equal(memmap_remove(&m, 0x2000, 0x1000), SVSM_EINVAL);
	/* Partial pages shrink inward on add: nothing left of [0x1001, 0x1fff). */
	assert_int_equal(memmap_add(&m, 0x1001, 0x1FFF), SVSM_OK);
	assert_int_equal(m.count, 0);
	assert_int_equal(memmap_add(&m, 0x9FC00 - 0x9F000, 0x9FC00), SVSM_OK);
	assert_int_equal(m.r[0].end, 0x9F000);
	/* Touching ranges merge. */
	memmap_init(&m);
	memmap_add(&m, 0x1000, 0x3000);
	memmap_add(&m, 0x5000, 0x6000);
	memmap_add(&m, 0x3000, 0x5000);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.r[0].start, 0x1000);
	assert_int_equal(m.r[0].end, 0x6000);
	/* Removing grows outward: one byte takes its page. */
	memmap_remove(&m, 0x3010, 0x3011);
	assert_int_equal(m.count, 2);
	assert_false(memmap_contains(&m, 0x3000, 0x4000));
	assert_true(memmap_intersects(&m, 0x2FFF, 0x3001));
	assert_false(memmap_intersects(&m, 0x3000, 0x4000));
	assert_false(memmap_contains(&m, 0x1000, 0x1000));
	/* Ranges near the top of the address space do not wrap. */
	memmap_init(&m);
	assert_int_equal(memmap_add(&m, 0xFFFFFFFFFFFFE000ull, ~0ull), SVSM_OK);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.r[0].end, 0xFFFFFFFFFFFFF000ull);
	assert_int_equal(memmap_remove(&m, 0xFFFFFFFFFFFFE800ull, ~0ull), SVSM_OK);
	assert_int_equal(m.count, 0);
}

static void full_map_refuses_split(void **state)
{
	static struct memmap m;
	(void)state;

	memmap_init(&m);
	for (uint64_t i = 0; i < MEMMAP_MAX; i++)
		assert_int_equal(memmap_add(&m, i * 0x4000, i * 0x4000 + 0x3000), SVSM_OK);
	assert_int_equal(m.count, MEMMAP_MAX);
	assert_int_equal(memmap_add(&m, 0x10000000, 0x10001000), SVSM_ENOSPC);

	struct memmap before = m;

	/* Splitting [0, 0x3000) in the middle needs a new slot: refused, unchanged. */
	assert_int_equal(memmap_remove(&m, 0x1000, 0x1000 + 1), SVSM_ENOSPC);
	assert_memory_equal(&before, &m, sizeof(m));
	/* Trimming and merging still work when full. */
	assert_int_equal(memmap_remove(&m, 0x2000, 0x3000), SVSM_OK);
	assert_int_equal(m.count, MEMMAP_MAX);
	assert_int_equal(memmap_add(&m, 0x2000, 0x4000), SVSM_OK);
	assert_int_equal(m.count, MEMMAP_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_add_remove_matches_model),
		cmocka_unit_test(edges_and_errors),
		cmocka_unit_test(full_map_refuses_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
