/* SPDX-License-Identifier: MIT */
/* The vTPM protocol's back end on the CPL3 module (include/svsm/vtpm_module.h). */
#include "svsm/vtpm_module.h"

#include "abi/tpm2.h"
#include "lib/endian.h"
#include "lib/string.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/lapic.h"
#include "svsm/modar.h"
#include "svsm/task.h"
#include "svsm/tsc.h"
#include "lib/cpu.h"
#include "lib/fmt.h"
#include "svsm/vtpm_persist.h"
#include "abi/svsm_abi.h"

#define TPM_HDR TPM2_HDR_SIZE
#define TPM_MAX 4096u

/* The module stopped: log why once; every later command fails. */
static int broken(struct vtpm_module *m, const char *what)
{
	const struct task *t = m->task;

	if (!m->broken)
		log_err("vtpm: the module %s (%s): the vTPM is gone", what,
			t->state == TASK_EXITED ? "it exited" : t->why);
	m->broken = true;
	return SVSM_EIO;
}

/*
 * What the module wrote on its state channel during the last step, made
 * durable: SVSM_OK (nothing written, or saved), else the vTPM stops.
 */
static int save_state(struct vtpm_module *m, const char *after)
{
	const uint8_t *img;
	size_t len = 0;
	const char *why = NULL;
	uint64_t t0 = cpu_rdtsc();
	int err;

	if (m->store == NULL)
		return SVSM_OK;
	err = task_state_take(m->task, &img, &len);
	if (err == SVSM_OK && len == 0)
		return SVSM_OK;
	if (err == SVSM_OK && m->store->save(m->store->ctx, img, len, &why) == SVSM_OK) {
		uint64_t version = 0, us = tsc_hz() ? (cpu_rdtsc() - t0) * 1000000 / tsc_hz() : 0;
		uint8_t digest[VTPM_STATE_DIGEST_LEN];

		m->saves++;
		m->saved_bytes += len;
		m->store->evidence(m->store->ctx, &version, digest);
		/* Which commands change NV, and what a save costs (docs/ARCHITECTURE.md, "The vTPM's state"). */
		log_info("vtpm: state version %llu saved after %s: %zu bytes sealed, made durable in %llu us",
			 (unsigned long long)version, after, len, (unsigned long long)us);
		return SVSM_OK;
	}
	if (!m->broken)
		log_err("vtpm: the TPM's state (%zu bytes) could not be saved: %s; the vTPM stops rather than serve "
			"state the disk does not hold", len, err == SVSM_ENOSPC ? "larger than a slot" : why);
	m->broken = true;
	return SVSM_EIO;
}

/* Runs the module until it waits for input again: SVSM_OK, or it stopped. */
static int run_until_waiting(struct vtpm_module *m)
{
	enum task_state s;

	do
		s = task_run(m->task);
	while (s == TASK_READY);
	return s == TASK_WAIT_INPUT ? SVSM_OK : SVSM_EIO;
}

/* One slice: SVSM_OK when it waits for input again, SVSM_EBUSY when the slice ran out. */
static int run_slice(struct vtpm_module *m)
{
	enum task_state s = task_run_slice(m->task, VTPM_SLICE_US);

	if (s == TASK_READY)
		return SVSM_EBUSY;
	return s == TASK_WAIT_INPUT ? SVSM_OK : SVSM_EIO;
}

