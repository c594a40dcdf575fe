/* SPDX-License-Identifier: MIT */
/* IGVM file writer (tools/igvm/igvm_build.h). */
#include "igvm_build.h"

#include <stdlib.h>
#include <string.h>

#include "lib/crc32.h"

#define PAGE IGVM_PAGE_SIZE

static bool grow(struct igvm_build *b, void **p, size_t *cap, size_t need, size_t elem)
{
	if (b->failed)
		return false;
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap : 16;

	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);

	if (q == NULL) {
		b->failed = true;
		return false;
	}
	*p = q;
	*cap = n;
	return true;
}

void igvm_build_init(struct igvm_build *b)
{
	memset(b, 0, sizeof(*b));
}

void igvm_build_free(struct igvm_build *b)
{
	free(b->vh);
	free(b->data);
	free(b->fix);
	free(b->hash);
	memset(b, 0, sizeof(*b));
}

/* Appends a header; its start in the variable headers, or (size_t)-1. */
static size_t header(struct igvm_build *b, uint32_t type, const void *body, uint32_t len)
{
	size_t padded = ((size_t)len + 7) & ~(size_t)7, at = b->vh_len;
	struct igvm_vh h = { type, len };

	if (!grow(b, (void **)&b->vh, &b->vh_cap, b->vh_len + sizeof(h) + padded, 1))
		return (size_t)-1;
	memcpy(b->vh + at, &h, sizeof(h));
	memcpy(b->vh + at + sizeof(h), body, len);
	memset(b->vh + at + sizeof(h) + len, 0, padded - len);
	b->vh_len += sizeof(h) + padded;
	return at;
}

void igvm_build_header(struct igvm_build *b, uint32_t type, const void *body, uint32_t len)
{
	(void)header(b, type, body, len);
}

/* Appends a page of file data; its offset in the data + 1, or 0 when out of memory. */
static uint32_t append(struct igvm_build *b, const uint8_t *page, uint64_t hash)
{
	size_t n = b->data_len / PAGE;

	if (!grow(b, (void **)&b->data, &b->data_cap, b->data_len + PAGE, 1) ||
	    !grow(b, (void **)&b->hash, &b->hash_cap, n + 1, sizeof(*b->hash)))
		return 0;
	memcpy(b->data + b->data_len, page, PAGE);
	b->hash[n] = hash;
	b->data_len += PAGE;
	return (uint32_t)(n * PAGE) + 1;
}

/* A data page (zero-padded), stored once; its offset in the data + 1, or 0 for a page of zeros. */
static uint32_t data_page(struct igvm_build *b, const void *src, size_t len)
{
	uint8_t page[PAGE] = { 0 };
	bool zero = true;

	if (src == NULL || len > PAGE) {
		if (len > PAGE)
			b->failed = true;
		return 0;
	}
	memcpy(page, src, len);
	for (size_t i = 0; i < PAGE && zero; i++)
		zero = page[i] == 0;
	if (zero)
		return 0;
	uint64_t h = 0xCBF29CE484222325ull; /* FNV-1a: compare whole pages only where the hashes match */

	for (size_t i = 0; i < PAGE; i++)
		h = (h ^ page[i]) * 0x100000001B3ull;
	for (size_t i = 0; i < b->data_len / PAGE; i++) {
		if (b->hash[i] == h && memcmp(b->data + i * PAGE, page, PAGE) == 0)
			return (uint32_t)(i * PAGE) + 1;
	}
	return append(b, page, h);
}

/* The header at `at` has a file_offset at body offset `field` referring to data rel (+1; 0 = none). */
static void fixup(struct igvm_build *b, size_t at, size_t field, uint32_t rel)
{
	if (at == (size_t)-1 || rel == 0)
		return;
	if (!grow(b, (void **)&b->fix, &b->fix_cap, b->nfix + 1, sizeof(*b->fix)))
		return;
	b->fix[b->nfix++] = (struct igvm_fixup){ at + sizeof(struct igvm_vh) + field, rel };
}

