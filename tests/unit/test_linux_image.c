/* SPDX-License-Identifier: MIT */
/* The bzImage setup-header check: a good header, then one refusal per rule, and command lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "svsm/linux_image.h"

#define FILE_SIZE (64u * 1024u)
#define SECTS 7u /* setup part: 8 sectors, 4 KiB */

static uint8_t file[FILE_SIZE];

static struct linux_setup_header *hdr(void)
{
	return (struct linux_setup_header *)(file + LINUX_SETUP_HDR_OFFSET);
}

/* What Debian's 7.3 kernel carries, scaled down: protocol 2.15, 2 MiB alignment, 64-bit, relocatable. */
static void build_good(void)
{
	memset(file, 0, sizeof(file));
	hdr()->setup_sects = SECTS;
	hdr()->syssize = (FILE_SIZE - (SECTS + 1) * 512) / 16;
	hdr()->boot_flag = LINUX_BOOT_FLAG;
	file[0x201] = 0x6A; /* the jump's offset: the header ends at 0x26C */
	hdr()->header = LINUX_HDR_MAGIC;
	hdr()->version = 0x020F;
	hdr()->loadflags = LINUX_LOADED_HIGH;
	hdr()->initrd_addr_max = 0x7FFFFFFF;
	hdr()->kernel_alignment = 0x200000;
	hdr()->relocatable_kernel = 1;
	hdr()->xloadflags = 0x7F;
	hdr()->cmdline_size = 2047;
	hdr()->pref_address = 0x1000000;
	hdr()->init_size = 0x400000;
}

static const char *check(struct linux_image *img)
{
	return linux_image_check(file, FILE_SIZE, FILE_SIZE, img);
}

static void test_good(void **state)
{
	struct linux_image img;

	(void)state;
	build_good();
	assert_null(check(&img));
	assert_int_equal(img.setup_size, 4096);
	assert_int_equal(img.kernel_size, FILE_SIZE - 4096);
	assert_int_equal(img.alignment, 0x200000);
	assert_int_equal(img.init_size, 0x400000);
	assert_int_equal(img.cmdline_max, 2047);
	assert_int_equal(img.hdr.pref_address, 0x1000000);
	/* Only the setup part given (as the SVSM reads it): the same answer. */
	assert_null(linux_image_check(file, 4096, FILE_SIZE, &img));
	/* setup_sects 0 means 4: a 2.5 KiB setup part. */
	hdr()->setup_sects = 0;
	assert_null(check(&img));
	assert_int_equal(img.setup_size, 2560);
}

struct refusal {
	const char *what;
	void (*spoil)(void);
	const char *why_contains;
};

static void no_flag(void) { hdr()->boot_flag = 0x55AA; }
static void no_magic(void) { hdr()->header = 0x53726449; }
static void old_protocol(void) { hdr()->version = 0x020B; }
static void short_header(void) { file[0x201] = 0x30; }
static void not_bzimage(void) { hdr()->loadflags = 0; }
static void no_64bit(void) { hdr()->xloadflags = 0x7E; }
static void not_relocatable(void) { hdr()->relocatable_kernel = 0; }
static void setup_fills_file(void) { hdr()->setup_sects = 127; }
static void syssize_zero(void) { hdr()->syssize = 0; }
static void syssize_over(void) { hdr()->syssize = (FILE_SIZE - 4096) / 16 + 1; }
static void align_odd(void) { hdr()->kernel_alignment = 0x300000; }
static void align_small(void) { hdr()->kernel_alignment = 0x800; }
static void align_huge(void) { hdr()->kernel_alignment = 0x80000000u; }
static void init_small(void) { hdr()->init_size = FILE_SIZE - 4096 - 1; }

static const struct refusal refusals[] = {
	{ "boot flag", no_flag, "0xAA55" },
	{ "HdrS", no_magic, "HdrS" },
	{ "protocol 2.11", old_protocol, "2.12" },
	{ "header shorter than its version", short_header, "shorter" },
	{ "LOADED_HIGH clear", not_bzimage, "bzImage" },
	{ "XLF_KERNEL_64 clear", no_64bit, "64-bit" },
	{ "not relocatable", not_relocatable, "relocatable" },
	{ "setup part as large as the file", setup_fills_file, "no kernel" },
	{ "syssize 0", syssize_zero, "syssize" },
	{ "syssize past the file", syssize_over, "syssize" },
	{ "alignment not a power of two", align_odd, "power of two" },
	{ "alignment below 4 KiB", align_small, "power of two" },
	{ "alignment 2 GiB", align_huge, "power of two" },
	{ "init_size below the kernel", init_small, "init_size" },
};

static void test_refusals(void **state)
{
	struct linux_image img;

	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		build_good();
		refusals[i].spoil();
		const char *why = check(&img);

		if (why == NULL || strstr(why, refusals[i].why_contains) == NULL)
			fail_msg("%s: got %s", refusals[i].what, why ? why : "accepted");
	}
}

static void test_short_input(void **state)
{
	struct linux_image img;

	(void)state;
	build_good();
	/* Too short for the header; fewer bytes than the setup part; more bytes than the file. */
	assert_non_null(linux_image_check(file, 0x200, FILE_SIZE, &img));
	assert_non_null(strstr(linux_image_check(file, 2048, FILE_SIZE, &img), "setup part"));
	assert_non_null(linux_image_check(file, FILE_SIZE, FILE_SIZE - 1, &img));
	/* A file that is only its setup part. */
	assert_non_null(strstr(linux_image_check(file, 4096, 4096, &img), "no kernel"));
}

static void test_cmdline(void **state)
{
	struct linux_image img;
	static char line[4096];

	(void)state;
	build_good();
	assert_null(check(&img));
	memset(line, 'a', sizeof(line));
	assert_null(linux_cmdline_check(&img, "console=ttyS0", 13));
	assert_null(linux_cmdline_check(&img, line, 2047));
	assert_non_null(strstr(linux_cmdline_check(&img, line, 2048), "cmdline_size"));
	line[5] = '\0';
	assert_non_null(strstr(linux_cmdline_check(&img, line, 100), "NUL"));
	/* Before protocol 2.06 the limit is 255 whatever cmdline_size says (boot.rst). */
	img.hdr.version = 0x0205;
	assert_null(linux_cmdline_check(&img, "x", 1));
	build_good();
	hdr()->version = 0x0205;
	assert_non_null(check(&img)); /* (and such a kernel is refused anyway: no 64-bit entry protocol) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_short_input),
		cmocka_unit_test(test_cmdline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
