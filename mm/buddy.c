/* SPDX-License-Identifier: MIT */
/* The buddy allocator (include/mm/buddy.h for the design). */
#include "mm/buddy.h"

#include "abi/x86.h"
#include "lib/string.h"
#include "mm/mm_env.h"
#include "svsm/errno.h"

#define IDX_NONE 0x0FFFFFFFu
#define IDX_MASK BUDDY_META_IDX_MASK
#define PREV_SHIFT 28
#define ORDER_SHIFT BUDDY_META_ORDER_SHIFT
#define STATE_SHIFT BUDDY_META_STATE_SHIFT

static const char *const state_names[] = {
	"inside a block", "free", "allocated", "kmalloc", "slab", "slab tail", "reserved",
};

/* ---- metadata word accessors ---- */

static uint32_t page_prev(const struct buddy_page *p)
{
	return (uint32_t)((p->w >> PREV_SHIFT) & IDX_MASK);
}

static void page_set_links(struct buddy_page *p, uint32_t next, uint32_t prev)
{
	p->w = (p->w & ~((IDX_MASK << PREV_SHIFT) | IDX_MASK)) | ((uint64_t)prev << PREV_SHIFT) |
	       next;
}

void buddy_page_set(struct buddy_page *p, enum buddy_state s, unsigned order, uint32_t link)
{
	p->w = ((uint64_t)s << STATE_SHIFT) | ((uint64_t)order << ORDER_SHIFT) |
	       ((uint64_t)IDX_NONE << PREV_SHIFT) | (link & IDX_MASK);
}

/* ---- free lists (doubly linked through metadata) ---- */

static void list_push(struct buddy_zone *z, uint32_t idx, unsigned order)
{
	uint32_t head = z->free_head[order];

	buddy_page_set(&z->meta[idx], BUDDY_FREE, order, head);
	page_set_links(&z->meta[idx], head, IDX_NONE);
	if (head != IDX_NONE)
		page_set_links(&z->meta[head], buddy_page_link(&z->meta[head]), idx);
	z->free_head[order] = idx;
}

static void list_remove(struct buddy_zone *z, uint32_t idx, unsigned order)
{
	uint32_t next = buddy_page_link(&z->meta[idx]);
	uint32_t prev = page_prev(&z->meta[idx]);

	if (prev == IDX_NONE)
		z->free_head[order] = next;
	else
		page_set_links(&z->meta[prev], next, page_prev(&z->meta[prev]));
	if (next != IDX_NONE)
		page_set_links(&z->meta[next], buddy_page_link(&z->meta[next]), prev);
}

/* ---- zones ---- */

void buddy_init(struct buddy *b, uintptr_t va_offset)
{
	memset(b, 0, sizeof(*b));
	b->va_offset = va_offset;
}

static struct buddy_zone *zone_of(struct buddy *b, uint64_t pfn)
{
	for (unsigned i = 0; i < b->nzones; i++) {
		struct buddy_zone *z = &b->zones[i];

		if (pfn >= z->base_pfn && pfn - z->base_pfn < z->npages)
			return z;
	}
	return NULL;
}

bool buddy_owns(const struct buddy *b, uint64_t pa)
{
	return zone_of((struct buddy *)b, pa >> PAGE_SHIFT) != NULL;
}

/* Largest order whose block at pfn is aligned and ends by end_pfn. */
static unsigned fit_order(uint64_t pfn, uint64_t end_pfn)
{
	unsigned order = 0;

	while (order < BUDDY_MAX_ORDER && (pfn & ((2ull << order) - 1)) == 0 &&
	       end_pfn - pfn >= (2ull << order))
		order++;
	return order;
}

