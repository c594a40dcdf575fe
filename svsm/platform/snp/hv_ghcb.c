/* SPDX-License-Identifier: MIT */
/*
 * The GHCB page protocol (include/svsm/snp_hv.h). The page is shared with
 * the hypervisor, which may change it at any time: outputs are read with
 * volatile loads, once each, and the valid bitmap is snapshotted before
 * any output is believed (GHCB spec, GHCB layout: "Outputs are only trustworthy if the
 * hypervisor set their valid bits").
 */
#include "svsm/snp_hv.h"

#include <stddef.h>

#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"
#include "svsm/vc_decode.h"

#define VALID_BYTES 16u

struct ghcb_out {
	uint8_t valid[VALID_BYTES];
};

static uint64_t read_once(const struct ghcb *g, size_t off)
{
	return *(const volatile uint64_t *)((const uint8_t *)g + off);
}

#define GHCB_READ(g, field) read_once((g), offsetof(struct ghcb, field))

static void snapshot(const struct ghcb *g, struct ghcb_out *o)
{
	const volatile uint8_t *src = (const volatile uint8_t *)g->valid_bitmap;

	for (unsigned i = 0; i < VALID_BYTES; i++)
		o->valid[i] = src[i];
}

static bool out_valid(const struct ghcb_out *o, size_t off)
{
	unsigned bit = (unsigned)(off / 8);

	return (o->valid[bit / 8] >> (bit % 8)) & 1;
}

#define OUT_VALID(o, field) out_valid((o), offsetof(struct ghcb, field))

/* Claims the GHCB for one request and clears what the last one left (GHCB spec, GHCB layout). */
static int begin(struct snp_hv *hv)
{
	if (hv->ghcb == NULL)
		return SVSM_EIO; /* not registered yet */
	if (hv->busy)
		return SVSM_EBUSY;
	hv->busy = true;
	ghcb_invalidate(hv->ghcb);
	return SVSM_OK;
}

static int end(struct snp_hv *hv, int err)
{
	hv->busy = false;
	return err;
}

/* The call itself, with hv already claimed. */
static int call(struct snp_hv *hv, uint64_t exit_code, uint64_t info1, uint64_t info2)
{
	struct ghcb *g = hv->ghcb;

	g->protocol_version = hv->version;
	g->ghcb_usage = GHCB_USAGE_STANDARD;
	GHCB_SET(g, sw_exit_code, exit_code);
	GHCB_SET(g, sw_exit_info_1, info1);
	GHCB_SET(g, sw_exit_info_2, info2);
	if (hv->msr_is_ghcb && hv->vmgexit_again != NULL) {
		hv->vmgexit_again(hv->ctx);
	} else {
		hv->vmgexit(hv->ctx, hv->ghcb_gpa);
		hv->msr_is_ghcb = true;
	}

	switch ((uint32_t)GHCB_READ(g, sw_exit_info_1)) {
	case GHCB_RESULT_OK:
		return SVSM_OK;
	case GHCB_RESULT_INJECT:
		return SVSM_EFAULT;
	default:
		return SVSM_EIO;
	}
}

int snp_ghcb_rdmsr(struct snp_hv *hv, uint32_t msr, uint64_t *val)
{
	struct ghcb_out o;
	int err = begin(hv);

	if (err != SVSM_OK)
		return err;
	GHCB_SET(hv->ghcb, rcx, msr);
	err = call(hv, SVM_EXIT_MSR, SVM_MSR_READ, 0);
	if (err != SVSM_OK)
		return end(hv, err);
	snapshot(hv->ghcb, &o);
	if (!OUT_VALID(&o, rax) || !OUT_VALID(&o, rdx))
		return end(hv, SVSM_EIO);
	*val = (GHCB_READ(hv->ghcb, rdx) << 32) | (uint32_t)GHCB_READ(hv->ghcb, rax);
	return end(hv, SVSM_OK);
}