void igvm_build_platform(struct igvm_build *b, uint32_t mask, uint8_t type, uint8_t highest_vtl)
{
	struct igvm_supported_platform p = { mask, highest_vtl, type, IGVM_PLATFORM_VERSION, 0 };

	header(b, IGVM_VHT_SUPPORTED_PLATFORM, &p, sizeof(p));
}

void igvm_build_policy(struct igvm_build *b, uint32_t mask, uint64_t policy)
{
	struct igvm_guest_policy p = { policy, mask, 0 };

	header(b, IGVM_VHT_GUEST_POLICY, &p, sizeof(p));
}

void igvm_build_page(struct igvm_build *b, uint32_t mask, uint64_t gpa, const void *data, size_t len, uint32_t flags,
		     uint16_t data_type)
{
	struct igvm_page_data p = { gpa, mask, 0, flags, data_type, 0 };
	uint32_t rel = data_page(b, data, len);

	fixup(b, header(b, IGVM_VHT_PAGE_DATA, &p, sizeof(p)), offsetof(struct igvm_page_data, file_offset), rel);
}

void igvm_build_param_area(struct igvm_build *b, uint32_t index, uint64_t bytes)
{
	struct igvm_parameter_area a = { bytes, index, 0 };

	header(b, IGVM_VHT_PARAMETER_AREA, &a, sizeof(a));
}

void igvm_build_param(struct igvm_build *b, uint32_t type, uint32_t index, uint32_t byte_offset)
{
	struct igvm_parameter p = { index, byte_offset };

	header(b, type, &p, sizeof(p));
}

void igvm_build_param_insert(struct igvm_build *b, uint32_t mask, uint64_t gpa, uint32_t index)
{
	struct igvm_parameter_insert p = { gpa, mask, index };

	header(b, IGVM_VHT_PARAMETER_INSERT, &p, sizeof(p));
}

void igvm_build_vp_context(struct igvm_build *b, uint32_t mask, uint64_t gpa, uint16_t vp_index, const void *vmsa)
{
	struct igvm_vp_context v = { gpa, mask, 0, vp_index, 0 };
	uint32_t rel = 0;

	/* A VMSA is always stored, even all zeros: a VP context needs its data (hash 0: never shared). */
	rel = append(b, vmsa, 0);
	fixup(b, header(b, IGVM_VHT_VP_CONTEXT, &v, sizeof(v)), offsetof(struct igvm_vp_context, file_offset), rel);
}

void igvm_build_required_memory(struct igvm_build *b, uint32_t mask, uint64_t gpa, uint32_t bytes, uint32_t flags)
{
	struct igvm_required_memory r = { gpa, mask, bytes, flags, 0 };

	header(b, IGVM_VHT_REQUIRED_MEMORY, &r, sizeof(r));
}

int igvm_build_finish(struct igvm_build *b, uint8_t **out, size_t *len)
{
	size_t vh_off = sizeof(struct igvm_fixed_header);
	size_t data_off = (vh_off + b->vh_len + PAGE - 1) & ~(size_t)(PAGE - 1);
	size_t total = data_off + b->data_len;

	if (b->failed || b->vh_len == 0 || total > UINT32_MAX)
		return -1;
	uint8_t *f = calloc(1, total);

	if (f == NULL)
		return -1;
	memcpy(f + vh_off, b->vh, b->vh_len);
	if (b->data_len != 0)
		memcpy(f + data_off, b->data, b->data_len);
	for (size_t i = 0; i < b->nfix; i++) {
		uint32_t off = (uint32_t)(data_off + b->fix[i].rel - 1);

		memcpy(f + vh_off + b->fix[i].at, &off, sizeof(off));
	}
	struct igvm_fixed_header h = { IGVM_MAGIC, IGVM_FORMAT_VERSION_1, (uint32_t)vh_off, (uint32_t)b->vh_len,
				       (uint32_t)total, 0 };

	h.checksum = crc32_update(crc32_update(0, &h, sizeof(h)), f + vh_off, b->vh_len);
	memcpy(f, &h, sizeof(h));
	*out = f;
	*len = total;
	return 0;
}
