/* SPDX-License-Identifier: MIT */
/*
 * OVMF's footer table and SEV metadata (lib/ovmf_meta.c): a synthetic image
 * laid out as edk2-stable202405..202508 builds lay theirs out is read
 * field by field; Debian's own OVMF.fd (OVMF_FD, fetched by the build) is
 * read with the values its table holds; and every malformed image is
 * refused with the reason it earns, leaving the result untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/ovmf_meta.h"
#include "svsm/errno.h"

#define IMG_SIZE 0x10000u
#define ASEV_OFF 0x548u /* back from the end, as in Debian's 2025.02 build */

static uint8_t img[IMG_SIZE];
static int reads_fail;

struct image {
	const uint8_t *buf;
	size_t size;
};

static int read_img(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct image *im = ctx;

	if (reads_fail || off > im->size || len > im->size - off)
		return -1;
	memcpy(buf, im->buf + off, len);
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v), put16(p + 2, (uint16_t)(v >> 16));
}

/* One table entry ending at *end (data | u16 len | GUID); *end moves back over it. */
static void put_entry(size_t *end, const uint8_t guid[16], const uint8_t *data, uint16_t dlen)
{
	*end -= 16;
	memcpy(img + *end, guid, 16);
	*end -= 2;
	put16(img + *end, (uint16_t)(dlen + 18));
	*end -= dlen;
	memcpy(img + *end, data, dlen);
}

static const uint8_t g_meta[16] = OVMF_SEV_METADATA_GUID;
static const uint8_t g_reset[16] = OVMF_SEV_ES_RESET_BLOCK_GUID;
static const uint8_t g_footer[16] = OVMF_TABLE_FOOTER_GUID;
static const uint8_t g_other[16] = { 0x61, 0xb3, 0x2e, 0x4c }; /* an entry this SVSM does not read */

/* Sections of edk2-stable202405..202508 (descriptor order 1,1,2,3,4,1). */
static const uint32_t good_sections[][3] = {
	{ 0x800000, 0x9000, 1 }, { 0x80A000, 0x3000, 1 }, { 0x80D000, 0x1000, 2 },
	{ 0x80E000, 0x1000, 3 }, { 0x80F000, 0x1000, 4 }, { 0x810000, 0x10000, 1 },
};

/* Builds the image: the table (reset block, another entry, SEV metadata) and the ASEV block. */
static void build(const uint32_t (*sec)[3], unsigned n)
{
	uint8_t d[8] = { 0 };
	size_t end = IMG_SIZE - 0x32 + 18; /* the footer entry's end: 0x20 before the image's end */
	size_t table_start;

	memset(img, 0xCC, sizeof(img));
	memset(img + IMG_SIZE - 0x20, 0, 0x20);
	memcpy(img + IMG_SIZE - 0x14, "VTF", 4);
	end -= 16;
	memcpy(img + end, g_footer, 16);
	end -= 2; /* the table's length, written last */
	table_start = end;
	put32(d, 0x80B004);
	put_entry(&end, g_reset, d, 4);
	put_entry(&end, g_other, (const uint8_t *)"\0\0\0\0\0\0\0\0", 8);
	put32(d, ASEV_OFF);
	put_entry(&end, g_meta, d, 4);
	put16(img + table_start, (uint16_t)(table_start + 18 - end));

	uint8_t *a = img + IMG_SIZE - ASEV_OFF;

	memcpy(a, "ASEV", 4);
	put32(a + 4, 16 + 12 * n);
	put32(a + 8, 1);
	put32(a + 12, n);
	for (unsigned i = 0; i < n; i++) {
		put32(a + 16 + 12 * i, sec[i][0]);
		put32(a + 20 + 12 * i, sec[i][1]);
		put32(a + 24 + 12 * i, sec[i][2]);
	}
}

static int read_meta(struct ovmf_meta *m, char *why)
{
	struct image im = { img, IMG_SIZE };

	return ovmf_meta_read(IMG_SIZE, read_img, &im, m, why);
}

static void test_good_image(void **state)
{
	struct ovmf_meta m;
	char why[OVMF_WHY_LEN];

	(void)state;
	build(good_sections, 6);
	assert_int_equal(read_meta(&m, why), SVSM_OK);
	assert_int_equal(m.fw_gpa, 0x100000000ull - IMG_SIZE);
	assert_int_equal(m.fw_size, IMG_SIZE);
	assert_int_equal(m.count, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(m.sec[i].gpa, good_sections[i][0]);
		assert_int_equal(m.sec[i].size, good_sections[i][1]);
		assert_int_equal(m.sec[i].type, good_sections[i][2]);
	}
	assert_int_equal(m.secrets_gpa, 0x80D000);
	assert_int_equal(m.cpuid_gpa, 0x80E000);
	assert_int_equal(m.caa_gpa, 0x80F000);
	assert_true(m.has_ap_reset);
	assert_int_equal(m.ap_reset_cs_base, 0x800000);
	assert_int_equal(m.ap_reset_ip, 0xB004);
	assert_string_equal(ovmf_section_name(OVMF_SECTION_KERNEL_HASHES), "kernel hashes page");
	assert_null(ovmf_section_name(5));
}

