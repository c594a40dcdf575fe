/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's side of the GHCB MSR protocol (GHCB spec 56421 §2.3),
 * as the emulated machine serves its guest. Portable and host-tested: the
 * guest's request is a 64-bit value, the answer is another, and RMP
 * changes go to the RMP model (with the nested mappings they affect
 * dropped).
 *
 * The hypervisor modelled here is a well-behaved one: page state changes
 * and GHCB registration are refused outside guest RAM, and a page state
 * change of a VMSA is refused (a real hypervisor could do worse; the snp
 * backend does not trust it).
 */
#include "abi/ghcb.h"
#include "abi/snp.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"
#include "vsnp/vsnp.h"

#define HV_PAGE 4096ull
/* GHCB spec, MSR protocol: the GFN field of preferred-GPA and register-GPA answers; all ones = none / refused. */
#define HV_GFN_NONE 0xFFFFFFFFFFFFFull
/* GHCB spec, MSR protocol: a non-zero [63:32] in a PSC or Run VMPL answer is an error; the value is ours. */
#define HV_MSR_ERROR 1ull

static bool is_guest_page(const struct vsnp_hv *hv, uint64_t pa)
{
	return memmap_contains(hv->guest_ram, pa, pa + HV_PAGE);
}

/*
 * Whether the guest may change the page state of [pa, pa + len): guest
 * RAM, modelled, never a VMSA (that would end its vCPU). Like KVM, the
 * hypervisor does not know which pages the SVSM owns: the SVSM must not
 * rely on it (a page it owns that a guest turns shared is the guest's
 * loss: the SVSM's next private access to it faults).
 */
static bool guest_may_convert(const struct vsnp_hv *hv, uint64_t pa, uint64_t len)
{
	if (!memmap_contains(hv->guest_ram, pa, pa + len))
		return false;
	for (uint64_t off = 0; off < len; off += HV_PAGE) {
		const struct rmp_entry *r = rmp_model_entry(hv->rmp, pa + off);

		if (r == NULL || r->vmsa)
			return false;
	}
	return true;
}

static uint64_t serve_cpuid(struct vsnp_hv *hv, const struct vsnp_hv_vcpu *v, uint64_t req)
{
	unsigned reg = (unsigned)(req >> 30) & 3;
	uint32_t leaf = (uint32_t)(req >> 32);
	uint32_t out[4] = { 0, 0, 0, 0 };

	/* The MSR protocol has no sub-leaf (GHCB spec, MSR protocol): sub-leaf 0. */
	if (hv->cpuid(hv->ctx, v->apic_id, leaf, 0, out) != SVSM_OK)
		out[0] = out[1] = out[2] = out[3] = 0;
	return GHCB_MSR_CPUID_RESP | ((uint64_t)reg << 30) | ((uint64_t)out[reg] << 32);
}

/* A 4 KiB change inside a 2 MiB RMP entry: the hypervisor splits it first (PSMASH), as KVM does. */
static int split_for_4k(struct vsnp_hv *hv, uint64_t gpa)
{
	const struct rmp_entry *e = rmp_model_entry(hv->rmp, gpa);

	if (e == NULL)
		return SVSM_EINVAL;
	return e->large ? rmp_model_psmash(hv->rmp, gpa) : SVSM_OK;
}

/* RMPUPDATE of one 4 KiB page, as a hypervisor does for a PSC request. */
static uint64_t serve_psc(struct vsnp_hv *hv, uint64_t req)
{
	uint64_t gpa = ((req >> GHCB_MSR_PSC_GFN_SHIFT) & GHCB_MSR_PSC_GFN_MASK) * HV_PAGE;
	unsigned op = (unsigned)(req >> GHCB_MSR_PSC_OP_SHIFT) & 0xF;
	uint64_t err = HV_MSR_ERROR;

	if ((op == GHCB_PSC_OP_PRIVATE || op == GHCB_PSC_OP_SHARED) && guest_may_convert(hv, gpa, HV_PAGE) &&
	    split_for_4k(hv, gpa) == SVSM_OK &&
	    rmp_model_set_private(hv->rmp, gpa, false, op == GHCB_PSC_OP_PRIVATE) == SVSM_OK) {
		err = 0;
		if (vsnp_npt_drop(hv->npt, gpa, HV_PAGE) != SVSM_OK)
			err = HV_MSR_ERROR; /* cannot happen for an aligned in-range page */
	}
	return GHCB_MSR_PSC_RESP | (err << GHCB_MSR_ERROR_SHIFT);
}

