/* SPDX-License-Identifier: MIT */
/* The slab allocator (include/mm/slab.h for the design). */
#include "mm/slab.h"

#include "abi/x86.h"
#include "lib/string.h"
#include "mm/mm_panic.h"

_Static_assert(sizeof(struct slab_hdr) <= 128, "slab header fits before the objects");

static unsigned size_class(size_t size)
{
	unsigned c = 0;

	while (((size_t)SLAB_MIN_SIZE << c) < size)
		c++;
	return c;
}

static uint32_t objs_for(uint32_t order, uint32_t off, uint32_t size)
{
	uint32_t n = (uint32_t)(((PAGE_SIZE << order) - off) / size);

	return n > SLAB_MAX_OBJS ? SLAB_MAX_OBJS : n;
}

void slab_heap_init(struct slab_heap *h, struct buddy *b)
{
	memset(h, 0, sizeof(*h));
	h->buddy = b;
	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		struct slab_cache *sc = &h->caches[c];
		uint32_t size = SLAB_MIN_SIZE << c;
		uint32_t align = size < 64 ? size : 64;

		sc->obj_size = size;
		sc->obj_off = (uint32_t)((sizeof(struct slab_hdr) + align - 1) & ~(size_t)(align - 1));
		/* Smallest slab holding at least 8 objects keeps header overhead low. */
		while (objs_for(sc->order, sc->obj_off, size) < 8)
			sc->order++;
		sc->objs = objs_for(sc->order, sc->obj_off, size);
	}
}

/* ---- lists ---- */

static void list_add(struct slab_hdr **head, struct slab_hdr *s)
{
	s->prev = NULL;
	s->next = *head;
	if (*head != NULL)
		(*head)->prev = s;
	*head = s;
}

