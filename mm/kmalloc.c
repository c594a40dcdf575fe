/* SPDX-License-Identifier: MIT */
#include "mm/kmalloc.h"

#include "lib/string.h"
#include "mm/mm_env.h"

static struct slab_heap kheap;

void kmalloc_init(struct buddy *b)
{
	slab_heap_init(&kheap, b);
}

struct slab_heap *kmalloc_heap(void)
{
	return &kheap;
}

void *kmalloc(size_t size)
{
	return slab_heap_alloc(&kheap, mm_cpu_index(), size);
}

void *kzalloc(size_t size)
{
	void *p = slab_heap_alloc(&kheap, mm_cpu_index(), size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	slab_heap_free(&kheap, mm_cpu_index(), p);
}

int kcache_init(struct slab_fixed *f, const char *name, size_t size)
{
	return slab_fixed_init(f, &kheap, name, size);
}

void *kcache_alloc(struct slab_fixed *f)
{
	return slab_fixed_alloc(f, mm_cpu_index());
}

void kcache_free(struct slab_fixed *f, void *p)
{
	slab_fixed_free(f, mm_cpu_index(), p);
}
