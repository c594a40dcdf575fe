/* SPDX-License-Identifier: MIT */
/*
 * IGVM files (lib/igvm.c, tools/igvm/igvm_build.c, the launch digest of
 * vsnp/model/igvm_measure.c): a file the builder writes is read
 * back header by header and measured page by page as a loader would; and
 * every kind of bad file is refused with a reason that names it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tools/igvm/igvm_build.h"
#include "abi/snp_launch.h"
#include "lib/crc32.h"
#include "lib/igvm.h"
#include "svsm/errno.h"
#include "vsnp/igvm_measure.h"

#define SNP 1u
#define NATIVE 2u
#define PAGE 4096u

static uint64_t scratch[4096];
static char why[IGVM_WHY_LEN];
static struct igvm_file f;
static uint8_t vmsa[PAGE], code[PAGE], secrets[PAGE];

static void crc_check_value(void **state)
{
	(void)state;
	/* The CRC-32 check value (zlib.crc32(b"123456789")). */
	assert_int_equal(crc32_update(0, "123456789", 9), 0xCBF43926u);
	assert_int_equal(crc32_update(crc32_update(0, "1234", 4), "56789", 5), 0xCBF43926u);
	assert_int_equal(crc32_update(0, "", 0), 0);
}

/* A file with the structures an SVSM image uses, for SNP and for native. */
static void good(struct igvm_build *b)
{
	for (unsigned i = 0; i < PAGE; i++)
		code[i] = (uint8_t)(i * 7 + 1), vmsa[i] = (uint8_t)(i ^ 0x5A);
	memset(secrets, 0, sizeof(secrets));
	igvm_build_init(b);
	igvm_build_platform(b, SNP, IGVM_PLATFORM_SEV_SNP, 2);
	igvm_build_platform(b, NATIVE, IGVM_PLATFORM_NATIVE, 0);
	igvm_build_policy(b, SNP, 0x30000);
	igvm_build_param_area(b, 0, PAGE);
	igvm_build_param(b, IGVM_VHT_VP_COUNT_PARAMETER, 0, 0);
	igvm_build_param(b, IGVM_VHT_ENVIRONMENT_INFO_PARAMETER, 0, 4);
	igvm_build_param_area(b, 1, 2 * PAGE);
	igvm_build_param(b, IGVM_VHT_MEMORY_MAP, 1, 0);
	igvm_build_param_insert(b, SNP | NATIVE, 0x10000, 0);
	igvm_build_param_insert(b, SNP | NATIVE, 0x11000, 1);
	igvm_build_required_memory(b, SNP, 0x800000, 0x100000, 0);
	igvm_build_page(b, SNP | NATIVE, 0x100000, code, sizeof(code), 0, IGVM_PAGE_DATA_NORMAL);
	igvm_build_page(b, SNP | NATIVE, 0x101000, code, 100, 0, IGVM_PAGE_DATA_NORMAL); /* short: zero-padded */
	igvm_build_page(b, SNP | NATIVE, 0x102000, NULL, 0, 0, IGVM_PAGE_DATA_NORMAL);   /* zeros */
	igvm_build_page(b, SNP, 0x103000, NULL, 0, IGVM_PAGE_FLAG_UNMEASURED, IGVM_PAGE_DATA_NORMAL);
	igvm_build_page(b, SNP, 0x104000, NULL, 0, IGVM_PAGE_FLAG_SHARED, IGVM_PAGE_DATA_NORMAL);
	igvm_build_page(b, SNP, 0x105000, secrets, sizeof(secrets), 0, IGVM_PAGE_DATA_SECRETS);
	igvm_build_page(b, SNP, 0x106000, NULL, 0, 0, IGVM_PAGE_DATA_CPUID_DATA);
	igvm_build_page(b, NATIVE, 0x105000, code, sizeof(code), 0, IGVM_PAGE_DATA_NORMAL); /* native's own page there */
	igvm_build_vp_context(b, SNP, 0xFFFFFFFFF000ull, 0, vmsa);
}

