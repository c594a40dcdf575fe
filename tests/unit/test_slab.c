/* SPDX-License-Identifier: MIT */
/* mm/slab.c and kmalloc on simulated physical memory. */
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
#include "mm/kmalloc.h"
#include "mm/slab.h"
#include "mm_sim.h"
#include "svsm/errno.h"

#define MiB (1ull << 20)
#define BASE (32 * MiB)

static struct mm_sim sim;
static struct buddy b;
static struct slab_heap h;
static struct buddy_stats fresh;

static void assert_sound(void)
{
	const char *why = slab_heap_check(&h);

	if (why == NULL)
		why = buddy_check(&b);
	if (why != NULL)
		fail_msg("check: %s", why);
}

static int setup_size(uint64_t size)
{
	mm_sim_init(&sim, BASE, size);
	buddy_init(&b, sim.va_offset);
	assert_int_equal(buddy_add_zone(&b, BASE, BASE + size), SVSM_OK);
	buddy_get_stats(&b, &fresh);
	slab_heap_init(&h, &b);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_size(8 * MiB);
}

static int teardown(void **state)
{
	(void)state;
	mm_sim_free(&sim);
	return 0;
}

static void test_classes(void **state)
{
	(void)state;
	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		const struct slab_cache *sc = &h.caches[c];

		assert_int_equal(sc->obj_size, 16u << c);
		assert_true(sc->objs >= 8 && sc->objs <= SLAB_MAX_OBJS);
		assert_true(sc->obj_off >= sizeof(struct slab_hdr));
		assert_true(sc->obj_off + sc->objs * sc->obj_size <= (PAGE_SIZE << sc->order));
	}
}

static void test_sizes_and_alignment(void **state)
{
	static const size_t sizes[] = { 1, 15, 16, 17, 31, 32, 33, 64, 100, 128, 255, 256,
					512, 513, 1000, 1024, 2047, 2048, 2049, 4096, 4097,
					65536, 1 << 20 };
	void *p[sizeof(sizes) / sizeof(sizes[0])];

	(void)state;
	assert_null(slab_heap_alloc(&h, mm_sim_cpu, 0));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t want = sizes[i];

		p[i] = slab_heap_alloc(&h, mm_sim_cpu, want);
		assert_non_null(p[i]);
		size_t got = slab_heap_usable_size(&h, p[i]);

		assert_true(got >= want);
		if (want <= SLAB_MAX_SIZE) {
			assert_true(got < 2 * want || got == SLAB_MIN_SIZE);
			assert_int_equal((uintptr_t)p[i] % (got < 64 ? got : 64), 0);
		} else {
			assert_int_equal(buddy_pa(&b, p[i]) % PAGE_SIZE, 0);
		}
		memset(p[i], (int)i, want);
		assert_sound();
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t k = 0; k < sizes[i]; k++)
			assert_int_equal(((uint8_t *)p[i])[k], (uint8_t)i);
		slab_heap_free(&h, mm_sim_cpu, p[i]);
		assert_sound();
	}
	/* Too big for the largest buddy block. */
	assert_null(slab_heap_alloc(&h, mm_sim_cpu, (PAGE_SIZE << BUDDY_MAX_ORDER) + 1));
	assert_null(slab_heap_alloc(&h, mm_sim_cpu, SIZE_MAX));
	slab_heap_free(&h, mm_sim_cpu, NULL);
}

