/* SPDX-License-Identifier: MIT */
/*
 * The vTPM protocol, protocol 2 (SVSM spec 58019, vTPM protocol; Linux
 * drivers/char/tpm/tpm_svsm.c): VTPM_QUERY reports TPM_SEND_COMMAND; VTPM_CMD
 * takes one 4 KiB buffer holding the request and gets the response written over
 * it, with the size limits the Linux tpm_svsm driver uses. The TPM itself is a
 * back end (struct vtpm_backend); the protocol is offered only when one is
 * connected.
 */
#include "abi/svsm_abi.h"
#include "svsm/errno.h"
#include "svsm/guest_mem.h"
#include "core_internal.h"

#define VTPM_REQ_HDR 9u  /* platform command, locality, size */
#define VTPM_RESP_HDR 4u /* size */

void svsm_vm_set_vtpm(struct svsm_vm *vm, const struct vtpm_backend *backend)
{
	spin_lock(&vm->vtpm_lock);
	__atomic_store_n(&vm->vtpm, backend, __ATOMIC_RELEASE);
	spin_unlock(&vm->vtpm_lock);
}

/* The buffer's rule: guest RAM, not a VMSA or calling area (no alignment required). */
static svsm_rc check_buffer(struct svsm_vm *vm, uint64_t gpa)
{
	return core_check_range(vm, gpa_init(gpa), SVSM_VTPM_BUFFER_SIZE, 1, false, NULL);
}

/* Copies the request in: one copy of the header, checked, then one of the command it announces. */
static svsm_rc read_request(struct svsm_vm *vm, uint64_t gpa, struct svsm_vtpm_request *req)
{
	svsm_rc rc = check_buffer(vm, gpa);

	if (!svsm_rc_ok(rc))
		return rc;
	if (copy_from_guest(req, gpa_init(gpa), VTPM_REQ_HDR, 1) != SVSM_OK)
		return SVSM_RC_INVALID_ADDRESS;
	if (req->platform_command != SVSM_VTPM_TPM_SEND_COMMAND)
		return SVSM_RC_UNSUPPORTED_CALL; /* SVSM spec, vTPM protocol: an unsupported platform command */
	if (req->locality != 0 || req->size == 0 || req->size > SVSM_VTPM_CMD_MAX)
		return SVSM_RC_INVALID_PARAMETER;
	if (copy_from_guest(req->command, gpa_init(gpa + VTPM_REQ_HDR), req->size, 1) != SVSM_OK)
		return SVSM_RC_INVALID_ADDRESS;
	return SVSM_RC_SUCCESS;
}

static svsm_rc vtpm_cmd(struct svsm_vm *vm, uint64_t gpa)
{
	static struct svsm_vtpm_request req; /* under vtpm_lock: one command at a time */
	static struct svsm_vtpm_response resp;
	size_t resp_len = 0;
	svsm_rc rc;
	int err;

	if (vm->vtpm == NULL)
		return SVSM_RC_UNSUPPORTED_PROTOCOL; /* disconnected since the dispatcher looked */
	/*
	 * The VM lock covers the guest-memory steps only, not the TPM's work:
	 * a long command (RSA key generation) must not hold up CREATE_VCPU or
	 * REMAP_CA on other vCPUs. The buffer is checked again before the
	 * answer is written, since the VMSA/CA set may have changed meanwhile.
	 */
	read_lock(&vm->lock);
	rc = read_request(vm, gpa, &req);
	read_unlock(&vm->lock);
	if (!svsm_rc_ok(rc))
		return rc;

	err = vm->vtpm->send_command(vm->vtpm->ctx, req.command, req.size, resp.response,
				     sizeof(resp.response), &resp_len);
	if (err == SVSM_EBUSY)
		return SVSM_RC_BUSY;
	if (err != SVSM_OK || resp_len > sizeof(resp.response))
		return SVSM_RC_INVALID_REQUEST; /* the TPM failed; no partial answer */
	resp.size = (uint32_t)resp_len;

	read_lock(&vm->lock);
	rc = check_buffer(vm, gpa);
	if (svsm_rc_ok(rc) && copy_to_guest(gpa_init(gpa), &resp, VTPM_RESP_HDR + resp_len, 1) != SVSM_OK)
		rc = SVSM_RC_INVALID_ADDRESS;
	read_unlock(&vm->lock);
	return rc;
}

svsm_rc vtpm_call(struct svsm_vm *vm, uint32_t call, struct svsm_regs *regs)
{
	svsm_rc rc;

	switch (call) {
	case SVSM_VTPM_QUERY:
		regs->rcx = 1ull << SVSM_VTPM_TPM_SEND_COMMAND;
		regs->rdx = 0; /* §5.8: no vTPM features defined */
		return SVSM_RC_SUCCESS;
	case SVSM_VTPM_CMD:
		/* A TPM runs one command at a time; others come back later (§5.3 BUSY). */
		if (!spin_trylock(&vm->vtpm_lock))
			return SVSM_RC_BUSY;
		rc = vtpm_cmd(vm, regs->rcx);
		spin_unlock(&vm->vtpm_lock);
		return rc;
	default:
		return SVSM_RC_UNSUPPORTED_CALL;
	}
}
