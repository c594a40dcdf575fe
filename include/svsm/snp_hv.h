/* SPDX-License-Identifier: MIT */
/*
 * Talking to the hypervisor under SNP: the GHCB MSR protocol (one value through
 * MSR 0xC0010130, GHCB spec 56421, GHCB MSR protocol) and the GHCB page
 * protocol (GHCB spec: GHCB layout, NAE events, Page State Change). Everything
 * the hypervisor returns is hostile: each answer is read once from the shared
 * page, checked, and only then used.
 *
 * Portable: the two hardware steps are callbacks, so host tests put a
 * scripted hypervisor behind them and the kernel the real WRMSR/VMGEXIT.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/ghcb.h"
#include "lib/cpu.h"

struct snp_hv {
	/* MSR protocol: MSR_GHCB = req, VMGEXIT, return MSR_GHCB. */
	uint64_t (*msr_exchange)(void *ctx, uint64_t req);
	/* GHCB protocol: MSR_GHCB = ghcb_gpa, VMGEXIT. */
	void (*vmgexit)(void *ctx, uint64_t ghcb_gpa);
	/*
	 * Optional: VMGEXIT with MSR_GHCB as the last vmgexit left it (the
	 * MSR protocol's msr_exchange puts it back). Saves the WRMSR, which a
	 * hypervisor that intercepts it (the emulated machine) pays an exit
	 * for. A hypervisor that changed the MSR meanwhile only gets a request
	 * it cannot find: the answer is read from this CPU's own GHCB.
	 */
	void (*vmgexit_again)(void *ctx);
	bool msr_is_ghcb; /* MSR_GHCB holds ghcb_gpa since the last vmgexit */
	void *ctx;
	struct ghcb *ghcb; /* this CPU's GHCB, mapped shared; NULL until registered */
	uint64_t ghcb_gpa;
	uint16_t version;  /* negotiated GHCB protocol version */
	bool busy;         /* a GHCB call is in progress (a nested one would clobber it) */
};

/* ---- MSR protocol ---- */

/*
 * SEV information: the version is negotiated (GHCB_PROTOCOL_MIN..MAX) and
 * the hypervisor's C-bit must equal expect_cbit (from the firmware-checked
 * CPUID page). SVSM_OK; SVSM_EIO (not a SEV-information answer);
 * SVSM_ENOTSUP (no common version); SVSM_EINVAL (C-bit differs).
 */
int snp_hv_negotiate(struct snp_hv *hv, unsigned expect_cbit);
/*
 * Hypervisor features into *features. SVSM_OK; SVSM_EIO (not a features
 * answer); SVSM_ENOTSUP when a bit of GHCB_HV_FT_SVSM_REQUIRED is missing
 * (*features is filled in either way so the caller can name it).
 */
int snp_hv_features(struct snp_hv *hv, uint64_t *features);
/* Registers the GHCB at gpa. SVSM_OK; SVSM_EINVAL (not page aligned); SVSM_EIO (refused). */
int snp_hv_register_ghcb(struct snp_hv *hv, uint64_t gpa);
/* Page state change of one 4 KiB page through the MSR. SVSM_OK, SVSM_EINVAL, SVSM_EIO. */
int snp_hv_psc_msr(struct snp_hv *hv, uint64_t gpa, bool private_);

/*
 * ---- GHCB page protocol ----
 * Every call: SVSM_EIO before a GHCB is registered; SVSM_EBUSY while
 * another call is in progress; SVSM_EFAULT if the hypervisor asks to
 * inject an exception (for an MSR: it does not exist); SVSM_EIO for an
 * error answer or a missing output.
 */

int snp_ghcb_rdmsr(struct snp_hv *hv, uint32_t msr, uint64_t *val);
int snp_ghcb_wrmsr(struct snp_hv *hv, uint32_t msr, uint64_t val);
/* IN/OUT of size 1, 2 or 4 (SVSM_EINVAL otherwise); IN needs RAX back (SVSM_EIO without). */
int snp_ghcb_io(struct snp_hv *hv, uint16_t port, unsigned size, bool in, uint32_t *val);
/*
 * OUTSB of n bytes in one request (GHCB spec 56421 §4.1.2, the IOIO
 * string form): the bytes go in the GHCB's shared buffer, SW_SCRATCH
 * points at them and SW_EXITINFO2 is the count. SVSM_EINVAL for n of 0 or
 * more than the buffer holds (SNP_GHCB_OUTS_MAX).
 */
#define SNP_GHCB_OUTS_MAX GHCB_SHARED_BUFFER_SIZE
int snp_ghcb_outsb(struct snp_hv *hv, uint16_t port, const void *buf, size_t n);
/* The hypervisor's CPUID answer (not to be trusted: see snp_cpuid_lookup). */
int snp_ghcb_cpuid(struct snp_hv *hv, uint32_t leaf, uint32_t subleaf, uint64_t xcr0,
		   struct cpuid_regs *out);
/*
 * Page state change of n (1..PSC_MAX_ENTRIES) encoded entries through the
 * shared buffer, re-issued until the hypervisor has done them all.
 * SVSM_OK; SVSM_EINVAL (n); SVSM_EIO on an error, a changed end, or a
 * call that made no progress.
 */
int snp_ghcb_psc(struct snp_hv *hv, const uint64_t *entries, unsigned n);
/* AP creation: op SVM_AP_CREATE/_ON_INIT/_DESTROY, VMSA at vmsa_gpa for vmpl. */
int snp_ghcb_ap_create(struct snp_hv *hv, unsigned op, uint32_t apic_id, unsigned vmpl,
		       uint64_t vmsa_gpa, uint64_t sev_features);
/* Run VMPL (0x80000018): returns when the lower VMPL exits back to VMPL0. */
int snp_ghcb_run_vmpl(struct snp_hv *hv, unsigned vmpl);
/*
 * SNP guest request with request and response pages (shared). SVSM_OK;
 * SVSM_EIO with *fw_error = SW_EXITINFO2 when the firmware or the VMM
 * reports an error; SVSM_EBUSY when the VMM says busy (retry).
 */
int snp_ghcb_guest_request(struct snp_hv *hv, uint64_t req_gpa, uint64_t resp_gpa,
			   uint64_t *fw_error);

/* SW_EXITINFO2[63:32] VMM errors of a guest request (GHCB spec 56421, NAE events). */
#define SNP_GUEST_VMM_ERR_INVALID_LEN 1u
#define SNP_GUEST_VMM_ERR_BUSY 2u
