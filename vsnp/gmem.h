/* SPDX-License-Identifier: MIT */
/*
 * The emulated machine's guest memory: guest-physical pages backed by
 * pages of the machine's own RAM (vsnp/hostram.h), GPA -> HPA kept in a
 * 4-level table (mm/pgtable.c), so guest addresses are free of the
 * machine's own layout (svsm.img wants GPA 1 MiB, where vsnp.img itself
 * lives). What the guest may touch is not decided here: the nested views
 * (vsnp/npt.c) map a page only when the RMP allows it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "hostram.h"
#include "mm/pgtable.h"

struct vsnp_gmem {
	struct vsnp_hostram *ram; /* where backing pages come from */
	struct pgtable map;       /* GPA -> HPA of each backed page */
	uint64_t pages;           /* pages backed */
	uint64_t max_pages;       /* backing the machine gives at most */
	uint64_t large_below;     /* GPAs below it (guest RAM) are backed 2 MiB at a time */
};

/*
 * Backing for at most max_pages pages; below large_below (a multiple of
 * 2 MiB: the guest's RAM) a page's first use backs its whole 2 MiB with
 * one aligned machine block, so a nested view may map it as one 2 MiB
 * page (vsnp_gmem_large) and a guest walking its RAM faults once per
 * 2 MiB, not per page. SVSM_OK, SVSM_EINVAL, SVSM_ENOMEM.
 */
int vsnp_gmem_init(struct vsnp_gmem *g, struct vsnp_hostram *ram, uint64_t max_pages, uint64_t large_below);
/*
 * The machine's page behind gpa (page aligned, below 2^48), backed with a
 * zeroed page on first use: its mapped address in *va, its machine
 * address in *hpa (either may be NULL). SVSM_OK; SVSM_EINVAL (a bad
 * GPA), SVSM_ENOMEM (no backing left).
 */
int vsnp_gmem_page(struct vsnp_gmem *g, uint64_t gpa, void **va, uint64_t *hpa);
/* The page behind gpa if it is backed: SVSM_OK and *va, else SVSM_ENOENT. Never backs one. */
int vsnp_gmem_find(struct vsnp_gmem *g, uint64_t gpa, void **va);
/* A zeroed page for a table of the machine's (pgtable_ops alloc), and its address (pgtable_ops va). */
uint64_t vsnp_table_page(void *ctx);
void *vsnp_table_va(void *ctx, uint64_t pa);
/* vsnp_gmem_page as a nested view's backing callback (ctx: the gmem). */
int vsnp_gmem_backing(void *ctx, uint64_t gpa, uint64_t *hpa);
/*
 * A nested view's backing_large callback (ctx: the gmem): the machine
 * block behind the 2 MiB at gpa (2 MiB aligned, below large_below),
 * backed now if it was not. SVSM_OK; SVSM_ENOENT (not backed in one
 * block), SVSM_ENOMEM.
 */
int vsnp_gmem_large(void *ctx, uint64_t gpa, uint64_t *hpa);
