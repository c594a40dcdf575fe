/* SPDX-License-Identifier: MIT */
/*
 * The vTPM's state on the host's disk (svsm/vtpm/persist.c): the first
 * virtio block device on the PCI bus (Virtio 1.2 legacy interface,
 * lib/virtio_blk.c) driven through port I/O and a DMA region of SVSM heap
 * pages made shared, the sealed two-slot store (include/svsm/vtpm_state.h)
 * on it, under a key the caller gets from the PSP.
 *
 * What the vTPM module sees is struct vtpm_state_store: the plaintext image
 * to start from, and a save that returns only once the new image is on
 * the disk, flushed and read back (include/svsm/vtpm_module.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svsm/vtpm_state.h"

/* Keeps the vTPM module's state (NULL where it is volatile). */
struct vtpm_state_store {
	void *ctx;
	const uint8_t *initial; /* the image to start from */
	size_t initial_len;     /* 0: a new TPM */
	size_t max;             /* the largest image save takes */
	/* The module read the initial image: its buffer may go. */
	void (*started)(void *ctx);
	/* The new image, durable before it returns: SVSM_OK, or an error with *why. */
	int (*save)(void *ctx, const uint8_t *img, size_t len, const char **why);
	/* struct svsm_vtpm_state_entry for the attestation manifest. */
	void (*evidence)(void *ctx, uint64_t *version, uint8_t digest[VTPM_STATE_DIGEST_LEN]);
};

enum vtpm_persist_outcome {
	VTPM_PERSIST_VOLATILE, /* no disk given: the vTPM's state lives in memory, as said on the console */
	VTPM_PERSIST_READY,    /* *store keeps it; its initial image is the state found (or none: a new TPM) */
	VTPM_PERSIST_REFUSED,  /* a disk was given and its state cannot be opened: no vTPM, *why says why */
};

/*
 * Looks for the disk and, if one is there, gets the key (get_key: 0 or
 * an error with *why) and opens the store on it. Logs what it found.
 */
enum vtpm_persist_outcome vtpm_persist_open(int (*get_key)(uint8_t key[VTPM_STATE_KEY_LEN], const char **why),
					    const struct vtpm_state_store **store, const char **why);
