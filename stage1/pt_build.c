/* SPDX-License-Identifier: MIT */
/* Page-table construction for the hand-over (APM vol.2 §5.3, long-mode 4-level paging). */
#include "pt_build.h"

#include <stddef.h>

#include "abi/x86.h"
#include "lib/string.h"
#include "phys.h"

/* Non-leaf entries grant everything; rights are restricted at the leaves. */
#define PT_TABLE_FLAGS (PTE_P | PTE_W)
#define PT_LEAF_FLAGS_ALLOWED (PTE_W | PTE_U | PTE_G | PTE_NX)

static uint64_t *table_at(uint64_t pa)
{
	return phys_ptr(pa, PAGE_SIZE);
}

static uint64_t entry_pa(const struct pt_builder *b, uint64_t e)
{
	return (e & PTE_ADDR_MASK) & ~b->enc_mask;
}

static const char *alloc_table(struct pt_builder *b, uint64_t *pa)
{
	if (b->used_pages == b->pool_pages)
		return "page-table pool exhausted";

	uint64_t t = b->pool_pa + b->used_pages * PAGE_SIZE;
	uint64_t *p = table_at(t);

	if (p == NULL)
		return "page-table pool is not addressable";
	memset(p, 0, PAGE_SIZE);
	b->used_pages++;
	*pa = t;
	return NULL;
}

const char *pt_init(struct pt_builder *b, uint64_t pool_pa, uint64_t pool_pages,
		    uint64_t enc_mask)
{
	b->pool_pa = pool_pa;
	b->pool_pages = pool_pages;
	b->used_pages = 0;
	b->enc_mask = enc_mask;
	if (pool_pa % PAGE_SIZE != 0)
		return "page-table pool is not page aligned";
	if ((enc_mask & ~PTE_ADDR_MASK) != 0 || (enc_mask & (enc_mask - 1)) != 0)
		return "encryption mask is not a single address bit";
	return alloc_table(b, &b->pml4_pa);
}

/* Returns the next-level table under entry `idx` of `table`, creating it. */
static const char *descend(struct pt_builder *b, uint64_t table_pa, unsigned idx,
			   uint64_t *next_pa)
{
	uint64_t *t = table_at(table_pa);

	if (t == NULL)
		return "page table is not addressable";
	if (t[idx] & PTE_P) {
		if (t[idx] & PTE_PS)
			return "mapping overlaps an existing large page";
		*next_pa = entry_pa(b, t[idx]);
		return NULL;
	}

	const char *why = alloc_table(b, next_pa);

	if (why != NULL)
		return why;
	t[idx] = *next_pa | b->enc_mask | PT_TABLE_FLAGS;
	return NULL;
}

static const char *map_one(struct pt_builder *b, uint64_t va, uint64_t pa, uint64_t flags,
			   bool large)
{
	uint64_t pdpt, pd, pt;
	const char *why;

	why = descend(b, b->pml4_pa, PML4_INDEX(va), &pdpt);
	if (why == NULL)
		why = descend(b, pdpt, PDPT_INDEX(va), &pd);
	if (why != NULL)
		return why;

	uint64_t leaf = pa | b->enc_mask | PTE_P | flags;

	if (large) {
		uint64_t *d = table_at(pd);

		if (d[PD_INDEX(va)] & PTE_P)
			return "address is already mapped";
		d[PD_INDEX(va)] = leaf | PTE_PS;
		return NULL;
	}
	why = descend(b, pd, PD_INDEX(va), &pt);
	if (why != NULL)
		return why;

	uint64_t *p = table_at(pt);

	if (p[PT_INDEX(va)] & PTE_P)
		return "address is already mapped";
	p[PT_INDEX(va)] = leaf;
	return NULL;
}

static bool canonical(uint64_t va)
{
	uint64_t top = va >> 47;

	return top == 0 || top == 0x1FFFF;
}

const char *pt_map_range(struct pt_builder *b, uint64_t va, uint64_t pa, uint64_t len,
			 uint64_t flags)
{
	if ((va | pa | len) % PAGE_SIZE != 0)
		return "mapping is not page aligned";
	if ((flags & ~PT_LEAF_FLAGS_ALLOWED) != 0)
		return "mapping flags are not leaf rights";
	if (len == 0 || pa + len < pa || ((pa + len - 1) & ~(PTE_ADDR_MASK | (PAGE_SIZE - 1))) != 0 ||
	    ((pa + len - 1) & b->enc_mask) != 0)
		return "physical range is invalid or collides with the encryption bit";
	if (va + len - 1 < va || !canonical(va) || !canonical(va + len - 1) ||
	    (va >> 47) != ((va + len - 1) >> 47))
		return "virtual range is not canonical";

	while (len > 0) {
		bool large = (va % LARGE_PAGE_SIZE) == 0 && (pa % LARGE_PAGE_SIZE) == 0 &&
			     len >= LARGE_PAGE_SIZE;
		uint64_t step = large ? LARGE_PAGE_SIZE : PAGE_SIZE;
		const char *why = map_one(b, va, pa, flags, large);

		if (why != NULL)
			return why;
		va += step;
		pa += step;
		len -= step;
	}
	return NULL;
}

bool pt_lookup(const struct pt_builder *b, uint64_t va, uint64_t *pa, uint64_t *flags,
	       uint64_t *page_size)
{
	static const unsigned shifts[4] = { 39, 30, 21, 12 };
	uint64_t table = b->pml4_pa;

	for (int level = 0; level < 4; level++) {
		const uint64_t *t = table_at(table);

		if (t == NULL)
			return false;

		uint64_t e = t[(va >> shifts[level]) & 0x1FF];

		if (!(e & PTE_P))
			return false;
		bool leaf = level == 3 || (level == 2 && (e & PTE_PS));

		if (leaf) {
			uint64_t size = 1ull << shifts[level];

			*pa = (entry_pa(b, e) & ~(size - 1)) | (va & (size - 1));
			*flags = e & (PTE_P | PTE_W | PTE_U | PTE_G | PTE_NX | PTE_PS);
			*page_size = size;
			return true;
		}
		if (e & PTE_PS)
			return false; /* 1 GiB pages are never built here */
		table = entry_pa(b, e);
	}
	return false;
}
