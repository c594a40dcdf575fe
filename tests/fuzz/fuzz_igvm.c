/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: an IGVM file as hostile input to the loader's checks
 * (lib/igvm.c) and the launch digest (vsnp/model/igvm_measure.c).
 * The input is the file; the checksum is made right first half of the
 * time, so the fuzzer gets past it to the headers.
 *
 * On a file igvm_open accepts: every header igvm_next gives lies inside
 * the variable headers with its body; at least one platform, none
 * repeating a mask; every page's and VP context's data lies in the file
 * data section (or is none); no guest page is loaded twice for a
 * platform; measuring the SNP platform succeeds and is repeatable.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/snp_launch.h"
#include "lib/crc32.h"
#include "lib/igvm.h"
#include "svsm/errno.h"
#include "vsnp/igvm_measure.h"

static uint64_t scratch[8192];
static uint8_t buf[1 << 16];

static void fail(const char *what, uint64_t v)
{
	fprintf(stderr, "fuzz_igvm: %s (0x%llx)\n", what, (unsigned long long)v);
	abort();
}

static void check_accepted(const struct igvm_file *f)
{
	struct igvm_header h;
	uint32_t cursor = 0, masks = 0;
	static uint64_t seen[8192];
	size_t nseen = 0;

	if (f->nplatforms == 0 || f->vh_off < sizeof(struct igvm_fixed_header) || f->vh_end > f->size)
		fail("accepted without a platform or with headers outside the file", f->nplatforms);
	for (unsigned i = 0; i < f->nplatforms; i++) {
		if ((masks & f->platform[i].mask) != 0 || __builtin_popcount(f->platform[i].mask) != 1)
			fail("platform mask repeated or not one bit", f->platform[i].mask);
		masks |= f->platform[i].mask;
	}
	while (igvm_next(f, &cursor, &h)) {
		if (h.offset < f->vh_off || h.offset + 8ull + h.length > f->vh_end)
			fail("a header outside the variable headers", h.offset);
		uint32_t off = 0, mask = 0;
		uint64_t gpa = 0;

		if (h.type == IGVM_VHT_PAGE_DATA) {
			struct igvm_page_data p;

			memcpy(&p, h.body, sizeof(p));
			off = p.file_offset, mask = p.compatibility_mask, gpa = p.gpa;
		} else if (h.type == IGVM_VHT_VP_CONTEXT) {
			struct igvm_vp_context v;

			memcpy(&v, h.body, sizeof(v));
			off = v.file_offset, mask = v.compatibility_mask, gpa = v.gpa;
			if (off == 0 || off + (uint64_t)IGVM_PAGE_SIZE > f->size)
				fail("a VP context without its whole VMSA in the file", off);
		} else {
			continue;
		}
		if (off != 0 && (off < f->vh_end || off >= f->size))
			fail("data outside the file data section", off);
		if ((gpa & (IGVM_PAGE_SIZE - 1)) != 0 || (mask & ~masks) != 0 || mask == 0)
			fail("a page unaligned or for no platform", gpa);
		/* The same page twice for one platform: a slow scan is fine at this size. */
		for (size_t i = 0; i < nseen; i += 2) {
			if (seen[i] == gpa && (seen[i + 1] & mask) != 0)
				fail("a page loaded twice for one platform", gpa);
		}
		if (nseen + 2 <= sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = gpa, seen[nseen++] = mask;
	}
	const struct igvm_platform *snp = igvm_platform_of(f, IGVM_PLATFORM_SEV_SNP);

	if (snp != NULL) {
		struct launch_digest a, b;
		char why[IGVM_WHY_LEN];

		if (igvm_measure(f, snp->mask, &a, why) != SVSM_OK || igvm_measure(f, snp->mask, &b, why) != SVSM_OK)
			fail("measuring an accepted file failed", 0);
		if (memcmp(a.ld, b.ld, sizeof(a.ld)) != 0 || a.pages != b.pages)
			fail("the digest of the same file changed", a.pages);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct igvm_file f;
	char why[IGVM_WHY_LEN];
	struct igvm_fixed_header h;

	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	/* Half the inputs get a right checksum and total size, so the headers are reached. */
	if (size >= sizeof(h) && (size & 1) == 0) {
		memcpy(&h, buf, sizeof(h));
		h.total_file_size = (uint32_t)size;
		h.checksum = 0;
		if (h.variable_header_offset <= size && h.variable_header_size <= size - h.variable_header_offset)
			h.checksum = crc32_update(crc32_update(0, &h, sizeof(h)), buf + h.variable_header_offset,
						  h.variable_header_size);
		memcpy(buf, &h, sizeof(h));
	}
	int err = igvm_open(&f, buf, size, scratch, sizeof(scratch) / sizeof(scratch[0]), why);

	if (err == SVSM_OK) {
		check_accepted(&f);
	} else {
		if (err != SVSM_EINVAL && err != SVSM_ENOSPC)
			fail("an error that is not EINVAL or ENOSPC", (uint64_t)err);
		if (why[0] == '\0' || strnlen(why, IGVM_WHY_LEN) == IGVM_WHY_LEN)
			fail("refused without a reason", (uint64_t)err);
	}
	return 0;
}
