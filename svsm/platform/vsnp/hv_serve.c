/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's side of the GHCB MSR protocol (snp-svsm-abi.md §3.1),
 * as the vsnp backend serves its guest. Portable and host-tested: the
 * guest's request is a 64-bit value, the answer is another, and RMP
 * changes go to the RMP model (with the nested mappings they affect
 * dropped).
 *
 * The hypervisor modelled here is a well-behaved one: page state changes
 * and GHCB registration are refused outside guest RAM (a real hypervisor
 * could do worse; the snp backend does not trust it).
 */
#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"
#include "svsm/vsnp.h"

#define HV_PAGE 4096ull
/* §3.1: the GFN field of preferred-GPA and register-GPA answers; all ones = none / refused. */
#define HV_GFN_NONE 0xFFFFFFFFFFFFFull
/* §3.1: a non-zero [63:32] in a PSC or Run VMPL answer is an error; the value is ours. */
#define HV_MSR_ERROR 1ull

static bool is_guest_page(const struct vsnp_hv *hv, uint64_t pa)
{
	return memmap_contains(hv->guest_ram, pa, pa + HV_PAGE);
}

static uint64_t serve_cpuid(struct vsnp_hv *hv, uint64_t req)
{
	unsigned reg = (unsigned)(req >> 30) & 3;
	uint32_t leaf = (uint32_t)(req >> 32);
	uint32_t out[4] = { 0, 0, 0, 0 };

	/* The MSR protocol has no sub-leaf (§3.1): sub-leaf 0. */
	if (hv->cpuid(hv->ctx, leaf, 0, out) != SVSM_OK)
		out[0] = out[1] = out[2] = out[3] = 0;
	return GHCB_MSR_CPUID_RESP | ((uint64_t)reg << 30) | ((uint64_t)out[reg] << 32);
}

/* RMPUPDATE of one 4 KiB page, as a hypervisor does for a PSC request. */
static uint64_t serve_psc(struct vsnp_hv *hv, uint64_t req)
{
	uint64_t gpa = ((req >> GHCB_MSR_PSC_GFN_SHIFT) & GHCB_MSR_PSC_GFN_MASK) * HV_PAGE;
	unsigned op = (unsigned)(req >> GHCB_MSR_PSC_OP_SHIFT) & 0xF;
	const struct rmp_entry *e = rmp_model_entry(hv->rmp, gpa);
	uint64_t err = HV_MSR_ERROR;

	if ((op == GHCB_PSC_OP_PRIVATE || op == GHCB_PSC_OP_SHARED) && e != NULL &&
	    is_guest_page(hv, gpa) && !e->vmsa &&
	    rmp_model_set_private(hv->rmp, gpa, false, op == GHCB_PSC_OP_PRIVATE) == SVSM_OK) {
		err = 0;
		if (vsnp_npt_drop(hv->npt, gpa, HV_PAGE) != SVSM_OK)
			err = HV_MSR_ERROR; /* cannot happen for an aligned in-range page */
	}
	return GHCB_MSR_PSC_RESP | (err << GHCB_MSR_ERROR_SHIFT);
}

enum vsnp_hv_action vsnp_hv_msr_exit(struct vsnp_hv *hv, struct vsnp_hv_vcpu *v)
{
	uint64_t req = v->ghcb_msr;

	switch (ghcb_msr_info(req)) {
	case 0:
		v->why = "GHCB page protocol requests are not served yet (MSR protocol only)";
		return VSNP_HV_BAD;
	case GHCB_MSR_SEV_INFO_REQ:
		v->ghcb_msr = GHCB_MSR_SEV_INFO_RESP |
			      ((uint64_t)GHCB_PROTOCOL_MAX << GHCB_SEV_INFO_MAX_SHIFT) |
			      ((uint64_t)GHCB_PROTOCOL_MIN << GHCB_SEV_INFO_MIN_SHIFT) |
			      ((uint64_t)hv->cbit_pos << GHCB_SEV_INFO_CBIT_SHIFT);
		return VSNP_HV_RESUME;
	case GHCB_MSR_CPUID_REQ:
		v->ghcb_msr = serve_cpuid(hv, req);
		return VSNP_HV_RESUME;
	case GHCB_MSR_PREF_GPA_REQ:
		v->ghcb_msr = GHCB_MSR_PREF_GPA_RESP | (HV_GFN_NONE << 12);
		return VSNP_HV_RESUME;
	case GHCB_MSR_REG_GPA_REQ: {
		uint64_t gfn = req >> 12;

		if (gfn < (1ull << 40) && is_guest_page(hv, gfn * HV_PAGE)) {
			v->ghcb_gpa = gfn * HV_PAGE;
		} else {
			gfn = HV_GFN_NONE;
		}
		v->ghcb_msr = GHCB_MSR_REG_GPA_RESP | (gfn << 12);
		return VSNP_HV_RESUME;
	}
	case GHCB_MSR_PSC_REQ:
		v->ghcb_msr = serve_psc(hv, req);
		return VSNP_HV_RESUME;
	case GHCB_MSR_RUN_VMPL_REQ: {
		/* Only VMPL0 (the SVSM) is ever the target of a lower VMPL's request. */
		unsigned vmpl = (unsigned)(req >> GHCB_MSR_VMPL_SHIFT) & 0xFF;

		if (vmpl != 0 || (req >> 40) != 0 || (req & 0xFFFFF000ull) != 0) {
			v->ghcb_msr = GHCB_MSR_RUN_VMPL_RESP | (HV_MSR_ERROR << GHCB_MSR_ERROR_SHIFT);
			return VSNP_HV_RESUME;
		}
		v->ghcb_msr = GHCB_MSR_RUN_VMPL_RESP;
		return VSNP_HV_SVSM_CALL;
	}
	case GHCB_MSR_HV_FEATURES_REQ:
		v->ghcb_msr = GHCB_MSR_HV_FEATURES_RESP | (hv->features << 12);
		return VSNP_HV_RESUME;
	case GHCB_MSR_TERM_REQ:
		v->term_set = (unsigned)(req >> GHCB_TERM_SET_SHIFT) & 0xF;
		v->term_code = (unsigned)(req >> GHCB_TERM_CODE_SHIFT) & 0xFF;
		return VSNP_HV_TERMINATE;
	default:
		v->why = "unknown GHCB MSR protocol request";
		return VSNP_HV_BAD;
	}
}
