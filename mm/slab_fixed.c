/* SPDX-License-Identifier: MIT */
/* Fixed-size caches on the slab allocator (include/mm/slab.h). */
#include "lib/string.h"
#include "mm/mm_env.h"
#include "mm/slab.h"
#include "slab_internal.h"
#include "svsm/errno.h"

int slab_fixed_init(struct slab_fixed *f, struct slab_heap *h, const char *name, size_t size)
{
	unsigned shift = 4;

	if (size == 0 || size > SLAB_MAX_SIZE)
		return SVSM_EINVAL;
	while ((1ull << shift) < size)
		shift++;
	memset(f, 0, sizeof(*f));
	slab_cache_setup(&f->sc, SLAB_FIXED_INDEX, shift, h->buddy);
	f->name = name;
	f->heap = h;
	f->requested = size;
	f->slab_mask = ~(uintptr_t)((PAGE_SIZE << f->sc.order) - 1);
	f->obj_end = (uintptr_t)f->sc.objs << f->sc.obj_shift;
	_Static_assert((BUDDY_SLAB ^ BUDDY_SLAB_TAIL) == 1, "slab head and tail states differ in one bit");
	f->page_tag = (uint8_t)(BUDDY_SLAB_TAIL << 4 | f->sc.order);
	f->va_offset = h->buddy->va_offset;
	if (h->buddy->nzones > 0) {
		f->zone_base_pfn = h->buddy->zones[0].base_pfn;
		f->zone_npages = h->buddy->zones[0].npages;
		f->zone_meta = h->buddy->zones[0].meta;
	}
	spin_lock(&h->fixed_lock);
	f->next = h->fixed;
	h->fixed = f;
	spin_unlock(&h->fixed_lock);
	return SVSM_OK;
}

bool slab_fixed_known(struct slab_heap *h, const struct slab_cache *sc)
{
	bool known = false;

	spin_lock(&h->fixed_lock);
	for (const struct slab_fixed *f = h->fixed; f != NULL && !known; f = f->next)
		known = &f->sc == sc;
	spin_unlock(&h->fixed_lock);
	return known;
}

static __attribute__((noinline)) void *fixed_alloc_slow(struct slab_fixed *f, unsigned cpu)
{
	if (cpu >= SLAB_MAX_CPUS)
		mm_panic("slab: CPU index %u beyond SLAB_MAX_CPUS", cpu);

	struct slab_mag *m = &f->mags[cpu];

	slab_mag_refill(f->heap, &f->sc, m);
	if (m->count == 0)
		return NULL;

	void *p = m->obj[--m->count];
	struct slab_hdr *s = slab_hdr_of(&f->sc, p);

	s->state[slab_index_in(&f->sc, s, p)] = SLAB_OBJ_ALLOC;
	return p;
}

/*
 * A magazine hit. Nothing here waits on the object's memory: the
 * magazine is the caller's cache's, so the next allocation depends only
 * on the magazine.
 */
void *slab_fixed_alloc(struct slab_fixed *f, unsigned cpu)
{
	if (__builtin_expect(cpu >= SLAB_MAX_CPUS, 0))
		return fixed_alloc_slow(f, cpu);

	struct slab_mag *m = &f->mags[cpu];
	uint64_t n = m->count;

	if (__builtin_expect(n == 0, 0))
		return fixed_alloc_slow(f, cpu);

	void *p = m->obj[n - 1];
	uint8_t *s = (uint8_t *)((uintptr_t)p & f->slab_mask);

	m->count = n - 1;
	((struct slab_hdr *)s)->state[((uintptr_t)p - (uintptr_t)s - f->sc.obj_off) >> f->sc.obj_shift] =
		SLAB_OBJ_ALLOC;
	return p;
}

/* The whole check with its reports, and the flush of a full magazine. */
static __attribute__((noinline)) void fixed_free_slow(struct slab_fixed *f, unsigned cpu, void *p)
{
	uint64_t lpa = 0;
	unsigned lorder = 0;

	if (p == NULL)
		return;

	struct slab_hdr *s = slab_owner(f->heap, p, "slab_fixed_free", &lpa, &lorder);

	if (s == NULL || s->cache != &f->sc)
		mm_panic("slab_fixed_free(%s, %p): not an object of this cache (%s)", f->name, p,
			 s == NULL ? "a large kmalloc block"
			 : s->cache->index == SLAB_FIXED_INDEX ? "another fixed-size cache's"
							       : "a kmalloc object");
	if (cpu >= SLAB_MAX_CPUS)
		mm_panic("slab: CPU index %u beyond SLAB_MAX_CPUS", cpu);

	struct slab_mag *m = &f->mags[cpu];

	s->state[slab_live_index(s, p, "slab_fixed_free")] = SLAB_OBJ_CACHED;
	if (m->count == SLAB_MAG_SIZE)
		slab_mag_flush(f->heap, &f->sc, m, SLAB_MAG_SIZE / 2);
	m->obj[m->count++] = p;
}

/*
 * The same checks as kfree, in an order whose loads of the object's
 * memory (page metadata, slab header, state byte) nothing after them
 * waits for: p lies in the heap's first zone, on a page of a slab of this
 * cache's order (else its header may not be at the mask: slow path), the
 * header there has the magic and names this cache, p starts an object,
 * and the object is allocated (a second free finds it cached or free). Anything else, and NULL, goes to fixed_free_slow,
 * which decides and reports.
 */
void slab_fixed_free(struct slab_fixed *f, unsigned cpu, void *p)
{
	uint64_t pfn = ((uintptr_t)p - f->va_offset) >> PAGE_SHIFT;

	if (__builtin_expect(pfn - f->zone_base_pfn >= f->zone_npages || cpu >= SLAB_MAX_CPUS, 0))
		return fixed_free_slow(f, cpu, p);

	/* A slab page of this cache's order (head or tail): then the header is at the mask. */
	uint8_t tag = (uint8_t)(f->zone_meta[pfn - f->zone_base_pfn].w >> BUDDY_META_ORDER_SHIFT);
	struct slab_hdr *s = (struct slab_hdr *)((uintptr_t)p & f->slab_mask);
	uintptr_t rel = (uintptr_t)p - (uintptr_t)s - f->sc.obj_off;
	uintptr_t i = rel >> f->sc.obj_shift;
	struct slab_mag *m = &f->mags[cpu];
	uint64_t n = m->count;

	if (__builtin_expect((uint8_t)(tag | 0x10) != f->page_tag, 0))
		return fixed_free_slow(f, cpu, p);
	if (__builtin_expect(s->magic != SLAB_MAGIC || s->cache != &f->sc ||
			     (rel & (f->sc.obj_size - 1)) != 0 || rel >= f->obj_end ||
			     s->state[i] != SLAB_OBJ_ALLOC || n == SLAB_MAG_SIZE, 0))
		return fixed_free_slow(f, cpu, p);
	s->state[i] = SLAB_OBJ_CACHED;
	m->obj[n] = p;
	m->count = n + 1;
}

void slab_fixed_drain(struct slab_fixed *f)
{
	for (unsigned cpu = 0; cpu < SLAB_MAX_CPUS; cpu++) {
		if (f->mags[cpu].count != 0)
			slab_mag_flush(f->heap, &f->sc, &f->mags[cpu], 0);
	}
}
