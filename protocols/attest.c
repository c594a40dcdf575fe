/* SPDX-License-Identifier: MIT */
/*
 * Attestation protocol calls (include/protocols/attest.h, SVSM spec 58019,
 * attestation protocol). Order of work, so a refusal changes nothing in guest
 * memory:
 *  1. copy the operation structure once and check it (reserved fields,
 *     alignment, sizes, every buffer in guest RAM and not a VMSA/CA, the
 *     output buffers not overlapping each other);
 *  2. build the manifest; if a buffer is too small answer
 *     INVALID_PARAMETER with the sizes needed in RCX/RDX/R8;
 *  3. read the nonce once, REPORT_DATA = SHA-512(nonce || manifest);
 *  4. get the report from the PSP (outside the VM lock: it takes time);
 *  5. check the buffers again and write the report and the manifest.
 */
#include "protocols/attest.h"

#include <mbedtls/md.h>

#include "abi/svsm_abi.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/guest_mem.h"
#include "svsm/platform.h"
#include "core_internal.h"

static const uint8_t manifest_guid[16] = SVSM_MANIFEST_GUID;
static const uint8_t vtpm_guid[16] = SVSM_VTPM_SERVICE_GUID;
static const uint8_t state_guid[16] = SVSM_VTPM_STATE_GUID;

static svsm_rc attest_call(struct svsm_vm *vm, uint32_t call, struct svsm_regs *regs);

int svsm_attest_init(struct svsm_attest *a, const uint8_t vmpck0[SNP_VMPCK_LEN],
		     struct snp_guest_msg *req, paddr_t req_pa, struct snp_guest_msg *resp,
		     paddr_t resp_pa)
{
	if (((pa_addr(req_pa) | pa_addr(resp_pa)) & (SVSM_PAGE - 1)) != 0 ||
	    pa_addr(req_pa) == pa_addr(resp_pa) || req == NULL ||
	    resp == NULL)
		return SVSM_EINVAL;
	a->handle = attest_call;
	a->req = req, a->resp = resp, a->req_pa = req_pa, a->resp_pa = resp_pa;
	return snp_msg_init(&a->msg, vmpck0, 0);
}

void svsm_vm_set_attest(struct svsm_vm *vm, struct svsm_attest *a)
{
	spin_lock(&vm->attest_lock);
	__atomic_store_n(&vm->attest, a, __ATOMIC_RELEASE);
	spin_unlock(&vm->attest_lock);
}

/* ---- manifests ---- */

/* A service's data: the vTPM's (state false) or its state entry's (state true), if it can give one. */
static bool service_data(const struct svsm_vm *vm, bool state, uint8_t *buf, size_t max, size_t *len)
{
	const struct vtpm_backend *b = vm->vtpm;
	int (*get)(void *, uint8_t *, size_t, size_t *) = b == NULL ? NULL : state ? b->state_manifest : b->manifest;

	return get != NULL && get(b->ctx, buf, max, len) == SVSM_OK && *len <= max;
}

/*
 * ATTEST_SERVICES: the GUID table of every service that has data (SVSM
 * spec, attestation protocol, Table 12): the vTPM's, then its state's.
 */
static size_t services_manifest(const struct svsm_vm *vm, uint8_t *m)
{
	struct svsm_manifest_hdr h = { .size = 0, .count = 0 };
	struct svsm_manifest_entry e[2];
	const size_t table = sizeof(h) + sizeof(e);
	size_t off = table, len = 0;

	memcpy(h.guid, manifest_guid, sizeof(h.guid));
	for (unsigned i = 0; i < 2; i++) {
		if (!service_data(vm, i == 1, m + off, SVSM_MANIFEST_MAX - off, &len))
			continue;
		memcpy(e[h.count].guid, i == 1 ? state_guid : vtpm_guid, 16);
		e[h.count].offset = (uint32_t)off;
		e[h.count].size = (uint32_t)len;
		h.count++;
		off += len;
	}
	/* The data was put after room for two entries: close the gap the table does not fill. */
	const size_t used = sizeof(h) + h.count * sizeof(e[0]), gap = table - used;

	memmove(m + used, m + table, off - table);
	for (unsigned i = 0; i < h.count; i++)
		e[i].offset -= (uint32_t)gap;
	memcpy(m + sizeof(h), e, h.count * sizeof(e[0]));
	h.size = (uint32_t)(off - gap);
	memcpy(m, &h, sizeof(h));
	return h.size;
}