static void test_lists_and_empty_slab(void **state)
{
	const struct slab_cache *sc = &h.caches[2]; /* 64 B */
	void *objs[3 * SLAB_MAX_OBJS];
	unsigned n = 2 * sc->objs + 1;
	struct buddy_stats st;

	(void)state;
	for (unsigned i = 0; i < n; i++)
		objs[i] = slab_heap_alloc(&h, mm_sim_cpu, 64);
	/* The magazine took objects in batches; hand the spare ones back. */
	assert_true(h.mags[0][2].count < SLAB_MAG_SIZE);
	slab_heap_drain(&h);
	assert_int_equal(h.mags[0][2].count, 0);
	/* 117 objects of 58 per slab: three slabs, at least one full, the rest partial. */
	assert_int_equal(sc->slabs, 3);
	assert_int_equal(sc->inuse, n);
	unsigned lists = 0, used = 0;

	for (struct slab_hdr *s = sc->full; s != NULL; s = s->next, lists++)
		used += s->inuse;
	assert_true(lists >= 1);
	for (struct slab_hdr *s = sc->partial; s != NULL; s = s->next, lists++)
		used += s->inuse;
	assert_int_equal(lists, 3);
	assert_int_equal(used, n);
	assert_sound();
	for (unsigned i = 0; i < n; i++) {
		slab_heap_free(&h, mm_sim_cpu, objs[i]);
		assert_sound();
	}
	/* Frees go to the magazine, flushed by halves when it fills. */
	assert_true(h.mags[0][2].count > 0 && h.mags[0][2].count <= SLAB_MAG_SIZE);
	slab_heap_drain(&h);
	assert_sound();
	/* One empty slab stays for the next allocation; the others went back. */
	assert_int_equal(sc->slabs, 1);
	assert_int_equal(sc->empty_slabs, 1);
	buddy_get_stats(&b, &st);
	assert_int_equal(st.free_pages, fresh.free_pages - 1);
	/* The last object freed is the first reused (LIFO magazine: cache-warm). */
	void *x = slab_heap_alloc(&h, mm_sim_cpu, 64);

	slab_heap_free(&h, mm_sim_cpu, x);
	assert_ptr_equal(slab_heap_alloc(&h, mm_sim_cpu, 64), x);
	slab_heap_free(&h, mm_sim_cpu, x);
}

static void test_bad_frees(void **state)
{
	void *a = slab_heap_alloc(&h, mm_sim_cpu, 32);
	void *big = slab_heap_alloc(&h, mm_sim_cpu, 3 * PAGE_SIZE);
	void *c = slab_heap_alloc(&h, mm_sim_cpu, 2048); /* order-3 slab: objects on tail pages */
	void *d = slab_heap_alloc(&h, mm_sim_cpu, 2048);
	static uint8_t not_heap[64];
	struct buddy_stats before, after;

	(void)state;
	slab_heap_free(&h, mm_sim_cpu, d);
	buddy_get_stats(&b, &before);
	MM_EXPECT_PANIC(slab_heap_free(&h, mm_sim_cpu, d), "double free");
	MM_EXPECT_PANIC(slab_heap_free(&h, mm_sim_cpu, (uint8_t *)a + 8), "not the start of a 32-byte object");
	MM_EXPECT_PANIC(slab_heap_free(&h, mm_sim_cpu, (uint8_t *)c + 2048 * 3 + 1), "not the start");
	MM_EXPECT_PANIC(slab_heap_free(&h, mm_sim_cpu, (uint8_t *)big + PAGE_SIZE), "not a live allocation");
	MM_EXPECT_PANIC(slab_heap_free(&h, mm_sim_cpu, (uint8_t *)big + 16), "inside a large allocation");
	MM_EXPECT_PANIC(slab_heap_free(&h, mm_sim_cpu, not_heap), "not memory of the kernel heap");
	/* A page handed out by buddy_alloc is not kmalloc memory. */
	uint64_t page = buddy_alloc(&b, 0);

	MM_EXPECT_PANIC(slab_heap_free(&h, mm_sim_cpu, buddy_va(&b, page)), "not a live allocation");
	/* The slab header (first bytes of the slab) is not an object. */
	uint8_t *slab = (uint8_t *)((uintptr_t)a & ~(uintptr_t)(PAGE_SIZE - 1));

	MM_EXPECT_PANIC(slab_heap_free(&h, mm_sim_cpu, slab), "not the start");
	/* A trampled header is caught, not trusted. */
	uint64_t saved = ((struct slab_hdr *)slab)->magic;

	((struct slab_hdr *)slab)->magic = 0;
	MM_EXPECT_PANIC(slab_heap_free(&h, mm_sim_cpu, a), "corrupt");
	((struct slab_hdr *)slab)->magic = saved;
	buddy_free(&b, page, 0);
	buddy_get_stats(&b, &after);
	after.min_free_pages = before.min_free_pages; /* the peak is history, not state */
	assert_memory_equal(&before, &after, sizeof(before));
	assert_sound();
	slab_heap_free(&h, mm_sim_cpu, a);
	slab_heap_free(&h, mm_sim_cpu, big);
	slab_heap_free(&h, mm_sim_cpu, c);
	assert_sound();
}