static uint8_t *finish(struct igvm_build *b, size_t *len)
{
	uint8_t *out = NULL;

	assert_int_equal(igvm_build_finish(b, &out, len), 0);
	igvm_build_free(b);
	return out;
}

static int open_buf(const uint8_t *buf, size_t len)
{
	return igvm_open(&f, buf, len, scratch, sizeof(scratch) / sizeof(scratch[0]), why);
}

/* good()'s file, opened (the caller frees it). */
static uint8_t *open_good(size_t *len)
{
	struct igvm_build b;
	uint8_t *buf;

	good(&b);
	buf = finish(&b, len);
	assert_int_equal(open_buf(buf, *len), SVSM_OK);
	return buf;
}

/* Re-computes the checksum after a test edited the headers. */
static void recrc(uint8_t *buf)
{
	struct igvm_fixed_header h;

	memcpy(&h, buf, sizeof(h));
	h.checksum = 0;
	h.checksum = crc32_update(crc32_update(0, &h, sizeof(h)), buf + h.variable_header_offset, h.variable_header_size);
	memcpy(buf, &h, sizeof(h));
}

static void read_back(void **state)
{
	size_t len;
	uint8_t *buf;
	struct igvm_header h;
	uint32_t cursor = 0;
	unsigned n = 0, pages = 0;

	(void)state;
	buf = open_good(&len);
	assert_int_equal(f.nplatforms, 2);
	assert_non_null(igvm_platform_of(&f, IGVM_PLATFORM_SEV_SNP));
	assert_int_equal(igvm_platform_of(&f, IGVM_PLATFORM_SEV_SNP)->mask, SNP);
	assert_int_equal(igvm_platform_of(&f, IGVM_PLATFORM_SEV_SNP)->highest_vtl, 2);
	assert_null(igvm_platform_of(&f, IGVM_PLATFORM_TDX));
	while (igvm_next(&f, &cursor, &h)) {
		n++;
		assert_true(h.known && !h.optional);
		if (h.type == IGVM_VHT_PAGE_DATA) {
			struct igvm_page_data p;
			uint8_t page[PAGE];

			memcpy(&p, h.body, sizeof(p));
			igvm_page(&f, p.file_offset, page);
			if (p.gpa == 0x100000)
				assert_memory_equal(page, code, PAGE);
			if (p.gpa == 0x101000)
				assert_true(memcmp(page, code, 100) == 0 && page[100] == 0 && page[PAGE - 1] == 0);
			if (p.gpa == 0x102000)
				assert_int_equal(p.file_offset, 0);
			pages++;
		}
	}
	assert_int_equal(n, f.headers);
	assert_int_equal(n, 20);
	assert_int_equal(pages, 8);
	/* Identical pages are stored once: code (twice), the VMSA; the zero pages not at all. */
	assert_int_equal(len, 4096 + 3 * PAGE);
	free(buf);
}

/*
 * good()'s SNP pages in file order, as a loader hands them to the PSP
 * (0x104000 is shared: not part of the launch): GPA, type, and which
 * hashed page (0 code, 1 code's first 100 bytes, 2 zeros, 3 the VMSA; -1
 * none).
 */
static const struct {
	uint64_t gpa;
	unsigned type;
	int hashed;
} good_launch[] = {
	{ 0x10000, SNP_PAGE_TYPE_UNMEASURED, -1 }, { 0x11000, SNP_PAGE_TYPE_UNMEASURED, -1 },
	{ 0x12000, SNP_PAGE_TYPE_UNMEASURED, -1 }, { 0x100000, SNP_PAGE_TYPE_NORMAL, 0 },
	{ 0x101000, SNP_PAGE_TYPE_NORMAL, 1 },     { 0x102000, SNP_PAGE_TYPE_NORMAL, 2 },
	{ 0x103000, SNP_PAGE_TYPE_UNMEASURED, -1 }, { 0x105000, SNP_PAGE_TYPE_SECRETS, -1 },
	{ 0x106000, SNP_PAGE_TYPE_CPUID, -1 },     { SNP_LD_VMSA_GPA, SNP_PAGE_TYPE_VMSA, 3 },
};
static uint8_t zeros[PAGE], short_page[PAGE];

