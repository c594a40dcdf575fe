/* SPDX-License-Identifier: MIT */
/* Multiboot information parsing against simulated loader memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/multiboot.h"
#include "fake_phys.h"
#include "mb_parse.h"

#define MBI_PA 0x9000u
#define MMAP_PA 0xA000u
#define CMDLINE_PA 0xB000u

static struct mb1_info *mbi(void)
{
	return (struct mb1_info *)(fake_phys_mem + MBI_PA);
}

static void put_entry(unsigned i, uint32_t size, uint64_t base, uint64_t len, uint32_t type)
{
	struct mb1_mmap_entry e = { size, base, len, type };

	memcpy(fake_phys_mem + MMAP_PA + i * 24, &e, sizeof(e));
}

/* What QEMU's Multiboot loader hands over for -m 256M. */
static void build_qemu_like(const char *cmdline)
{
	fake_phys_reset();
	memset(mbi(), 0, sizeof(*mbi()));
	mbi()->flags = MB1_INFO_MEM | MB1_INFO_MMAP | MB1_INFO_CMDLINE;
	mbi()->mmap_addr = MMAP_PA;
	mbi()->mmap_length = 5 * 24;
	mbi()->cmdline = CMDLINE_PA;
	put_entry(0, 20, 0, 0x9FC00, MB1_MMAP_AVAILABLE);
	put_entry(1, 20, 0x9FC00, 0x400, 2);
	put_entry(2, 20, 0xF0000, 0x10000, 2);
	put_entry(3, 20, 0x100000, 0xFEE0000, MB1_MMAP_AVAILABLE);
	put_entry(4, 20, 0xFFFC0000, 0x40000, 7); /* unknown type -> reserved */
	strcpy((char *)fake_phys_mem + CMDLINE_PA, cmdline);
}

static void qemu_map_parsed(void **state)
{
	struct boot_info bi;
	(void)state;

	build_qemu_like("build/svsm.img log=debug test=x");
	assert_null(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi));
	assert_int_equal(bi.mem_count, 5);
	assert_int_equal(bi.mem[0].base, 0);
	assert_int_equal(bi.mem[0].size, 0x9FC00);
	assert_int_equal(bi.mem[0].type, BOOT_MEM_USABLE);
	assert_int_equal(bi.mem[1].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi.mem[3].base, 0x100000);
	assert_int_equal(bi.mem[4].type, BOOT_MEM_RESERVED);
	/* The image path (argv[0]) is dropped. */
	assert_string_equal(bi.cmdline, "log=debug test=x");
}

#define MODS_PA 0xC000u

static void put_module(unsigned i, uint32_t start, uint32_t end)
{
	struct mb1_module m = { start, end, 0, 0 };

	memcpy(fake_phys_mem + MODS_PA + i * sizeof(m), &m, sizeof(m));
}

static void payload_module(void **state)
{
	struct boot_info bi;
	(void)state;

	/* No module flag, or a zero count: no payload. */
	build_qemu_like("x");
	bi.payload_pa = bi.payload_size = 0x55;
	assert_null(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi));
	assert_int_equal(bi.payload_pa, 0);
	assert_int_equal(bi.payload_size, 0);

	build_qemu_like("x");
	mbi()->flags |= MB1_INFO_MODS;
	mbi()->mods_count = 1;
	mbi()->mods_addr = MODS_PA;
	put_module(0, 0x120000, 0x123456);
	assert_null(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi));
	assert_int_equal(bi.payload_pa, 0x120000);
	assert_int_equal(bi.payload_size, 0x3456);

	/* Refusals leave the record as it was. */
	struct boot_info before = bi;

	put_module(0, 0x120800, 0x123456);
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "not page aligned"));
	put_module(0, 0x120000, 0x120000);
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "empty"));
	put_module(0, 0x120000, 0x110000);
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "empty"));
	put_module(0, 0x120000, 0x123456);
	mbi()->mods_count = 2;
	put_module(1, 0x124000, 0x125000);
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "more than one"));
	mbi()->mods_count = 1;
	mbi()->mods_addr = FAKE_PHYS_SIZE - 8;
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "not addressable"));
	assert_memory_equal(&bi, &before, sizeof(bi));
}