static void test_exhaustion(void **state)
{
	void **objs = calloc(16384, sizeof(void *));
	unsigned n = 0;

	(void)state;
	teardown(NULL);
	setup_size(256 * 1024); /* 64 pages */
	for (;;) {
		void *p = slab_heap_alloc(&h, mm_sim_cpu, 1024);

		if (p == NULL)
			break;
		assert_true(n < 16384);
		objs[n++] = p;
	}
	assert_true(n > 0);
	/* Refused only because no block of a 1024-byte slab's order (2) is left. */
	struct buddy_stats st;

	buddy_get_stats(&b, &st);
	for (unsigned o = h.caches[6].order; o <= BUDDY_MAX_ORDER; o++)
		assert_int_equal(st.free_blocks[o], 0);
	assert_sound();
	/* Small classes still fail cleanly with nothing left. */
	void *small[1024];
	unsigned ns = 0;

	while (ns < 1024 && (small[ns] = slab_heap_alloc(&h, mm_sim_cpu, 16)) != NULL)
		ns++;
	assert_true(ns < 1024);
	assert_sound();
	for (unsigned i = 0; i < ns; i++)
		slab_heap_free(&h, mm_sim_cpu, small[i]);
	for (unsigned i = 0; i < n; i++)
		slab_heap_free(&h, mm_sim_cpu, objs[i]);
	assert_sound();
	free(objs);
}

static void test_random(void **state)
{
	enum { SLOTS = 512, STEPS = 20000 };
	void *p[SLOTS] = { 0 };
	size_t sz[SLOTS];
	unsigned seed = 777;

	(void)state;
	for (unsigned step = 0; step < STEPS; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned slot = (seed >> 8) % SLOTS;

		if (p[slot] == NULL) {
			size_t s = 1 + ((seed >> 16) % ((seed & 1) ? 256 : 6000));

			p[slot] = slab_heap_alloc(&h, mm_sim_cpu, s);
			assert_non_null(p[slot]);
			sz[slot] = s;
			memset(p[slot], (int)(slot & 0xFF), s);
		} else {
			for (size_t k = 0; k < sz[slot]; k++)
				assert_int_equal(((uint8_t *)p[slot])[k], (uint8_t)slot);
			slab_heap_free(&h, mm_sim_cpu, p[slot]);
			p[slot] = NULL;
		}
		assert_sound();
	}
	for (unsigned i = 0; i < SLOTS; i++)
		slab_heap_free(&h, mm_sim_cpu, p[i]);
	assert_sound();
}

/* Objects move between CPUs' magazines; states and counts stay exact. */
static void test_cross_cpu(void **state)
{
	struct slab_class_stats st[SLAB_CLASSES];
	void *p[40];

	(void)state;
	mm_sim_cpu = 0;
	for (unsigned i = 0; i < 40; i++)
		p[i] = slab_heap_alloc(&h, mm_sim_cpu, 128);
	slab_heap_stats(&h, st);
	assert_int_equal(st[3].obj_size, 128);
	assert_int_equal(st[3].inuse, 40);
	assert_int_equal(st[3].cached, h.mags[0][3].count);
	mm_sim_cpu = 1;
	for (unsigned i = 0; i < 40; i++) {
		slab_heap_free(&h, mm_sim_cpu, p[i]);
		assert_sound();
	}
	assert_true(h.mags[1][3].count > 0);
	slab_heap_stats(&h, st);
	assert_int_equal(st[3].inuse, 0);
	/* CPU 0 freeing an object CPU 1 already freed is still a double free. */
	mm_sim_cpu = 0;
	MM_EXPECT_PANIC(slab_heap_free(&h, mm_sim_cpu, p[39]), "double free");
	mm_sim_cpu = 63;
	void *q = slab_heap_alloc(&h, mm_sim_cpu, 128);

	assert_non_null(q);
	slab_heap_free(&h, mm_sim_cpu, q);
	mm_sim_cpu = SLAB_MAX_CPUS;
	MM_EXPECT_PANIC(slab_heap_alloc(&h, mm_sim_cpu, 128), "beyond SLAB_MAX_CPUS");
	mm_sim_cpu = 0;
	slab_heap_drain(&h);
	slab_heap_stats(&h, st);
	assert_int_equal(st[3].cached, 0);
	assert_int_equal(st[3].slabs, 1);
	assert_sound();
}

