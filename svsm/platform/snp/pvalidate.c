/* SPDX-License-Identifier: MIT */
/* PVALIDATE/RMPADJUST results and the 2 MiB fallback (include/svsm/snp_pvalidate.h). */
#include "svsm/snp_pvalidate.h"

#include "abi/snp.h"

#define PAGES_PER_2M 512u
#define PAGE_4K 4096ull

/* A fault is bad input (COCONUT does the same); codes past 0xF are the spec's "unknown". */
static insn_rc insn_code(insn_rc raw)
{
	if (insn_rc_eq(raw, INSN_RC_FAULTED))
		return INSN_RC_FAIL_INPUT;
	if (raw.code < 0 || raw.code > SNP_INSN_CODE_MAX)
		return INSN_RC_FAIL_UNKNOWN;
	return raw;
}

insn_rc snp_pvalidate_code(insn_rc raw, bool cf, bool *unchanged)
{
	insn_rc code = insn_code(raw);

	*unchanged = insn_rc_ok(code) && cf;
	return code;
}

insn_rc snp_rmpadjust_code(insn_rc raw)
{
	return insn_code(raw);
}

static insn_rc one(snp_pvalidate_fn insn, void *ctx, vaddr_t va, unsigned size, bool validate,
		   bool *unchanged)
{
	bool cf = false;
	insn_rc raw = insn(ctx, va, size, validate, &cf);

	return snp_pvalidate_code(raw, cf, unchanged);
}

/* Puts back the pages of the first n whose bit is set in changed. */
static bool undo(snp_pvalidate_fn insn, void *ctx, vaddr_t va, bool validate,
		 const uint64_t *changed, unsigned n)
{
	bool ok = true;

	for (unsigned i = 0; i < n; i++) {
		bool unchanged;

		if (!(changed[i / 64] >> (i % 64) & 1))
			continue;
		if (!insn_rc_ok(one(insn, ctx, va_add(va, i * PAGE_4K), RMP_PG_SIZE_4K, !validate, &unchanged)) ||
		    unchanged)
			ok = false;
	}
	return ok;
}

insn_rc snp_pvalidate_page(snp_pvalidate_fn insn, void *ctx, vaddr_t va, unsigned page_size,
			   bool validate, bool *unchanged)
{
	uint64_t changed[PAGES_PER_2M / 64] = { 0 };
	unsigned already = 0;
	insn_rc code = one(insn, ctx, va, page_size, validate, unchanged);

	if (page_size != RMP_PG_SIZE_2M || !insn_rc_eq(code, INSN_RC_FAIL_SIZEMISMATCH))
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

		code = one(insn, ctx, va_add(va, i * PAGE_4K), RMP_PG_SIZE_4K, validate, &same);
		if (!insn_rc_ok(code)) {
			if (!undo(insn, ctx, va, validate, changed, i))
				return INSN_RC_TORN;
			return code;
		}
		if (same)
			already++;
		else
			changed[i / 64] |= 1ull << (i % 64);
	}
	if (already == PAGES_PER_2M) {
		*unchanged = true;
		return INSN_RC_SUCCESS;
	}
	if (already != 0) {
		if (!undo(insn, ctx, va, validate, changed, PAGES_PER_2M))
			return INSN_RC_TORN;
		return INSN_RC_FAIL_SIZEMISMATCH;
	}
	return INSN_RC_SUCCESS;
}
