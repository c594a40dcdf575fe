/* SPDX-License-Identifier: MIT */
/*
 * The emulated machine's own RAM for its guests (vsnp/hostram.c): the
 * largest free run of the machine's RAM (everything its kernel heap and
 * image do not use), mapped at its direct-map address and handed out by a
 * buddy allocator of its own. Guest memory is backed from here, so a
 * guest can have more RAM than vsnp's kernel heap holds.
 */
#pragma once

#include <stdint.h>

#include "mm/buddy.h"

struct vsnp_hostram {
	struct buddy b;
	uint64_t start, end; /* the run handed to the allocator */
};

/* Takes the largest 2 MiB-aligned run of free RAM. SVSM_OK, SVSM_ENOMEM (none), or an mm error. */
int vsnp_hostram_init(struct vsnp_hostram *h);
/* A zeroed page: its physical address and (in *va) its mapped address, or MM_PA_NONE. */
uint64_t vsnp_hostram_page(struct vsnp_hostram *h, void **va);
void vsnp_hostram_free(struct vsnp_hostram *h, uint64_t pa);
/* A zeroed, 2 MiB-aligned block of 2 MiB: its physical address, or MM_PA_NONE. */
uint64_t vsnp_hostram_large(struct vsnp_hostram *h);
void vsnp_hostram_free_large(struct vsnp_hostram *h, uint64_t pa);