static void test_kmalloc(void **state)
{
	(void)state;
	kmalloc_init(&b);
	uint8_t *p = kmalloc(100);

	assert_non_null(p);
	memset(p, 0xEE, 100);
	kfree(p);
	uint8_t *z = kzalloc(100);

	/* Same object back (the freed one), and zeroed. */
	assert_ptr_equal(z, p);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(z[i], 0);
	kfree(z);
	MM_EXPECT_PANIC(kfree(z), "double free");
	assert_null(kzalloc(0));
	kfree(NULL);
}

/* ---- fixed-size caches ---- */

static void test_fixed_init(void **state)
{
	static struct slab_fixed f, untouched;
	(void)state;

	memset(&f, 0x5A, sizeof(f));
	untouched = f;
	assert_int_equal(slab_fixed_init(&f, &h, "zero", 0), SVSM_EINVAL);
	assert_int_equal(slab_fixed_init(&f, &h, "big", SLAB_MAX_SIZE + 1), SVSM_EINVAL);
	assert_memory_equal(&f, &untouched, sizeof(f));
	assert_null(h.fixed);
	assert_int_equal(slab_fixed_init(&f, &h, "vcpu", 24), SVSM_OK);
	assert_int_equal(f.sc.obj_size, 32);
	assert_int_equal(f.requested, 24);
	assert_ptr_equal(h.fixed, &f);
	assert_true(f.sc.objs >= 8 && f.sc.obj_off >= sizeof(struct slab_hdr));

	static struct slab_fixed g;

	assert_int_equal(slab_fixed_init(&g, &h, "page", SLAB_MAX_SIZE), SVSM_OK);
	assert_int_equal(g.sc.obj_size, SLAB_MAX_SIZE);
	assert_ptr_equal(h.fixed, &g);
	assert_ptr_equal(g.next, &f);
	assert_sound();
}

static void test_fixed_alloc_free(void **state)
{
	static struct slab_fixed f;
	enum { N = 300 };
	void *p[N];
	(void)state;

	assert_int_equal(slab_fixed_init(&f, &h, "obj48", 48), SVSM_OK);
	for (unsigned i = 0; i < N; i++) {
		p[i] = slab_fixed_alloc(&f, mm_sim_cpu);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 64, 0);
		memset(p[i], (int)i, 48);
		for (unsigned j = 0; j < i; j++)
			assert_ptr_not_equal(p[i], p[j]);
	}
	assert_sound();
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(((uint8_t *)p[i])[47], (uint8_t)i);
		slab_fixed_free(&f, mm_sim_cpu, p[i]);
	}
	slab_fixed_free(&f, mm_sim_cpu, NULL);
	assert_sound();
	slab_fixed_drain(&f);
	assert_int_equal(f.sc.inuse, 0);
	assert_true(f.sc.slabs <= 1); /* one empty slab kept */
	assert_sound();
}

static void test_fixed_bad_frees(void **state)
{
	static struct slab_fixed f, g;
	static uint8_t not_heap[64];
	struct buddy_stats before, after;
	(void)state;

	assert_int_equal(slab_fixed_init(&f, &h, "alpha", 64), SVSM_OK);
	assert_int_equal(slab_fixed_init(&g, &h, "beta", 64), SVSM_OK);

	void *a = slab_fixed_alloc(&f, mm_sim_cpu), *gone = slab_fixed_alloc(&f, mm_sim_cpu);
	void *other = slab_fixed_alloc(&g, mm_sim_cpu), *k = slab_heap_alloc(&h, mm_sim_cpu, 64);
	void *big = slab_heap_alloc(&h, mm_sim_cpu, 3 * PAGE_SIZE);

	slab_fixed_free(&f, mm_sim_cpu, gone);
	buddy_get_stats(&b, &before);
	MM_EXPECT_PANIC(slab_fixed_free(&f, mm_sim_cpu, gone), "double free");
	MM_EXPECT_PANIC(slab_fixed_free(&f, mm_sim_cpu, (uint8_t *)a + 8), "not the start of a 64-byte object");
	MM_EXPECT_PANIC(slab_fixed_free(&f, mm_sim_cpu, other), "another fixed-size cache's");
	MM_EXPECT_PANIC(slab_fixed_free(&f, mm_sim_cpu, k), "a kmalloc object");
	MM_EXPECT_PANIC(slab_fixed_free(&f, mm_sim_cpu, big), "a large kmalloc block");
	MM_EXPECT_PANIC(slab_fixed_free(&f, mm_sim_cpu, not_heap), "not memory of the kernel heap");
	MM_EXPECT_PANIC(slab_heap_free(&h, mm_sim_cpu, a), "fixed-size cache 'alpha'");
	MM_EXPECT_PANIC(slab_fixed_free(&f, SLAB_MAX_CPUS, a), "beyond SLAB_MAX_CPUS");
	MM_EXPECT_PANIC(slab_fixed_alloc(&f, SLAB_MAX_CPUS), "beyond SLAB_MAX_CPUS");

	uint8_t *slab = (uint8_t *)((uintptr_t)a & f.slab_mask);
	uint64_t saved = ((struct slab_hdr *)slab)->magic;

	MM_EXPECT_PANIC(slab_fixed_free(&f, mm_sim_cpu, slab), "not the start");
	((struct slab_hdr *)slab)->magic = 0;
	MM_EXPECT_PANIC(slab_fixed_free(&f, mm_sim_cpu, a), "corrupt");
	((struct slab_hdr *)slab)->magic = saved;
	buddy_get_stats(&b, &after);
	after.min_free_pages = before.min_free_pages; /* the peak is history, not state */
	assert_memory_equal(&before, &after, sizeof(before));
	assert_sound();
	slab_fixed_free(&f, mm_sim_cpu, a);
	slab_fixed_free(&g, mm_sim_cpu, other);
	slab_heap_free(&h, mm_sim_cpu, k);
	slab_heap_free(&h, mm_sim_cpu, big);
	assert_sound();
}

