/* SPDX-License-Identifier: MIT */
/*
 * A set of physical address ranges, kept sorted, merged and page aligned:
 * the SVSM's view of which memory it may use. Portable (kernel and host).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define MEMMAP_MAX 128

struct mem_range {
	uint64_t start; /* inclusive, page aligned */
	uint64_t end;   /* exclusive, page aligned */
};

struct memmap {
	unsigned count;
	struct mem_range r[MEMMAP_MAX];
};

void memmap_init(struct memmap *m);
/*
 * Adds [start, end), shrunk inward to whole pages. SVSM_EINVAL if end < start,
 * SVSM_ENOSPC (map unchanged) if the set would need more than MEMMAP_MAX ranges.
 */
int memmap_add(struct memmap *m, uint64_t start, uint64_t end);
/* Removes [start, end), grown outward to whole pages; same errors as add. */
int memmap_remove(struct memmap *m, uint64_t start, uint64_t end);
uint64_t memmap_total(const struct memmap *m);
/* True if every byte of [start, end) is in the set. */
bool memmap_contains(const struct memmap *m, uint64_t start, uint64_t end);
/* True if any byte of [start, end) is in the set. */
bool memmap_intersects(const struct memmap *m, uint64_t start, uint64_t end);
/* Internal consistency: sorted, disjoint, non-adjacent, non-empty, aligned. */
bool memmap_valid(const struct memmap *m);