/*
 * ATTEST_SINGLE_SERVICE: the service's own manifest, unwrapped, as COCONUT
 * answers it (the SVSM spec's wording leaves the form open). 0 and
 * *known = false for a GUID the SVSM does not offer.
 */
static size_t single_manifest(const struct svsm_vm *vm, const uint8_t guid[16], uint8_t *m,
			      bool *known)
{
	size_t len = 0;
	const bool state = memcmp(guid, state_guid, 16) == 0;

	*known = (state || memcmp(guid, vtpm_guid, 16) == 0) && service_data(vm, state, m, SVSM_MANIFEST_MAX, &len);
	return *known ? len : 0;
}

/* ---- the report ---- */

/*
 * One guest request to the PSP under VMPCK0: q sealed as `type`, the
 * answer opened into rsp, which must be exactly rlen bytes. SVSM_OK,
 * SVSM_EBUSY (the hypervisor stayed busy), or SVSM_EIO (the key is wiped
 * once a request went out and no usable answer came).
 */
static int exchange(struct svsm_attest *a, uint8_t type, const void *q, size_t qlen, void *rsp, size_t rlen)
{
	static struct snp_guest_msg copy; /* under attest_lock */
	uint64_t fw = 0;
	size_t len = 0;
	int err;

	err = snp_msg_seal(&a->msg, type, q, qlen, a->req);
	if (err != SVSM_OK)
		return SVSM_EIO;
	/* SNP ABI, guest messages: a BUSY request is re-sent as it is (same sequence number). */
	for (unsigned i = 0; i <= SVSM_ATTEST_BUSY_RETRIES; i++) {
		err = platform_guest_request(a->req_pa, a->resp_pa, &fw);
		if (err != SVSM_EBUSY)
			break;
	}
	if (err != SVSM_OK) {
		snp_msg_abandon(&a->msg); /* the request went out: never reuse the IV */
		return err == SVSM_EBUSY ? SVSM_EBUSY : SVSM_EIO;
	}
	memcpy(&copy, a->resp, sizeof(copy)); /* the shared page, read once */
	err = snp_msg_open(&a->msg, &copy, rsp, rlen, &len);
	memset(&copy, 0, sizeof(copy));
	return err == SVSM_OK && len == rlen ? SVSM_OK : SVSM_EIO;
}

/* A VMPL0 report with report_data from the PSP: SVSM_OK, SVSM_EBUSY, or SVSM_EIO (key wiped). */
static int get_report(struct svsm_attest *a, const uint8_t data[SNP_REPORT_DATA_LEN],
		      struct snp_attestation_report *out)
{
	static struct snp_report_rsp rsp; /* under attest_lock */
	struct snp_report_req q;
	int err;

	memset(&q, 0, sizeof(q));
	memcpy(q.report_data, data, sizeof(q.report_data));
	q.vmpl = 0; /* the SVSM speaks for itself (SVSM spec, attestation protocol) */
	err = exchange(a, SNP_MSG_REPORT_REQ, &q, sizeof(q), &rsp, sizeof(rsp));
	if (err != SVSM_OK)
		return err;
	if (rsp.status != SNP_REPORT_STATUS_OK || rsp.report_size != SNP_REPORT_SIZE)
		return SVSM_EIO; /* the PSP refused a request the SVSM built: report it, do not guess */
	memcpy(out, &rsp.report, sizeof(*out));
	return SVSM_OK;
}