/* Debian's OVMF.fd as the package ships it (the build fetches it; its path in OVMF_FD). */
static void test_debian_ovmf(void **state)
{
	const char *path = getenv("OVMF_FD");
	struct ovmf_meta m;
	char why[OVMF_WHY_LEN];
	FILE *f;
	long size;
	uint8_t *buf;

	(void)state;
	if (path == NULL)
		fail_msg("OVMF_FD is not set (meson sets it to Debian's OVMF.fd)");
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	buf = malloc((size_t)size);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);

	struct image im = { buf, (size_t)size };

	if (ovmf_meta_read((uint64_t)size, read_img, &im, &m, why) != SVSM_OK)
		fail_msg("Debian's OVMF.fd refused: %s", why);
	assert_int_equal(m.fw_size, 0x400000);
	assert_int_equal(m.fw_gpa, 0xFFC00000);
	assert_int_equal(m.secrets_gpa, 0x80D000);
	assert_int_equal(m.cpuid_gpa, 0x80E000);
	assert_int_equal(m.caa_gpa, 0x80F000);
	assert_true(m.has_ap_reset);
	assert_int_equal(m.ap_reset_cs_base + m.ap_reset_ip, 0x80B004);
	free(buf);
}

/* An image changed by fix() must be refused with a reason holding `reason`, *m untouched. */
static void expect_refused(const char *what, void (*fix)(void), const char *reason)
{
	struct ovmf_meta m;
	char why[OVMF_WHY_LEN] = "";

	build(good_sections, 6);
	fix();
	memset(&m, 0x5A, sizeof(m));
	if (read_meta(&m, why) != SVSM_EINVAL)
		fail_msg("%s: not refused", what);
	if (strstr(why, reason) == NULL)
		fail_msg("%s: refused for another reason: %s", what, why);
	for (size_t i = 0; i < sizeof(m); i++) {
		if (((const uint8_t *)&m)[i] != 0x5A)
			fail_msg("%s: the result was written", what);
	}
}

static uint8_t *asev(void)
{
	return img + IMG_SIZE - ASEV_OFF;
}

static void sec_field(unsigned i, unsigned field, uint32_t v)
{
	put32(asev() + 16 + 12 * i + 4 * field, v);
}

/*
 * The table as build() writes it, back from the footer's length at end - 0x32: the reset block
 * entry (22 bytes), another entry (26), the SEV metadata entry (22); each ends with its GUID.
 */
#define RESET_END (IMG_SIZE - 0x32)
#define OTHER_END (RESET_END - 22)
#define META_END (OTHER_END - 26)

static void no_footer(void) { img[IMG_SIZE - 0x30] ^= 1; }
static void table_len_short(void) { put16(img + IMG_SIZE - 0x32, 17); }
static void table_len_long(void) { put16(img + IMG_SIZE - 0x32, 0x1000); }
static void table_len_odd(void) { put16(img + IMG_SIZE - 0x32, (uint16_t)(img[IMG_SIZE - 0x32] + 3)); }
static void entry_len_zero(void) { put16(img + RESET_END - 18, 0); }

static void no_meta_entry(void) { img[META_END - 16] ^= 0xFF; }
static void meta_len(void)
{
	/* the SEV metadata entry claims 5 data bytes; the table's length follows */
	put16(img + META_END - 18, 23);
	put16(img + IMG_SIZE - 0x32, (uint16_t)(img[IMG_SIZE - 0x32] | img[IMG_SIZE - 0x31] << 8) + 1);
}
static void meta_twice(void)
{
	/* the other entry becomes a second SEV metadata entry, of 8 data bytes */
	memcpy(img + OTHER_END - 16, g_meta, 16);
}
static void meta_off_big(void) { put32(img + META_END - 22, IMG_SIZE + 4); }
static void meta_off_small(void) { put32(img + META_END - 22, 8); }
static void bad_sig(void) { asev()[0] = 'B'; }
static void bad_version(void) { put32(asev() + 8, 2); }
static void no_sections(void) { put32(asev() + 12, 0), put32(asev() + 4, 16); }
static void many_sections(void) { put32(asev() + 12, 17), put32(asev() + 4, 16 + 12 * 17); }
static void bad_len(void) { put32(asev() + 4, 16 + 12 * 5); }
static void unknown_type(void) { sec_field(5, 2, 5); }
static void empty_section(void) { sec_field(0, 1, 0); }
static void unaligned_gpa(void) { sec_field(0, 0, 0x800800); }
static void unaligned_size(void) { sec_field(5, 1, 0x10800); }
static void reaches_fw(void) { sec_field(5, 0, 0xFFFF0000u), sec_field(5, 1, 0x1000); }
static void wraps(void) { sec_field(5, 0, 0xFFFFF000u), sec_field(5, 1, 0x2000); }
static void overlap(void) { sec_field(1, 0, 0x808000); }
static void secrets_two_pages(void) { sec_field(2, 1, 0x2000), sec_field(3, 0, 0x80F000), sec_field(4, 0, 0x8F0000); }
static void two_cpuid(void) { sec_field(2, 2, 3); }
static void no_caa(void) { sec_field(4, 2, 1); }
static void no_secrets(void) { sec_field(2, 2, 1); }

