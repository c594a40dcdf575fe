/* SPDX-License-Identifier: MIT */
/*
 * The buddy allocator: physical pages in power-of-two blocks, order 0
 * (4 KiB) to BUDDY_MAX_ORDER (4 MiB). Blocks are aligned to their size in
 * physical address space, so an order-9 block is a 2 MiB page that 2 MiB
 * PVALIDATE and RMPADJUST accept. Portable: kernel and host tests.
 *
 * Memory comes in zones (contiguous page ranges). Each zone keeps 8 bytes
 * of metadata per page at its own start; the allocator never stores
 * anything inside free pages, so a stray write into freed memory cannot
 * corrupt the free lists. Every operation is O(BUDDY_MAX_ORDER) plus a scan
 * of at most BUDDY_MAX_ZONES zones.
 *
 * Freeing a block twice, or an address the allocator did not hand out, is
 * a kernel bug: mm_panic() reports it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/spinlock.h"

#define BUDDY_MAX_ORDER 10
#define BUDDY_ORDERS (BUDDY_MAX_ORDER + 1)
#define BUDDY_MAX_ZONES 8
/* Page indices within a zone are 28 bits (struct buddy_page); the last is "none". */
#define BUDDY_MAX_ZONE_PAGES 0x0FFFFFFFull
#define MM_PA_NONE (~0ull)

/* What a page's metadata says about it. Only a block's first page carries a block state. */
enum buddy_state {
	BUDDY_TAIL = 0,     /* inside a block; the block's first page says what it is */
	BUDDY_FREE = 1,     /* first page of a free block on the free list of its order */
	BUDDY_ALLOC = 2,    /* first page of a block handed out by buddy_alloc */
	BUDDY_KMALLOC = 3,  /* first page of a block behind a large kmalloc */
	BUDDY_SLAB = 4,     /* first page of a slab (mm/slab.c) */
	BUDDY_SLAB_TAIL = 5,/* further page of a slab; link field = slab's first page */
	BUDDY_RESERVED = 6, /* holds the zone's own metadata; never handed out */
};

/*
 * 8 bytes per page: bits 0-27 next / link, 28-55 previous, 56-59 order,
 * 60-63 state. Free-list links are page indices within the zone.
 */
struct buddy_page {
	uint64_t w;
};
_Static_assert(sizeof(struct buddy_page) == 8, "metadata is 8 bytes per page");

struct buddy_zone {
	uint64_t base_pfn;  /* first page of the zone (its metadata comes first) */
	uint64_t npages;    /* pages in the zone, metadata included */
	uint64_t meta_pages;
	struct buddy_page *meta;
	uint32_t free_head[BUDDY_ORDERS];
};

struct buddy_stats {
	uint64_t total_pages; /* pages available for allocation (metadata excluded) */
	uint64_t free_pages;
	uint64_t min_free_pages; /* the fewest free pages since the last zone was added (the peak in use) */
	uint64_t free_blocks[BUDDY_ORDERS];
	uint64_t meta_bytes;  /* metadata of all zones */
};

struct buddy {
	/*
	 * Guards everything below (free lists, zone metadata, counters).
	 * Innermost of the memory locks: taken inside a slab cache's lock and
	 * a page table's (docs/ARCHITECTURE.md, Locks); nothing is called out
	 * while it is held.
	 */
	struct spinlock lock;
	/* Virtual address of physical address pa is pa + va_offset (kernel: the direct map). */
	uintptr_t va_offset;
	unsigned nzones;
	struct buddy_zone zones[BUDDY_MAX_ZONES];
	struct buddy_stats stats;
};

void buddy_init(struct buddy *b, uintptr_t va_offset);

/*
 * Hands the pages of [start, end) (page aligned, reachable at pa + va_offset)
 * to the allocator; the first pages hold the zone's metadata. SVSM_EINVAL
 * for an unaligned, empty, wrapping or too large range, or one that
 * overlaps a zone; SVSM_ENOSPC when BUDDY_MAX_ZONES zones exist or the
 * range is too small to hold its metadata and one page. Unchanged on error.
 */
int buddy_add_zone(struct buddy *b, uint64_t start, uint64_t end);

/* A block of 2^order pages: its physical address, or MM_PA_NONE if none is free. */
uint64_t buddy_alloc(struct buddy *b, unsigned order);
/* Frees a block from buddy_alloc of that order; anything else is mm_panic(). */
void buddy_free(struct buddy *b, uint64_t pa, unsigned order);

static inline void *buddy_va(const struct buddy *b, uint64_t pa)
{
	return (void *)(uintptr_t)(pa + b->va_offset);
}

static inline uint64_t buddy_pa(const struct buddy *b, const void *va)
{
	return (uint64_t)((uintptr_t)va - b->va_offset);
}

/* True if pa lies in a zone (allocated or not). */
bool buddy_owns(const struct buddy *b, uint64_t pa);
void buddy_get_stats(struct buddy *b, struct buddy_stats *out);

/*
 * Full consistency check, O(pages): blocks tile each zone, free lists hold
 * exactly the free blocks, no two free buddies are left unmerged, counters
 * agree. NULL if sound, else what is wrong. For tests and debug builds.
 */
const char *buddy_check(struct buddy *b);

/*
 * For the slab allocator (same subsystem). Inline because kfree runs them
 * on every call.
 */
#define BUDDY_META_IDX_MASK 0x0FFFFFFFull
#define BUDDY_META_ORDER_SHIFT 56
#define BUDDY_META_STATE_SHIFT 60

static inline enum buddy_state buddy_page_state(const struct buddy_page *p)
{
	return (enum buddy_state)(p->w >> BUDDY_META_STATE_SHIFT);
}

static inline unsigned buddy_page_order(const struct buddy_page *p)
{
	return (unsigned)((p->w >> BUDDY_META_ORDER_SHIFT) & 0xF);
}

/* Free-list successor, or a slab tail page's first page. */
static inline uint32_t buddy_page_link(const struct buddy_page *p)
{
	return (uint32_t)(p->w & BUDDY_META_IDX_MASK);
}

/* A page's metadata, or NULL outside every zone (*zone set when zone is not NULL). */
static inline struct buddy_page *buddy_page_of(struct buddy *b, uint64_t pa,
					       struct buddy_zone **zone)
{
	uint64_t pfn = pa >> 12;

	for (unsigned i = 0; i < b->nzones; i++) {
		struct buddy_zone *z = &b->zones[i];

		if (pfn - z->base_pfn < z->npages) {
			if (zone != NULL)
				*zone = z;
			return &z->meta[pfn - z->base_pfn];
		}
	}
	if (zone != NULL)
		*zone = NULL;
	return NULL;
}

void buddy_page_set(struct buddy_page *p, enum buddy_state s, unsigned order, uint32_t link);
/* Allocates like buddy_alloc and marks the block's first page with state s. */
uint64_t buddy_alloc_as(struct buddy *b, unsigned order, enum buddy_state s);
/* Frees a block whose first page has state s; a different state is mm_panic(). */
void buddy_free_as(struct buddy *b, uint64_t pa, unsigned order, enum buddy_state s);
