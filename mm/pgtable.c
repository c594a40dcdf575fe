/* SPDX-License-Identifier: MIT */
/* 4-level page tables (include/mm/pgtable.h for the rules). */
#include "mm/pgtable.h"

#include "abi/x86.h"
#include "mm/buddy.h"
#include "svsm/errno.h"

#define ENTRIES 512
#define LEVEL_SHIFT(l) (PAGE_SHIFT + 9 * ((l) - 1)) /* level 1 = PT ... 4 = PML4 */
#define LEVEL_SPAN(l) (1ull << LEVEL_SHIFT(l))
#define CANON_LOW_END 0x0000800000000000ull
#define CANON_HIGH_START 0xFFFF800000000000ull
/* Table entries: P, W; the leaf decides the rest (APM vol.2 §5.6: rights are the AND of all levels). */
#define TABLE_FLAGS (PTE_P | PTE_W)
#define LEAF_RIGHTS (PTE_W | PTE_U | PTE_G | PTE_NX)

static unsigned idx(uint64_t va, int level)
{
	return (unsigned)((va >> LEVEL_SHIFT(level)) & 511);
}

static uint64_t *table(const struct pgtable *pt, uint64_t pa)
{
	return pt->ops->table_va(pt->ctx, pa);
}

static uint64_t entry_pa(const struct pgtable *pt, uint64_t e, bool large)
{
	return e & (large ? PTE_ADDR_MASK_2M : PTE_ADDR_MASK) & ~pt->enc_mask;
}

static uint64_t rights_bits(unsigned flags)
{
	return ((flags & PGT_WRITE) ? PTE_W : 0) | ((flags & PGT_USER) ? PTE_U : 0) |
	       ((flags & PGT_GLOBAL) ? PTE_G : 0) | ((flags & PGT_EXEC) ? 0 : PTE_NX);
}

static unsigned flags_of(const struct pgtable *pt, uint64_t e, bool large)
{
	return ((e & PTE_W) ? PGT_WRITE : 0) | ((e & PTE_U) ? PGT_USER : 0) |
	       ((e & PTE_G) ? PGT_GLOBAL : 0) | ((e & PTE_NX) ? 0 : PGT_EXEC) |
	       ((pt->enc_mask != 0 && (e & pt->enc_mask) == pt->enc_mask) ? PGT_ENC : 0) |
	       (large ? PGT_LARGE : 0) | ((e & PTE_BORROWED) ? PGT_BORROWED : 0);
}

int pgt_init(struct pgtable *pt, const struct pgtable_ops *ops, void *ctx, uint64_t enc_mask)
{
	/* The C-bit is one bit among the address bits (APM vol. 3 (24594) appendix E: CPUID Fn8000_001F EBX[5:0]). */
	if (enc_mask != 0 && ((enc_mask & (enc_mask - 1)) != 0 || (enc_mask & ~PTE_ADDR_MASK) != 0))
		return SVSM_EINVAL;
	pt->ops = ops;
	pt->ctx = ctx;
	pt->enc_mask = enc_mask;
	pt->lock = (struct spinlock)SPINLOCK_INIT;
	pt->root_pa = ops->alloc_table(ctx);
	return pt->root_pa == MM_PA_NONE ? SVSM_ENOMEM : SVSM_OK;
}

/*
 * The entry for va at `level`. With alloc, missing tables above are created
 * (SVSM_ENOMEM if that fails). Without it, NULL *out with the level at which
 * the walk stopped (*stop) when nothing is mapped there. A 2 MiB leaf above
 * the wanted level also stops the walk (*stop = 2).
 */
static int walk(struct pgtable *pt, uint64_t va, int level, bool alloc, uint64_t **out, int *stop,
		unsigned user)
{
	uint64_t *t = table(pt, pt->root_pa);

	for (int l = 4; l > level; l--) {
		uint64_t *e = &t[idx(va, l)];

		if (!(*e & PTE_P)) {
			if (!alloc) {
				*out = NULL;
				*stop = l;
				return SVSM_OK;
			}

			uint64_t pa = pt->ops->alloc_table(pt->ctx);

			if (pa == MM_PA_NONE)
				return SVSM_ENOMEM;
			*e = pa | pt->enc_mask | TABLE_FLAGS;
		}
		if (*e & PTE_PS) {
			if (l != 2)
				return SVSM_EINVAL; /* 1 GiB pages: the SVSM never makes them */
			*out = e;
			*stop = 2;
			return SVSM_OK;
		}
		if (user)
			*e |= PTE_U;
		t = table(pt, entry_pa(pt, *e, false));
	}
	*out = &t[idx(va, level)];
	*stop = level;
	return SVSM_OK;
}

