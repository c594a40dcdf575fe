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
