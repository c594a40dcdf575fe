/* SPDX-License-Identifier: MIT */
/*
 * PVALIDATE and RMPADJUST results as the platform seam reports them, and the 2
 * MiB PVALIDATE that falls back to 512 x 4 KiB when the RMP holds the range as
 * 4 KiB entries (APM vol. 3 (24594), PVALIDATE and RMPADJUST). Pure: the
 * instruction is a callback, so host tests drive it with the RMP model and the
 * kernel with the real instruction.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "svsm/addr.h"
#include "svsm/insn_rc.h"

/* Raw PVALIDATE of one page at va: insn_rc_eax(EAX) or INSN_RC_FAULTED; *cf gets rFLAGS.CF. */
typedef insn_rc (*snp_pvalidate_fn)(void *ctx, vaddr_t va, unsigned page_size, bool validate,
				    bool *cf);

/*
 * Maps a raw PVALIDATE result to the seam's: PVALIDATE_SUCCESS with
 * *unchanged = CF, or the failure code. Codes 0x1-0xF pass through (the
 * architecture's range, SVSM spec §6.2); a fault becomes FAIL_INPUT
 * (COCONUT does the same for a faulting RMPADJUST); anything past 0xF
 * becomes PVALIDATE_FAIL_UNKNOWN (surfaces as 0x80001011).
 */
insn_rc snp_pvalidate_code(insn_rc raw, bool cf, bool *unchanged);
/* The same for RMPADJUST. */
insn_rc snp_rmpadjust_code(insn_rc raw);

/*
 * PVALIDATE of one 4 KiB or 2 MiB page at va with the hardware's contract
 * kept across the fallback: success changes every page; *unchanged (CF)
 * means nothing was changed because every page already had the requested
 * state; a failure leaves every page as it was. A 2 MiB request answered
 * with FAIL_SIZEMISMATCH is retried as 512 x 4 KiB; pages changed before a
 * failing one are changed back, and when only some of the 512 already had
 * the state all changed ones are changed back and FAIL_SIZEMISMATCH is
 * returned (the caller asks page by page). Returns the seam's code, or
 * INSN_RC_TORN if changing back failed.
 */
insn_rc snp_pvalidate_page(snp_pvalidate_fn insn, void *ctx, vaddr_t va, unsigned page_size,
			   bool validate, bool *unchanged);
