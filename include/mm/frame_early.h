/* SPDX-License-Identifier: MIT */
/*
 * The early physical-frame source: hands out 4 KiB frames from a memmap,
 * lowest address first, and never takes them back. It serves boot until
 * the buddy allocator (mm issue) takes over the remaining ranges.
 */
#pragma once

#include <stdint.h>

#include "mm/memmap.h"

struct frame_source {
	struct memmap free;
	uint64_t frames_given;
};

void frame_source_init(struct frame_source *fs, const struct memmap *usable);
/* SVSM_OK and *pa set, or SVSM_ENOMEM when nothing is left. */
int frame_alloc(struct frame_source *fs, uint64_t *pa);
uint64_t frame_source_free_bytes(const struct frame_source *fs);