int buddy_add_zone(struct buddy *b, uint64_t start, uint64_t end)
{
	if ((start | end) % PAGE_SIZE != 0 || end <= start)
		return SVSM_EINVAL;

	uint64_t npages = (end - start) >> PAGE_SHIFT;
	uint64_t meta_pages = (npages * sizeof(struct buddy_page) + PAGE_SIZE - 1) >> PAGE_SHIFT;

	if (npages > BUDDY_MAX_ZONE_PAGES)
		return SVSM_EINVAL;
	for (unsigned i = 0; i < b->nzones; i++) {
		const struct buddy_zone *z = &b->zones[i];
		uint64_t zs = z->base_pfn << PAGE_SHIFT, ze = zs + (z->npages << PAGE_SHIFT);

		if (start < ze && zs < end)
			return SVSM_EINVAL;
	}
	if (b->nzones == BUDDY_MAX_ZONES || npages <= meta_pages)
		return SVSM_ENOSPC;

	spin_lock(&b->lock);
	struct buddy_zone *z = &b->zones[b->nzones++];

	z->base_pfn = start >> PAGE_SHIFT;
	z->npages = npages;
	z->meta_pages = meta_pages;
	z->meta = buddy_va(b, start);
	for (unsigned o = 0; o < BUDDY_ORDERS; o++)
		z->free_head[o] = IDX_NONE;
	for (uint64_t i = 0; i < meta_pages; i++)
		buddy_page_set(&z->meta[i], BUDDY_RESERVED, 0, IDX_NONE);

	/* Tile the rest with the largest aligned blocks that fit. */
	uint64_t end_pfn = z->base_pfn + npages;

	for (uint64_t pfn = z->base_pfn + meta_pages; pfn < end_pfn;) {
		unsigned order = fit_order(pfn, end_pfn);
		uint32_t idx = (uint32_t)(pfn - z->base_pfn);

		for (uint64_t t = 1; t < (1ull << order); t++)
			buddy_page_set(&z->meta[idx + t], BUDDY_TAIL, 0, IDX_NONE);
		list_push(z, idx, order);
		b->stats.free_blocks[order]++;
		pfn += 1ull << order;
	}
	b->stats.total_pages += npages - meta_pages;
	b->stats.free_pages += npages - meta_pages;
	b->stats.min_free_pages = b->stats.free_pages;
	b->stats.meta_bytes += meta_pages << PAGE_SHIFT;
	spin_unlock(&b->lock);
	return SVSM_OK;
}

/* ---- allocation ---- */

uint64_t buddy_alloc_as(struct buddy *b, unsigned order, enum buddy_state s)
{
	if (order > BUDDY_MAX_ORDER)
		return MM_PA_NONE;
	spin_lock(&b->lock);
	for (unsigned zi = 0; zi < b->nzones; zi++) {
		struct buddy_zone *z = &b->zones[zi];
		unsigned o = order;

		while (o <= BUDDY_MAX_ORDER && z->free_head[o] == IDX_NONE)
			o++;
		if (o > BUDDY_MAX_ORDER)
			continue;

		uint32_t idx = z->free_head[o];

		list_remove(z, idx, o);
		b->stats.free_blocks[o]--;
		/* Split: keep the lower half, free the upper half one order down. */
		while (o > order) {
			o--;
			list_push(z, idx + (1u << o), o);
			b->stats.free_blocks[o]++;
		}
		buddy_page_set(&z->meta[idx], s, order, IDX_NONE);
		b->stats.free_pages -= 1ull << order;
		if (b->stats.free_pages < b->stats.min_free_pages)
			b->stats.min_free_pages = b->stats.free_pages;
		spin_unlock(&b->lock);
		return (z->base_pfn + idx) << PAGE_SHIFT;
	}
	spin_unlock(&b->lock);
	return MM_PA_NONE;
}

uint64_t buddy_alloc(struct buddy *b, unsigned order)
{
	return buddy_alloc_as(b, order, BUDDY_ALLOC);
}

void buddy_free_as(struct buddy *b, uint64_t pa, unsigned order, enum buddy_state s)
{
	spin_lock(&b->lock);
	struct buddy_zone *z = zone_of(b, pa >> PAGE_SHIFT);

	/* Each report drops the lock first, so a test that survives mm_panic can go on. */
	if (z == NULL || pa % PAGE_SIZE != 0) {
		spin_unlock(&b->lock);
		mm_panic("buddy: free of 0x%llx: not a page the allocator owns",
			 (unsigned long long)pa);
	}

	uint32_t idx = (uint32_t)((pa >> PAGE_SHIFT) - z->base_pfn);
	struct buddy_page *p = &z->meta[idx];
	enum buddy_state st = buddy_page_state(p);

	if (st == BUDDY_FREE) {
		spin_unlock(&b->lock);
		mm_panic("buddy: double free of 0x%llx (order %u)", (unsigned long long)pa,
			 buddy_page_order(p));
	}
	if (st != s) {
		spin_unlock(&b->lock);
		mm_panic("buddy: free of 0x%llx as %s, but the page is %s",
			 (unsigned long long)pa, state_names[s],
			 st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st]
									    : "corrupt");
	}
	if (buddy_page_order(p) != order) {
		spin_unlock(&b->lock);
		mm_panic("buddy: free of 0x%llx with order %u, allocated with order %u",
			 (unsigned long long)pa, order, buddy_page_order(p));
	}

	b->stats.free_pages += 1ull << order;
	/* Merge with the buddy while it is a whole free block of the same order. */
	uint64_t pfn = pa >> PAGE_SHIFT;

	while (order < BUDDY_MAX_ORDER) {
		uint64_t bpfn = pfn ^ (1ull << order);

		if (bpfn < z->base_pfn || bpfn + (1ull << order) > z->base_pfn + z->npages)
			break;

		uint32_t bidx = (uint32_t)(bpfn - z->base_pfn);
		struct buddy_page *bp = &z->meta[bidx];

		if (buddy_page_state(bp) != BUDDY_FREE || buddy_page_order(bp) != order)
			break;
		list_remove(z, bidx, order);
		b->stats.free_blocks[order]--;
		/* The upper half's first page becomes an ordinary tail page. */
		buddy_page_set(&z->meta[(bpfn > pfn ? bpfn : pfn) - z->base_pfn], BUDDY_TAIL, 0,
			       IDX_NONE);
		pfn &= ~(1ull << order);
		order++;
	}
	list_push(z, (uint32_t)(pfn - z->base_pfn), order);
	b->stats.free_blocks[order]++;
	spin_unlock(&b->lock);
}

