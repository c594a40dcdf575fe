/* SPDX-License-Identifier: MIT */
/*
 * Results of the RMP instructions, PVALIDATE and RMPADJUST, as the
 * instruction wrappers and the platform seam report them: the code the
 * hardware leaves in EAX (AMD APM vol. 3 (24594), PVALIDATE and RMPADJUST;
 * the numbers are abi/snp.h's PVALIDATE_* and RMPADJUST_*), plus two of
 * the SVSM's own. A one-member struct, so such a result cannot be
 * returned, assigned or compared as an internal error (svsm/errno.h: a
 * negative int, where -1 is SVSM_EPERM but here the instruction faulted)
 * or as an SVSM protocol result (protocols/svsm_rc.h) without the compiler
 * refusing it.
 *
 * Made only at the boundaries: insn_rc_eax where a value comes from the
 * hardware register (the wrappers in svsm/platform/snp/insn.c, the RMP
 * model behind the fake backend), the named constants everywhere else.
 * It becomes a protocol result only in svsm_rc_from_insn.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/snp.h"

typedef struct {
	int code; /* EAX (0..0xF from the hardware, 0x10/0x11 the seam's), or negative below */
} insn_rc;

#define INSN_RC_MAKE_(c) ((insn_rc){ .code = (c) })
/* PVALIDATE_SUCCESS and RMPADJUST_SUCCESS are both 0; the failures share numbers too. */
#define INSN_RC_SUCCESS INSN_RC_MAKE_(PVALIDATE_SUCCESS)
#define INSN_RC_FAIL_INPUT INSN_RC_MAKE_(PVALIDATE_FAIL_INPUT)
#define INSN_RC_FAIL_PERMISSION INSN_RC_MAKE_(RMPADJUST_FAIL_PERMISSION)
#define INSN_RC_FAIL_INUSE INSN_RC_MAKE_(RMPADJUST_FAIL_INUSE)
#define INSN_RC_FAIL_SIZEMISMATCH INSN_RC_MAKE_(PVALIDATE_FAIL_SIZEMISMATCH)
/* A code past the architecture's 0x1-0xF, as the seam reports it (abi/snp.h). */
#define INSN_RC_FAIL_UNKNOWN INSN_RC_MAKE_(PVALIDATE_FAIL_UNKNOWN)
/* The instruction faulted (exception-table fixup); wrappers only, never past the seam. */
#define INSN_RC_FAULTED INSN_RC_MAKE_(-1)
/*
 * A 2 MiB PVALIDATE done as 512 x 4 KiB failed part way and undoing the
 * pages already changed failed too: the RMP no longer matches what the
 * caller knows. The snp backend treats it as fatal; never past the seam.
 */
#define INSN_RC_TORN INSN_RC_MAKE_(-2)

/* The hardware's EAX after the instruction ran (no fault). */
static inline insn_rc insn_rc_eax(uint32_t eax)
{
	return INSN_RC_MAKE_(eax > 0x7FFFFFFFu ? PVALIDATE_FAIL_UNKNOWN : (int)eax);
}

static inline bool insn_rc_ok(insn_rc r)
{
	return r.code == PVALIDATE_SUCCESS;
}

static inline bool insn_rc_eq(insn_rc a, insn_rc b)
{
	return a.code == b.code;
}