/* A range may end exactly at the top of the address space (va + size wraps to 0, as split_ends allows). */
static bool range_ok(uint64_t va, uint64_t size)
{
	if (size == 0 || ((va | size) & (PAGE_SIZE - 1)) != 0 || (va + size < va && va + size != 0))
		return false;
	if (va < CANON_LOW_END)
		return va + size <= CANON_LOW_END;
	return va >= CANON_HIGH_START;
}

/*
 * The leaf mapping va: *e the entry (NULL if none), *span the bytes from va
 * to the end of what this entry or hole covers, *large for a 2 MiB page.
 */
static int find_leaf(struct pgtable *pt, uint64_t va, uint64_t **e, uint64_t *span, bool *large)
{
	int stop;
	int err = walk(pt, va, 1, false, e, &stop, 0);

	if (err != SVSM_OK)
		return err;
	*large = *e != NULL && stop == 2;
	if (*e != NULL && !(**e & PTE_P))
		*e = NULL;
	uint64_t unit = LEVEL_SPAN(stop);

	*span = unit - (va & (unit - 1));
	return SVSM_OK;
}

/* Replaces the 2 MiB page at *pde by a table of 512 equal 4 KiB pages. */
static int split(struct pgtable *pt, uint64_t *pde, uint64_t va)
{
	uint64_t tpa = pt->ops->alloc_table(pt->ctx);

	if (tpa == MM_PA_NONE)
		return SVSM_ENOMEM;

	uint64_t *t = table(pt, tpa);
	uint64_t base = entry_pa(pt, *pde, true);
	/* Keep every bit but PS and PAT (bit 12 in a 2 MiB entry, APM vol.2 §5.3.4). */
	uint64_t attrs = *pde & ~(PTE_ADDR_MASK & ~pt->enc_mask) & ~PTE_PS;

	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = (base + i * PAGE_SIZE) | attrs;
	*pde = tpa | pt->enc_mask | TABLE_FLAGS | (*pde & PTE_U);
	pt->ops->flush_page(pt->ctx, va & ~(LARGE_PAGE_SIZE - 1));
	return SVSM_OK;
}

/*
 * SVSM_OK if every page of the range is mapped (mapped = true) or none is
 * (mapped = false); else SVSM_ENOENT or SVSM_EEXIST. Holes and 2 MiB pages
 * are stepped over whole.
 */
/* Every page of the range mapped (or none, !mapped); with refuse, no mapped leaf has those bits (SVSM_EPERM). */
static int check_range(struct pgtable *pt, uint64_t va, uint64_t size, bool mapped, uint64_t refuse)
{
	for (uint64_t off = 0; off < size;) {
		uint64_t *e, span;
		bool large;
		int err = find_leaf(pt, va + off, &e, &span, &large);

		if (err != SVSM_OK)
			return err;
		if ((e != NULL) != mapped)
			return mapped ? SVSM_ENOENT : SVSM_EEXIST;
		if (e != NULL && (*e & refuse) != 0)
			return SVSM_EPERM;
		if (span >= size - off)
			break;
		off += span;
	}
	return SVSM_OK;
}

/* Splits the 2 MiB page holding va if va is inside it (not at its start). */
static int split_at(struct pgtable *pt, uint64_t va)
{
	uint64_t *e, span;
	bool large;

	if ((va & (LARGE_PAGE_SIZE - 1)) == 0)
		return SVSM_OK;

	int err = find_leaf(pt, va, &e, &span, &large);

	if (err != SVSM_OK || e == NULL || !large)
		return err;
	return split(pt, e, va);
}

/* Splits at both ends of [va, va + size), so every 2 MiB page left lies inside or outside. */
static int split_ends(struct pgtable *pt, uint64_t va, uint64_t size)
{
	int err = split_at(pt, va);

	if (err == SVSM_OK && va + size != 0)
		err = split_at(pt, va + size);
	return err;
}

/* Applies fn to every mapped leaf in the range, then flushes. */
typedef void (*leaf_fn)(uint64_t *e, unsigned flags);

