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
#include "vsnp/igvm_measure.h"

#include "lib/fmt.h"
#include "lib/string.h"
#include "svsm/errno.h"

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

int igvm_launch_pages(const struct igvm_file *f, uint32_t mask,
		      int (*fn)(void *ctx, const struct igvm_launch_page *p), void *ctx, uint8_t buf[IGVM_PAGE_SIZE])
{
	struct igvm_header h;
	uint32_t cursor = 0;
	int err = SVSM_OK;

	while (err == SVSM_OK && igvm_next(f, &cursor, &h)) {
		struct igvm_launch_page p = { .data = buf, .header = h.offset };

		if (h.type == IGVM_VHT_PAGE_DATA) {
			struct igvm_page_data d;

			memcpy(&d, h.body, sizeof(d));
			if (!(d.compatibility_mask & mask))
				continue;
			p.gpa = d.gpa;
			p.type = (d.flags & IGVM_PAGE_FLAG_SHARED) ? 0 : page_type(&d);
			igvm_page(f, d.file_offset, buf);
			err = fn(ctx, &p);
		} else if (h.type == IGVM_VHT_PARAMETER_INSERT) {
			struct igvm_parameter_insert i;

			memcpy(&i, h.body, sizeof(i));
			if (!(i.compatibility_mask & mask))
				continue;
			uint64_t bytes = area_bytes(f, i.parameter_area_index, h.offset);

			/* The area's contents are the loader's to write (parameters); it starts as zeros here. */
			memset(buf, 0, IGVM_PAGE_SIZE);
			p.type = SNP_PAGE_TYPE_UNMEASURED;
			for (uint64_t off = 0; err == SVSM_OK && off < bytes; off += IGVM_PAGE_SIZE) {
				p.gpa = i.gpa + off;
				err = fn(ctx, &p);
			}
		} else if (h.type == IGVM_VHT_VP_CONTEXT) {
			struct igvm_vp_context v;

			memcpy(&v, h.body, sizeof(v));
			if (!(v.compatibility_mask & mask))
				continue;
			p.gpa = v.gpa;
			p.type = SNP_PAGE_TYPE_VMSA;
			igvm_page(f, v.file_offset, buf);
			err = fn(ctx, &p);
		}
	}
	return err;
}

struct measure_ctx {
	struct launch_digest *d;
	char *why;
};

static int measure_page(void *ctx, const struct igvm_launch_page *p)
{
	struct measure_ctx *m = ctx;
	uint64_t gpa = p->type == SNP_PAGE_TYPE_VMSA ? SNP_LD_VMSA_GPA : p->gpa;
	int err;

	if (p->type == 0)
		return SVSM_OK; /* shared: not part of the launch */
	err = launch_digest_page(m->d, gpa, p->type, p->data);
	if (err != SVSM_OK)
		fmt_snprintf(m->why, IGVM_WHY_LEN, "IGVM header at offset 0x%x: page at 0x%llx could not be measured (%d)",
			     p->header, (unsigned long long)gpa, err);
	return err;
}

int igvm_measure(const struct igvm_file *f, uint32_t mask, struct launch_digest *d, char *why)
{
	static uint8_t buf[IGVM_PAGE_SIZE];
	struct measure_ctx m = { d, why };

	launch_digest_init(d);
	return igvm_launch_pages(f, mask, measure_page, &m, buf);
}

struct share_ctx {
	struct igvm_hash_share *s;
	size_t k; /* hashed pages met so far */
};

static int hash_share_page(void *ctx, const struct igvm_launch_page *p)
{
	struct share_ctx *c = ctx;
	struct igvm_hash_share *s = c->s;

	if (p->type != SNP_PAGE_TYPE_NORMAL && p->type != SNP_PAGE_TYPE_VMSA)
		return SVSM_OK;
	size_t k = c->k++;

	if (k >= s->n)
		return SVSM_ENOSPC; /* the rest is the loader's to hash */
	if (k % s->workers == s->worker && launch_digest_contents(p->data, s->hashes[k]) == SVSM_OK)
		s->done[k] = 1;
	return SVSM_OK;
}

void igvm_hash_share(const struct igvm_file *f, uint32_t mask, struct igvm_hash_share *s, uint8_t buf[IGVM_PAGE_SIZE])
{
	struct share_ctx c = { s, 0 };

	if (s->workers != 0 && s->worker < s->workers)
		(void)igvm_launch_pages(f, mask, hash_share_page, &c, buf);
}