static void list_del(struct slab_hdr **head, struct slab_hdr *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		*head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

/* ---- slabs ---- */

static struct slab_hdr *slab_new(struct slab_heap *h, struct slab_cache *sc)
{
	uint64_t pa = buddy_alloc_as(h->buddy, sc->order, BUDDY_SLAB);

	if (pa == MM_PA_NONE)
		return NULL;

	struct buddy_zone *z;
	struct buddy_page *first = buddy_page_of(h->buddy, pa, &z);

	/* Tail pages point at the first page, so kfree of any object finds the header. */
	for (uint32_t t = 1; t < (1u << sc->order); t++)
		buddy_page_set(&first[t], BUDDY_SLAB_TAIL, 0, (uint32_t)(first - z->meta));

	struct slab_hdr *s = buddy_va(h->buddy, pa);

	memset(s, 0, sizeof(*s));
	s->magic = SLAB_MAGIC;
	s->cache = sc;
	for (uint32_t i = 0; i < sc->objs; i++)
		s->free_map[i / 64] |= 1ull << (i % 64);
	sc->slabs++;
	return s;
}

static void slab_release(struct slab_heap *h, struct slab_cache *sc, struct slab_hdr *s)
{
	uint64_t pa = buddy_pa(h->buddy, s);
	struct buddy_page *first = buddy_page_of(h->buddy, pa, NULL);

	s->magic = 0;
	for (uint32_t t = 1; t < (1u << sc->order); t++)
		buddy_page_set(&first[t], BUDDY_TAIL, 0, 0);
	sc->slabs--;
	buddy_free_as(h->buddy, pa, sc->order, BUDDY_SLAB);
}

/* ---- allocation ---- */

static unsigned large_order(size_t size)
{
	unsigned order = 0;

	while (order <= BUDDY_MAX_ORDER && (PAGE_SIZE << order) < size)
		order++;
	return order;
}

void *slab_heap_alloc(struct slab_heap *h, size_t size)
{
	if (size == 0)
		return NULL;
	if (size > SLAB_MAX_SIZE) {
		unsigned order = large_order(size);

		if (order > BUDDY_MAX_ORDER)
			return NULL;

		uint64_t pa = buddy_alloc_as(h->buddy, order, BUDDY_KMALLOC);

		return pa == MM_PA_NONE ? NULL : buddy_va(h->buddy, pa);
	}

	struct slab_cache *sc = &h->caches[size_class(size)];

	spin_lock(&sc->lock);
	struct slab_hdr *s = sc->partial;

	if (s == NULL) {
		s = slab_new(h, sc);
		if (s == NULL) {
			spin_unlock(&sc->lock);
			return NULL;
		}
		list_add(&sc->partial, s);
		sc->empty_slabs++;
	}
	unsigned w = 0;

	while (s->free_map[w] == 0)
		w++;

	unsigned bit = (unsigned)__builtin_ctzll(s->free_map[w]);

	s->free_map[w] &= ~(1ull << bit);
	if (s->inuse++ == 0)
		sc->empty_slabs--;
	if (s->inuse == sc->objs) {
		list_del(&sc->partial, s);
		list_add(&sc->full, s);
		s->on_full = 1;
	}
	sc->inuse++;
	spin_unlock(&sc->lock);
	return (uint8_t *)s + sc->obj_off + (size_t)(w * 64 + bit) * sc->obj_size;
}

/*
 * The slab header behind p, or NULL for a large allocation (*large_pa and
 * *large_order set). Anything else is a bad free.
 */
static struct slab_hdr *owner_of(struct slab_heap *h, const void *p, const char *what,
				 uint64_t *large_pa, unsigned *large_ord)
{
	uint64_t pa = buddy_pa(h->buddy, p);
	struct buddy_zone *z;
	struct buddy_page *pg = buddy_page_of(h->buddy, pa & ~(PAGE_SIZE - 1), &z);

	if (pg == NULL)
		mm_panic("%s(%p): not memory of the kernel heap", what, p);
	switch (buddy_page_state(pg)) {
	case BUDDY_KMALLOC:
		if (pa % PAGE_SIZE != 0)
			mm_panic("%s(%p): inside a large allocation, not its start", what, p);
		*large_pa = pa;
		*large_ord = buddy_page_order(pg);
		return NULL;
	case BUDDY_SLAB_TAIL:
		pg = &z->meta[buddy_page_link(pg)];
		/* fall through */
	case BUDDY_SLAB: {
		struct slab_hdr *s = buddy_va(h->buddy, (z->base_pfn + (uint64_t)(pg - z->meta))
								<< PAGE_SHIFT);

		if (s->magic != SLAB_MAGIC || s->cache < &h->caches[0] ||
		    s->cache >= &h->caches[SLAB_CLASSES])
			mm_panic("%s(%p): slab header at %p is corrupt", what, p, (void *)s);
		return s;
	}
	default:
		mm_panic("%s(%p): not a live allocation (page is free or not from kmalloc)", what,
			 p);
	}
}

/* Index of the object at p in s, or mm_panic if p is not an object's start. */
static uint32_t object_index(const struct slab_hdr *s, const void *p, const char *what)
{
	const struct slab_cache *sc = s->cache;
	uintptr_t off = (uintptr_t)p - (uintptr_t)s;

	if (off < sc->obj_off || (off - sc->obj_off) % sc->obj_size != 0 ||
	    (off - sc->obj_off) / sc->obj_size >= sc->objs)
		mm_panic("%s(%p): not the start of a %u-byte object", what, p, sc->obj_size);
	return (uint32_t)((off - sc->obj_off) / sc->obj_size);
}

void slab_heap_free(struct slab_heap *h, void *p)
{
	uint64_t lpa;
	unsigned lorder;

	if (p == NULL)
		return;

	struct slab_hdr *s = owner_of(h, p, "kfree", &lpa, &lorder);

	if (s == NULL) {
		buddy_free_as(h->buddy, lpa, lorder, BUDDY_KMALLOC);
		return;
	}

	struct slab_cache *sc = s->cache;
	uint32_t i = object_index(s, p, "kfree");

	spin_lock(&sc->lock);
	if (s->free_map[i / 64] & (1ull << (i % 64))) {
		spin_unlock(&sc->lock);
		mm_panic("kfree(%p): double free of a %u-byte object", p, sc->obj_size);
	}
	s->free_map[i / 64] |= 1ull << (i % 64);
	sc->inuse--;
	if (s->on_full) {
		list_del(&sc->full, s);
		list_add(&sc->partial, s);
		s->on_full = 0;
	}
	if (--s->inuse == 0) {
		if (sc->empty_slabs >= 1) {
			list_del(&sc->partial, s);
			slab_release(h, sc, s);
		} else {
			sc->empty_slabs++;
		}
	}
	spin_unlock(&sc->lock);
}

size_t slab_heap_usable_size(struct slab_heap *h, const void *p)
{
	uint64_t lpa;
	unsigned lorder;

	if (p == NULL)
		return 0;

	struct slab_hdr *s = owner_of(h, p, "usable_size", &lpa, &lorder);

	if (s == NULL)
		return (size_t)(PAGE_SIZE << lorder);
	(void)object_index(s, p, "usable_size");
	return s->cache->obj_size;
}

void slab_heap_stats(struct slab_heap *h, struct slab_class_stats out[SLAB_CLASSES])
{
	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		struct slab_cache *sc = &h->caches[c];

		spin_lock(&sc->lock);
		out[c].obj_size = sc->obj_size;
		out[c].slabs = sc->slabs;
		out[c].inuse = sc->inuse;
		out[c].capacity = sc->slabs * sc->objs;
		spin_unlock(&sc->lock);
	}
}

