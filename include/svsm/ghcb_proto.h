/* SPDX-License-Identifier: MIT */
/*
 * Pure encoders and decoders of the GHCB MSR protocol, the GHCB page's
 * valid bitmap and page-state-change entries (include/abi/ghcb.h for the
 * numbers). No instructions here: svsm/platform/snp uses these around
 * WRMSR/VMGEXIT/RDMSR, host tests check them bit for bit, and the
 * emulated machine (vsnp/) decodes the same values from the guest's side.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/ghcb.h"

/* ---- MSR protocol (GHCB spec 56421, GHCB MSR protocol) ---- */

static inline uint64_t ghcb_msr_info(uint64_t v)
{
	return v & GHCB_MSR_INFO_MASK;
}

struct ghcb_sev_info {
	uint16_t min_version;
	uint16_t max_version;
	uint8_t cbit;
};

/* Decodes a SEV information response; false if it is not one. */
bool ghcb_msr_sev_info_parse(uint64_t v, struct ghcb_sev_info *out);
/*
 * The protocol version both sides support (the highest in the overlap of
 * [min, max] with ours, GHCB_PROTOCOL_MIN..MAX), or 0 if they do not overlap.
 */
uint16_t ghcb_negotiate_version(const struct ghcb_sev_info *hv);

/* Register-GHCB request for a page-aligned gpa; 0 if gpa is not page aligned. */
uint64_t ghcb_msr_reg_gpa_req(uint64_t gpa);
/* True if v is the success response to registering gpa. */
bool ghcb_msr_reg_gpa_ok(uint64_t v, uint64_t gpa);

/* PSC request for one 4 KiB page (op GHCB_PSC_OP_PRIVATE/SHARED); 0 if gpa or op is bad. */
uint64_t ghcb_msr_psc_req(uint64_t gpa, unsigned op);
/* Run-VMPL request; 0 for vmpl >= 4. */
uint64_t ghcb_msr_run_vmpl_req(unsigned vmpl);
/*
 * For responses that carry an error in [63:32] (PSC, Run VMPL): true if v
 * has response code `resp` and error 0; *error gets [63:32] (or ~0u when
 * the response code is wrong).
 */
bool ghcb_msr_resp_ok(uint64_t v, uint64_t resp, uint32_t *error);

/* Decodes a hypervisor-features response into the feature bitmap; false if it is not one. */
bool ghcb_msr_hv_features_parse(uint64_t v, uint64_t *features);
/* Termination request; reason set 0..15, code 0..255 (larger values are masked off). */
uint64_t ghcb_msr_term_req(unsigned set, unsigned code);

/* ---- GHCB page (GHCB spec, GHCB layout) ---- */

/* Clears the valid bitmap and SW_EXITCODE before a new request (Linux vc_ghcb_invalidate). */
void ghcb_invalidate(struct ghcb *g);
/* Marks the qword at `offset` valid; offset must be a field offset below 0x3F0. */
void ghcb_mark_valid(struct ghcb *g, unsigned offset);
bool ghcb_is_valid(const struct ghcb *g, unsigned offset);
/* The hypervisor's answer: SW_EXITINFO1 (GHCB_RESULT_*) and SW_EXITINFO2, both marked valid. */
void ghcb_answer(struct ghcb *g, uint64_t info1, uint64_t info2);
/*
 * Whether len bytes at SW_SCRATCH lie inside the shared buffer of the
 * GHCB at ghcb_gpa (SW_SCRATCH must be valid); *off is where they start
 * in it. len may be 0.
 */
bool ghcb_scratch_in_buffer(const struct ghcb *g, uint64_t ghcb_gpa, uint64_t len, uint64_t *off);

#define GHCB_SET(g, field, value)                                              \
	do {                                                                   \
		(g)->field = (value);                                          \
		ghcb_mark_valid((g), (unsigned)offsetof(struct ghcb, field));  \
	} while (0)
#define GHCB_VALID(g, field) ghcb_is_valid((g), (unsigned)offsetof(struct ghcb, field))

/* ---- page state change entries (GHCB spec, Page State Change) ---- */

struct psc_entry {
	uint64_t gfn;
	unsigned op;      /* GHCB_PSC_OP_* */
	bool large;       /* 2 MiB */
	unsigned cur_page;
};

/* Encodes an entry; 0 if the GFN does not fit, the op is unknown, or a 2 MiB entry is misaligned. */
uint64_t psc_entry_encode(uint64_t gfn, unsigned op, bool large);
/* Decodes an entry; false for reserved bits, an unknown op, or a misaligned 2 MiB GFN. */
bool psc_entry_decode(uint64_t e, struct psc_entry *out);