static int send_command(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t resp_max,
			size_t *resp_len)
{
	struct vtpm_module *m = ctx;
	uint8_t hdr[TPM_HDR];

	if (m->broken)
		return SVSM_EIO;
	if (resp_max < TPM_HDR)
		return SVSM_EINVAL;
	if (m->busy) {
		/* Only the command in flight may go on; it is the guest retrying after BUSY. */
		if (cmd_len != m->inflight_len || memcmp(cmd, m->inflight, cmd_len) != 0) {
			m->busy_answers++;
			return SVSM_EBUSY;
		}
		goto run;
	}
	if (cmd_len < TPM_HDR || cmd_len > TPM_MAX || be32_get(cmd + 2) != cmd_len) {
		/* As a TPM answers a size it cannot parse; the module's stream stays in step. */
		resp[0] = TPM2_ST_NO_SESSIONS >> 8, resp[1] = TPM2_ST_NO_SESSIONS & 0xFF;
		be32_put(resp + 2, TPM_HDR);
		be32_put(resp + 6, TPM2_RC_COMMAND_SIZE);
		*resp_len = TPM_HDR;
		return SVSM_OK;
	}
	if (task_give_input(m->task, cmd, cmd_len) != SVSM_OK)
		return broken(m, "has unread input");
	memcpy(m->inflight, cmd, cmd_len);
	m->inflight_len = cmd_len;
	m->busy = true;
	m->commands++;
run:;
	int err = run_slice(m);

	if (err == SVSM_EBUSY) {
		m->busy_answers++;
		return SVSM_EBUSY;
	}
	m->busy = false;
	if (err != SVSM_OK)
		return broken(m, "stopped during a command");
	/* Exactly one whole response, and it fits. */
	if (task_take_output(m->task, hdr, TPM_HDR) != TPM_HDR)
		return broken(m, "answered without a response header");
	uint32_t size = be32_get(hdr + 2);

	if (size < TPM_HDR || size > resp_max || size - TPM_HDR != m->task->out_len)
		return broken(m, "answered with a response of the wrong size");
	char after[48];

	/* The command's number in this run and its code: tests/bench/vtpm_state.py reads both. */
	fmt_snprintf(after, sizeof(after), "command %llu (0x%x)", (unsigned long long)m->commands,
		     (unsigned)be32_get(m->inflight + 6));
	if (save_state(m, after) != SVSM_OK)
		return SVSM_EIO; /* the response is not given: what it reports is not on the disk */
	memcpy(resp, hdr, TPM_HDR);
	task_take_output(m->task, resp + TPM_HDR, size - TPM_HDR);
	*resp_len = size;
	return SVSM_OK;
}

/*
 * TPM2_CreatePrimary(TPM_RH_ENDORSEMENT) with the TCG EK Credential Profile
 * (v2.5) template L-2: ECC NIST P-256, SHA-256, fixedTPM | fixedParent |
 * sensitiveDataOrigin | adminWithPolicy | restricted | decrypt
 * (0x000300B2), the policy PolicySecret(TPM_RH_ENDORSEMENT) (its digest per
 * TPM 2.0 Part 3 §23.4), AES-128-CFB, 32 zero bytes of x and y.
 */
static const uint8_t ek_create[] = {
	0x80, 0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x31,  /* size patched */
	0x40, 0, 0, 0x0B,                           /* TPM_RH_ENDORSEMENT */
	0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0,   /* password session */
	0, 4, 0, 0, 0, 0,                           /* inSensitive */
	0, 122,                                     /* inPublic size */
	0, 0x23, 0, 0x0B, 0, 0x03, 0, 0xB2,         /* ECC, SHA-256, attributes */
	0, 32, 0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8, 0x1A, 0x90, 0xCC, 0x8D, 0x46, 0xA5,
	0xD7, 0x24, 0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52, 0x0B, 0x64, 0xF2, 0xA1, 0xDA, 0x1B,
	0x33, 0x14, 0x69, 0xAA,                     /* authPolicy */
	0, 0x06, 0, 128, 0, 0x43,                   /* AES-128-CFB */
	0, 0x10, 0, 0x03, 0, 0x10,                  /* scheme NULL, NIST P-256, kdf NULL */
	0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0,                           /* outsideInfo, creationPCR */
};
_Static_assert(sizeof(ek_create) == 10 + 4 + 13 + 6 + 2 + 122 + 6, "EK CreatePrimary layout");

/* One command at start-up, run to completion: the response's return code, or -1. */
static long startup_command(struct vtpm_module *m, const uint8_t *cmd, size_t len, uint8_t *rsp,
			    size_t *rlen)
{
	if (task_give_input(m->task, cmd, len) != SVSM_OK || run_until_waiting(m) != SVSM_OK ||
	    save_state(m, "a start-up command") != SVSM_OK)
		return -1;
	*rlen = task_take_output(m->task, rsp, TPM_MAX);
	return *rlen >= TPM_HDR && be32_get(rsp + 2) == *rlen ? (long)be32_get(rsp + 6) : -1;
}

/* Startup, the EK, its public area kept, the key flushed. false when the TPM refused. */
static bool ek_setup(struct vtpm_module *m)
{
	static const uint8_t startup[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x44, 0, 0 };
	static uint8_t cmd[sizeof(ek_create)], rsp[TPM_MAX];
	size_t n;

	if (startup_command(m, startup, sizeof(startup), rsp, &n) != 0)
		return false;
	memcpy(cmd, ek_create, sizeof(cmd));
	be32_put(cmd + 2, sizeof(cmd));
	if (startup_command(m, cmd, sizeof(cmd), rsp, &n) != 0)
		return false;
	/* Response: header, objectHandle, parameterSize, outPublic (TPM2B_PUBLIC) ... */
	if (n < 20 + 2)
		return false;
	size_t pub = (size_t)rsp[18] << 8 | rsp[19];

	if (pub == 0 || pub > sizeof(m->ek_public) || 20 + pub > n)
		return false;
	memcpy(m->ek_public, rsp + 20, pub);
	m->ek_len = pub;

	uint8_t flush[14] = { 0x80, 0x01, 0, 0, 0, 14, 0, 0, 0x01, 0x65 };

	memcpy(flush + 10, rsp + 10, 4); /* TPM2_FlushContext(objectHandle) */
	return startup_command(m, flush, sizeof(flush), rsp, &n) == 0;
}

