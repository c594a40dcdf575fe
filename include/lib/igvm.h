/* SPDX-License-Identifier: MIT */
/*
 * Reading an IGVM file (include/abi/igvm.h) as a loader must: hostile
 * input, checked whole before anything is loaded. Portable and
 * freestanding (no allocation): host tools (snp-launch-digest) and the
 * emulated machine's loader use the same code.
 *
 * igvm_open refuses, with a reason naming the offset and the value:
 * a short or foreign header, another format version, a size that is not
 * the file's (truncated or trailing data), a bad checksum, variable
 * headers that overrun, are misaligned, have non-zero padding or go back
 * a section, unknown types that are not marked optional, structures of
 * the wrong length, reserved fields or flags set, platforms that repeat a
 * mask, masks naming no declared platform, unaligned or out-of-range
 * GPAs, data outside the file data section, 2 MiB pages (not supported
 * here), parameter areas used before they exist or after they were
 * inserted, or parameters that do not fit their area, VP indices that
 * repeat or leave gaps, any page of guest memory loaded twice for one
 * platform, and for SEV-SNP a data page at the GPA where the launch
 * measures the VMSA.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/igvm.h"

#define IGVM_MAX_PLATFORMS 8
#define IGVM_MAX_PARAM_AREAS 32
#define IGVM_MAX_VPS 64
#define IGVM_MAX_GPA (1ull << 52)
#define IGVM_WHY_LEN 160
/* Where an SNP launch measures every VMSA (SEV-SNP ABI 56860 §8.17; KVM's fixed VMSA GPA). */
#define IGVM_SNP_VMSA_GPA 0xFFFFFFFFF000ull

struct igvm_platform {
	uint32_t mask;
	uint8_t type; /* IGVM_PLATFORM_* */
	uint8_t highest_vtl;
	uint64_t shared_gpa_boundary;
};

struct igvm_file {
	const uint8_t *buf;
	uint32_t size;
	uint32_t vh_off, vh_end; /* the variable headers: [vh_off, vh_end); file data after */
	unsigned nplatforms;
	struct igvm_platform platform[IGVM_MAX_PLATFORMS];
	uint32_t masks;          /* every declared platform's mask */
	unsigned headers;        /* variable headers, optional ones skipped included */
};

/* One variable header as igvm_next hands it out (the body is checked for its type). */
struct igvm_header {
	uint32_t type;   /* the optional bit cleared */
	bool optional;
	bool known;      /* a type igvm_open understands (unknown ones are optional) */
	uint32_t offset; /* of its type field in the file */
	uint32_t length;
	const uint8_t *body;
};

/*
 * Checks the whole file at buf (size bytes; buf stays the caller's).
 * scratch holds scratch_n GPAs for the overlap check (at least one per
 * page the largest platform loads). SVSM_OK, or SVSM_EINVAL with the
 * reason in why (IGVM_WHY_LEN bytes), SVSM_ENOSPC when the file needs
 * more than scratch_n pages or more platforms, areas or VPs than the
 * limits above (said in why).
 */
int igvm_open(struct igvm_file *f, const void *buf, size_t size, uint64_t *scratch, size_t scratch_n, char *why);

/*
 * Scratch entries for igvm_open on this file: one per 24 bytes of its
 * variable headers (a PARAMETER_INSERT, the smallest header that loads a
 * page; pages of equal data share one copy in the file data, so the
 * file's size is no bound), read from the unchecked fixed header and
 * capped by the file's size, plus a margin. A file whose parameter areas
 * are many pages each can need more: igvm_open then refuses it with
 * SVSM_ENOSPC and says so.
 */
size_t igvm_scratch_bound(const void *buf, size_t size);

/* The headers in file order: *cursor starts at 0; false when there are no more. */
bool igvm_next(const struct igvm_file *f, uint32_t *cursor, struct igvm_header *h);

/* The platform declared with type (IGVM_PLATFORM_*), or NULL. */
const struct igvm_platform *igvm_platform_of(const struct igvm_file *f, unsigned type);

/*
 * A 4 KiB page of file data at file_offset into page (zero-filled past the
 * end of the file; all zeros for offset 0).
 */
void igvm_page(const struct igvm_file *f, uint32_t file_offset, uint8_t page[IGVM_PAGE_SIZE]);
