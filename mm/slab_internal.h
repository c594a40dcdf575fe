/* SPDX-License-Identifier: MIT */
/* What mm/slab.c and mm/slab_fixed.c share; not an interface for anything else. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/x86.h"
#include "mm/slab.h"

/* A cache of 1 << shift-byte objects, its slab order and layout; mm_panic if slabs cannot be aligned. */
void slab_cache_setup(struct slab_cache *sc, uint32_t index, unsigned shift, const struct buddy *b);

/* Magazine refill to half / flush down to keep, under the cache's lock. */
__attribute__((noinline, cold)) void slab_mag_refill(struct slab_heap *h, struct slab_cache *sc,
						     struct slab_mag *m);
__attribute__((noinline, cold)) void slab_mag_flush(struct slab_heap *h, struct slab_cache *sc,
						    struct slab_mag *m, uint32_t keep);

/*
 * The slab header behind p (its cache a class of h or one of h's fixed
 * caches), or NULL for a large allocation (*large_pa, *large_ord set).
 * Anything else is mm_panic(what).
 */
struct slab_hdr *slab_owner(struct slab_heap *h, const void *p, const char *what,
			    uint64_t *large_pa, unsigned *large_ord);
/* Index of the allocated object at p in s, or mm_panic(what). */
unsigned slab_live_index(const struct slab_hdr *s, const void *p, const char *what);

/* Whether sc is one of h's fixed caches' (it may be any pointer). */
bool slab_fixed_known(struct slab_heap *h, const struct slab_cache *sc);

static inline struct slab_fixed *slab_fixed_of(struct slab_cache *sc)
{
	return (struct slab_fixed *)((uint8_t *)sc - __builtin_offsetof(struct slab_fixed, sc));
}

/* The header of the slab holding p, which must be an object of sc's. */
static inline struct slab_hdr *slab_hdr_of(const struct slab_cache *sc, const void *p)
{
	return (struct slab_hdr *)((uintptr_t)p & ~(uintptr_t)((PAGE_SIZE << sc->order) - 1));
}

static inline unsigned slab_index_in(const struct slab_cache *sc, const struct slab_hdr *s,
				     const void *p)
{
	return (unsigned)(((uintptr_t)p - (uintptr_t)s - sc->obj_off) >> sc->obj_shift);
}