int svsm_attest_derive_key(struct svsm_attest *a, const struct snp_key_req *q, uint8_t key[SNP_DERIVED_KEY_LEN],
			   uint32_t *status)
{
	struct snp_key_rsp rsp;
	int err = exchange(a, SNP_MSG_KEY_REQ, q, sizeof(*q), &rsp, sizeof(rsp));

	*status = err == SVSM_OK ? rsp.status : 0;
	if (err == SVSM_OK && rsp.status != SNP_REPORT_STATUS_OK)
		err = SVSM_EPERM;
	if (err == SVSM_OK)
		memcpy(key, rsp.key, SNP_DERIVED_KEY_LEN);
	memset(&rsp, 0, sizeof(rsp));
	return err;
}

/* ---- the calls ---- */

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen != 0 && blen != 0 && a < b + blen && b < a + alen;
}

static bool zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Step 1: the operation's own rules and every buffer's. */
static svsm_rc check_op(const struct svsm_vm *vm, const struct svsm_attest_services_op *op)
{
	const uint64_t nonce_off = op->nonce_gpa & (SVSM_PAGE - 1);

	if (op->rsvd_0c != 0 || !zero(op->rsvd_1a, sizeof(op->rsvd_1a)) || op->rsvd_2c != 0 ||
	    op->rsvd_3c != 0)
		return SVSM_RC_INVALID_PARAMETER;
	if (((op->report_gpa | op->manifest_gpa | op->certs_gpa) & (SVSM_PAGE - 1)) != 0)
		return SVSM_RC_INVALID_ADDRESS;
	if (op->nonce_size != SVSM_ATTEST_NONCE_SIZE || nonce_off + op->nonce_size > SVSM_PAGE)
		return SVSM_RC_INVALID_PARAMETER;
	if (!svsm_rc_ok(core_check_range(vm, gpa_init(op->nonce_gpa), op->nonce_size, 1, true, NULL)) ||
	    (op->report_size != 0 &&
	     !svsm_rc_ok(core_check_range(vm, gpa_init(op->report_gpa), op->report_size, 1, false, NULL))) ||
	    (op->manifest_size != 0 &&
	     !svsm_rc_ok(core_check_range(vm, gpa_init(op->manifest_gpa), op->manifest_size, 1, false, NULL))) ||
	    (op->certs_size != 0 &&
	     !svsm_rc_ok(core_check_range(vm, gpa_init(op->certs_gpa), op->certs_size, 1, false, NULL))))
		return SVSM_RC_INVALID_ADDRESS;
	if (overlap(op->report_gpa, op->report_size, op->manifest_gpa, op->manifest_size) ||
	    overlap(op->report_gpa, op->report_size, op->certs_gpa, op->certs_size) ||
	    overlap(op->manifest_gpa, op->manifest_size, op->certs_gpa, op->certs_size))
		return SVSM_RC_INVALID_PARAMETER;
	return SVSM_RC_SUCCESS;
}

