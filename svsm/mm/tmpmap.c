/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU temporary-mapping window: 512 page slots at PERCPU_TMP_BASE
 * whose page table exists from boot, so mapping never allocates. Slots are
 * per CPU (same virtual addresses, different tables), so no other CPU can
 * hold a stale translation of them: unmapping needs only a local INVLPG.
 */
#include "abi/x86.h"
#include "mm/layout.h"
#include "svsm/errno.h"
#include "svsm/mm.h"
#include "svsm/panic.h"
#include "svsm/percpu.h"

static bool slot_used(const struct percpu *pc, unsigned s)
{
	return (pc->tmp_used[s / 64] >> (s % 64)) & 1;
}

static void slots_set(struct percpu *pc, unsigned first, size_t n, bool used)
{
	for (unsigned s = first; s < first + n; s++) {
		if (used)
			pc->tmp_used[s / 64] |= 1ull << (s % 64);
		else
			pc->tmp_used[s / 64] &= ~(1ull << (s % 64));
	}
}

int tmpmap(paddr_t p, size_t npages, unsigned flags, void **va)
{
	struct percpu *pc = this_cpu();
	const uint64_t pa = pa_addr(p);

	if (npages == 0 || npages > PERCPU_TMP_PAGES || (pa & (PAGE_SIZE - 1)) != 0)
		return SVSM_EINVAL;
	for (unsigned first = 0; first + npages <= PERCPU_TMP_PAGES; first++) {
		size_t run = 0;

		while (run < npages && !slot_used(pc, first + (unsigned)run))
			run++;
		if (run < npages) {
			first += (unsigned)run; /* skip past the used slot */
			continue;
		}

		uint64_t v = PERCPU_TMP_BASE + (uint64_t)first * PAGE_SIZE;
		int err = pgt_map(&pc->pt, v, pa, npages * PAGE_SIZE, flags & ~PGT_LARGE);

		if (err != SVSM_OK)
			return err; /* a bad pa (encryption bit, beyond 52 bits) */
		slots_set(pc, first, npages, true);
		*va = (void *)(uintptr_t)v;
		return SVSM_OK;
	}
	return SVSM_ENOSPC;
}

void tmpunmap(void *va, size_t npages)
{
	struct percpu *pc = this_cpu();
	uint64_t v = (uint64_t)(uintptr_t)va;
	uint64_t first = (v - PERCPU_TMP_BASE) / PAGE_SIZE;

	if (v < PERCPU_TMP_BASE || (v & (PAGE_SIZE - 1)) != 0 || npages == 0 ||
	    first + npages > PERCPU_TMP_PAGES)
		panic("tmpunmap(%p, %zu): not a temporary mapping", va, npages);
	for (uint64_t s = first; s < first + npages; s++) {
		if (!slot_used(pc, (unsigned)s))
			panic("tmpunmap(%p, %zu): slot %llu was not mapped", va, npages,
			      (unsigned long long)s);
	}
	if (pgt_unmap(&pc->pt, v, npages * PAGE_SIZE) != SVSM_OK)
		panic("tmpunmap(%p): unmap failed", va);
	slots_set(pc, (unsigned)first, npages, false);
}
