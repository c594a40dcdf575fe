/* SPDX-License-Identifier: MIT */
/*
 * The emulated machine's guest memory: guest-physical pages backed by
 * pages of the machine's own RAM, GPA -> HPA kept in a 4-level table
 * (mm/pgtable.c), so guest addresses are free of the machine's own layout
 * (svsm.img wants GPA 1 MiB, where vsnp.img itself lives). Later the
 * nested page tables are derived from this map and the RMP.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "mm/pgtable.h"

struct vsnp_gmem {
	struct pgtable map; /* GPA -> HPA of each backed page */
	struct pgtable npt; /* the nested page table: the backed pages the guest may touch (not its VMSAs) */
	uint64_t pages;     /* pages backed */
	uint64_t max_pages; /* backing the machine gives at most */
};

/* SVSM_OK, SVSM_ENOMEM. */
int vsnp_gmem_init(struct vsnp_gmem *g, uint64_t max_pages);
/*
 * The machine's page behind gpa (page aligned, below 2^48), backed with a
 * zeroed page on first use: its direct-map address in *va. With guest, a
 * new page is also mapped in the nested table (read, write, execute; a
 * VMSA is not). SVSM_OK; SVSM_EINVAL (a bad GPA), SVSM_ENOMEM (no backing
 * left).
 */
int vsnp_gmem_page(struct vsnp_gmem *g, uint64_t gpa, bool guest, void **va);
/* The page behind gpa if it is backed: SVSM_OK and *va, else SVSM_ENOENT. Never backs one. */
int vsnp_gmem_find(struct vsnp_gmem *g, uint64_t gpa, void **va);