/* ---- consistency check ---- */

static const char *check_list(struct slab_heap *h, struct slab_cache *sc, struct slab_hdr *head,
			      bool full, uint64_t *slabs, uint64_t *inuse, uint32_t *empty)
{
	struct slab_hdr *prev = NULL;

	for (struct slab_hdr *s = head; s != NULL; prev = s, s = s->next) {
		uint32_t free_objs = 0;
		struct buddy_page *pg = buddy_page_of(h->buddy, buddy_pa(h->buddy, s), NULL);

		if (++*slabs > sc->slabs)
			return "a slab list is longer than the slab count (loop?)";
		if (s->magic != SLAB_MAGIC || s->cache != sc || s->prev != prev)
			return "a slab header is corrupt or on the wrong list";
		if (pg == NULL || buddy_page_state(pg) != BUDDY_SLAB || buddy_page_order(pg) != sc->order)
			return "a slab's pages are not marked as a slab of its order";
		for (uint32_t t = 1; t < (1u << sc->order); t++) {
			if (buddy_page_state(&pg[t]) != BUDDY_SLAB_TAIL)
				return "a slab's tail page is not marked";
		}
		/* Counted bit by bit: the kernel is built without libgcc's popcount. */
		for (unsigned w = 0; w < SLAB_MAP_WORDS; w++) {
			for (uint64_t m = s->free_map[w]; m != 0; m &= m - 1)
				free_objs++;
		}
		for (uint32_t i = sc->objs; i < SLAB_MAX_OBJS; i++) {
			if (s->free_map[i / 64] & (1ull << (i % 64)))
				return "a slab bitmap marks an object past the end as free";
		}
		if (free_objs + s->inuse != sc->objs)
			return "a slab's in-use count disagrees with its bitmap";
		if ((s->inuse == sc->objs) != full || s->on_full != (uint32_t)full)
			return "a slab is on the wrong list for its fill";
		if (s->inuse == 0)
			++*empty;
		*inuse += s->inuse;
	}
	return NULL;
}

const char *slab_heap_check(struct slab_heap *h)
{
	const char *why = NULL;

	for (unsigned c = 0; c < SLAB_CLASSES && why == NULL; c++) {
		struct slab_cache *sc = &h->caches[c];
		uint64_t slabs = 0, inuse = 0;
		uint32_t empty = 0;

		spin_lock(&sc->lock);
		why = check_list(h, sc, sc->partial, false, &slabs, &inuse, &empty);
		if (why == NULL)
			why = check_list(h, sc, sc->full, true, &slabs, &inuse, &empty);
		if (why == NULL && (slabs != sc->slabs || inuse != sc->inuse))
			why = "a size class's slab or object count is wrong";
		if (why == NULL && (empty != sc->empty_slabs || empty > 1))
			why = "more than one empty slab kept, or the empty count is wrong";
		spin_unlock(&sc->lock);
	}
	return why;
}
