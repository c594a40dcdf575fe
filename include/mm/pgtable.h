/* SPDX-License-Identifier: MIT */
/*
 * 4-level x86-64 page tables (AMD APM vol.2 §5.3): map, unmap, re-protect
 * and look up 4 KiB and 2 MiB pages. Portable: the kernel gives real page
 * allocation and INVLPG through pgtable_ops; host tests give simulated
 * memory and record the flushes.
 *
 * Addresses are plain numbers here: the same code maps SVSM virtual
 * addresses (svsm/mm), guest physical ones (vsnp's nested tables) and
 * vsnp's guest-memory index; the callers' own entry points carry the
 * address types (include/svsm/addr.h: tmpmap takes a paddr_t).
 *
 * Rules the code keeps:
 *  - map refuses a range in which anything is already mapped (SVSM_EEXIST);
 *  - unmap and protect split a 2 MiB page that the range covers only in
 *    part; a split maps the same addresses with the same rights, so a
 *    failed split (SVSM_ENOMEM) leaves the translation unchanged;
 *  - map rolls back what it mapped if it runs out of table pages;
 *  - every present leaf that changes is flushed (flush_page) before the
 *    call returns, or with one flush_all when more than
 *    PGT_FLUSH_ALL_PAGES pages change (docs/ARCHITECTURE.md §TLB policy);
 *  - table pages are never freed by unmap (their number is bounded by the
 *    address space the SVSM uses; freeing would need a shootdown of the
 *    paging-structure caches of every CPU sharing them); pgt_prune frees
 *    the empty ones of a range whose tables no other root shares and no
 *    other CPU caches (a CPL3 task's user half);
 *  - intermediate entries are present, writable, executable, carry the
 *    encryption bit, and user only if a user leaf below needs it: the leaf
 *    decides the rights.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/spinlock.h"

#define PGT_WRITE (1u << 0)
#define PGT_EXEC (1u << 1)   /* absent: NX */
#define PGT_USER (1u << 2)
#define PGT_GLOBAL (1u << 3)
#define PGT_ENC (1u << 4)    /* set the platform's encryption bit (the SEV C-bit) */
#define PGT_LARGE (1u << 5)  /* map: 2 MiB pages allowed where aligned; lookup: a 2 MiB page */
/*
 * The frame is not the mapper's (a page of the kernel image mapped into a
 * task): whoever tears the tables down must not free it, and it is never
 * writable through this table (pgt_map refuses PGT_WRITE with it,
 * pgt_protect refuses to add PGT_WRITE to it). 4 KiB pages only. Kept in
 * PTE_BORROWED, one of the entry's bits left to software.
 */
#define PGT_BORROWED (1u << 6)
#define PTE_BORROWED (1ull << 9) /* APM vol.2 §5.4.1: bits 11:9 of a leaf are available to software */
#define PGT_RIGHTS (PGT_WRITE | PGT_EXEC | PGT_USER | PGT_GLOBAL)

#define PGT_FLUSH_ALL_PAGES 64
#define PGT_MAX_PA (1ull << 52) /* APM vol.2 §5.3.3: 52-bit physical addresses */

struct pgtable_ops {
	/* A zeroed page for a table: its physical address, or MM_PA_NONE. */
	uint64_t (*alloc_table)(void *ctx);
	/* Where the code can read and write the table at pa. */
	void *(*table_va)(void *ctx, uint64_t pa);
	/* A present translation of va changed (4 KiB or the 2 MiB page holding va). */
	void (*flush_page)(void *ctx, uint64_t va);
	/* Many changed: drop every non-global and global translation. */
	void (*flush_all)(void *ctx);
	/* A table page pgt_prune took out (after flush_all): give it back. NULL: nothing is pruned. */
	void (*free_table)(void *ctx, uint64_t pa);
};

struct pgtable {
	uint64_t root_pa;
	uint64_t enc_mask; /* the C-bit as a PTE mask; 0 without memory encryption */
	const struct pgtable_ops *ops;
	void *ctx;
	/*
	 * Serialises pgt_map, pgt_unmap, pgt_protect and pgt_prune: CPUs that
	 * change the same tables at once (the SVSM's APs splitting one 2 MiB
	 * page of the direct map as each shares its GHCB page) would otherwise
	 * lose each other's table. pgt_lookup reads without it.
	 */
	struct spinlock lock;
};

/* Allocates the top-level table. SVSM_OK, SVSM_ENOMEM, or SVSM_EINVAL for a bad enc_mask. */
int pgt_init(struct pgtable *pt, const struct pgtable_ops *ops, void *ctx, uint64_t enc_mask);

/*
 * Maps [va, va + size) to [pa, pa + size) with flags (PGT_*). All page
 * aligned, size > 0, va range canonical and not crossing the hole, pa below
 * PGT_MAX_PA and clear of the encryption bit: else SVSM_EINVAL. SVSM_EEXIST
 * if any page is mapped already; SVSM_ENOMEM (nothing mapped) if table
 * pages run out. SVSM_EINVAL too for PGT_BORROWED with PGT_WRITE or
 * PGT_LARGE.
 */
int pgt_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned flags);
/* Unmaps every mapped page of the range (holes are fine). SVSM_EINVAL, SVSM_ENOMEM (split). */
int pgt_unmap(struct pgtable *pt, uint64_t va, uint64_t size);
/*
 * Sets the rights (PGT_RIGHTS part of flags) of every page of the range,
 * keeping the frame, the encryption bit and PGT_BORROWED. Nothing changes
 * if a page of the range is not mapped (SVSM_ENOENT) or if flags has
 * PGT_WRITE and a page is borrowed (SVSM_EPERM); SVSM_EINVAL, SVSM_ENOMEM
 * (split).
 */
int pgt_protect(struct pgtable *pt, uint64_t va, uint64_t size, unsigned flags);
/*
 * Frees every table page below the root that maps nothing and lies in
 * [va, va + size) or holds only such tables: its entry above is cleared,
 * the translations flushed (flush_all, the paging-structure caches), then
 * the page goes to free_table. The root is never freed. Only for tables
 * this root alone uses and no other CPU caches (the caller's promise).
 * SVSM_EINVAL for a bad range or no free_table; else SVSM_OK with *freed
 * (may be NULL) the number of table pages given back.
 */
int pgt_prune(struct pgtable *pt, uint64_t va, uint64_t size, unsigned *freed);
/*
 * The translation of va: SVSM_OK with *pa (of va itself, encryption bit
 * stripped), *flags (PGT_*, PGT_LARGE for a 2 MiB page), or SVSM_ENOENT.
 * Any out-pointer may be NULL.
 */
int pgt_lookup(const struct pgtable *pt, uint64_t va, uint64_t *pa, unsigned *flags);

/*
 * Whether any page of [va, va + size) is mapped (a read-only walk that
 * skips absent tables, so an empty range costs little whatever its size).
 * false for a bad range. Without the lock, as pgt_lookup.
 */
bool pgt_range_mapped(const struct pgtable *pt, uint64_t va, uint64_t size);

/* PML4 index of va, and the address of a PML4 slot (for layouts). */
static inline unsigned pgt_pml4_index(uint64_t va)
{
	return (unsigned)((va >> 39) & 511);
}