static int for_each_leaf(struct pgtable *pt, uint64_t va, uint64_t size, leaf_fn fn,
			 unsigned flags)
{
	bool many = size / PAGE_SIZE > PGT_FLUSH_ALL_PAGES;
	uint64_t off = 0;

	while (off < size) {
		uint64_t *e, span;
		bool large;
		int err = find_leaf(pt, va + off, &e, &span, &large);

		if (err != SVSM_OK)
			return err;
		if (e != NULL) {
			fn(e, flags);
			if (!many)
				pt->ops->flush_page(pt->ctx, va + off);
		}
		if (span >= size - off)
			break;
		off += span;
	}
	if (many)
		pt->ops->flush_all(pt->ctx);
	return SVSM_OK;
}

static void clear_leaf(uint64_t *e, unsigned flags)
{
	(void)flags;
	*e = 0;
}

static void set_rights(uint64_t *e, unsigned flags)
{
	*e = (*e & ~LEAF_RIGHTS) | rights_bits(flags);
}

static int pgt_unmap_locked(struct pgtable *pt, uint64_t va, uint64_t size)
{
	if (!range_ok(va, size))
		return SVSM_EINVAL;

	int err = split_ends(pt, va, size);

	return err != SVSM_OK ? err : for_each_leaf(pt, va, size, clear_leaf, 0);
}

static int pgt_protect_locked(struct pgtable *pt, uint64_t va, uint64_t size, unsigned flags)
{
	if (!range_ok(va, size))
		return SVSM_EINVAL;
	/* All of the range must be mapped, and no borrowed frame made writable, before anything changes. */
	int err = check_range(pt, va, size, true, (flags & PGT_WRITE) ? PTE_BORROWED : 0);

	if (err == SVSM_OK)
		err = split_ends(pt, va, size);

	if (err == SVSM_OK && (flags & PGT_USER)) {
		/* User rights need U in the entries above the leaf too. */
		for (uint64_t off = 0; off < size && err == SVSM_OK; off += PAGE_SIZE) {
			uint64_t *e;
			int stop;

			err = walk(pt, va + off, 1, false, &e, &stop, PGT_USER);
		}
	}
	return err != SVSM_OK ? err : for_each_leaf(pt, va, size, set_rights, flags);
}