int vsnp_hv_implicit_shared(struct vsnp_hv *hv, uint64_t gpa)
{
	const struct rmp_entry *e = rmp_model_entry(hv->rmp, gpa);

	if (gpa % HV_PAGE != 0 || e == NULL || !e->assigned || e->validated || e->immutable ||
	    !guest_may_convert(hv, gpa, HV_PAGE) || split_for_4k(hv, gpa) != SVSM_OK ||
	    rmp_model_set_private(hv->rmp, gpa, false, false) != SVSM_OK)
		return SVSM_EINVAL;
	hv->implicit_shared++;
	return vsnp_npt_drop(hv->npt, gpa, HV_PAGE);
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
		v->ghcb_msr = serve_cpuid(hv, v, req);
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

/* ---- the GHCB page protocol ---- */

#define HV_2M (512 * HV_PAGE)
/* GHCB spec, GHCB layout: the GHCB shared buffer's offset, where SW_SCRATCH must point for a PSC. */

/* The hypervisor's answer: SW_EXITINFO1 = result, SW_EXITINFO2 = detail, both marked valid. */
/* One PSC entry as a hypervisor's RMPUPDATE (4 KiB, or 512 of them for a 2 MiB entry). */
static int psc_entry(struct vsnp_hv *hv, uint64_t e)
{
	uint64_t gpa = ((e >> PSC_ENTRY_GFN_SHIFT) & PSC_ENTRY_GFN_MASK) * HV_PAGE;
	unsigned op = (unsigned)(e >> PSC_ENTRY_OP_SHIFT) & PSC_ENTRY_OP_MASK;
	bool large = (e & PSC_ENTRY_2M) != 0;
	uint64_t len = large ? HV_2M : HV_PAGE;

	if ((e & PSC_ENTRY_RSVD_MASK) != 0 || (op != GHCB_PSC_OP_PRIVATE && op != GHCB_PSC_OP_SHARED) ||
	    (large && (gpa & (HV_2M - 1)) != 0) || !guest_may_convert(hv, gpa, len))
		return SVSM_EINVAL;
	if ((!large && split_for_4k(hv, gpa) != SVSM_OK) ||
	    rmp_model_set_private(hv->rmp, gpa, large, op == GHCB_PSC_OP_PRIVATE) != SVSM_OK)
		return SVSM_EINVAL;
	return vsnp_npt_drop(hv->npt, gpa, len);
}

/* GHCB spec, Page State Change: entries from cur_entry to end_entry; cur_entry says how far it got. */
static void serve_ghcb_psc(struct vsnp_hv *hv, struct vsnp_hv_vcpu *v, struct ghcb *g)
{
	struct psc_desc *d = (struct psc_desc *)g->shared_buffer;

	if (!GHCB_VALID(g, sw_scratch) || g->sw_scratch != v->ghcb_gpa + GHCB_SHARED_BUFFER_OFF) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_SCRATCH);
		return;
	}
	/*
	 * The header's reserved word is not checked, as KVM does not check it:
	 * OVMF leaves it as it finds it in the shared buffer (it only sets the
	 * entry indices), and a hypervisor that refused it would stop OVMF.
	 */
	if (d->hdr.end_entry >= PSC_MAX_ENTRIES || d->hdr.cur_entry > d->hdr.end_entry) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT);
		return;
	}
	while (d->hdr.cur_entry <= d->hdr.end_entry) {
		if (psc_entry(hv, d->entries[d->hdr.cur_entry]) != SVSM_OK) {
			/* GHCB spec, Page State Change: a non-zero SW_EXITINFO2 with cur_entry at the entry that failed. */
			ghcb_answer(g, GHCB_RESULT_OK, HV_MSR_ERROR);
			return;
		}
		d->hdr.cur_entry++;
	}
	ghcb_answer(g, GHCB_RESULT_OK, 0);
}

/*
 * Get APIC IDs (GHCB spec 56421, NAE event 0x8000_0017; KVM's reading):
 * RAX the pages of the guest's buffer at SW_EXITINFO1. Too few (OVMF asks
 * with 0 first): RAX comes back with the pages the list needs, nothing
 * written. Else the buffer must be shared guest RAM, page-aligned, for as
 * many pages as the list fills (a u32 count, then one u32 APIC ID per
 * vCPU); the kernel writes it (VSNP_HV_APIC_IDS), RAX unchanged.
 */
static enum vsnp_hv_action serve_apic_ids(struct vsnp_hv *hv, struct vsnp_hv_vcpu *v, struct ghcb *g)
{
	uint64_t len = 4 + 4ull * hv->ncpus, pages = (len + HV_PAGE - 1) / HV_PAGE, gpa = g->sw_exit_info_1;

	if (!GHCB_VALID(g, rax)) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_MISSING_INPUT);
		return VSNP_HV_RESUME;
	}
	if (hv->ncpus == 0) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT); /* no vCPUs known: nothing to list */
		return VSNP_HV_RESUME;
	}
	if (g->rax < pages) {
		GHCB_SET(g, rax, pages);
		ghcb_answer(g, GHCB_RESULT_OK, 0);
		return VSNP_HV_RESUME;
	}
	if ((gpa & (HV_PAGE - 1)) != 0 || !memmap_contains(hv->guest_ram, gpa, gpa + pages * HV_PAGE)) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT);
		return VSNP_HV_RESUME;
	}
	for (uint64_t off = 0; off < pages * HV_PAGE; off += HV_PAGE) {
		const struct rmp_entry *e = rmp_model_entry(hv->rmp, gpa + off);

		if (e == NULL || e->assigned) { /* a hypervisor cannot write private memory */
			ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT);
			return VSNP_HV_RESUME;
		}
	}
	v->apic_ids_gpa = gpa;
	v->apic_ids_len = len;
	ghcb_answer(g, GHCB_RESULT_OK, 0);
	return VSNP_HV_APIC_IDS;
}

