/* SPDX-License-Identifier: MIT */
/*
 * Writing an IGVM file (include/abi/igvm.h), host side: headers are added
 * in the order a loader will act on them, file data is appended page by
 * page, and igvm_build_finish lays the file out (fixed header, variable
 * headers, file data from the next 4 KiB boundary), patches every
 * file_offset and computes the checksum. Pages of zeros get file_offset 0
 * (the format's "page of zeros"); identical data pages are stored once.
 * Used by the tests; the image builder of the SVSM comes next (issue 16).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/igvm.h"

struct igvm_build {
	uint8_t *vh;      /* variable headers so far */
	size_t vh_len, vh_cap;
	uint8_t *data;    /* file data so far (pages), offsets relative to its start */
	size_t data_len, data_cap;
	uint64_t *hash;   /* per data page, to find identical pages */
	size_t hash_cap;
	struct igvm_fixup { size_t at; uint32_t rel; } *fix; /* file_offset fields to patch: vh offset, data offset + 1 */
	size_t nfix, fix_cap;
	bool failed;      /* out of memory or a header too large: finish refuses */
};

void igvm_build_init(struct igvm_build *b);
void igvm_build_free(struct igvm_build *b);

/* Any variable header, as given (type may carry IGVM_VHT_OPTIONAL). */
void igvm_build_header(struct igvm_build *b, uint32_t type, const void *body, uint32_t len);
void igvm_build_platform(struct igvm_build *b, uint32_t mask, uint8_t type, uint8_t highest_vtl);
void igvm_build_policy(struct igvm_build *b, uint32_t mask, uint64_t policy);
/* len bytes (at most a page; NULL or all zeros: a page of zeros) loaded at gpa. */
void igvm_build_page(struct igvm_build *b, uint32_t mask, uint64_t gpa, const void *data, size_t len, uint32_t flags,
		     uint16_t data_type);
void igvm_build_param_area(struct igvm_build *b, uint32_t index, uint64_t bytes);
void igvm_build_param(struct igvm_build *b, uint32_t type, uint32_t index, uint32_t byte_offset);
void igvm_build_param_insert(struct igvm_build *b, uint32_t mask, uint64_t gpa, uint32_t index);
/* A 4 KiB VMSA for vp_index that lives at gpa. */
void igvm_build_vp_context(struct igvm_build *b, uint32_t mask, uint64_t gpa, uint16_t vp_index, const void *vmsa);
void igvm_build_required_memory(struct igvm_build *b, uint32_t mask, uint64_t gpa, uint32_t bytes, uint32_t flags);

/* The whole file in *out (malloc'd, *len bytes). 0, or -1 if a step failed (nothing returned). */
int igvm_build_finish(struct igvm_build *b, uint8_t **out, size_t *len);
