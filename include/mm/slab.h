/* SPDX-License-Identifier: MIT */
/*
 * The slab allocator: kernel objects of 16 B to 2 KiB in eight power-of-two
 * size classes; larger requests take whole pages from the buddy allocator.
 * Portable: kernel and host tests.
 *
 * A slab is a buddy block (order 0 to 3, aligned to its size) whose first
 * bytes are a header; the objects follow. The header tracks each object in
 * a free bitmap and a state byte (free in the slab / allocated / cached),
 * not by links inside objects, so a write after free cannot redirect the
 * next allocation, and a double free is seen exactly. Each size class keeps
 * partial and full slab lists under a lock, and at most one empty slab.
 *
 * In front of the lists each CPU has a magazine per size class: a small
 * stack of objects taken from slabs (state "cached"). Allocation and free
 * use only the running CPU's magazine, with no lock and no atomic
 * instruction; a magazine that runs empty or full refills or flushes half
 * of itself under the class lock. The kernel therefore must not call
 * kmalloc/kfree from an exception or NMI handler that can interrupt them.
 *
 * Fixed-size caches (struct slab_fixed, the kmem_cache pattern) are for
 * objects of one type: their own slabs and magazines, and a free that is
 * told the cache, so the magazine it goes to is known before the object's
 * slab header is read. The header checks are the same; they are just off
 * the path the next allocation waits for.
 *
 * Freeing a pointer that is not a live object from this heap is a kernel
 * bug: mm_panic() reports it. (Two CPUs freeing the same object at the
 * same instant can escape the check; one CPU freeing twice cannot.)
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
/* Objects per magazine: 63 and a 64-bit count make one 512-byte magazine (shift indexing). */
#define SLAB_MAG_SIZE 63
#define SLAB_MAX_CPUS 64

enum slab_obj_state {
	SLAB_OBJ_FREE = 0,   /* in its slab's free bitmap */
	SLAB_OBJ_ALLOC = 1,  /* handed out */
	SLAB_OBJ_CACHED = 2, /* in a CPU's magazine */
};

struct slab_cache;

struct slab_hdr {
	uint64_t magic;
	struct slab_cache *cache;
	struct slab_hdr *next; /* on the cache's partial or full list */
	struct slab_hdr *prev;
	uint32_t inuse;        /* objects not free in the slab (allocated or cached) */
	uint32_t on_full;
	uint64_t free_map[SLAB_MAP_WORDS]; /* bit set: object free */
	uint8_t state[SLAB_MAX_OBJS];      /* enum slab_obj_state */
};

/* struct slab_cache.index of a fixed-size cache's slabs. */
#define SLAB_FIXED_INDEX 0xFFu

struct slab_cache {
	/* Guards the cache's slab lists and counters; the buddy's lock nests inside it (a new or freed slab). */
	struct spinlock lock;
	uint32_t index;     /* size class, or SLAB_FIXED_INDEX */
	uint32_t obj_size;
	uint32_t obj_shift; /* log2(obj_size) */
	uint32_t order;     /* slab size: PAGE_SIZE << order */
	uint32_t objs;      /* objects per slab */
	uint32_t obj_off;   /* offset of object 0 from the slab start */
	struct slab_hdr *partial;
	struct slab_hdr *full;
	uint32_t empty_slabs; /* at most one is kept */
	uint64_t slabs;
	uint64_t inuse;
};

struct slab_mag {
	uint64_t count;
	void *obj[SLAB_MAG_SIZE];
};
_Static_assert(sizeof(struct slab_mag) == 512, "a magazine is 512 bytes");

struct slab_fixed;

struct slab_heap {
	struct buddy *buddy;
	struct slab_cache caches[SLAB_CLASSES];
	struct slab_mag mags[SLAB_MAX_CPUS][SLAB_CLASSES];
	/* Guards the `fixed` list only; a cache's lock may be taken inside it (slab_heap_check). */
	struct spinlock fixed_lock;
	struct slab_fixed *fixed; /* every fixed-size cache on this heap */
};

/* A cache of objects of one size, on a heap's buddy allocator; lives as long as the heap. */
struct slab_fixed {
	struct slab_cache sc; /* its slabs (sc.index = SLAB_FIXED_INDEX) */
	const char *name;     /* for reports */
	struct slab_heap *heap;
	struct slab_fixed *next;
	uint64_t requested;   /* the size asked for (objects are sc.obj_size) */
	/*
	 * What the fast free path compares against, fixed at init: the slab
	 * mask, the object area's end, the top byte a page of its slabs has in
	 * the buddy metadata (state and order), and the heap's first zone as
	 * it was then (a cache made before any zone takes the slow path).
	 */
	uintptr_t slab_mask;
	uintptr_t obj_end;    /* objs << obj_shift: first offset past the last object */
	uint8_t page_tag;     /* (BUDDY_SLAB_TAIL << 4 | order): a head page differs in bit 4 only */
	uintptr_t va_offset;
	uint64_t zone_base_pfn, zone_npages;
	const struct buddy_page *zone_meta;
	struct slab_mag mags[SLAB_MAX_CPUS];
};

struct slab_class_stats {
	uint32_t obj_size;
	uint64_t slabs;
	uint64_t inuse;    /* handed out */
	uint64_t cached;   /* in magazines */
	uint64_t capacity;
};

/* mm_panic if the buddy allocator's va_offset does not keep slabs aligned. */
void slab_heap_init(struct slab_heap *h, struct buddy *b);
/*
 * size bytes, 16-byte aligned (objects of 64 B and more: 64-byte aligned;
 * large allocations: page aligned). NULL for size 0 or when memory is out.
 * cpu is the running CPU (its magazines are used; < SLAB_MAX_CPUS, else
 * mm_panic); the caller guarantees nothing else on that CPU is inside the
 * allocator (the kernel: no allocation from exception handlers).
 */
void *slab_heap_alloc(struct slab_heap *h, unsigned cpu, size_t size);
/* NULL is ignored; anything that is not a live allocation is mm_panic(). */
void slab_heap_free(struct slab_heap *h, unsigned cpu, void *p);
/* Bytes usable at p (its size class, or the pages behind a large allocation). */
size_t slab_heap_usable_size(struct slab_heap *h, const void *p);
/* Returns every magazine's objects to their slabs (and empty slabs beyond one per class). */
void slab_heap_drain(struct slab_heap *h);
void slab_heap_stats(struct slab_heap *h, struct slab_class_stats out[SLAB_CLASSES]);
/*
 * Sets f up for objects of size bytes (1..SLAB_MAX_SIZE; objects take the
 * next power of two, at least 16, aligned like kmalloc's) and adds it to
 * h. SVSM_OK, or SVSM_EINVAL for a size out of range (f untouched).
 */
int slab_fixed_init(struct slab_fixed *f, struct slab_heap *h, const char *name, size_t size);
/* An object, or NULL when memory is out. cpu as for slab_heap_alloc. */
void *slab_fixed_alloc(struct slab_fixed *f, unsigned cpu);
/* NULL is ignored; anything but a live object of f is mm_panic() (kfree of one too). */
void slab_fixed_free(struct slab_fixed *f, unsigned cpu, void *p);
/* Returns f's magazines to its slabs. */
void slab_fixed_drain(struct slab_fixed *f);
/* Every slab's header, bitmap, states, counters, lists and magazine, of every class and fixed
 * cache; NULL if sound. Not concurrent. */
const char *slab_heap_check(struct slab_heap *h);