enum vsnp_hv_action vsnp_hv_ghcb_exit(struct vsnp_hv *hv, struct vsnp_hv_vcpu *v, struct ghcb *g)
{
	if (g->ghcb_usage != GHCB_USAGE_STANDARD) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_USAGE);
		return VSNP_HV_RESUME;
	}
	if (!GHCB_VALID(g, sw_exit_code) || !GHCB_VALID(g, sw_exit_info_1) || !GHCB_VALID(g, sw_exit_info_2)) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_MISSING_INPUT);
		return VSNP_HV_RESUME;
	}
	switch (g->sw_exit_code) {
	case SVM_VMGEXIT_SNP_RUN_VMPL:
		/* SW_EXITINFO1[7:0]: the target VMPL; only VMPL0 is ever run for a lower one. */
		if ((g->sw_exit_info_1 & 0xFF) != 0 || (g->sw_exit_info_1 >> 8) != 0) {
			ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT);
			return VSNP_HV_RESUME;
		}
		ghcb_answer(g, GHCB_RESULT_OK, 0);
		return VSNP_HV_SVSM_CALL;
	case SVM_VMGEXIT_PSC:
		serve_ghcb_psc(hv, v, g);
		return VSNP_HV_RESUME;
	case SVM_VMGEXIT_EXT_GUEST_REQUEST:
		/*
		 * The extended request (GHCB spec 56421 §4.1.8): RAX a certificate
		 * buffer of RBX pages as well. This hypervisor holds no
		 * certificates; the kernel writes an empty table there.
		 */
		if (!GHCB_VALID(g, rax) || !GHCB_VALID(g, rbx) || (g->rax & (HV_PAGE - 1)) != 0 || g->rbx == 0 ||
		    !is_guest_page(hv, g->rax)) {
			ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT);
			return VSNP_HV_RESUME;
		}
		__attribute__((fallthrough)); /* the request itself is a guest request's */
	case SVM_VMGEXIT_GUEST_REQUEST:
		/* Both pages must be guest RAM; the kernel checks they are shared and runs the PSP. */
		if ((g->sw_exit_info_1 | g->sw_exit_info_2) & (HV_PAGE - 1) ||
		    !is_guest_page(hv, g->sw_exit_info_1) || !is_guest_page(hv, g->sw_exit_info_2) ||
		    g->sw_exit_info_1 == g->sw_exit_info_2) {
			ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT);
			return VSNP_HV_RESUME;
		}
		return VSNP_HV_GUEST_REQUEST;
	case SVM_VMGEXIT_HV_FEATURES:
		ghcb_answer(g, GHCB_RESULT_OK, hv->features);
		return VSNP_HV_RESUME;
	case SVM_VMGEXIT_TERM_REQUEST:
		/* SW_EXITINFO1[3:0] the reason set, [11:4] the code (as the MSR form's [15:12], [23:16]). */
		v->term_set = (unsigned)(g->sw_exit_info_1 & 0xF);
		v->term_code = (unsigned)(g->sw_exit_info_1 >> 4) & 0xFF;
		return VSNP_HV_TERMINATE;
	case SVM_VMGEXIT_AP_CREATION: {
		uint64_t i1 = g->sw_exit_info_1;

		v->ap_request = (unsigned)(i1 & 0xFFFF);
		v->ap_vmpl = (unsigned)(i1 >> SVM_AP_VMPL_SHIFT) & 0xF;
		v->ap_apic_id = (uint32_t)(i1 >> SVM_AP_APIC_ID_SHIFT);
		v->ap_vmsa = g->sw_exit_info_2;
		/*
		 * CREATE_ON_INIT needs an INIT to wait for, which this machine never
		 * sends. Which VMPL may ask for which is the caller's rule (vsnp/cpu.c:
		 * a VMPL0 VMSA only from VMPL0, for the SVSM's own APs).
		 */
		if ((v->ap_request != SVM_AP_CREATE && v->ap_request != SVM_AP_DESTROY) ||
		    (i1 & 0xFFF00000ull) != 0 || v->ap_vmpl >= SNP_VMPL_COUNT ||
		    (v->ap_request == SVM_AP_CREATE &&
		     ((v->ap_vmsa & (HV_PAGE - 1)) != 0 || !is_guest_page(hv, v->ap_vmsa)))) {
			ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT);
			return VSNP_HV_RESUME;
		}
		return VSNP_HV_AP_CREATE;
	}
	case SVM_VMGEXIT_GET_APIC_IDS:
		return serve_apic_ids(hv, v, g);
	default:
		/* MMIO and the rest: not served. */
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT);
		return VSNP_HV_RESUME;
	}
}