static void test_refusals(void **state)
{
	(void)state;
	expect_refused("no footer GUID", no_footer, "footer GUID");
	expect_refused("a table shorter than its footer", table_len_short, "table length 17");
	expect_refused("a table longer than the last page", table_len_long, "table length 4096");
	expect_refused("a table length the entries do not add up to", table_len_odd, "bytes left");
	expect_refused("an entry of length 0", entry_len_zero, "an entry of length 0");
	expect_refused("no SEV metadata entry", no_meta_entry, "no SEV metadata");
	expect_refused("SEV metadata entry of 5 bytes", meta_len, "5 data bytes");
	expect_refused("a second SEV metadata entry, of 8 bytes", meta_twice, "8 data bytes");
	expect_refused("ASEV beyond the image", meta_off_big, "outside the");
	expect_refused("ASEV offset inside its own header", meta_off_small, "outside the");
	expect_refused("another signature", bad_sig, "not an ASEV block");
	expect_refused("another version", bad_version, "not an ASEV block");
	expect_refused("no sections", no_sections, "0 sections");
	expect_refused("17 sections", many_sections, "17 sections");
	expect_refused("a length that is not the sections'", bad_len, "length 76");
	expect_refused("a section type not known here", unknown_type, "type 0x5, which this SVSM does not know");
	expect_refused("an empty section", empty_section, "empty or not page aligned");
	expect_refused("an unaligned GPA", unaligned_gpa, "empty or not page aligned");
	expect_refused("an unaligned size", unaligned_size, "empty or not page aligned");
	expect_refused("a section over the firmware", reaches_fw, "reaches the firmware image");
	expect_refused("a section past 4 GiB", wraps, "reaches the firmware image");
	expect_refused("overlapping sections", overlap, "overlap");
	expect_refused("a two-page secrets section", secrets_two_pages, "not one page");
	expect_refused("two CPUID sections", two_cpuid, "a second CPUID page");
	expect_refused("no calling area (an OVMF before edk2-stable202405)", no_caa, "cannot run under an SVSM");
	expect_refused("no secrets page", no_secrets, "no secrets page section");
}

static void test_meta_twice(void **state)
{
	struct ovmf_meta m;
	char why[OVMF_WHY_LEN];

	(void)state;
	/* The reset block entry (4 data bytes) relabelled: two well-formed SEV metadata entries. */
	build(good_sections, 6);
	memcpy(img + RESET_END - 16, g_meta, 16);
	assert_int_equal(read_meta(&m, why), SVSM_EINVAL);
	assert_non_null(strstr(why, "SEV metadata entry appears twice"));
	/* Without the reset block entry the image is still good: OVMF's APs then start as OVMF says. */
	build(good_sections, 6);
	memcpy(img + RESET_END - 16, g_other, 16);
	assert_int_equal(read_meta(&m, why), SVSM_OK);
	assert_false(m.has_ap_reset);
}

static void test_sizes_and_reads(void **state)
{
	struct ovmf_meta m;
	char why[OVMF_WHY_LEN];
	struct image im = { img, IMG_SIZE };

	(void)state;
	build(good_sections, 6);
	assert_int_equal(ovmf_meta_read(0, read_img, &im, &m, why), SVSM_EINVAL);
	assert_int_equal(ovmf_meta_read(IMG_SIZE - 1, read_img, &im, &m, why), SVSM_EINVAL);
	assert_non_null(strstr(why, "not whole pages"));
	assert_int_equal(ovmf_meta_read(OVMF_IMAGE_MAX + 0x1000, read_img, &im, &m, why), SVSM_EINVAL);
	reads_fail = 1;
	assert_int_equal(ovmf_meta_read(IMG_SIZE, read_img, &im, &m, why), SVSM_EIO);
	assert_non_null(strstr(why, "could not be read"));
	reads_fail = 0;
	/* Kernel hashes page (stable202511 and later) is known; its order does not matter. */
	static const uint32_t later[][3] = {
		{ 0x800000, 0x9000, 1 }, { 0x80A000, 0x3000, 1 }, { 0x80D000, 0x1000, 2 }, { 0x80E000, 0x1000, 3 },
		{ 0x80F000, 0x1000, 4 }, { 0x811000, 0x1F000, 1 }, { 0x810000, 0x1000, 0x10 },
	};
	build(later, 7);
	assert_int_equal(read_meta(&m, why), SVSM_OK);
	assert_int_equal(m.count, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_image),
		cmocka_unit_test(test_debian_ovmf),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_meta_twice),
		cmocka_unit_test(test_sizes_and_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
