/* SPDX-License-Identifier: MIT */
/*
 * SVSM protocol result codes as the protocol code carries them (SVSM spec
 * 58019, result codes; the numbers are abi/svsm_abi.h's SVSM_SUCCESS and
 * SVSM_ERR_*). A one-member struct, so an internal error (svsm/errno.h: a
 * negative int) or an SNP instruction's return code (abi/snp.h:
 * PVALIDATE_*, RMPADJUST_*) cannot be returned, assigned or compared as
 * one without the compiler refusing it. Values are made only from the
 * named constants below and converted only at the boundaries: the
 * dispatcher puts .code in RAX (protocols/dispatch.c), an instruction's
 * failure becomes a protocol result in svsm_rc_from_insn.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/snp.h"
#include "abi/svsm_abi.h"
#include "svsm/insn_rc.h"

typedef struct {
	uint64_t code; /* what RAX carries back to the guest */
} svsm_rc;

#define SVSM_RC_MAKE_(c) ((svsm_rc){ .code = (c) })
#define SVSM_RC_SUCCESS SVSM_RC_MAKE_(SVSM_SUCCESS)
#define SVSM_RC_INCOMPLETE SVSM_RC_MAKE_(SVSM_ERR_INCOMPLETE)
#define SVSM_RC_UNSUPPORTED_PROTOCOL SVSM_RC_MAKE_(SVSM_ERR_UNSUPPORTED_PROTOCOL)
#define SVSM_RC_UNSUPPORTED_CALL SVSM_RC_MAKE_(SVSM_ERR_UNSUPPORTED_CALL)
#define SVSM_RC_INVALID_ADDRESS SVSM_RC_MAKE_(SVSM_ERR_INVALID_ADDRESS)
#define SVSM_RC_INVALID_FORMAT SVSM_RC_MAKE_(SVSM_ERR_INVALID_FORMAT)
#define SVSM_RC_INVALID_PARAMETER SVSM_RC_MAKE_(SVSM_ERR_INVALID_PARAMETER)
#define SVSM_RC_INVALID_REQUEST SVSM_RC_MAKE_(SVSM_ERR_INVALID_REQUEST)
#define SVSM_RC_BUSY SVSM_RC_MAKE_(SVSM_ERR_BUSY)
#define SVSM_RC_PVALIDATE_FAIL_INPUT SVSM_RC_MAKE_(SVSM_ERR_PVALIDATE_FAIL_INPUT)
#define SVSM_RC_PVALIDATE_FAIL_PERMISSION SVSM_RC_MAKE_(SVSM_ERR_PVALIDATE_FAIL_PERMISSION)
#define SVSM_RC_FAIL_INUSE SVSM_RC_MAKE_(SVSM_ERR_FAIL_INUSE)
#define SVSM_RC_PVALIDATE_FAIL_SIZEMISMATCH SVSM_RC_MAKE_(SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH)
#define SVSM_RC_PVALIDATE_FAIL_NO_CHANGE SVSM_RC_MAKE_(SVSM_ERR_PVALIDATE_FAIL_NO_CHANGE)

static inline bool svsm_rc_ok(svsm_rc r)
{
	return r.code == SVSM_SUCCESS;
}

static inline bool svsm_rc_eq(svsm_rc a, svsm_rc b)
{
	return a.code == b.code;
}

/*
 * A failing PVALIDATE or RMPADJUST (svsm/insn_rc.h) as the SVSM spec
 * answers it: 0x80001000 + EAX (SVSM spec 58019 §6.2; the platform seam
 * already turned codes past 0xF into 0x11, "unknown"). A code the seam
 * never gives (success, or the wrappers' own negative ones) counts as
 * FAIL_INPUT.
 */
static inline svsm_rc svsm_rc_from_insn(insn_rc r)
{
	if (r.code <= 0 || r.code > PVALIDATE_FAIL_UNKNOWN)
		return SVSM_RC_PVALIDATE_FAIL_INPUT;
	return SVSM_RC_MAKE_(SVSM_ERR_PROTOCOL_BASE + (uint64_t)r.code);
}
