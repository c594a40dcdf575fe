/* SPDX-License-Identifier: MIT */
/* The emulated machine's RAM for guests (vsnp/hostram.h). */
#include "hostram.h"

#include "abi/x86.h"
#include "lib/string.h"
#include "svsm/boot.h"
#include "svsm/errno.h"
#include "svsm/mm.h"

int vsnp_hostram_init(struct vsnp_hostram *h)
{
	const struct memmap *free_ram = mm_guest_memory(); /* RAM the kernel core does not use */
	uint64_t best_s = 0, best_e = 0;
	int err;

	for (unsigned i = 0; i < free_ram->count; i++) {
		uint64_t s = (free_ram->r[i].start + LARGE_PAGE_SIZE - 1) & ~(LARGE_PAGE_SIZE - 1);
		uint64_t e = free_ram->r[i].end & ~(LARGE_PAGE_SIZE - 1);

		if (e > s && e - s > best_e - best_s)
			best_s = s, best_e = e;
	}
	if (best_e == best_s)
		return SVSM_ENOMEM;
	/* Reached where the direct map would have it; the kernel core's direct map covers only its own memory. */
	err = pgt_map(vm_kernel_pt(), SVSM_DIRECT_MAP_BASE + best_s, best_s, best_e - best_s,
		      PGT_WRITE | PGT_GLOBAL | PGT_LARGE);
	if (err != SVSM_OK)
		return err;
	buddy_init(&h->b, SVSM_DIRECT_MAP_BASE);
	err = buddy_add_zone(&h->b, best_s, best_e);
	if (err != SVSM_OK)
		return err;
	h->start = best_s;
	h->end = best_e;
	return SVSM_OK;
}

uint64_t vsnp_hostram_page(struct vsnp_hostram *h, void **va)
{
	uint64_t pa = buddy_alloc(&h->b, 0);

	if (pa == MM_PA_NONE)
		return MM_PA_NONE;
	*va = buddy_va(&h->b, pa);
	memset(*va, 0, PAGE_SIZE);
	return pa;
}

void vsnp_hostram_free(struct vsnp_hostram *h, uint64_t pa)
{
	buddy_free(&h->b, pa, 0);
}

#define LARGE_ORDER (LARGE_PAGE_SHIFT - PAGE_SHIFT) /* a 2 MiB block of the buddy allocator */

uint64_t vsnp_hostram_large(struct vsnp_hostram *h)
{
	uint64_t pa = buddy_alloc(&h->b, LARGE_ORDER);

	if (pa == MM_PA_NONE)
		return MM_PA_NONE;
	if ((pa & (LARGE_PAGE_SIZE - 1)) != 0) {
		/* Only from a zone that is not 2 MiB aligned, which vsnp_hostram_init never makes. */
		buddy_free(&h->b, pa, LARGE_ORDER);
		return MM_PA_NONE;
	}
	memset(buddy_va(&h->b, pa), 0, LARGE_PAGE_SIZE);
	return pa;
}

void vsnp_hostram_free_large(struct vsnp_hostram *h, uint64_t pa)
{
	buddy_free(&h->b, pa, LARGE_ORDER);
}
