/* SPDX-License-Identifier: MIT */
/*
 * Measured boot of a launched kernel (svsm/guest/measured_boot.c): the
 * SVSM plays the boot loader of the TCG model. Each piece it launches is
 * hashed in every PCR bank the vTPM has active, extended into a PCR
 * (TPM2_PCR_Extend, TPM 2.0 Part 3 §22.2) and recorded in a crypto-agile
 * event log (include/abi/tcg_log.h) the guest can read.
 *
 * Portable: the vTPM is a struct vtpm_backend; data lies in SVSM memory or
 * in guest memory (read with copy_from_guest).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocols/svsm_vm.h"

#define MB_MAX_BANKS 4u
#define MB_MAX_DIGEST 64u

struct mb_bank {
	uint16_t alg;  /* TCG_ALG_* */
	uint16_t size; /* digest bytes */
};

struct mb_log {
	const struct vtpm_backend *tpm;
	uint8_t *buf;
	size_t max, len;
	struct mb_bank banks[MB_MAX_BANKS];
	unsigned nbanks;
	unsigned events;
};

/* Bytes of data to measure: in SVSM memory (svsm != NULL) or at gpa in guest memory. */
struct mb_piece {
	const void *svsm;
	uint64_t gpa;
	uint64_t len;
};

/*
 * Asks the vTPM which PCR banks are active (TPM2_GetCapability TPM_CAP_PCRS)
 * and starts the log in buf with the Spec ID event naming them. Every active
 * bank must be one this loader hashes (SHA-1, SHA-256, SHA-384, SHA-512), or
 * a PCR would stay unextended in it: that is refused. SVSM_OK, or an error
 * with *why.
 */
int mb_start(struct mb_log *log, const struct vtpm_backend *tpm, uint8_t *buf, size_t max, const char **why);

/*
 * Hashes the pieces, in order, as one stream in each active bank, extends
 * PCR pcr with the digests and appends an event of event_type whose data is
 * event (event_len bytes). SVSM_OK, or an error with *why (the log full, a
 * piece not readable, the TPM refused the extend); on an error the log is
 * as it was, though the TPM may have taken the extend.
 */
int mb_measure(struct mb_log *log, uint32_t pcr, uint32_t event_type, const struct mb_piece *pieces,
	       unsigned npieces, const void *event, uint32_t event_len, const char **why);
