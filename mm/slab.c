/* SPDX-License-Identifier: MIT */
/* The slab allocator (include/mm/slab.h for the design). */
#include "mm/slab.h"

#include "abi/x86.h"
#include "lib/string.h"
#include "mm/mm_env.h"
#include "slab_internal.h"

_Static_assert(sizeof(struct slab_hdr) <= 384, "slab header leaves room for 8 objects per slab");

/* 1..16 -> 0 (16 B), 17..32 -> 1, ..., 1025..2048 -> 7. */
static inline unsigned size_class(size_t size)
{
	return size <= SLAB_MIN_SIZE ? 0 : (unsigned)(64 - __builtin_clzll(size - 1)) - 4;
}

static uint32_t objs_for(uint32_t order, uint32_t off, uint32_t size)
{
	uint32_t n = (uint32_t)(((PAGE_SIZE << order) - off) / size);

	return n > SLAB_MAX_OBJS ? SLAB_MAX_OBJS : n;
}

void slab_cache_setup(struct slab_cache *sc, uint32_t index, unsigned shift, const struct buddy *b)
{
	uint32_t size = 1u << shift;
	uint32_t align = size < 64 ? size : 64;

	memset(sc, 0, sizeof(*sc));
	sc->index = index;
	sc->obj_size = size;
	sc->obj_shift = shift;
	sc->obj_off = (uint32_t)((sizeof(struct slab_hdr) + align - 1) & ~(size_t)(align - 1));
	/* Smallest slab holding at least 8 objects keeps header overhead low. */
	while (objs_for(sc->order, sc->obj_off, size) < 8)
		sc->order++;
	sc->objs = objs_for(sc->order, sc->obj_off, size);
	/* A slab's header is found by masking an object's address: slabs must be VA-aligned. */
	if ((b->va_offset & ((PAGE_SIZE << sc->order) - 1)) != 0)
		mm_panic("slab: buddy va_offset 0x%llx does not keep %llu-byte slabs aligned",
			 (unsigned long long)b->va_offset, (unsigned long long)(PAGE_SIZE << sc->order));
}