int snp_ghcb_wrmsr(struct snp_hv *hv, uint32_t msr, uint64_t val)
{
	int err = begin(hv);

	if (err != SVSM_OK)
		return err;
	GHCB_SET(hv->ghcb, rcx, msr);
	GHCB_SET(hv->ghcb, rax, (uint32_t)val);
	GHCB_SET(hv->ghcb, rdx, val >> 32);
	return end(hv, call(hv, SVM_EXIT_MSR, SVM_MSR_WRITE, 0));
}

int snp_ghcb_io(struct snp_hv *hv, uint16_t port, unsigned size, bool in, uint32_t *val)
{
	if (size != 1 && size != 2 && size != 4)
		return SVSM_EINVAL;

	const uint32_t mask = 0xFFFFFFFFu >> (32 - 8 * size);
	const struct ioio_info io = {
		.port = port, .size = (uint8_t)size, .addr_bits = 64, .in = in,
	};
	struct ghcb_out o;
	int err = begin(hv);

	if (err != SVSM_OK)
		return err;
	GHCB_SET(hv->ghcb, rax, in ? 0 : (*val & mask));
	err = call(hv, SVM_EXIT_IOIO, ioio_info_encode(&io), 0);
	if (err != SVSM_OK || !in)
		return end(hv, err);
	snapshot(hv->ghcb, &o);
	if (!OUT_VALID(&o, rax))
		return end(hv, SVSM_EIO);
	*val = (uint32_t)GHCB_READ(hv->ghcb, rax) & mask;
	return end(hv, SVSM_OK);
}

int snp_ghcb_outsb(struct snp_hv *hv, uint16_t port, const void *buf, size_t n)
{
	const struct ioio_info io = {
		.port = port, .size = 1, .addr_bits = 64, .string = true, .rep = true, .seg = 3, /* DS, as OUTSB's default */
	};
	int err;

	if (n == 0 || n > SNP_GHCB_OUTS_MAX)
		return SVSM_EINVAL;
	err = begin(hv);
	if (err != SVSM_OK)
		return err;
	memcpy(hv->ghcb->shared_buffer, buf, n);
	GHCB_SET(hv->ghcb, sw_scratch, hv->ghcb_gpa + GHCB_SHARED_BUFFER_OFF);
	return end(hv, call(hv, SVM_EXIT_IOIO, ioio_info_encode(&io), n));
}

int snp_ghcb_cpuid(struct snp_hv *hv, uint32_t leaf, uint32_t subleaf, uint64_t xcr0,
		   struct cpuid_regs *out)
{
	struct ghcb_out o;
	int err = begin(hv);

	if (err != SVSM_OK)
		return err;
	GHCB_SET(hv->ghcb, rax, leaf);
	GHCB_SET(hv->ghcb, rcx, subleaf);
	GHCB_SET(hv->ghcb, xcr0, xcr0);
	err = call(hv, SVM_EXIT_CPUID, 0, 0);
	if (err != SVSM_OK)
		return end(hv, err);
	snapshot(hv->ghcb, &o);
	if (!OUT_VALID(&o, rax) || !OUT_VALID(&o, rbx) || !OUT_VALID(&o, rcx) ||
	    !OUT_VALID(&o, rdx))
		return end(hv, SVSM_EIO);
	out->eax = (uint32_t)GHCB_READ(hv->ghcb, rax);
	out->ebx = (uint32_t)GHCB_READ(hv->ghcb, rbx);
	out->ecx = (uint32_t)GHCB_READ(hv->ghcb, rcx);
	out->edx = (uint32_t)GHCB_READ(hv->ghcb, rdx);
	return end(hv, SVSM_OK);
}

static struct psc_hdr read_psc_hdr(const struct ghcb *g)
{
	uint64_t raw = read_once(g, offsetof(struct ghcb, shared_buffer));
	struct psc_hdr h;