/* struct vtpm_backend.manifest: the EK's public area (SVSM spec, attestation protocol). */
static int manifest(void *ctx, uint8_t *buf, size_t max, size_t *len)
{
	const struct vtpm_module *m = ctx;

	if (m->ek_len == 0 || m->ek_len > max)
		return SVSM_ENOSPC;
	memcpy(buf, m->ek_public, m->ek_len);
	*len = m->ek_len;
	return SVSM_OK;
}

/* struct vtpm_backend.state_manifest: where the state is kept (struct svsm_vtpm_state_entry). */
static int state_manifest(void *ctx, uint8_t *buf, size_t max, size_t *len)
{
	const struct vtpm_module *m = ctx;
	struct svsm_vtpm_state_entry e = { .format = SVSM_VTPM_STATE_FORMAT };

	if (max < sizeof(e))
		return SVSM_ENOSPC;
	if (m->store != NULL) {
		uint64_t version = 0;

		e.flags = SVSM_VTPM_STATE_PERSISTENT;
		m->store->evidence(m->store->ctx, &version, e.digest);
		e.version = version;
	}
	memcpy(buf, &e, sizeof(e));
	*len = sizeof(e);
	return SVSM_OK;
}

int vtpm_module_start(struct vtpm_module *m, const uint8_t *archive, size_t archive_size,
		      const struct vtpm_state_store *store, const char *name, const char **why)
{
	const char *const envp[] = { "OPENSSL_CONF=/nonexistent", "VTPM_STATE_FD=3" };
	const uint64_t t_start = cpu_rdtsc();
	const bool had_state = store != NULL && store->initial_len != 0; /* started() lets the image go */
	const uint8_t *elf;
	size_t size;
	int err;

	memset(m, 0, sizeof(*m));
	/*
	 * A command runs in slices the APIC timer ends (task_run_slice), each
	 * under the VM's vTPM lock: without the timer, a module in a loop
	 * would hold it forever, every vCPU's vTPM call would answer BUSY
	 * forever and disconnecting the back end would spin. No preemption
	 * source, no vTPM.
	 */
	if (!lapic_ready()) {
		*why = "no usable APIC timer to preempt the module (a command could run forever holding the vTPM lock)";
		return SVSM_ENOTSUP;
	}
	*why = modar_find(archive, archive_size, name, &elf, &size);
	if (*why != NULL)
		return SVSM_EINVAL;
	err = task_create(name, elf, size, envp, store != NULL ? 2 : 1, &m->task, why);
	if (err != SVSM_OK)
		return err;
	m->store = store;
	if (store != NULL) {
		err = task_state_open(m->task, store->initial, store->initial_len, store->max);
		store->started(store->ctx);
		if (err != SVSM_OK) {
			*why = "no memory for the module's state channel";
			task_destroy(m->task);
			m->task = NULL;
			return err;
		}
	}
	if (run_until_waiting(m) != SVSM_OK || save_state(m, "the module's start") != SVSM_OK) {
		*why = m->broken			     ? "its state could not be saved at start-up"
		       : m->task->state == TASK_EXITED ? "the module exited during start-up (its log says why)"
						     : m->task->why;
		task_destroy(m->task);
		m->task = NULL;
		return SVSM_EIO;
	}
	if (!ek_setup(m)) {
		log_warn("vtpm: the TPM did not start or make its EK; the vTPM is left out of attestation");
		m->ek_len = 0;
	}
	m->backend = (struct vtpm_backend){ .send_command = send_command,
					    .manifest = m->ek_len != 0 ? manifest : NULL,
					    .state_manifest = state_manifest, .ctx = m };
	log_info("vtpm: module %s waiting for commands after %llu ms of start-up (%s; %llu user pages of the heap, "
		 "%llu page-table pages, %llu read-only pages of the SVSM image in place)", name,
		 (unsigned long long)(tsc_hz() ? (cpu_rdtsc() - t_start) * 1000 / tsc_hz() : 0),
		 store == NULL ? "state volatile" : had_state ? "state from the disk" : "a new TPM on the disk",
		 (unsigned long long)m->task->pages, (unsigned long long)m->task->table_pages,
		 (unsigned long long)m->task->image_pages);
	return SVSM_OK;
}
