/* SPDX-License-Identifier: MIT */
/*
 * The vTPM back end of the SVSM's vTPM protocol (struct vtpm_backend,
 * protocols/vtpm.c) on the CPL3 vTPM module (modules/vtpm) from the
 * kernel's module archive: each TPM command goes into the module's fd 0,
 * the module runs at CPL3 until it waits for the next command, and its
 * response is taken from fd 1.
 *
 * A command runs in slices of VTPM_SLICE_US (the APIC timer preempts the
 * module): if it is not done, the call answers SVSM_EBUSY (the protocol's
 * SVSM_ERR_BUSY), so the guest retries and nothing waits on a long
 * command such as RSA key generation. A retry with the same command bytes
 * runs the next slice; another command while one is in flight is BUSY
 * and does not run.
 *
 * A command whose header size is not its length, or outside 10..4096,
 * never reaches the module (which would have to give up its stream): it
 * gets a TPM_RC_COMMAND_SIZE response, as a TPM answers it. If the module
 * stops (fault, exit), the back end fails every later command with
 * SVSM_EIO and the reason is in the log.
 *
 * At start the SVSM plays the platform firmware: it sends TPM2_Startup
 * (so the guest's own Startup answers TPM_RC_INITIALIZE, as on a machine
 * whose firmware started its TPM) and creates the endorsement key from
 * the TCG EK Credential Profile's ECC NIST P-256 template (L-2). Its
 * public area (TPMT_PUBLIC) is the vTPM's attestation manifest
 * (SVSM spec 58019, attestation protocol), so a report binds the vTPM's EK.
 *
 * With a store (include/svsm/vtpm_persist.h) the module gets its state
 * channel (fd 3, VTPM_STATE_FD=3): the image to start from, and after a
 * command that changed NV the new image, which the store makes durable
 * before the response goes back: the guest is never told of a change that
 * is not on the disk. A save that fails stops the vTPM (every later
 * command SVSM_EIO), as a TPM whose NV fails goes into failure mode,
 * rather than serve on with state the disk no longer matches.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocols/svsm_vm.h"

struct task;
struct vtpm_state_store;

#define VTPM_SLICE_US 10000u

struct vtpm_module {
	struct task *task;
	bool broken;
	bool busy;                /* a command is in the module; inflight holds it */
	uint8_t inflight[4096];
	size_t inflight_len;
	uint64_t commands;
	uint64_t busy_answers;    /* calls answered BUSY (slices that ran out, or another command) */
	uint8_t ek_public[512];   /* TPMT_PUBLIC of the EK */
	size_t ek_len;            /* 0: no EK, the vTPM is left out of the services manifest */
	const struct vtpm_state_store *store; /* NULL: the state is volatile */
	uint64_t saves, saved_bytes;          /* state images made durable, and their bytes */
	struct vtpm_backend backend; /* for svsm_vm_set_vtpm */
};

/*
 * Starts the module named `name` from the archive (normally "vtpm") and
 * runs it until it waits for its first command. SVSM_OK; or an error with
 * *why (not in the archive, refused by the loader, no memory, the module
 * stopped during start-up).
 */
int vtpm_module_start(struct vtpm_module *m, const uint8_t *archive, size_t archive_size,
		      const struct vtpm_state_store *store,
		      const char *name, const char **why);