	memcpy(&h, &raw, sizeof(h));
	return h;
}

int snp_ghcb_psc(struct snp_hv *hv, const uint64_t *entries, unsigned n)
{
	if (n == 0 || n > PSC_MAX_ENTRIES)
		return SVSM_EINVAL;

	int err = begin(hv);

	if (err != SVSM_OK)
		return err;

	struct psc_desc *d = (struct psc_desc *)(void *)hv->ghcb->shared_buffer;
	const uint16_t last = (uint16_t)(n - 1);
	uint16_t done = 0; /* entries the hypervisor has reported finished */

	d->hdr = (struct psc_hdr){ .cur_entry = 0, .end_entry = last, .reserved = 0 };
	memcpy(d->entries, entries, n * sizeof(entries[0]));

	/* The hypervisor may stop part way (GHCB spec, Page State Change); the GHCB is re-issued until cur > end. */
	for (;;) {
		ghcb_invalidate(hv->ghcb);
		GHCB_SET(hv->ghcb, sw_scratch, hv->ghcb_gpa + offsetof(struct ghcb, shared_buffer));
		err = call(hv, SVM_VMGEXIT_PSC, 0, 0);
		if (err != SVSM_OK)
			return end(hv, err);
		if (GHCB_READ(hv->ghcb, sw_exit_info_2) != 0)
			return end(hv, SVSM_EIO);

		struct psc_hdr h = read_psc_hdr(hv->ghcb);

		if (h.end_entry != last || h.cur_entry <= done || h.cur_entry > last + 1u)
			return end(hv, SVSM_EIO); /* moved the goal, no progress, or beyond the end */
		if (h.cur_entry == last + 1u)
			return end(hv, SVSM_OK);
		done = h.cur_entry;
	}
}

int snp_ghcb_ap_create(struct snp_hv *hv, unsigned op, uint32_t apic_id, unsigned vmpl,
		       uint64_t vmsa_gpa, uint64_t sev_features)
{
	if (op > SVM_AP_DESTROY || vmpl > 3 || (vmsa_gpa & 0xFFF) != 0)
		return SVSM_EINVAL;

	int err = begin(hv);

	if (err != SVSM_OK)
		return err;
	if (op != SVM_AP_DESTROY)
		GHCB_SET(hv->ghcb, rax, sev_features);
	return end(hv, call(hv, SVM_VMGEXIT_AP_CREATION,
			    op | ((uint64_t)vmpl << SVM_AP_VMPL_SHIFT) |
				    ((uint64_t)apic_id << SVM_AP_APIC_ID_SHIFT),
			    vmsa_gpa));
}

int snp_ghcb_run_vmpl(struct snp_hv *hv, unsigned vmpl)
{
	if (vmpl > 3)
		return SVSM_EINVAL;

	int err = begin(hv);

	if (err != SVSM_OK)
		return err;
	return end(hv, call(hv, SVM_VMGEXIT_SNP_RUN_VMPL, vmpl, 0));
}

int snp_ghcb_guest_request(struct snp_hv *hv, uint64_t req_gpa, uint64_t resp_gpa,
			   uint64_t *fw_error)
{
	if ((req_gpa | resp_gpa) & 0xFFF || req_gpa == resp_gpa)
		return SVSM_EINVAL;

	int err = begin(hv);

	if (err != SVSM_OK)
		return err;
	*fw_error = 0;
	err = call(hv, SVM_VMGEXIT_GUEST_REQUEST, req_gpa, resp_gpa);
	if (err != SVSM_OK)
		return end(hv, err);

	uint64_t status = GHCB_READ(hv->ghcb, sw_exit_info_2);

	*fw_error = status;
	if (status == 0)
		return end(hv, SVSM_OK);
	return end(hv, (uint32_t)(status >> 32) == SNP_GUEST_VMM_ERR_BUSY ? SVSM_EBUSY : SVSM_EIO);
}
