/* SPDX-License-Identifier: MIT */
/*
 * Page-table pages for host tests of pgtable users (vsnp's nested table):
 * a fixed array handed out at fake physical addresses from
 * TABLE_POOL_BASE, so a table address can never be mistaken for modelled
 * guest memory. Running out answers ~0 (MM_PA_NONE), as the kernel's
 * allocator does. Flushes are no-ops: there is no TLB on the host.
 */
#ifndef TESTS_TABLE_POOL_H
#define TESTS_TABLE_POOL_H

#include <stdint.h>
#include <string.h>

#include "mm/pgtable.h"

#define TABLE_POOL_BASE 0x10000000000ull
#define TABLE_POOL_PAGE 4096ull

struct table_pool {
	uint8_t (*pages)[4096];
	unsigned count, used;
};

static inline uint64_t table_pool_alloc(void *ctx)
{
	struct table_pool *p = ctx;

	if (p->used == p->count)
		return ~0ull;
	memset(p->pages[p->used], 0, TABLE_POOL_PAGE);
	return TABLE_POOL_BASE + TABLE_POOL_PAGE * p->used++;
}

static inline void *table_pool_va(void *ctx, uint64_t pa)
{
	struct table_pool *p = ctx;

	return p->pages[(pa - TABLE_POOL_BASE) / TABLE_POOL_PAGE];
}

static inline void table_pool_flush(void *ctx, uint64_t va)
{
	(void)ctx, (void)va;
}

static inline void table_pool_flush_all(void *ctx)
{
	(void)ctx;
}

static const struct pgtable_ops table_pool_ops = {
	table_pool_alloc, table_pool_va, table_pool_flush, table_pool_flush_all, NULL,
};

#endif