static int pgt_map_locked(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
{
	if (!range_ok(va, size) || (pa & (PAGE_SIZE - 1)) != 0 || pa >= PGT_MAX_PA ||
	    size > PGT_MAX_PA - pa || (pa & pt->enc_mask) != 0 ||
	    (pt->enc_mask != 0 && ((pa + size - 1) & pt->enc_mask) != 0) ||
	    ((flags & PGT_BORROWED) && (flags & (PGT_WRITE | PGT_LARGE))))
		return SVSM_EINVAL;
	int err = check_range(pt, va, size, false, 0);

	if (err != SVSM_OK)
		return err;

	uint64_t leaf = rights_bits(flags) | PTE_P | ((flags & PGT_ENC) ? pt->enc_mask : 0) |
			((flags & PGT_BORROWED) ? PTE_BORROWED : 0);
	unsigned user = flags & PGT_USER;

	for (uint64_t off = 0; off < size;) {
		bool big = (flags & PGT_LARGE) && ((va + off) & (LARGE_PAGE_SIZE - 1)) == 0 &&
			   ((pa + off) & (LARGE_PAGE_SIZE - 1)) == 0 && size - off >= LARGE_PAGE_SIZE;
		uint64_t *e;
		int stop;

		/* An (empty) table left by an earlier unmap stays; map 4 KiB pages into it. */
		if (big && walk(pt, va + off, 2, false, &e, &stop, 0) == SVSM_OK && e != NULL &&
		    (*e & PTE_P) && !(*e & PTE_PS))
			big = false;

		err = walk(pt, va + off, big ? 2 : 1, true, &e, &stop, user);

		if (err == SVSM_OK && stop != (big ? 2 : 1))
			err = SVSM_EINVAL; /* cannot happen: the range was checked empty */
		if (err != SVSM_OK) {
			if (off != 0)
				(void)for_each_leaf(pt, va, off, clear_leaf, 0);
			return err;
		}
		*e = (pa + off) | leaf | (big ? PTE_PS : 0);
		off += big ? LARGE_PAGE_SIZE : PAGE_SIZE;
	}
	return SVSM_OK;
}

static bool table_empty(const uint64_t *t)
{
	for (unsigned i = 0; i < ENTRIES; i++) {
		if (t[i] != 0)
			return false;
	}
	return true;
}

/*
 * The tables below the table at tpa (at `level`, covering from base) that
 * meet [lo, hi): each child table pruned first, then freed if it maps
 * nothing. Its entry is cleared and every CPU-side cache of it flushed
 * before the page goes back, so no walk can reach a freed page.
 */
static void prune_table(struct pgtable *pt, uint64_t tpa, int level, uint64_t base, uint64_t lo,
			uint64_t hi, unsigned *freed)
{
	uint64_t *t = table(pt, tpa);
	uint64_t span = LEVEL_SPAN(level);
	unsigned first = lo > base ? (unsigned)((lo - base) / span) : 0;

	for (unsigned i = first; i < ENTRIES && base + i * span < hi; i++) {
		uint64_t e = t[i];

		if (!(e & PTE_P) || (e & PTE_PS))
			continue;
		uint64_t child = entry_pa(pt, e, false);

		if (level > 2)
			prune_table(pt, child, level - 1, base + i * span, lo, hi, freed);
		if (!table_empty(table(pt, child)))
			continue;
		t[i] = 0;
		pt->ops->flush_all(pt->ctx);
		pt->ops->free_table(pt->ctx, child);
		(*freed)++;
	}
}

static int pgt_prune_locked(struct pgtable *pt, uint64_t va, uint64_t size, unsigned *freed)
{
	unsigned n = 0;

	if (!range_ok(va, size) || pt->ops->free_table == NULL)
		return SVSM_EINVAL;
	/* Sign-extended halves: the root's index is bits 47:39 whichever half va is in. */
	uint64_t base = va < CANON_LOW_END ? 0 : CANON_HIGH_START - CANON_LOW_END;

	prune_table(pt, pt->root_pa, 4, base, va, va + size == 0 ? ~0ull : va + size, &n);
	if (freed != NULL)
		*freed = n;
	return SVSM_OK;
}

int pgt_lookup(const struct pgtable *pt, uint64_t va, uint64_t *pa, unsigned *flags)
{
	uint64_t *e, span;
	bool large;

	if (!range_ok(va & ~(PAGE_SIZE - 1), PAGE_SIZE))
		return SVSM_ENOENT;

	int err = find_leaf((struct pgtable *)pt, va, &e, &span, &large);

	if (err != SVSM_OK || e == NULL)
		return SVSM_ENOENT;

	uint64_t mask = large ? LARGE_PAGE_SIZE - 1 : PAGE_SIZE - 1;

	if (pa != NULL)
		*pa = entry_pa(pt, *e, large) + (va & mask);
	if (flags != NULL)
		*flags = flags_of(pt, *e, large);
	return SVSM_OK;
}

/* Any present leaf in the table at tpa (at `level`, covering from base) that meets [lo, hi). */
static bool any_leaf(const struct pgtable *pt, uint64_t tpa, int level, uint64_t base, uint64_t lo, uint64_t hi)
{
	const uint64_t *t = table(pt, tpa);
	uint64_t span = LEVEL_SPAN(level);
	unsigned first = lo > base ? (unsigned)((lo - base) / span) : 0;

	for (unsigned i = first; i < ENTRIES && base + i * span < hi; i++) {
		uint64_t e = t[i];

		if (!(e & PTE_P))
			continue;
		if (level == 1 || (e & PTE_PS) ||
		    any_leaf(pt, entry_pa(pt, e, false), level - 1, base + i * span, lo, hi))
			return true;
	}
	return false;
}

bool pgt_range_mapped(const struct pgtable *pt, uint64_t va, uint64_t size)
{
	if (!range_ok(va, size))
		return false;
	/* As pgt_prune: the root's index is bits 47:39 whichever half va is in. */
	uint64_t base = va < CANON_LOW_END ? 0 : CANON_HIGH_START - CANON_LOW_END;

	return any_leaf(pt, pt->root_pa, 4, base, va, va + size == 0 ? ~0ull : va + size);
}

int pgt_unmap(struct pgtable *pt, uint64_t va, uint64_t size)
{
	spin_lock(&pt->lock);

	int err = pgt_unmap_locked(pt, va, size);

	spin_unlock(&pt->lock);
	return err;
}

int pgt_protect(struct pgtable *pt, uint64_t va, uint64_t size, unsigned flags)
{
	spin_lock(&pt->lock);

	int err = pgt_protect_locked(pt, va, size, flags);

	spin_unlock(&pt->lock);
	return err;
}

int pgt_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
{
	spin_lock(&pt->lock);

	int err = pgt_map_locked(pt, va, pa, size, flags);

	spin_unlock(&pt->lock);
	return err;
}

int pgt_prune(struct pgtable *pt, uint64_t va, uint64_t size, unsigned *freed)
{
	spin_lock(&pt->lock);

	int err = pgt_prune_locked(pt, va, size, freed);

	spin_unlock(&pt->lock);
	return err;
}