void slab_heap_init(struct slab_heap *h, struct buddy *b)
{
	memset(h, 0, sizeof(*h));
	h->buddy = b;
	for (unsigned c = 0; c < SLAB_CLASSES; c++)
		slab_cache_setup(&h->caches[c], c, 4 + c, b);
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

/* ---- slabs (class lock held) ---- */

static struct slab_hdr *slab_new(struct slab_heap *h, struct slab_cache *sc)
{
	uint64_t pa = buddy_alloc_as(h->buddy, sc->order, BUDDY_SLAB);

	if (pa == MM_PA_NONE)
		return NULL;

	struct buddy_zone *z;
	struct buddy_page *first = buddy_page_of(h->buddy, pa, &z);

	/*
	 * Tail pages point at the first page and carry the slab's order, so
	 * kfree of any object finds its slab's header by masking its address.
	 */
	for (uint32_t t = 1; t < (1u << sc->order); t++)
		buddy_page_set(&first[t], BUDDY_SLAB_TAIL, sc->order, (uint32_t)(first - z->meta));

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

/* Takes one free object out of the slabs, marked cached; NULL when memory is out. */
static void *slab_take(struct slab_heap *h, struct slab_cache *sc)
{
	struct slab_hdr *s = sc->partial;

	if (s == NULL) {
		s = slab_new(h, sc);
		if (s == NULL)
			return NULL;
		list_add(&sc->partial, s);
		sc->empty_slabs++;
	}
	unsigned w = 0;

	while (s->free_map[w] == 0)
		w++;

	unsigned i = w * 64 + (unsigned)__builtin_ctzll(s->free_map[w]);

	s->free_map[w] &= ~(1ull << (i % 64));
	s->state[i] = SLAB_OBJ_CACHED;
	if (s->inuse++ == 0)
		sc->empty_slabs--;
	if (s->inuse == sc->objs) {
		list_del(&sc->partial, s);
		list_add(&sc->full, s);
		s->on_full = 1;
	}
	sc->inuse++;
	return (uint8_t *)s + sc->obj_off + ((size_t)i << sc->obj_shift);
}


/* Returns a cached object to its slab. */
static void slab_put(struct slab_heap *h, struct slab_cache *sc, void *p)
{
	struct slab_hdr *s = slab_hdr_of(sc, p);
	unsigned i = slab_index_in(sc, s, p);

	s->state[i] = SLAB_OBJ_FREE;
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
}

/* ---- per-CPU magazines ---- */

static inline struct slab_mag *my_mag(struct slab_heap *h, unsigned cpu, unsigned c)
{
	if (cpu >= SLAB_MAX_CPUS)
		mm_panic("slab: CPU index %u beyond SLAB_MAX_CPUS", cpu);
	return &h->mags[cpu][c];
}

void slab_mag_refill(struct slab_heap *h, struct slab_cache *sc, struct slab_mag *m)
{
	spin_lock(&sc->lock);
	while (m->count < SLAB_MAG_SIZE / 2) {
		void *p = slab_take(h, sc);

		if (p == NULL)
			break;
		m->obj[m->count++] = p;
	}
	spin_unlock(&sc->lock);
}

void slab_mag_flush(struct slab_heap *h, struct slab_cache *sc, struct slab_mag *m, uint32_t keep)
{
	spin_lock(&sc->lock);
	while (m->count > keep)
		slab_put(h, sc, m->obj[--m->count]);
	spin_unlock(&sc->lock);
}

/* ---- allocation ---- */

static unsigned large_order(size_t size)
{
	unsigned order = 0;

	while (order <= BUDDY_MAX_ORDER && (PAGE_SIZE << order) < size)
		order++;
	return order;
}

/* Everything but a magazine hit: large allocations, size 0, refills, bad CPU indexes. */
static __attribute__((noinline)) void *alloc_slow(struct slab_heap *h, unsigned cpu, size_t size)
{
	if (size - 1 >= SLAB_MAX_SIZE) { /* 0, or a large allocation */
		if (size == 0)
			return NULL;

		unsigned order = large_order(size);

		if (order > BUDDY_MAX_ORDER)
			return NULL;

		uint64_t pa = buddy_alloc_as(h->buddy, order, BUDDY_KMALLOC);

		return pa == MM_PA_NONE ? NULL : buddy_va(h->buddy, pa);
	}

	unsigned c = size_class(size);
	struct slab_cache *sc = &h->caches[c];
	struct slab_mag *m = my_mag(h, cpu, c);

	if (m->count == 0) {
		slab_mag_refill(h, sc, m);
		if (m->count == 0)
			return NULL;
	}

	uint64_t n = m->count - 1;
	void *p = m->obj[n];

	m->count = n;
	struct slab_hdr *s = slab_hdr_of(sc, p);

	s->state[slab_index_in(sc, s, p)] = SLAB_OBJ_ALLOC;
	return p;
}

/*
 * The fast path: a hit in this CPU's magazine. No call, no lock; the
 * object's state byte says "allocated" from here on.
 */
void *slab_heap_alloc(struct slab_heap *h, unsigned cpu, size_t size)
{
	if (__builtin_expect(size - 1 >= SLAB_MAX_SIZE || cpu >= SLAB_MAX_CPUS, 0))
		return alloc_slow(h, cpu, size);

	unsigned c = size_class(size);
	struct slab_mag *m = &h->mags[cpu][c];
	uint64_t n = m->count;

	if (__builtin_expect(n == 0, 0))
		return alloc_slow(h, cpu, size);

	void *p = m->obj[n - 1];
	const struct slab_cache *sc = &h->caches[c];
	struct slab_hdr *s = slab_hdr_of(sc, p);

	m->count = n - 1;
	s->state[slab_index_in(sc, s, p)] = SLAB_OBJ_ALLOC;
	return p;
}

/*
 * The slab header behind p, or NULL for a large allocation (*large_pa and
 * *large_order set). Anything else is a bad free.
 */
struct slab_hdr *slab_owner(struct slab_heap *h, const void *p, const char *what,
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
	case BUDDY_SLAB: {
		/* Every page of a slab carries its order; slabs are aligned to their size. */
		struct slab_hdr *s = (struct slab_hdr *)((uintptr_t)p &
							 ~(uintptr_t)((PAGE_SIZE << buddy_page_order(pg)) - 1));

		if (s->magic != SLAB_MAGIC ||
		    ((s->cache < &h->caches[0] || s->cache >= &h->caches[SLAB_CLASSES]) &&
		     !slab_fixed_known(h, s->cache)))
			mm_panic("%s(%p): slab header at %p is corrupt", what, p, (void *)s);
		return s;
	}
	default:
		mm_panic("%s(%p): not a live allocation (page is free or not from kmalloc)", what,
			 p);
	}
}

/* Index of the allocated object at p in s, or mm_panic. */
unsigned slab_live_index(const struct slab_hdr *s, const void *p, const char *what)
{
	const struct slab_cache *sc = s->cache;
	uintptr_t off = (uintptr_t)p - (uintptr_t)s;

	if (off < sc->obj_off || ((off - sc->obj_off) & (sc->obj_size - 1)) != 0 ||
	    ((off - sc->obj_off) >> sc->obj_shift) >= sc->objs)
		mm_panic("%s(%p): not the start of a %u-byte object", what, p, sc->obj_size);

	unsigned i = (unsigned)((off - sc->obj_off) >> sc->obj_shift);

	if (s->state[i] != SLAB_OBJ_ALLOC)
		mm_panic("%s(%p): double free or stale pointer: the %u-byte object is %s", what, p,
			 sc->obj_size, s->state[i] == SLAB_OBJ_CACHED ? "already freed (cached)"
			 : s->state[i] == SLAB_OBJ_FREE ? "already freed" : "corrupt");
	return i;
}

/* The whole check with its reports, large blocks, flushes: what the fast path does not take. */
static __attribute__((noinline)) void free_slow(struct slab_heap *h, unsigned cpu, void *p)
{
	uint64_t lpa = 0;
	unsigned lorder = 0;

	if (p == NULL)
		return;

	struct slab_hdr *s = slab_owner(h, p, "kfree", &lpa, &lorder);

	if (s == NULL) {
		buddy_free_as(h->buddy, lpa, lorder, BUDDY_KMALLOC);
		return;
	}
	if (s->cache->index == SLAB_FIXED_INDEX)
		mm_panic("kfree(%p): an object of the fixed-size cache '%s' (slab_fixed_free takes it)",
			 p, slab_fixed_of(s->cache)->name);

	struct slab_cache *sc = s->cache;
	struct slab_mag *m = my_mag(h, cpu, sc->index);

	s->state[slab_live_index(s, p, "kfree")] = SLAB_OBJ_CACHED;
	uint64_t n = m->count;

	if (n == SLAB_MAG_SIZE) {
		slab_mag_flush(h, sc, m, SLAB_MAG_SIZE / 2);
		n = m->count;
	}
	m->obj[n] = p;
	m->count = n + 1;
}

/*
 * The fast path: an object of the first zone going back into a magazine
 * with room. It makes the same checks as free_slow, in an order that
 * needs no call: the page is a slab's (its metadata), the header at the
 * slab's aligned start has the magic and names one of this heap's
 * classes, p is the start of an object, and that object is allocated
 * (not cached or free: a double free). Anything else, and NULL, goes to
 * free_slow, which decides and reports.
 */
void slab_heap_free(struct slab_heap *h, unsigned cpu, void *p)
{
	const struct buddy *b = h->buddy;
	const struct buddy_zone *z = &b->zones[0];
	uint64_t pfn = ((uintptr_t)p - b->va_offset) >> PAGE_SHIFT;

	if (__builtin_expect(pfn - z->base_pfn >= z->npages || b->nzones == 0 || cpu >= SLAB_MAX_CPUS, 0))
		return free_slow(h, cpu, p);

	uint64_t w = z->meta[pfn - z->base_pfn].w;
	unsigned state = (unsigned)(w >> BUDDY_META_STATE_SHIFT);

	if (__builtin_expect(state != BUDDY_SLAB && state != BUDDY_SLAB_TAIL, 0))
		return free_slow(h, cpu, p);

	unsigned order = (unsigned)((w >> BUDDY_META_ORDER_SHIFT) & 0xF);
	struct slab_hdr *s = (struct slab_hdr *)((uintptr_t)p & ~(uintptr_t)((PAGE_SIZE << order) - 1));
	struct slab_cache *sc = s->cache;

	if (__builtin_expect(s->magic != SLAB_MAGIC ||
			     (uintptr_t)sc - (uintptr_t)h->caches >= sizeof(h->caches), 0))
		return free_slow(h, cpu, p);

	uintptr_t rel = (uintptr_t)p - (uintptr_t)s - sc->obj_off;
	uintptr_t i = rel >> sc->obj_shift;
	struct slab_mag *m = &h->mags[cpu][sc->index];
	uint64_t n = m->count;

	if (__builtin_expect(&h->caches[sc->index & (SLAB_CLASSES - 1)] != sc ||
			     (rel & (sc->obj_size - 1)) != 0 || i >= sc->objs ||
			     s->state[i] != SLAB_OBJ_ALLOC || n == SLAB_MAG_SIZE, 0))
		return free_slow(h, cpu, p);
	s->state[i] = SLAB_OBJ_CACHED;
	m->obj[n] = p;
	m->count = n + 1;
}

size_t slab_heap_usable_size(struct slab_heap *h, const void *p)
{
	uint64_t lpa = 0;
	unsigned lorder = 0;

	if (p == NULL)
		return 0;

	struct slab_hdr *s = slab_owner(h, p, "usable_size", &lpa, &lorder);

	if (s == NULL)
		return (size_t)(PAGE_SIZE << lorder);
	(void)slab_live_index(s, p, "usable_size");
	return s->cache->obj_size;
}

void slab_heap_drain(struct slab_heap *h)
{
	for (unsigned cpu = 0; cpu < SLAB_MAX_CPUS; cpu++) {
		for (unsigned c = 0; c < SLAB_CLASSES; c++) {
			if (h->mags[cpu][c].count != 0)
				slab_mag_flush(h, &h->caches[c], &h->mags[cpu][c], 0);
		}
	}
}

/* The magazine of cpu in front of sc: the heap's [cpu][class], or a fixed cache's [cpu]. */
static struct slab_mag *mag_for(struct slab_heap *h, struct slab_cache *sc, unsigned cpu)
{
	return sc->index == SLAB_FIXED_INDEX ? &slab_fixed_of(sc)->mags[cpu] : &h->mags[cpu][sc->index];
}

static uint64_t cached_in_mags(struct slab_heap *h, struct slab_cache *sc)
{
	uint64_t n = 0;

	for (unsigned cpu = 0; cpu < SLAB_MAX_CPUS; cpu++)
		n += mag_for(h, sc, cpu)->count;
	return n;
}

void slab_heap_stats(struct slab_heap *h, struct slab_class_stats out[SLAB_CLASSES])
{
	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		struct slab_cache *sc = &h->caches[c];

		spin_lock(&sc->lock);
		out[c].obj_size = sc->obj_size;
		out[c].slabs = sc->slabs;
		out[c].cached = cached_in_mags(h, sc);
		out[c].inuse = sc->inuse - out[c].cached;
		out[c].capacity = sc->slabs * sc->objs;
		spin_unlock(&sc->lock);
	}
}

