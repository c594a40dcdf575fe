/* SPDX-License-Identifier: MIT */
/* PVALIDATE/RMPADJUST results and the 2 MiB fallback (include/svsm/snp_pvalidate.h). */
#include "svsm/snp_pvalidate.h"

#include "abi/snp.h"

#define PAGES_PER_2M 512u
#define PAGE_4K 4096ull

/* A fault is bad input (COCONUT does the same); codes past 0xF are the spec's "unknown". */
static int insn_code(int eax)
{
	if (eax == SNP_INSN_FAULTED)
		return PVALIDATE_FAIL_INPUT;
	if (eax < 0 || eax > SNP_INSN_CODE_MAX)
		return PVALIDATE_FAIL_UNKNOWN;
	return eax;
}

int snp_pvalidate_code(int eax, bool cf, bool *unchanged)
{
	int code = insn_code(eax);

	*unchanged = code == PVALIDATE_SUCCESS && cf;
	return code;
}

int snp_rmpadjust_code(int eax)
{
	return insn_code(eax);
}

static int one(snp_pvalidate_fn insn, void *ctx, uint64_t va, unsigned size, bool validate,
	       bool *unchanged)
{
	bool cf = false;
	int eax = insn(ctx, va, size, validate, &cf);

	return snp_pvalidate_code(eax, cf, unchanged);
}

/* Puts back the pages of the first n whose bit is set in changed. */
static bool undo(snp_pvalidate_fn insn, void *ctx, uint64_t va, bool validate,
		 const uint64_t *changed, unsigned n)
{
	bool ok = true;

	for (unsigned i = 0; i < n; i++) {
		bool unchanged;

		if (!(changed[i / 64] >> (i % 64) & 1))
			continue;
		if (one(insn, ctx, va + i * PAGE_4K, RMP_PG_SIZE_4K, !validate, &unchanged) !=
			    PVALIDATE_SUCCESS ||
		    unchanged)
			ok = false;
	}
	return ok;
}

int snp_pvalidate_page(snp_pvalidate_fn insn, void *ctx, uint64_t va, unsigned page_size,
		       bool validate, bool *unchanged)
{
	uint64_t changed[PAGES_PER_2M / 64] = { 0 };
	unsigned already = 0;
	int code = one(insn, ctx, va, page_size, validate, unchanged);

	if (page_size != RMP_PG_SIZE_2M || code != PVALIDATE_FAIL_SIZEMISMATCH)
		return code;

	/*
	 * The RMP holds this range as 4 KiB entries: do them one by one (APM vol. 3, PVALIDATE),
	 * keeping the 2 MiB instruction's contract. Unchanged (CF) means the
	 * whole range already had the state, as for one 2 MiB entry. A range
	 * in which only some pages had it is neither: every page changed is
	 * put back and the hardware's own answer for a 2 MiB request over
	 * 4 KiB entries, FAIL_SIZEMISMATCH, goes to the caller, who can ask
	 * page by page and learn which pages were already there.
	 */
	*unchanged = false;
	for (unsigned i = 0; i < PAGES_PER_2M; i++) {
		bool same;

		code = one(insn, ctx, va + i * PAGE_4K, RMP_PG_SIZE_4K, validate, &same);
		if (code != PVALIDATE_SUCCESS) {
			if (!undo(insn, ctx, va, validate, changed, i))
				return SNP_PVALIDATE_TORN;
			return code;
		}
		if (same)
			already++;
		else
			changed[i / 64] |= 1ull << (i % 64);
	}
	if (already == PAGES_PER_2M) {
		*unchanged = true;
		return PVALIDATE_SUCCESS;
	}
	if (already != 0) {
		if (!undo(insn, ctx, va, validate, changed, PAGES_PER_2M))
			return SNP_PVALIDATE_TORN;
		return PVALIDATE_FAIL_SIZEMISMATCH;
	}
	return PVALIDATE_SUCCESS;
}