/* The hashed pages' contents (good_launch's index). */
static const uint8_t *good_hashed(int i)
{
	memcpy(short_page, code, 100);
	return i == 0 ? code : i == 1 ? short_page : i == 2 ? zeros : vmsa;
}

/* d over good_launch: with hashes, through launch_digest_page_hashed; without, launch_digest_page. */
static void good_chain(struct launch_digest *d, uint8_t (*hashes)[SNP_LD_LEN])
{
	launch_digest_init(d);
	for (unsigned i = 0; i < sizeof(good_launch) / sizeof(good_launch[0]); i++) {
		int h = good_launch[i].hashed;

		if (hashes != NULL)
			assert_int_equal(launch_digest_page_hashed(d, good_launch[i].gpa, good_launch[i].type,
								   h < 0 ? NULL : hashes[h]), SVSM_OK);
		else
			assert_int_equal(launch_digest_page(d, good_launch[i].gpa, good_launch[i].type,
							    h < 0 ? NULL : good_hashed(h)), SVSM_OK);
	}
}

/* The digest is the PAGE_INFO chain over the SNP platform's pages in file order. */
static void measured_as_a_loader_does(void **state)
{
	struct launch_digest got, want;
	size_t len;
	uint8_t *buf;

	(void)state;
	buf = open_good(&len);
	assert_int_equal(igvm_measure(&f, SNP, &got, why), SVSM_OK);
	good_chain(&want, NULL);
	assert_int_equal(got.pages, want.pages);
	assert_memory_equal(got.ld, want.ld, SNP_LD_LEN);
	/* One byte of a measured page changes the digest; of the native-only page, it does not. */
	struct launch_digest again;
	uint8_t *p = NULL;

	for (size_t off = 0; off + PAGE <= len && p == NULL; off += PAGE) {
		if (memcmp(buf + off, code, PAGE) == 0)
			p = buf + off;
	}
	assert_non_null(p);
	p[5] ^= 1;
	assert_int_equal(open_buf(buf, len), SVSM_OK); /* file data is not under the checksum */
	assert_int_equal(igvm_measure(&f, SNP, &again, why), SVSM_OK);
	assert_memory_not_equal(again.ld, got.ld, SNP_LD_LEN);
	free(buf);
}

/*
 * The contents hashes computed ahead in shares (igvm_hash_share): each
 * worker only its own pages, together all of them, equal to the pages'
 * SHA-384s, and the chain over them equal to the loader's digest.
 */