/* ---- consistency check ---- */

static const char *check_list(struct slab_heap *h, struct slab_cache *sc, struct slab_hdr *head,
			      bool full, uint64_t *slabs, uint64_t *inuse, uint64_t *cached,
			      uint32_t *empty)
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
		for (uint32_t i = 0; i < SLAB_MAX_OBJS; i++) {
			bool is_free = (s->free_map[i / 64] >> (i % 64)) & 1;

			if (i >= sc->objs && (is_free || s->state[i] != SLAB_OBJ_FREE))
				return "a slab tracks an object past its end";
			if (i >= sc->objs)
				continue;
			if (is_free != (s->state[i] == SLAB_OBJ_FREE) || s->state[i] > SLAB_OBJ_CACHED)
				return "a slab's bitmap and object states disagree";
			free_objs += is_free;
			*cached += s->state[i] == SLAB_OBJ_CACHED;
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

static const char *check_mags(struct slab_heap *h, struct slab_cache *sc)
{
	for (unsigned cpu = 0; cpu < SLAB_MAX_CPUS; cpu++) {
		const struct slab_mag *m = mag_for(h, sc, cpu);

		if (m->count > SLAB_MAG_SIZE)
			return "a magazine count is out of range";
		for (uint32_t k = 0; k < m->count; k++) {
			const struct slab_hdr *s = slab_hdr_of(sc, m->obj[k]);

			if (s->magic != SLAB_MAGIC || s->cache != sc ||
			    s->state[slab_index_in(sc, s, m->obj[k])] != SLAB_OBJ_CACHED)
				return "a magazine holds an object that is not cached in its class";
		}
	}
	return NULL;
}

/* One cache's slabs, counters and magazines, under its lock. */
static const char *check_cache(struct slab_heap *h, struct slab_cache *sc)
{
	uint64_t slabs = 0, inuse = 0, cached = 0;
	uint32_t empty = 0;
	const char *why;

	spin_lock(&sc->lock);
	why = check_list(h, sc, sc->partial, false, &slabs, &inuse, &cached, &empty);
	if (why == NULL)
		why = check_list(h, sc, sc->full, true, &slabs, &inuse, &cached, &empty);
	if (why == NULL && (slabs != sc->slabs || inuse != sc->inuse))
		why = "a size class's slab or object count is wrong";
	if (why == NULL && (empty != sc->empty_slabs || empty > 1))
		why = "more than one empty slab kept, or the empty count is wrong";
	if (why == NULL && cached != cached_in_mags(h, sc))
		why = "cached objects and magazine contents disagree";
	if (why == NULL)
		why = check_mags(h, sc);
	spin_unlock(&sc->lock);
	return why;
}

const char *slab_heap_check(struct slab_heap *h)
{
	const char *why = NULL;

	for (unsigned c = 0; c < SLAB_CLASSES && why == NULL; c++)
		why = check_cache(h, &h->caches[c]);
	spin_lock(&h->fixed_lock);
	for (struct slab_fixed *f = h->fixed; f != NULL && why == NULL; f = f->next)
		why = check_cache(h, &f->sc);
	spin_unlock(&h->fixed_lock);
	return why;
}