void buddy_free(struct buddy *b, uint64_t pa, unsigned order)
{
	buddy_free_as(b, pa, order, BUDDY_ALLOC);
}

void buddy_get_stats(struct buddy *b, struct buddy_stats *out)
{
	spin_lock(&b->lock);
	*out = b->stats;
	spin_unlock(&b->lock);
}

/* ---- consistency check ---- */

static const char *check_zone(const struct buddy_zone *z, uint64_t *free_pages,
			      uint64_t *blocks)
{
	uint64_t listed[BUDDY_ORDERS] = { 0 };
	uint64_t heads[BUDDY_ORDERS] = { 0 };

	for (uint64_t i = 0; i < z->meta_pages; i++) {
		if (buddy_page_state(&z->meta[i]) != BUDDY_RESERVED)
			return "a metadata page is not reserved";
	}
	for (uint64_t i = z->meta_pages; i < z->npages;) {
		const struct buddy_page *p = &z->meta[i];
		enum buddy_state s = buddy_page_state(p);
		unsigned order = buddy_page_order(p);
		uint64_t pfn = z->base_pfn + i;

		if (s == BUDDY_TAIL || s == BUDDY_SLAB_TAIL || s == BUDDY_RESERVED || s > BUDDY_RESERVED)
			return "a page outside every block";
		if (order > BUDDY_MAX_ORDER || (pfn & ((1ull << order) - 1)) != 0 ||
		    i + (1ull << order) > z->npages)
			return "a block is misaligned or runs past its zone";
		for (uint64_t t = 1; t < (1ull << order); t++) {
			enum buddy_state ts = buddy_page_state(&z->meta[i + t]);

			if (ts != BUDDY_TAIL && !(s == BUDDY_SLAB && ts == BUDDY_SLAB_TAIL &&
						  buddy_page_link(&z->meta[i + t]) == i))
				return "a block's inner page has a block state";
		}
		if (s == BUDDY_FREE) {
			uint64_t bpfn = pfn ^ (1ull << order);

			heads[order]++;
			*free_pages += 1ull << order;
			if (order < BUDDY_MAX_ORDER && bpfn >= z->base_pfn &&
			    bpfn + (1ull << order) <= z->base_pfn + z->npages) {
				const struct buddy_page *bp = &z->meta[bpfn - z->base_pfn];

				if (buddy_page_state(bp) == BUDDY_FREE &&
				    buddy_page_order(bp) == order)
					return "two free buddies were not merged";
			}
		}
		i += 1ull << order;
	}
	for (unsigned o = 0; o < BUDDY_ORDERS; o++) {
		uint32_t prev = IDX_NONE;

		for (uint32_t idx = z->free_head[o]; idx != IDX_NONE;
		     idx = buddy_page_link(&z->meta[idx])) {
			if (idx >= z->npages || listed[o] > heads[o])
				return "a free list runs outside its zone or loops";
			if (buddy_page_state(&z->meta[idx]) != BUDDY_FREE ||
			    buddy_page_order(&z->meta[idx]) != o)
				return "a free list holds a block that is not free at its order";
			if (page_prev(&z->meta[idx]) != prev)
				return "a free list's back link is wrong";
			prev = idx;
			listed[o]++;
		}
		if (listed[o] != heads[o])
			return "free lists and free blocks disagree";
		blocks[o] += listed[o];
	}
	return NULL;
}

const char *buddy_check(struct buddy *b)
{
	uint64_t free_pages = 0, blocks[BUDDY_ORDERS] = { 0 };
	const char *why = NULL;

	spin_lock(&b->lock);
	for (unsigned i = 0; i < b->nzones && why == NULL; i++)
		why = check_zone(&b->zones[i], &free_pages, blocks);
	if (why == NULL && free_pages != b->stats.free_pages)
		why = "the free-page counter is wrong";
	for (unsigned o = 0; o < BUDDY_ORDERS && why == NULL; o++) {
		if (blocks[o] != b->stats.free_blocks[o])
			why = "a per-order free-block counter is wrong";
	}
	spin_unlock(&b->lock);
	return why;
}
