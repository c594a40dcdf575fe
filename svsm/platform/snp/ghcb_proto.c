/* SPDX-License-Identifier: MIT */
/* GHCB MSR protocol, valid bitmap and PSC entries (include/svsm/ghcb_proto.h). */
#include "svsm/ghcb_proto.h"

#include "lib/string.h"

#define GFN_MAX_40 0xFFFFFFFFFFull /* [51:12] */

bool ghcb_msr_sev_info_parse(uint64_t v, struct ghcb_sev_info *out)
{
	if (ghcb_msr_info(v) != GHCB_MSR_SEV_INFO_RESP)
		return false;
	out->max_version = (uint16_t)(v >> GHCB_SEV_INFO_MAX_SHIFT);
	out->min_version = (uint16_t)(v >> GHCB_SEV_INFO_MIN_SHIFT);
	out->cbit = (uint8_t)(v >> GHCB_SEV_INFO_CBIT_SHIFT);
	return true;
}

uint16_t ghcb_negotiate_version(const struct ghcb_sev_info *hv)
{
	uint16_t lo = hv->min_version > GHCB_PROTOCOL_MIN ? hv->min_version : GHCB_PROTOCOL_MIN;
	uint16_t hi = hv->max_version < GHCB_PROTOCOL_MAX ? hv->max_version : GHCB_PROTOCOL_MAX;

	return lo <= hi ? hi : 0;
}

uint64_t ghcb_msr_reg_gpa_req(uint64_t gpa)
{
	if ((gpa & 0xFFF) != 0)
		return 0;
	return gpa | GHCB_MSR_REG_GPA_REQ;
}

bool ghcb_msr_reg_gpa_ok(uint64_t v, uint64_t gpa)
{
	return (gpa & 0xFFF) == 0 && v == (gpa | GHCB_MSR_REG_GPA_RESP);
}

uint64_t ghcb_msr_psc_req(uint64_t gpa, unsigned op)
{
	uint64_t gfn = gpa >> 12;

	if ((gpa & 0xFFF) != 0 || gfn > GFN_MAX_40 ||
	    (op != GHCB_PSC_OP_PRIVATE && op != GHCB_PSC_OP_SHARED))
		return 0;
	return GHCB_MSR_PSC_REQ | (gfn << GHCB_MSR_PSC_GFN_SHIFT) |
	       ((uint64_t)op << GHCB_MSR_PSC_OP_SHIFT);
}

uint64_t ghcb_msr_run_vmpl_req(unsigned vmpl)
{
	if (vmpl >= 4)
		return 0;
	/* GHCB spec, MSR protocol: encode as 0x016 | vmpl << 32 (Linux's macro once got the precedence wrong). */
	return GHCB_MSR_RUN_VMPL_REQ | ((uint64_t)vmpl << GHCB_MSR_VMPL_SHIFT);
}

bool ghcb_msr_resp_ok(uint64_t v, uint64_t resp, uint32_t *error)
{
	if (ghcb_msr_info(v) != resp) {
		*error = ~0u;
		return false;
	}
	*error = (uint32_t)(v >> GHCB_MSR_ERROR_SHIFT);
	return *error == 0;
}

bool ghcb_msr_hv_features_parse(uint64_t v, uint64_t *features)
{
	if (ghcb_msr_info(v) != GHCB_MSR_HV_FEATURES_RESP)
		return false;
	*features = v >> 12;
	return true;
}

uint64_t ghcb_msr_term_req(unsigned set, unsigned code)
{
	return GHCB_MSR_TERM_REQ | ((uint64_t)(set & 0xF) << GHCB_TERM_SET_SHIFT) |
	       ((uint64_t)(code & 0xFF) << GHCB_TERM_CODE_SHIFT);
}

void ghcb_invalidate(struct ghcb *g)
{
	memset(g->valid_bitmap, 0, sizeof(g->valid_bitmap));
	g->sw_exit_code = 0;
}

void ghcb_mark_valid(struct ghcb *g, unsigned offset)
{
	unsigned bit = offset / 8;

	/* Only the save area (below the bitmap itself) has valid bits. */
	if (offset % 8 == 0 && offset < offsetof(struct ghcb, valid_bitmap))
		g->valid_bitmap[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

bool ghcb_is_valid(const struct ghcb *g, unsigned offset)
{
	unsigned bit = offset / 8;

	return offset % 8 == 0 && offset < offsetof(struct ghcb, valid_bitmap) &&
	       (g->valid_bitmap[bit / 8] >> (bit % 8)) & 1;
}

void ghcb_answer(struct ghcb *g, uint64_t info1, uint64_t info2)
{
	GHCB_SET(g, sw_exit_info_1, info1);
	GHCB_SET(g, sw_exit_info_2, info2);
}

bool ghcb_scratch_in_buffer(const struct ghcb *g, uint64_t ghcb_gpa, uint64_t len, uint64_t *off)
{
	uint64_t start = ghcb_gpa + GHCB_SHARED_BUFFER_OFF;

	if (!GHCB_VALID(g, sw_scratch) || g->sw_scratch < start || g->sw_scratch - start >= GHCB_SHARED_BUFFER_SIZE ||
	    len > GHCB_SHARED_BUFFER_SIZE - (g->sw_scratch - start))
		return false;
	*off = g->sw_scratch - start;
	return true;
}

uint64_t psc_entry_encode(uint64_t gfn, unsigned op, bool large)
{
	if (gfn > GFN_MAX_40 || op < GHCB_PSC_OP_PRIVATE || op > GHCB_PSC_OP_UNSMASH ||
	    (large && (gfn & 511) != 0))
		return 0;
	return (gfn << PSC_ENTRY_GFN_SHIFT) | ((uint64_t)op << PSC_ENTRY_OP_SHIFT) |
	       (large ? PSC_ENTRY_2M : 0);
}

bool psc_entry_decode(uint64_t e, struct psc_entry *out)
{
	unsigned op = (unsigned)((e >> PSC_ENTRY_OP_SHIFT) & PSC_ENTRY_OP_MASK);
	uint64_t gfn = (e >> PSC_ENTRY_GFN_SHIFT) & PSC_ENTRY_GFN_MASK;
	bool large = (e & PSC_ENTRY_2M) != 0;

	if ((e & PSC_ENTRY_RSVD_MASK) != 0 || op < GHCB_PSC_OP_PRIVATE || op > GHCB_PSC_OP_UNSMASH ||
	    (large && (gfn & 511) != 0))
		return false;
	out->gfn = gfn;
	out->op = op;
	out->large = large;
	out->cur_page = (unsigned)(e & PSC_ENTRY_CUR_PAGE_MASK);
	return true;
}