static svsm_rc attest(struct svsm_vm *vm, struct svsm_regs *regs, bool single)
{
	static uint8_t manifest[SVSM_MANIFEST_MAX]; /* under attest_lock */
	static struct snp_attestation_report report;
	struct svsm_attest_single_op op;
	const struct svsm_attest_services_op *b = &op.base;
	const size_t op_size = single ? sizeof(op) : sizeof(op.base);
	uint8_t nonce[SVSM_ATTEST_NONCE_SIZE], data[SNP_REPORT_DATA_LEN];
	mbedtls_md_context_t md;
	size_t mlen = 0; /* set when rc is SVSM_RC_SUCCESS; -Og cannot see that */
	svsm_rc rc;
	int err;

	memset(&op, 0, sizeof(op));
	read_lock(&vm->lock);
	rc = core_check_range(vm, gpa_init(regs->rcx), op_size, 8, true, NULL);
	if (svsm_rc_ok(rc) && copy_from_guest(&op, gpa_init(regs->rcx), op_size, 8) != SVSM_OK)
		rc = SVSM_RC_INVALID_ADDRESS;
	if (svsm_rc_ok(rc))
		rc = check_op(vm, b);
	if (svsm_rc_ok(rc) && single && (op.manifest_version != 0 || op.rsvd_54 != 0))
		rc = SVSM_RC_INVALID_PARAMETER;
	if (svsm_rc_ok(rc)) {
		bool known = true;

		mlen = single ? single_manifest(vm, op.service_guid, manifest, &known)
			      : services_manifest(vm, manifest);
		if (!known)
			rc = SVSM_RC_UNSUPPORTED_PROTOCOL; /* a service the SVSM does not offer */
	}
	if (svsm_rc_ok(rc) && (b->report_size < SNP_REPORT_SIZE || b->manifest_size < mlen)) {
		/* SVSM spec, attestation protocol: too small: say how much is needed, change nothing. */
		regs->rcx = mlen, regs->rdx = 0, regs->r8 = SNP_REPORT_SIZE;
		rc = SVSM_RC_INVALID_PARAMETER;
	}
	if (svsm_rc_ok(rc) && copy_from_guest(nonce, gpa_init(b->nonce_gpa), sizeof(nonce), 1) != SVSM_OK)
		rc = SVSM_RC_INVALID_ADDRESS;
	read_unlock(&vm->lock);
	if (!svsm_rc_ok(rc))
		return rc;

	/* REPORT_DATA = SHA-512(nonce || manifest). */
	mbedtls_md_init(&md);
	err = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA512), 0);
	if (err == 0)
		err = mbedtls_md_starts(&md);
	if (err == 0)
		err = mbedtls_md_update(&md, nonce, sizeof(nonce));
	if (err == 0)
		err = mbedtls_md_update(&md, manifest, mlen);
	if (err == 0)
		err = mbedtls_md_finish(&md, data);
	mbedtls_md_free(&md);
	if (err != 0)
		return SVSM_RC_INVALID_REQUEST;

	err = get_report(vm->attest, data, &report);
	if (err == SVSM_EBUSY)
		return SVSM_RC_BUSY;
	if (err != SVSM_OK)
		return SVSM_RC_INVALID_REQUEST;

	read_lock(&vm->lock);
	rc = check_op(vm, b); /* VMSAs and calling areas may have moved meanwhile */
	if (svsm_rc_ok(rc) &&
	    (copy_to_guest(gpa_init(b->report_gpa), &report, sizeof(report), 1) != SVSM_OK ||
	     (mlen != 0 && copy_to_guest(gpa_init(b->manifest_gpa), manifest, mlen, 1) != SVSM_OK)))
		rc = SVSM_RC_INVALID_ADDRESS;
	read_unlock(&vm->lock);
	if (svsm_rc_ok(rc))
		regs->rcx = mlen, regs->rdx = 0, regs->r8 = SNP_REPORT_SIZE;
	return rc;
}

static svsm_rc attest_call(struct svsm_vm *vm, uint32_t call, struct svsm_regs *regs)
{
	svsm_rc rc;

	if (call != SVSM_ATTEST_SERVICES && call != SVSM_ATTEST_SINGLE_SERVICE)
		return SVSM_RC_UNSUPPORTED_CALL;
	/* One report at a time (static buffers, one message sequence); others retry. */
	if (!spin_trylock(&vm->attest_lock))
		return SVSM_RC_BUSY;
	rc = vm->attest != NULL ? attest(vm, regs, call == SVSM_ATTEST_SINGLE_SERVICE)
				: SVSM_RC_UNSUPPORTED_PROTOCOL;
	spin_unlock(&vm->attest_lock);
	return rc;
}