static void hashes_computed_ahead_in_shares(void **state)
{
	static const struct {
		unsigned worker, workers;
		size_t n;
		uint8_t want[5]; /* done[] after this share alone; done[4] past n */
	} shares[] = {
		{ 1, 3, 4, { 0, 1, 0, 0, 0 } }, { 0, 2, 4, { 1, 0, 1, 0, 0 } }, { 0, 1, 2, { 1, 1, 0, 0, 0 } },
		{ 3, 3, 4, { 0 } },             { 0, 0, 4, { 0 } },             { 0, 1, 4, { 1, 1, 1, 1, 0 } },
	};
	static uint8_t buf_page[IGVM_PAGE_SIZE];
	uint8_t hashes[5][SNP_LD_LEN], done[5];
	struct launch_digest got, want;
	size_t len;
	uint8_t *buf;

	(void)state;
	buf = open_good(&len);
	for (unsigned i = 0; i < sizeof(shares) / sizeof(shares[0]); i++) {
		struct igvm_hash_share sh = { hashes, done, shares[i].n, shares[i].worker, shares[i].workers };

		memset(done, 0, sizeof(done));
		memset(hashes, 0xA5, sizeof(hashes));
		igvm_hash_share(&f, SNP, &sh, buf_page);
		assert_memory_equal(done, shares[i].want, sizeof(done));
		for (unsigned k = 0; k < 5; k++) {
			uint8_t h[SNP_LD_LEN], untouched[SNP_LD_LEN];

			memset(untouched, 0xA5, sizeof(untouched));
			if (!done[k]) {
				assert_memory_equal(hashes[k], untouched, SNP_LD_LEN);
				continue;
			}
			assert_int_equal(launch_digest_contents(good_hashed((int)k), h), SVSM_OK);
			assert_memory_equal(hashes[k], h, SNP_LD_LEN);
		}
	}
	/* Three workers together: every page, and the chain over their hashes is the loader's digest. */
	memset(done, 0, sizeof(done));
	for (unsigned w = 0; w < 3; w++) {
		struct igvm_hash_share sh = { hashes, done, 4, w, 3 };

		igvm_hash_share(&f, SNP, &sh, buf_page);
	}
	assert_memory_equal(done, ((uint8_t[]){ 1, 1, 1, 1, 0 }), sizeof(done));
	assert_int_equal(igvm_measure(&f, SNP, &want, why), SVSM_OK);
	good_chain(&got, hashes);
	assert_int_equal(got.pages, want.pages);
	assert_memory_equal(got.ld, want.ld, SNP_LD_LEN);
	/* A hashed type needs its hash; a bad page is refused and the digest stays. */
	assert_int_equal(launch_digest_page_hashed(&got, 0x107000, SNP_PAGE_TYPE_NORMAL, NULL), SVSM_EINVAL);
	assert_int_equal(launch_digest_page_hashed(&got, 0x107800, SNP_PAGE_TYPE_NORMAL, hashes[0]), SVSM_EINVAL);
	assert_int_equal(launch_digest_page_hashed(&got, 0x107000, SNP_PAGE_TYPE_VMSA, hashes[0]), SVSM_EINVAL);
	assert_int_equal(launch_digest_page_hashed(&got, 0x107000, 9, hashes[0]), SVSM_EINVAL);
	assert_memory_equal(got.ld, want.ld, SNP_LD_LEN);
	free(buf);
}

struct bad_case {
	const char *what;
	int want;
	const char *why_has;
};

static void expect_refused(uint8_t *buf, size_t len, const struct bad_case *c)
{
	memset(why, 0, sizeof(why));
	print_message("bad IGVM file: %s\n", c->what);
	assert_int_equal(open_buf(buf, len), c->want);
	if (strstr(why, c->why_has) == NULL)
		fail_msg("%s: reason '%s' does not say '%s'", c->what, why, c->why_has);
	assert_int_equal(f.nplatforms, 0); /* nothing half-open */
}

/* The fixed header and the framing of the file. */
static void bad_framing(void **state)
{
	struct igvm_build b;
	size_t len;
	uint8_t *buf, *copy;

	(void)state;
	good(&b);
	buf = finish(&b, &len);
	copy = malloc(len + 1);
	assert_non_null(copy);
#define RESET() memcpy(copy, buf, len)
	RESET();
	expect_refused(copy, 23, &(struct bad_case){ "shorter than the fixed header", SVSM_EINVAL, "shorter" });
	RESET(), copy[0] ^= 1;
	expect_refused(copy, len, &(struct bad_case){ "magic", SVSM_EINVAL, "not an IGVM file" });
	RESET(), copy[4] = 2, recrc(copy);
	expect_refused(copy, len, &(struct bad_case){ "version 2", SVSM_EINVAL, "version 2" });
	RESET();
	expect_refused(copy, len - 1, &(struct bad_case){ "truncated", SVSM_EINVAL, "truncated" });
	RESET(), copy[len] = 0;
	expect_refused(copy, len + 1, &(struct bad_case){ "data after the end", SVSM_EINVAL, "truncated, or data after" });
	RESET(), copy[8] = 28, recrc(copy);
	expect_refused(copy, len, &(struct bad_case){ "variable headers misaligned", SVSM_EINVAL, "misaligned" });
	RESET(), copy[14] = 0x7F; /* checked before the checksum, which could not cover it */
	expect_refused(copy, len, &(struct bad_case){ "variable headers beyond the file", SVSM_EINVAL, "outside the file" });
	RESET(), copy[40] ^= 0x10;
	expect_refused(copy, len, &(struct bad_case){ "a header byte changed", SVSM_EINVAL, "checksum" });
	/* Every shorter file is refused. */
	for (size_t n = 0; n < len; n += 97) {
		RESET();
		assert_int_equal(open_buf(copy, n), SVSM_EINVAL);
	}
#undef RESET
	free(copy);
	free(buf);
}

