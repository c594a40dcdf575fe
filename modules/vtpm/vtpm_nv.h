/* SPDX-License-Identifier: MIT */
/*
 * The vTPM module's NV store: libtpms's named state blobs ("permall",
 * "volatilestate", "savestate") kept in memory. The SVSM keeps them past
 * the process (sealed on its state disk) when it opens the module's state
 * channel: the module loads the image it reads there at start and writes
 * a new whole image after a command that changed the store
 * (vtpm_main.c). The image:
 *
 *   "VTPMNV" 0x00 0x01 (magic and format 1), u32 count, then count
 *   entries: u8 name length (1..VTPM_NV_NAME_MAX-1), the name (no NUL),
 *   u32 data length (at least 1), the data. Little endian; nothing after the last.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VTPM_NV_SLOTS 8
#define VTPM_NV_NAME_MAX 32

/* The libtpms callbacks (struct libtpms_callbacks) on the in-memory store. */
struct libtpms_callbacks;
void vtpm_nv_callbacks(struct libtpms_callbacks *cb);

/* Bytes the store holds now (for the module's memory report). */
uint64_t vtpm_nv_bytes(void);

/* True when a store or delete changed the store since the last vtpm_nv_clean. */
bool vtpm_nv_dirty(void);
void vtpm_nv_clean(void);
/*
 * The store as an image (malloc'd; the caller frees it): 0 with *img and
 * *len, -1 when memory runs out.
 */
int vtpm_nv_serialize(uint8_t **img, size_t *len);
/*
 * Replaces the store with the image's entries: 0, or -1 with *why (the
 * store is then left empty) for an image that is not exactly one in the
 * format above (bad magic, truncated, too many entries, a name empty, too
 * long, with a NUL or twice, data empty, bytes after the last entry) or no
 * memory.
 */
int vtpm_nv_load_image(const uint8_t *img, size_t len, const char **why);