static void cmdline_variants(void **state)
{
	struct boot_info bi;
	char longest[300];
	(void)state;

	build_qemu_like("svsm.img");
	assert_null(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi));
	assert_string_equal(bi.cmdline, "");

	build_qemu_like("svsm.img    spaced=1");
	assert_null(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi));
	assert_string_equal(bi.cmdline, "spaced=1");

	/* Exactly 255 bytes fit; 256 do not, and nothing is changed. */
	memset(longest, 'a', sizeof(longest));
	memcpy(longest, "img ", 4);
	longest[4 + 255] = '\0';
	build_qemu_like(longest);
	assert_null(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi));
	assert_int_equal(strlen(bi.cmdline), 255);
	longest[4 + 255] = 'a';
	longest[4 + 256] = '\0';
	build_qemu_like(longest);
	struct boot_info before = bi;

	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "longer than 255"));
	assert_memory_equal(&before, &bi, sizeof(bi)); /* refused: unchanged */

	/* No cmdline flag: empty. */
	build_qemu_like("img x=1");
	mbi()->flags &= ~MB1_INFO_CMDLINE;
	assert_null(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi));
	assert_string_equal(bi.cmdline, "");

	/* A string running off the end of memory. */
	build_qemu_like("img");
	memset(fake_phys_mem + FAKE_PHYS_SIZE - 16, 'z', 16);
	mbi()->cmdline = FAKE_PHYS_SIZE - 16;
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "not addressable"));
}

static void bad_headers_refused(void **state)
{
	struct boot_info bi;
	(void)state;

	build_qemu_like("img");
	assert_non_null(strstr(mb_parse(0x1BADB002, MBI_PA, &bi), "0x2BADB002"));
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, 0, &bi), "not addressable"));
	assert_non_null(mb_parse(MB1_BOOT_MAGIC, FAKE_PHYS_SIZE - 8, &bi));

	mbi()->flags &= ~MB1_INFO_MMAP;
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "no memory map"));
}

static void bad_memory_maps_refused(void **state)
{
	struct boot_info bi;
	(void)state;

	build_qemu_like("img");
	mbi()->mmap_length = 23;
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "out of range"));

	build_qemu_like("img");
	mbi()->mmap_length = 0x20000;
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "out of range"));

	build_qemu_like("img");
	mbi()->mmap_addr = FAKE_PHYS_SIZE - 24;
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "not addressable"));

	build_qemu_like("img");
	put_entry(2, 19, 0xF0000, 0x10000, 2); /* too small to hold the fields */
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "entry size"));

	build_qemu_like("img");
	put_entry(4, 200, 0xFFFC0000, 0x40000, 2); /* claims more than the buffer */
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "entry size"));

	build_qemu_like("img");
	mbi()->mmap_length = 5 * 24 + 2; /* trailing bytes that cannot hold a size */
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "ends inside"));

	build_qemu_like("img");
	put_entry(3, 20, 0xFFFFFFFFFFFFF000ull, 0x2000, 1);
	memset(&bi, 0x3C, sizeof(bi));
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "wraps"));
	/* A refusal leaves the record untouched, even after entries were read. */
	for (size_t i = 0; i < sizeof(bi); i++)
		assert_int_equal(((uint8_t *)&bi)[i], 0x3C);

	build_qemu_like("img");
	for (unsigned i = 0; i < 5; i++)
		put_entry(i, 20, 0x100000 * i, 0, 1); /* all empty */
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "no entries"));
}

static void larger_entry_sizes_and_limits(void **state)
{
	struct boot_info bi;
	(void)state;

	/* Entries may be larger than 20 bytes; the parser steps by size + 4. */
	fake_phys_reset();
	memset(mbi(), 0, sizeof(*mbi()));
	mbi()->flags = MB1_INFO_MMAP;
	mbi()->mmap_addr = MMAP_PA;
	mbi()->mmap_length = 2 * 32;
	struct mb1_mmap_entry e = { 28, 0x100000, 0x100000, 1 };

	memcpy(fake_phys_mem + MMAP_PA, &e, sizeof(e));
	e.base = 0x300000;
	memcpy(fake_phys_mem + MMAP_PA + 32, &e, sizeof(e));
	assert_null(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi));
	assert_int_equal(bi.mem_count, 2);
	assert_int_equal(bi.mem[1].base, 0x300000);

	/* 64 entries fit; 65 are refused rather than truncated. */
	mbi()->mmap_length = 64 * 24;
	for (unsigned i = 0; i < 64; i++)
		put_entry(i, 20, 0x100000ull * (i + 1), 0x1000, 1);
	assert_null(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi));
	assert_int_equal(bi.mem_count, 64);
	mbi()->mmap_length = 65 * 24;
	put_entry(64, 20, 0x100000ull * 65, 0x1000, 1);
	assert_non_null(strstr(mb_parse(MB1_BOOT_MAGIC, MBI_PA, &bi), "more than 64"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qemu_map_parsed),
		cmocka_unit_test(cmdline_variants),
		cmocka_unit_test(payload_module),
		cmocka_unit_test(bad_headers_refused),
		cmocka_unit_test(bad_memory_maps_refused),
		cmocka_unit_test(larger_entry_sizes_and_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
