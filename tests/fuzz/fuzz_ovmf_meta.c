/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: OVMF's footer table and SEV metadata
 * (lib/ovmf_meta.c), what igvm-build reads from a firmware file and the
 * SVSM again from the launched image. Input: the image's last bytes (up
 * to 8 KiB, the rest of a 64 KiB image zero), so the table and an ASEV
 * block near the end are reached.
 *
 * Invariants: the parser reads only inside the image; a refusal gives a
 * reason and leaves the result untouched; an accepted image has 1..16
 * sections, each of a known type, page aligned, non-empty, below the
 * firmware image and disjoint from the others, exactly one secrets, one
 * CPUID and one calling-area section of one page each, whose GPAs the
 * result names; and reading it again gives the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ovmf_meta.h"
#include "svsm/errno.h"

#define IMG 0x10000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t img[IMG];

static int read_img(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	if (off > IMG || len > IMG - off)
		abort(); /* a read outside the image */
	memcpy(buf, img + off, len);
	return 0;
}

static void check(const struct ovmf_meta *m)
{
	unsigned one[3] = { 0, 0, 0 };

	if (m->count == 0 || m->count > OVMF_META_SECTIONS_MAX || m->fw_size != IMG ||
	    m->fw_gpa != OVMF_IMAGE_END - IMG)
		abort();
	for (unsigned i = 0; i < m->count; i++) {
		const struct ovmf_sev_section *s = &m->sec[i];

		if (ovmf_section_name(s->type) == NULL || s->size == 0 || s->gpa % 4096 || s->size % 4096 ||
		    (uint64_t)s->gpa + s->size > m->fw_gpa)
			abort();
		for (unsigned j = 0; j < i; j++) {
			if (s->gpa < (uint64_t)m->sec[j].gpa + m->sec[j].size &&
			    m->sec[j].gpa < (uint64_t)s->gpa + s->size)
				abort();
		}
		if (s->type >= OVMF_SECTION_SNP_SECRETS && s->type <= OVMF_SECTION_SVSM_CAA) {
			const uint32_t named = s->type == OVMF_SECTION_SNP_SECRETS ? m->secrets_gpa
					       : s->type == OVMF_SECTION_CPUID	   ? m->cpuid_gpa
										   : m->caa_gpa;

			if (s->size != 4096 || named != s->gpa)
				abort();
			one[s->type - OVMF_SECTION_SNP_SECRETS]++;
		}
	}
	if (one[0] != 1 || one[1] != 1 || one[2] != 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovmf_meta m, again;
	char why[OVMF_WHY_LEN];
	const size_t n = size < 8192 ? size : 8192;

	memset(img, 0, sizeof(img));
	memcpy(img + IMG - n, data, n);
	memset(&m, 0xA5, sizeof(m));
	if (ovmf_meta_read(IMG, read_img, NULL, &m, why) != SVSM_OK) {
		for (size_t i = 0; i < sizeof(m); i++) {
			if (((const uint8_t *)&m)[i] != 0xA5)
				abort(); /* a refusal wrote the result */
		}
		if (why[0] == '\0')
			abort();
		return 0;
	}
	check(&m);
	if (ovmf_meta_read(IMG, read_img, NULL, &again, why) != SVSM_OK || memcmp(&m, &again, sizeof(m)) != 0)
		abort();
	return 0;
}
