/* SPDX-License-Identifier: MIT */
/* Guest memory of the emulated machine (vsnp/gmem.h). */
#include "gmem.h"

#include "abi/x86.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "svsm/boot.h"
#include "svsm/errno.h"
#include "svsm/mm.h"

/*
 * The map is a 4-level table keyed by address: a GPA below 2^48 is its
 * key, sign-extended as a canonical address would be (the SNP VMSA's GPA
 * 0xFFFFFFFFF000 lands in the upper half). Above 2^48: not backed.
 */
#define GPA_LIMIT (1ull << 48)

static uint64_t key_of(uint64_t gpa)
{
	return (gpa & (1ull << 47)) ? gpa | 0xFFFF000000000000ull : gpa;
}

/*
 * Table pages (this map's, the RMP's and the nested views') come from the
 * machine's kernel heap, zeroed.
 */
uint64_t vsnp_table_page(void *ctx)
{
	uint64_t pa = buddy_alloc(mm_buddy(), 0);

	(void)ctx;
	if (pa != MM_PA_NONE)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

void *vsnp_table_va(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static void map_flush(void *ctx, uint64_t va)
{
	(void)ctx, (void)va; /* never loaded into CR3 or nCR3: nothing cached */
}

static void map_flush_all(void *ctx)
{
	(void)ctx;
}

static const struct pgtable_ops map_ops = { vsnp_table_page, vsnp_table_va, map_flush, map_flush_all, NULL };

int vsnp_gmem_init(struct vsnp_gmem *g, struct vsnp_hostram *ram, uint64_t max_pages, uint64_t large_below)
{
	if (large_below % LARGE_PAGE_SIZE != 0 || large_below >= GPA_LIMIT / 2)
		return SVSM_EINVAL;
	g->ram = ram;
	g->pages = 0;
	g->max_pages = max_pages;
	g->large_below = large_below;
	return pgt_init(&g->map, &map_ops, NULL, 0);
}

/* Backs the 2 MiB at gpa (aligned, below large_below, none of it backed) with one zeroed machine block. */
static int back_large(struct vsnp_gmem *g, uint64_t gpa, uint64_t *hpa)
{
	uint64_t pages = LARGE_PAGE_SIZE / PAGE_SIZE;

	if (g->max_pages - g->pages < pages)
		return SVSM_ENOMEM;

	uint64_t pa = vsnp_hostram_large(g->ram);

	if (pa == MM_PA_NONE)
		return SVSM_ENOMEM;
	if (pgt_map(&g->map, key_of(gpa), pa, LARGE_PAGE_SIZE, PGT_WRITE | PGT_LARGE) != SVSM_OK) {
		vsnp_hostram_free_large(g->ram, pa);
		return SVSM_ENOMEM;
	}
	g->pages += pages;
	*hpa = pa;
	return SVSM_OK;
}

int vsnp_gmem_find(struct vsnp_gmem *g, uint64_t gpa, void **va)
{
	uint64_t hpa;

	if ((gpa & (PAGE_SIZE - 1)) != 0 || gpa >= GPA_LIMIT ||
	    pgt_lookup(&g->map, key_of(gpa), &hpa, NULL) != SVSM_OK)
		return SVSM_ENOENT;
	*va = buddy_va(&g->ram->b, hpa);
	return SVSM_OK;
}

int vsnp_gmem_page(struct vsnp_gmem *g, uint64_t gpa, void **va, uint64_t *hpa)
{
	uint64_t pa;
	void *p;

	if ((gpa & (PAGE_SIZE - 1)) != 0 || gpa >= GPA_LIMIT)
		return SVSM_EINVAL;
	if (pgt_lookup(&g->map, key_of(gpa), &pa, NULL) == SVSM_OK) {
		p = buddy_va(&g->ram->b, pa);
	} else if (gpa < g->large_below) {
		uint64_t base = gpa & ~(LARGE_PAGE_SIZE - 1);
		int err = back_large(g, base, &pa);

		if (err != SVSM_OK)
			return err;
		pa += gpa - base;
		p = buddy_va(&g->ram->b, pa);
	} else {
		if (g->pages == g->max_pages)
			return SVSM_ENOMEM;
		pa = vsnp_hostram_page(g->ram, &p);
		if (pa == MM_PA_NONE)
			return SVSM_ENOMEM;
		if (pgt_map(&g->map, key_of(gpa), pa, PAGE_SIZE, PGT_WRITE) != SVSM_OK) {
			vsnp_hostram_free(g->ram, pa);
			return SVSM_ENOMEM;
		}
		g->pages++;
	}
	if (va != NULL)
		*va = p;
	if (hpa != NULL)
		*hpa = pa;
	return SVSM_OK;
}

int vsnp_gmem_backing(void *ctx, uint64_t gpa, uint64_t *hpa)
{
	return vsnp_gmem_page(ctx, gpa, NULL, hpa);
}

int vsnp_gmem_large(void *ctx, uint64_t gpa, uint64_t *hpa)
{
	struct vsnp_gmem *g = ctx;
	unsigned flags;

	if ((gpa & (LARGE_PAGE_SIZE - 1)) != 0 || gpa >= g->large_below)
		return SVSM_ENOENT;
	if (pgt_lookup(&g->map, key_of(gpa), hpa, &flags) == SVSM_OK)
		return (flags & PGT_LARGE) ? SVSM_OK : SVSM_ENOENT;
	return back_large(g, gpa, hpa);
}
