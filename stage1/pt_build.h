/* SPDX-License-Identifier: MIT */
/*
 * Builds the 4-level page tables the kernel starts on, from a pool of
 * physical pages, reached through phys_ptr(). Leaves are 2 MiB wherever
 * address alignment and length allow, 4 KiB otherwise. Every table pointer
 * and leaf carries the platform's encryption mask (the SEV C-bit, or 0).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct pt_builder {
	uint64_t pool_pa;
	uint64_t pool_pages;
	uint64_t used_pages;
	uint64_t enc_mask;
	uint64_t pml4_pa;
};

const char *pt_init(struct pt_builder *b, uint64_t pool_pa, uint64_t pool_pages,
		    uint64_t enc_mask);

/*
 * Maps [va, va + len) to [pa, pa + len); va, pa and len page aligned.
 * flags: any of PTE_W, PTE_U, PTE_G, PTE_NX (PTE_P is implied). Mapping an
 * address that is already mapped is refused.
 */
const char *pt_map_range(struct pt_builder *b, uint64_t va, uint64_t pa, uint64_t len,
			 uint64_t flags);

/* Walks the tables: the physical address va maps to, its leaf flags and page size. */
bool pt_lookup(const struct pt_builder *b, uint64_t va, uint64_t *pa, uint64_t *flags,
	       uint64_t *page_size);
