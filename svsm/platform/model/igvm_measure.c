/* SPDX-License-Identifier: MIT */
/*
 * The launch digest of an IGVM file for one SNP platform: the pages in
 * file order as a loader gives them to SNP_LAUNCH_UPDATE, each through the
 * PAGE_INFO chain (launch_digest.c). The mapping is the one QEMU's loader
 * and the igvm crate's measurement use (igvm crate, measurement/snp.rs;
 * COCONUT-SVSM igvmmeasure):
 *   PAGE_DATA NORMAL          NORMAL, SHA-384 of the page (zeros for no data)
 *   PAGE_DATA unmeasured      UNMEASURED
 *   PAGE_DATA shared          not measured (not part of the launch)
 *   PAGE_DATA SECRETS         SECRETS
 *   PAGE_DATA CPUID_DATA/_XF  CPUID
 *   PARAMETER_INSERT          UNMEASURED, each 4 KiB of the area
 *   VP_CONTEXT                VMSA at GPA 0xFFFFFFFFF000, SHA-384 of the VMSA
 * Everything else is not measured.
 */
#include "svsm/igvm_measure.h"

#include "lib/fmt.h"
#include "lib/string.h"
#include "svsm/errno.h"

static int page(struct launch_digest *d, uint64_t gpa, unsigned type, const uint8_t *contents, uint32_t at,
		char *why)
{
	int err = launch_digest_page(d, gpa, type, contents);

	if (err != SVSM_OK)
		fmt_snprintf(why, IGVM_WHY_LEN, "IGVM header at offset 0x%x: page at 0x%llx could not be measured (%d)",
			     at, (unsigned long long)gpa, err);
	return err;
}

static unsigned page_type(const struct igvm_page_data *p)
{
	if (p->flags & IGVM_PAGE_FLAG_UNMEASURED)
		return SNP_PAGE_TYPE_UNMEASURED;
	switch (p->data_type) {
	case IGVM_PAGE_DATA_SECRETS:
		return SNP_PAGE_TYPE_SECRETS;
	case IGVM_PAGE_DATA_CPUID_DATA:
	case IGVM_PAGE_DATA_CPUID_XF:
		return SNP_PAGE_TYPE_CPUID;
	default:
		return SNP_PAGE_TYPE_NORMAL;
	}
}

/* The size of parameter area index, declared before its insert (igvm_open checked it is). */
static uint64_t area_bytes(const struct igvm_file *f, uint32_t index, uint32_t before)
{
	struct igvm_header h;
	uint32_t cursor = 0;

	while (igvm_next(f, &cursor, &h) && h.offset < before) {
		struct igvm_parameter_area a;

		if (h.type != IGVM_VHT_PARAMETER_AREA)
			continue;
		memcpy(&a, h.body, sizeof(a));
		if (a.parameter_area_index == index)
			return a.number_of_bytes;
	}
	return 0;
}

int igvm_measure(const struct igvm_file *f, uint32_t mask, struct launch_digest *d, char *why)
{
	static uint8_t buf[IGVM_PAGE_SIZE];
	struct igvm_header h;
	uint32_t cursor = 0;
	int err = SVSM_OK;

	launch_digest_init(d);
	while (err == SVSM_OK && igvm_next(f, &cursor, &h)) {
		if (h.type == IGVM_VHT_PAGE_DATA) {
			struct igvm_page_data p;

			memcpy(&p, h.body, sizeof(p));
			if (!(p.compatibility_mask & mask) || (p.flags & IGVM_PAGE_FLAG_SHARED))
				continue;
			unsigned type = page_type(&p);

			igvm_page(f, p.file_offset, buf);
			err = page(d, p.gpa, type, buf, h.offset, why);
		} else if (h.type == IGVM_VHT_PARAMETER_INSERT) {
			struct igvm_parameter_insert p;

			memcpy(&p, h.body, sizeof(p));
			if (!(p.compatibility_mask & mask))
				continue;
			uint64_t bytes = area_bytes(f, p.parameter_area_index, h.offset);

			for (uint64_t off = 0; err == SVSM_OK && off < bytes; off += IGVM_PAGE_SIZE)
				err = page(d, p.gpa + off, SNP_PAGE_TYPE_UNMEASURED, NULL, h.offset, why);
		} else if (h.type == IGVM_VHT_VP_CONTEXT) {
			struct igvm_vp_context v;

			memcpy(&v, h.body, sizeof(v));
			if (!(v.compatibility_mask & mask))
				continue;
			igvm_page(f, v.file_offset, buf);
			err = page(d, SNP_LD_VMSA_GPA, SNP_PAGE_TYPE_VMSA, buf, h.offset, why);
		}
	}
	return err;
}
