/* SPDX-License-Identifier: MIT */
/*
 * The vTPM module's NV store: libtpms's named state blobs ("permall",
 * "volatilestate", "savestate") kept in memory for the life of the
 * process. Nothing persists past it (persistence is a later issue).
 */
#pragma once

#include <stdint.h>

#define VTPM_NV_SLOTS 8
#define VTPM_NV_NAME_MAX 32

/* The libtpms callbacks (struct libtpms_callbacks) on the in-memory store. */
struct libtpms_callbacks;
void vtpm_nv_callbacks(struct libtpms_callbacks *cb);

/* Bytes the store holds now (for the module's memory report). */
uint64_t vtpm_nv_bytes(void);