/* One header appended to a valid base (platform SNP, policy), then the file checked. */
static int with(uint32_t type, const void *body, uint32_t len, bool base_directives)
{
	struct igvm_build b;
	size_t n;
	uint8_t *buf;

	igvm_build_init(&b);
	igvm_build_platform(&b, SNP, IGVM_PLATFORM_SEV_SNP, 2);
	if (base_directives) {
		igvm_build_param_area(&b, 5, PAGE);
		igvm_build_page(&b, SNP, 0x200000, code, sizeof(code), 0, 0);
	}
	igvm_build_header(&b, type, body, len);
	buf = finish(&b, &n);
	int err = open_buf(buf, n);

	free(buf);
	return err;
}

/* A file for the SNP platform alone, to add headers to. */
static void snp_file(struct igvm_build *b)
{
	igvm_build_init(b);
	igvm_build_platform(b, SNP, IGVM_PLATFORM_SEV_SNP, 2);
}

/* The file b describes, laid out and checked: igvm_open's answer. */
static int built(struct igvm_build *b)
{
	size_t n;
	uint8_t *buf = finish(b, &n);
	int err = open_buf(buf, n);

	free(buf);
	return err;
}

static void bad_headers(void **state)
{
	struct igvm_page_data pd = { 0x300000, SNP, 0, 0, 0, 0 };
	struct igvm_supported_platform pl = { 4, 0, IGVM_PLATFORM_SEV_SNP, 1, 0 };
	struct igvm_parameter_insert ins = { 0x400000, SNP, 5 };
	struct igvm_parameter par = { 5, 0 };
	struct igvm_vp_context vp = { 0x500000, SNP, 0, 0, 0 };
	struct igvm_required_memory rm = { 0x600000, SNP, PAGE, 0, 0 };
	uint8_t junk[40] = { 1 };

	(void)state;
#define REFUSED(call, reason)                                                  \
	do {                                                                   \
		print_message("bad IGVM header: %s\n", reason);                \
		assert_int_equal(call, SVSM_EINVAL);                           \
		if (strstr(why, reason) == NULL)                               \
			fail_msg("reason '%s' does not say '%s'", why, reason); \
	} while (0)
	/* Sanity: the base with one good page more is fine. */
	assert_int_equal(with(IGVM_VHT_PAGE_DATA, &pd, sizeof(pd), true), SVSM_OK);
	REFUSED(with(0x3FF, junk, 8, true), "not supported by this loader");
	assert_int_equal(with(0x3FF | IGVM_VHT_OPTIONAL, junk, 8, true), SVSM_OK); /* optional: skipped */
	REFUSED(with(0x500, junk, 8, true), "in no section");
	REFUSED(with(IGVM_VHT_PAGE_DATA, &pd, sizeof(pd) - 4, true), "wrong length");
	REFUSED(with(IGVM_VHT_SUPPORTED_PLATFORM, &pl, sizeof(pl), true), "earlier section");
	pl.compatibility_mask = 6;
	REFUSED(with(IGVM_VHT_SUPPORTED_PLATFORM, &pl, sizeof(pl), false), "exactly one bit");
	pl.compatibility_mask = SNP;
	REFUSED(with(IGVM_VHT_SUPPORTED_PLATFORM, &pl, sizeof(pl), false), "declared twice");
	pl.compatibility_mask = 4, pl.platform_type = 9;
	REFUSED(with(IGVM_VHT_SUPPORTED_PLATFORM, &pl, sizeof(pl), false), "unknown platform type");
	pl.platform_type = IGVM_PLATFORM_SEV_SNP, pl.platform_version = 2;
	REFUSED(with(IGVM_VHT_SUPPORTED_PLATFORM, &pl, sizeof(pl), false), "platform version");
	pd.compatibility_mask = 2;
	REFUSED(with(IGVM_VHT_PAGE_DATA, &pd, sizeof(pd), true), "names no declared platform");
	pd.compatibility_mask = SNP, pd.gpa = 0x300800;
	REFUSED(with(IGVM_VHT_PAGE_DATA, &pd, sizeof(pd), true), "not page aligned");
	pd.gpa = 1ull << 52;
	REFUSED(with(IGVM_VHT_PAGE_DATA, &pd, sizeof(pd), true), "beyond 52 bits");
	pd.gpa = 0x300000, pd.flags = 8;
	REFUSED(with(IGVM_VHT_PAGE_DATA, &pd, sizeof(pd), true), "flags or reserved");
	pd.flags = IGVM_PAGE_FLAG_2MB;
	REFUSED(with(IGVM_VHT_PAGE_DATA, &pd, sizeof(pd), true), "2 MiB page data");
	pd.flags = 0, pd.data_type = 4;
	REFUSED(with(IGVM_VHT_PAGE_DATA, &pd, sizeof(pd), true), "unknown page data type");
	pd.data_type = 0, pd.file_offset = 8;
	REFUSED(with(IGVM_VHT_PAGE_DATA, &pd, sizeof(pd), true), "outside the file data section");
	pd.file_offset = 0x7FFFFFF0;
	REFUSED(with(IGVM_VHT_PAGE_DATA, &pd, sizeof(pd), true), "outside the file data section");
	pd.file_offset = 0, pd.gpa = 0x200000;
	REFUSED(with(IGVM_VHT_PAGE_DATA, &pd, sizeof(pd), true), "twice for platform");
	ins.parameter_area_index = 6;
	REFUSED(with(IGVM_VHT_PARAMETER_INSERT, &ins, sizeof(ins), true), "never declared");
	ins.parameter_area_index = 5, ins.gpa = 0x200000;
	REFUSED(with(IGVM_VHT_PARAMETER_INSERT, &ins, sizeof(ins), true), "twice for platform");
	par.byte_offset = PAGE - 2;
	REFUSED(with(IGVM_VHT_VP_COUNT_PARAMETER, &par, sizeof(par), true), "does not fit");
	par.parameter_area_index = 9, par.byte_offset = 0;
	REFUSED(with(IGVM_VHT_MEMORY_MAP, &par, sizeof(par), true), "not declared");
	REFUSED(with(IGVM_VHT_VP_CONTEXT, &vp, sizeof(vp), true), "without data");
	rm.flags = 2;
	REFUSED(with(IGVM_VHT_REQUIRED_MEMORY, &rm, sizeof(rm), true), "flags or reserved");
	rm.flags = 0, rm.number_of_bytes = 100;
	REFUSED(with(IGVM_VHT_REQUIRED_MEMORY, &rm, sizeof(rm), true), "not page aligned");
	REFUSED(with(IGVM_VHT_GUEST_POLICY, &(struct igvm_guest_policy){ 0x30000, SNP, 1 }, 16, false), "reserved");
	REFUSED(with(IGVM_VHT_GUEST_POLICY, &(struct igvm_guest_policy){ 0x30000, SNP, 0 }, 16, true), "earlier section");
	{
		struct igvm_build b;
		size_t n;
		uint8_t *buf;

		/* A directive before any platform; none at all. */
		igvm_build_init(&b);
		igvm_build_page(&b, SNP, 0x1000, code, PAGE, 0, 0);
		REFUSED(built(&b), "before any supported platform");
		igvm_build_init(&b);
		igvm_build_header(&b, 0x3FF | IGVM_VHT_OPTIONAL, junk, 8);
		REFUSED(built(&b), "no supported platform");
		/* Non-zero padding after a header (the checksum made right). */
		snp_file(&b);
		igvm_build_header(&b, 0x3FF | IGVM_VHT_OPTIONAL, junk, 3);
		buf = finish(&b, &n);
		buf[24 + 24 + 8 + 4] = 1;
		recrc(buf);
		REFUSED(open_buf(buf, n), "non-zero padding");
		free(buf);
		/* A header whose length runs past the section. */
		snp_file(&b);
		buf = finish(&b, &n);
		buf[24 + 4] = 0x40;
		recrc(buf);
		REFUSED(open_buf(buf, n), "runs past");
		free(buf);
		/* VP contexts: a gap (only index 1), an index twice, a VMSA page that is also page data. */
		snp_file(&b);
		igvm_build_vp_context(&b, SNP, 0x500000, 1, vmsa);
		REFUSED(built(&b), "gap in the VP indices");
		snp_file(&b);
		igvm_build_vp_context(&b, SNP, 0x500000, 0, vmsa);
		igvm_build_vp_context(&b, SNP, 0x501000, 0, vmsa);
		REFUSED(built(&b), "context twice");
		snp_file(&b);
		igvm_build_page(&b, SNP, 0x500000, code, PAGE, 0, 0);
		igvm_build_vp_context(&b, SNP, 0x500000, 0, vmsa);
		REFUSED(built(&b), "twice for platform");
		/* SNP: a data page, or an inserted area, over the GPA where the launch measures the VMSA (found by fuzz_igvm). */
		snp_file(&b);
		igvm_build_page(&b, SNP, IGVM_SNP_VMSA_GPA, code, PAGE, 0, 0);
		REFUSED(built(&b), "where the SNP launch measures the VMSA");
		snp_file(&b);
		igvm_build_param_area(&b, 0, 0x80000);
		igvm_build_param_insert(&b, SNP, 0xFFFFFFFE0000ull, 0);
		REFUSED(built(&b), "where the SNP launch measures the VMSA");
		/* The same page for a native platform is just a page. */
		igvm_build_init(&b);
		igvm_build_platform(&b, NATIVE, IGVM_PLATFORM_NATIVE, 0);
		igvm_build_page(&b, NATIVE, IGVM_SNP_VMSA_GPA, code, PAGE, 0, 0);
		assert_int_equal(built(&b), SVSM_OK);
		/* An area inserted twice, a parameter after the insert. */
		snp_file(&b);
		igvm_build_param_area(&b, 0, PAGE);
		igvm_build_param_insert(&b, SNP, 0x10000, 0);
		igvm_build_param(&b, IGVM_VHT_VP_COUNT_PARAMETER, 0, 0);
		REFUSED(built(&b), "already inserted");
		snp_file(&b);
		igvm_build_param_area(&b, 0, PAGE);
		igvm_build_param_insert(&b, SNP, 0x10000, 0);
		igvm_build_param_insert(&b, SNP, 0x20000, 0);
		REFUSED(built(&b), "inserted twice");
		/* More pages than the loader's scratch: ENOSPC, said so. */
		snp_file(&b);
		for (unsigned i = 0; i < 9; i++)
			igvm_build_page(&b, SNP, 0x100000 + i * PAGE, NULL, 0, 0, 0);
		buf = finish(&b, &n);
		assert_int_equal(igvm_open(&f, buf, n, scratch, 8, why), SVSM_ENOSPC);
		assert_non_null(strstr(why, "more than 8 pages"));
		assert_int_equal(igvm_open(&f, buf, n, scratch, 9, why), SVSM_OK);
		free(buf);
	}
#undef REFUSED
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc_check_value),
		cmocka_unit_test(read_back),
		cmocka_unit_test(measured_as_a_loader_does),
		cmocka_unit_test(hashes_computed_ahead_in_shares),
		cmocka_unit_test(bad_framing),
		cmocka_unit_test(bad_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
