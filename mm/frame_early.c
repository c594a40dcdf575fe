/* SPDX-License-Identifier: MIT */
#include "mm/frame_early.h"

#include "abi/x86.h"
#include "svsm/errno.h"

void frame_source_init(struct frame_source *fs, const struct memmap *usable)
{
	fs->free = *usable;
	fs->frames_given = 0;
}

int frame_alloc(struct frame_source *fs, uint64_t *pa)
{
	if (fs->free.count == 0)
		return SVSM_ENOMEM;

	uint64_t p = fs->free.r[0].start;

	/* Taking the lowest page never splits a range, so this cannot fail. */
	if (memmap_remove(&fs->free, p, p + PAGE_SIZE) != SVSM_OK)
		return SVSM_ENOMEM;
	fs->frames_given++;
	*pa = p;
	return SVSM_OK;
}

uint64_t frame_source_free_bytes(const struct frame_source *fs)
{
	return memmap_total(&fs->free);
}
