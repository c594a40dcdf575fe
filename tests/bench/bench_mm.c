/* SPDX-License-Identifier: MIT */
/*
 * Allocator figures, each beside glibc malloc/free on the same pattern in
 * the same run. Prints; never fails on timing. Patterns:
 *   pair  - alloc then free at once, repeated (the fixed-size hot path);
 *   batch - 256 allocations, then 256 frees in the same order, repeated.
 * "slab" rows are kmalloc's path (slab_heap_alloc/free: the size class is
 * found from the size, the object's slab from its address); "fixed" rows
 * a fixed-size cache (slab_fixed_alloc/free: the kmem_cache pattern, one
 * cache per object type), both beside glibc malloc/free of the same size.
 * The mm code runs on simulated physical memory (a host buffer), built -O2
 * with its spinlocks, as in the kernel.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mm/buddy.h"
#include "mm/mm_env.h"
#include "mm/slab.h"

#define MiB (1ull << 20)
#define BASE (1ull << 30)
#define HEAP (64 * MiB)
#define BATCH 256

void mm_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

static struct buddy b;
static struct slab_heap h;
static struct slab_fixed *cur_fixed;
static void *sink[BATCH];
static size_t cur_size;
static unsigned cur_order;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Calls fn(iters) with growing iters until a run takes >= 0.2 s; returns pairs per second. */
static double rate(void (*fn)(long), long per_iter)
{
	for (long iters = 1000;; iters *= 4) {
		double t0 = now();

		fn(iters);

		double dt = now() - t0;

		if (dt >= 0.2)
			return (double)iters * (double)per_iter / dt;
	}
}

static void slab_pair(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = slab_heap_alloc(&h, 0, cur_size);

		__asm__ volatile("" : : "r"(p) : "memory");
		slab_heap_free(&h, 0, p);
	}
}

static void fixed_pair(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = slab_fixed_alloc(cur_fixed, 0);

		__asm__ volatile("" : : "r"(p) : "memory");
		slab_fixed_free(cur_fixed, 0, p);
	}
}

static void fixed_batch(long n)
{
	for (long i = 0; i < n; i++) {
		for (int k = 0; k < BATCH; k++)
			sink[k] = slab_fixed_alloc(cur_fixed, 0);
		for (int k = 0; k < BATCH; k++)
			slab_fixed_free(cur_fixed, 0, sink[k]);
	}
}

static void glibc_pair(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = malloc(cur_size);

		__asm__ volatile("" : : "r"(p) : "memory");
		free(p);
	}
}

static void slab_batch(long n)
{
	for (long i = 0; i < n; i++) {
		for (int k = 0; k < BATCH; k++)
			sink[k] = slab_heap_alloc(&h, 0, cur_size);
		for (int k = 0; k < BATCH; k++)
			slab_heap_free(&h, 0, sink[k]);
	}
}

static void glibc_batch(long n)
{
	for (long i = 0; i < n; i++) {
		for (int k = 0; k < BATCH; k++)
			sink[k] = malloc(cur_size);
		for (int k = 0; k < BATCH; k++)
			free(sink[k]);
	}
}

static void buddy_pair(long n)
{
	for (long i = 0; i < n; i++) {
		uint64_t pa = buddy_alloc(&b, cur_order);

		__asm__ volatile("" : : "r"(pa) : "memory");
		buddy_free(&b, pa, cur_order);
	}
}

static void glibc_pages_pair(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = aligned_alloc(4096ull << cur_order, 4096ull << cur_order);

		__asm__ volatile("" : : "r"(p) : "memory");
		free(p);
	}
}

static void row(const char *what, double mine, double glibc)
{
	printf("  %-28s %12.1f M/s %12.1f M/s %8.2fx\n", what, mine / 1e6, glibc / 1e6, mine / glibc);
}

int main(void)
{
	static const size_t sizes[] = { 32, 64, 256, 1024 };
	static struct slab_fixed fixed[sizeof(sizes) / sizeof(sizes[0])];
	uint8_t *mem = NULL;

	if (posix_memalign((void **)&mem, 4 << 20, HEAP) != 0)
		return 1;
	memset(mem, 0, HEAP); /* fault the simulated memory in before timing */
	buddy_init(&b, (uintptr_t)mem - BASE);
	if (buddy_add_zone(&b, BASE, BASE + HEAP) != 0)
		return 1;
	slab_heap_init(&h, &b);

	printf("mm allocator benchmark (alloc/free pairs per second; ratio = ours / glibc)\n");
	printf("  %-28s %16s %16s %9s\n", "pattern", "svsm mm", "glibc", "ratio");
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char name[64];

		cur_size = sizes[i];
		snprintf(name, sizeof(name), "slab %zu B pair", cur_size);
		row(name, rate(slab_pair, 1), rate(glibc_pair, 1));
		snprintf(name, sizeof(name), "slab %zu B batch of %d", cur_size, BATCH);
		row(name, rate(slab_batch, BATCH), rate(glibc_batch, BATCH));
	}
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char name[64];

		cur_size = sizes[i];
		if (slab_fixed_init(&fixed[i], &h, "bench", cur_size) != 0)
			return 1;
		cur_fixed = &fixed[i];
		snprintf(name, sizeof(name), "fixed %zu B pair", cur_size);
		row(name, rate(fixed_pair, 1), rate(glibc_pair, 1));
		snprintf(name, sizeof(name), "fixed %zu B batch of %d", cur_size, BATCH);
		row(name, rate(fixed_batch, BATCH), rate(glibc_batch, BATCH));
	}
	for (unsigned o = 0; o <= 9; o += 9) {
		char name[64];

		cur_order = o;
		snprintf(name, sizeof(name), "buddy order %u (%llu KiB) pair", o, 4ull << o);
		row(name, rate(buddy_pair, 1), rate(glibc_pages_pair, 1));
	}
	if (buddy_check(&b) != NULL || slab_heap_check(&h) != NULL) {
		fprintf(stderr, "bench: allocator state inconsistent after the run\n");
		return 1;
	}
	free(mem);
	return 0;
}
