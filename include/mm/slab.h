/* SPDX-License-Identifier: MIT */
/*
 * The slab allocator: kernel objects of 16 B to 2 KiB in eight power-of-two
 * size classes; larger requests take whole pages from the buddy allocator.
 * Portable: kernel and host tests.
 *
 * A slab is a buddy block (order 0 to 3) whose first bytes are a header; the
 * objects follow. Free objects are tracked in a bitmap in the header, not by
 * links inside the objects, so a write after free cannot redirect the next
 * allocation, and a double free is seen exactly. Each size class keeps a
 * list of partial slabs (some objects free) and of full slabs, and keeps at
 * most one empty slab; further empty slabs go back to the buddy allocator.
 *
 * Freeing a pointer that is not a live object from this heap is a kernel
 * bug: mm_panic() reports it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/spinlock.h"
#include "mm/buddy.h"

#define SLAB_MIN_SIZE 16
#define SLAB_MAX_SIZE 2048
#define SLAB_CLASSES 8 /* 16, 32, ..., 2048 */
#define SLAB_MAX_OBJS 256
#define SLAB_MAP_WORDS (SLAB_MAX_OBJS / 64)
#define SLAB_MAGIC 0x42414c534d565353ull /* "SSVMSLAB" */

struct slab_cache;

struct slab_hdr {
	uint64_t magic;
	struct slab_cache *cache;
	struct slab_hdr *next; /* on the cache's partial or full list */
	struct slab_hdr *prev;
	uint32_t inuse;
	uint32_t on_full;
	uint64_t free_map[SLAB_MAP_WORDS]; /* bit set: object free */
};

struct slab_cache {
	struct spinlock lock;
	uint32_t obj_size;
	uint32_t order;   /* slab size: PAGE_SIZE << order */
	uint32_t objs;    /* objects per slab */
	uint32_t obj_off; /* offset of object 0 from the slab start */
	struct slab_hdr *partial;
	struct slab_hdr *full;
	uint32_t empty_slabs; /* at most one is kept */
	uint64_t slabs;
	uint64_t inuse;
};

struct slab_heap {
	struct buddy *buddy;
	struct slab_cache caches[SLAB_CLASSES];
};

struct slab_class_stats {
	uint32_t obj_size;
	uint64_t slabs;
	uint64_t inuse;
	uint64_t capacity;
};

void slab_heap_init(struct slab_heap *h, struct buddy *b);
/*
 * size bytes, 16-byte aligned (objects of 64 B and more: 64-byte aligned;
 * large allocations: page aligned). NULL for size 0 or when memory is out.
 */
void *slab_heap_alloc(struct slab_heap *h, size_t size);
/* NULL is ignored; anything that is not a live allocation is mm_panic(). */
void slab_heap_free(struct slab_heap *h, void *p);
/* Bytes usable at p (its size class, or the pages behind a large allocation). */
size_t slab_heap_usable_size(struct slab_heap *h, const void *p);
void slab_heap_stats(struct slab_heap *h, struct slab_class_stats out[SLAB_CLASSES]);
/* Every slab's header, bitmap, counters and list membership; NULL if sound. */
const char *slab_heap_check(struct slab_heap *h);
