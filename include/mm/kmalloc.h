/* SPDX-License-Identifier: MIT */
/* The kernel heap: one slab heap over the kernel's buddy allocator. */
#pragma once

#include <stddef.h>

#include "mm/buddy.h"
#include "mm/slab.h"

/* Called once, when the buddy allocator holds the SVSM's memory. */
void kmalloc_init(struct buddy *b);
struct slab_heap *kmalloc_heap(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

/* Fixed-size caches on the kernel heap (include/mm/slab.h), for the running CPU. */
int kcache_init(struct slab_fixed *f, const char *name, size_t size);
void *kcache_alloc(struct slab_fixed *f);
void kcache_free(struct slab_fixed *f, void *p);
