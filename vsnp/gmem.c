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

static uint64_t map_alloc(void *ctx)
{
	uint64_t pa = buddy_alloc(mm_buddy(), 0);

	(void)ctx;
	if (pa != MM_PA_NONE)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

static void *map_va(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static void map_flush(void *ctx, uint64_t va)
{
	(void)ctx, (void)va; /* never loaded into CR3: nothing cached */
}

static void map_flush_all(void *ctx)
{
	(void)ctx;
}

static const struct pgtable_ops map_ops = { map_alloc, map_va, map_flush, map_flush_all, NULL };

int vsnp_gmem_init(struct vsnp_gmem *g, uint64_t max_pages)
{
	int err;

	g->pages = 0;
	g->max_pages = max_pages;
	err = pgt_init(&g->map, &map_ops, NULL, 0);
	return err == SVSM_OK ? pgt_init(&g->npt, &map_ops, NULL, 0) : err;
}

int vsnp_gmem_find(struct vsnp_gmem *g, uint64_t gpa, void **va)
{
	uint64_t hpa;

	if ((gpa & (PAGE_SIZE - 1)) != 0 || gpa >= GPA_LIMIT ||
	    pgt_lookup(&g->map, key_of(gpa), &hpa, NULL) != SVSM_OK)
		return SVSM_ENOENT;
	*va = phys_to_virt(hpa);
	return SVSM_OK;
}

int vsnp_gmem_page(struct vsnp_gmem *g, uint64_t gpa, bool guest, void **va)
{
	uint64_t hpa;

	if ((gpa & (PAGE_SIZE - 1)) != 0 || gpa >= GPA_LIMIT)
		return SVSM_EINVAL;
	if (vsnp_gmem_find(g, gpa, va) == SVSM_OK)
		return SVSM_OK;
	if (g->pages == g->max_pages)
		return SVSM_ENOMEM;
	hpa = map_alloc(NULL);
	if (hpa == MM_PA_NONE)
		return SVSM_ENOMEM;
	if (pgt_map(&g->map, key_of(gpa), hpa, PAGE_SIZE, PGT_WRITE) != SVSM_OK) {
		buddy_free(mm_buddy(), hpa, 0);
		return SVSM_ENOMEM;
	}
	/* Nested entries are walked as user accesses (APM vol.2 §15.25.5): U on every level. */
	if (guest && pgt_map(&g->npt, key_of(gpa), hpa, PAGE_SIZE, PGT_WRITE | PGT_EXEC | PGT_USER) != SVSM_OK) {
		(void)pgt_unmap(&g->map, key_of(gpa), PAGE_SIZE);
		buddy_free(mm_buddy(), hpa, 0);
		return SVSM_ENOMEM;
	}
	g->pages++;
	*va = phys_to_virt(hpa);
	return SVSM_OK;
}