/* Until memory runs out (NULL, nothing corrupted), then all back. */
static void test_fixed_exhaustion(void **state)
{
	static struct slab_fixed f;
	static void *p[8192];
	unsigned n = 0;
	(void)state;

	teardown(NULL);
	setup_size(1 * MiB);
	assert_int_equal(slab_fixed_init(&f, &h, "fill", 1024), SVSM_OK);
	while (n < 8192 && (p[n] = slab_fixed_alloc(&f, mm_sim_cpu)) != NULL)
		n++;
	assert_true(n > 100 && n < 8192);
	assert_null(slab_fixed_alloc(&f, mm_sim_cpu));
	assert_sound();
	while (n > 0)
		slab_fixed_free(&f, mm_sim_cpu, p[--n]);
	slab_fixed_drain(&f);
	assert_sound();
	assert_non_null(p[0] = slab_fixed_alloc(&f, mm_sim_cpu));
	slab_fixed_free(&f, mm_sim_cpu, p[0]);
}

/* Two fixed caches, kmalloc and two CPUs interleaved; every step checked. */
static void test_fixed_random(void **state)
{
	enum { SLOTS = 256, STEPS = 12000 };
	static struct slab_fixed f[2];
	void *p[SLOTS] = { 0 };
	unsigned owner[SLOTS], seed = 4242;
	(void)state;

	assert_int_equal(slab_fixed_init(&f[0], &h, "r40", 40), SVSM_OK);
	assert_int_equal(slab_fixed_init(&f[1], &h, "r700", 700), SVSM_OK);
	for (unsigned step = 0; step < STEPS; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned slot = (seed >> 8) % SLOTS;

		mm_sim_cpu = (seed >> 20) & 1;
		if (p[slot] == NULL) {
			owner[slot] = (seed >> 4) % 3; /* 0, 1: a fixed cache; 2: kmalloc */
			p[slot] = owner[slot] < 2 ? slab_fixed_alloc(&f[owner[slot]], mm_sim_cpu)
						  : slab_heap_alloc(&h, mm_sim_cpu, 100);
			assert_non_null(p[slot]);
			memset(p[slot], (int)slot, 40);
		} else {
			for (unsigned k = 0; k < 40; k++)
				assert_int_equal(((uint8_t *)p[slot])[k], (uint8_t)slot);
			if (owner[slot] < 2)
				slab_fixed_free(&f[owner[slot]], mm_sim_cpu, p[slot]);
			else
				slab_heap_free(&h, mm_sim_cpu, p[slot]);
			p[slot] = NULL;
		}
		assert_sound();
	}
	mm_sim_cpu = 0;
	for (unsigned i = 0; i < SLOTS; i++) {
		if (p[i] != NULL && owner[i] < 2)
			slab_fixed_free(&f[owner[i]], 0, p[i]);
		else
			slab_heap_free(&h, 0, p[i]);
	}
	assert_sound();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_classes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sizes_and_alignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lists_and_empty_slab, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cross_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kmalloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_alloc_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_bad_frees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_random, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
