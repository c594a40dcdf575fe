/* SPDX-License-Identifier: MIT */
/*
 * Stage 2's SNP launch inputs (stage1/snp_launch.c) against simulated
 * guest memory: a launch as tools/igvm-build lays it out and vsnp fills it,
 * then each field spoiled in turn, every one refused with its step and
 * boot_info left as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/igvm.h"
#include "abi/snp_pages.h"
#include "abi/svsm_launch.h"
#include "fake_phys.h"
#include "snp_launch.h"

#define IMG_PA 0x100000u
#define IMG_END 0x180000u
#define LB_PA 0x180000u
#define SECRETS_PA 0x181000u
#define CPUID_PA 0x182000u
#define MEMMAP_PA 0x183000u
#define PARAMS_PA 0x184000u
#define CMDLINE_PA 0x185000u
#define PAYLOAD_PA 0x200000u
#define END_PA 0x400000u

static struct svsm_launch_block *lb(void)
{
	return (struct svsm_launch_block *)(fake_phys_mem + LB_PA);
}

static struct snp_cpuid_table *cpuid(void)
{
	return (struct snp_cpuid_table *)(fake_phys_mem + CPUID_PA);
}

static struct igvm_memory_map_entry *mm(void)
{
	return (struct igvm_memory_map_entry *)(fake_phys_mem + MEMMAP_PA);
}

/* A good launch: 8 MiB of RAM in two ranges, C-bit 47, a command line and a payload. */
static void build(void)
{
	static const char cmd[] = "log=debug";

	fake_phys_reset(); /* 0xCC everywhere: every field below is written */
	memset(lb(), 0, sizeof(*lb()));
	memset(cpuid(), 0, sizeof(*cpuid()));
	memset(mm(), 0, 4096);
	memcpy(lb()->magic, SVSM_LAUNCH_MAGIC, 8);
	lb()->version = SVSM_LAUNCH_VERSION;
	lb()->size = sizeof(struct svsm_launch_block);
	lb()->image_gpa = IMG_PA;
	lb()->image_size = IMG_END - IMG_PA;
	lb()->secrets_gpa = SECRETS_PA;
	lb()->cpuid_gpa = CPUID_PA;
	lb()->memmap_gpa = MEMMAP_PA;
	lb()->memmap_size = 4096;
	lb()->params_gpa = PARAMS_PA;
	*(uint32_t *)(fake_phys_mem + PARAMS_PA) = 2; /* the VP count parameter */
	lb()->cmdline_gpa = CMDLINE_PA;
	lb()->cmdline_size = sizeof(cmd) - 1;
	lb()->payload_gpa = PAYLOAD_PA;
	lb()->payload_size = 0x12345;
	lb()->end_gpa = END_PA;
	memcpy(fake_phys_mem + CMDLINE_PA, cmd, sizeof(cmd));
	cpuid()->count = 2;
	cpuid()->e[0].eax_in = 0;
	cpuid()->e[1].eax_in = 0x8000001F;
	cpuid()->e[1].ebx = 47 | (1u << 6);
	mm()[0] = (struct igvm_memory_map_entry){ 0, 0x600, IGVM_MEMORY_MAP_MEMORY, 0, 0 };
	mm()[1] = (struct igvm_memory_map_entry){ 0x600, 0x10, IGVM_MEMORY_MAP_PLATFORM_RESERVED, 0, 0 };
	mm()[2] = (struct igvm_memory_map_entry){ 0x700, 0x100, IGVM_MEMORY_MAP_MEMORY, 0, 0 };
}

static const char *parse(struct boot_info *bi, unsigned *cbit, uint64_t *end, enum snp_launch_step *step)
{
	uint64_t keep;

	return snp_launch_parse(LB_PA, IMG_PA, IMG_END, bi, cbit, end, &keep, step);
}

static void good_launch_read(void **state)
{
	struct boot_info bi;
	enum snp_launch_step step;
	uint64_t end;
	unsigned cbit;
	(void)state;

	build();
	memset(&bi, 0, sizeof(bi));
	uint64_t keep;

	assert_null(snp_launch_parse(LB_PA, IMG_PA, IMG_END, &bi, &cbit, &end, &keep, &step));
	assert_int_equal(keep, CMDLINE_PA + 0x1000); /* the launch's own pages end with the command line */
	assert_int_equal(cbit, 47);
	assert_int_equal(end, END_PA);
	assert_int_equal(bi.mem_count, 2); /* the reserved range is left out */
	assert_int_equal(bi.mem[0].base, 0);
	assert_int_equal(bi.mem[0].size, 0x600000);
	assert_int_equal(bi.mem[1].base, 0x700000);
	assert_int_equal(bi.mem[1].type, BOOT_MEM_USABLE);
	assert_string_equal(bi.cmdline, "log=debug");
	assert_int_equal(bi.snp_secrets_pa, SECRETS_PA);
	assert_int_equal(bi.snp_cpuid_pa, CPUID_PA);
	assert_int_equal(bi.payload_pa, PAYLOAD_PA);
	assert_int_equal(bi.payload_size, 0x12345);
	assert_int_equal(bi.vcpu_count, 2);
	assert_int_equal(bi.firmware_size, 0);
	assert_int_equal(bi.svsm_mem_size, 0);
}

/* A guest firmware: its image ending at 4 GiB and the SVSM's range, passed on as they are. */
static void with_firmware(void)
{
	lb()->firmware_gpa = 0xFFC00000u;
	lb()->firmware_size = 0x400000u;
	lb()->svsm_mem_gpa = 0x600000u;
	lb()->svsm_mem_size = 0x200000u;
}

static void firmware_read(void **state)
{
	struct boot_info bi;
	enum snp_launch_step step;
	uint64_t end, keep;
	unsigned cbit;
	(void)state;

	build();
	with_firmware();
	memset(&bi, 0, sizeof(bi));
	assert_null(snp_launch_parse(LB_PA, IMG_PA, IMG_END, &bi, &cbit, &end, &keep, &step));
	assert_int_equal(bi.firmware_pa, 0xFFC00000u);
	assert_int_equal(bi.firmware_size, 0x400000u);
	assert_int_equal(bi.svsm_mem_pa, 0x600000u);
	assert_int_equal(bi.svsm_mem_size, 0x200000u);
}

struct spoil {
	const char *name;
	void (*fn)(void);
	enum snp_launch_step step;
	const char *says;
};

static void bad_magic(void) { lb()->magic[0] = 'X'; }
static void bad_version(void) { lb()->version = 1; } /* the block before the firmware fields */
static void bad_size(void) { lb()->size = 0x60; }
static void bad_reserved(void) { lb()->reserved = 1; }
static void elsewhere(void) { lb()->image_gpa = 0x200000; }
static void short_image(void) { lb()->image_size = 0x1000; }
static void unaligned_secrets(void) { lb()->secrets_gpa = SECRETS_PA + 8; }
static void zero_cpuid(void) { lb()->cpuid_gpa = 0; }
static void high_memmap(void) { lb()->memmap_gpa = 0x100000000ull; }
static void big_memmap(void) { lb()->memmap_size = 17 * 4096; }
static void odd_memmap(void) { lb()->memmap_size = 100; }
static void long_cmdline(void) { lb()->cmdline_size = 256; }
static void cmdline_no_nul(void) { fake_phys_mem[CMDLINE_PA + 9] = 'x'; }
static void cmdline_early_nul(void) { fake_phys_mem[CMDLINE_PA + 3] = 0; }
static void end_unaligned(void) { lb()->end_gpa = END_PA + 0x1000; }
static void end_below_image(void) { lb()->end_gpa = 0; }
static void payload_past_end(void) { lb()->payload_size = END_PA; }
static void payload_empty(void) { lb()->payload_size = 0; }
static void no_cpuid_leaf(void) { cpuid()->e[1].eax_in = 0x80000008; }
static void cpuid_count(void) { cpuid()->count = 65; }
static void cbit_low(void) { cpuid()->e[1].ebx = 31; }
static void cbit_high(void) { cpuid()->e[1].ebx = 52; }
static void mm_empty(void) { memset(mm(), 0, 3 * sizeof(*mm())); }
static void mm_overlap(void) { mm()[2].starting_gpa_page_number = 0x500; }
static void mm_unordered(void) { mm()[1].starting_gpa_page_number = 0; }
static void mm_flags(void) { mm()[0].flags = 1; }
static void mm_huge(void) { mm()[2].number_of_pages = 1ull << 40; }
static void mm_beyond(void) { mm()[2].starting_gpa_page_number = (512ull << 30) >> 12; }
static void mm_no_launch(void) { mm()[0].number_of_pages = 0x200; }
static void mm_only_reserved(void) { mm()[0].entry_type = 1; mm()[2].entry_type = 1; }
static void vp_none(void) { *(uint32_t *)(fake_phys_mem + PARAMS_PA) = 0; }
static void vp_many(void) { *(uint32_t *)(fake_phys_mem + PARAMS_PA) = 9; }
static void vp_huge(void) { *(uint32_t *)(fake_phys_mem + PARAMS_PA) = 0xFFFFFFFFu; }

static void fw_alone(void) { with_firmware(); lb()->svsm_mem_gpa = lb()->svsm_mem_size = 0; }
static void mem_alone(void) { with_firmware(); lb()->firmware_gpa = lb()->firmware_size = 0; }
static void fw_gpa_no_size(void) { lb()->firmware_gpa = 0xFFC00000u; }
static void fw_not_at_4g(void) { with_firmware(); lb()->firmware_gpa = 0xFF000000u; }
static void fw_odd_size(void) { with_firmware(); lb()->firmware_size = 0x400800u, lb()->firmware_gpa = 0xFFBFF800u; }
static void fw_huge(void) { with_firmware(); lb()->firmware_size = 0x2000000u, lb()->firmware_gpa = 0xFE000000u; }
static void mem_unaligned(void) { with_firmware(); lb()->svsm_mem_gpa = 0x601000u; }
static void mem_below_end(void) { with_firmware(); lb()->svsm_mem_gpa = 0x200000u; }
static void mem_into_fw(void) { with_firmware(); lb()->svsm_mem_gpa = 0xFFA00000u, lb()->svsm_mem_size = 0x400000u; }
static void mem_wraps(void) { with_firmware(); lb()->svsm_mem_size = 0xFFFFFFFFFFE00000ull; }

static void mm_too_many(void)
{
	for (unsigned i = 0; i < 65; i++)
		mm()[i] = (struct igvm_memory_map_entry){ 0x1000 + 2 * i, 1, IGVM_MEMORY_MAP_MEMORY, 0, 0 };
	mm()[0] = (struct igvm_memory_map_entry){ 0, 0x600, IGVM_MEMORY_MAP_MEMORY, 0, 0 };
}

static void every_bad_field_refused(void **state)
{
	static const struct spoil cases[] = {
		{ "magic", bad_magic, SNP_LAUNCH_STEP_BLOCK, "magic" },
		{ "version", bad_version, SNP_LAUNCH_STEP_BLOCK, "version" },
		{ "size", bad_size, SNP_LAUNCH_STEP_BLOCK, "version, size" },
		{ "reserved", bad_reserved, SNP_LAUNCH_STEP_BLOCK, "reserved" },
		{ "image elsewhere", elsewhere, SNP_LAUNCH_STEP_BLOCK, "svsm.img" },
		{ "image too short", short_image, SNP_LAUNCH_STEP_BLOCK, "svsm.img" },
		{ "unaligned page", unaligned_secrets, SNP_LAUNCH_STEP_BLOCK, "page aligned" },
		{ "zero page", zero_cpuid, SNP_LAUNCH_STEP_BLOCK, "page aligned" },
		{ "page above 4 GiB", high_memmap, SNP_LAUNCH_STEP_BLOCK, "below 4 GiB" },
		{ "memmap area too big", big_memmap, SNP_LAUNCH_STEP_BLOCK, "memory-map area" },
		{ "memmap area not pages", odd_memmap, SNP_LAUNCH_STEP_BLOCK, "memory-map area" },
		{ "cmdline too long", long_cmdline, SNP_LAUNCH_STEP_BLOCK, "255 bytes" },
		{ "cmdline without NUL", cmdline_no_nul, SNP_LAUNCH_STEP_BLOCK, "NUL" },
		{ "cmdline with early NUL", cmdline_early_nul, SNP_LAUNCH_STEP_BLOCK, "NUL" },
		{ "end unaligned", end_unaligned, SNP_LAUNCH_STEP_BLOCK, "end address" },
		{ "end below image", end_below_image, SNP_LAUNCH_STEP_BLOCK, "end address" },
		{ "payload past end", payload_past_end, SNP_LAUNCH_STEP_BLOCK, "payload" },
		{ "payload empty", payload_empty, SNP_LAUNCH_STEP_BLOCK, "payload" },
		{ "firmware without the SVSM range", fw_alone, SNP_LAUNCH_STEP_BLOCK, "without the SVSM's memory range" },
		{ "SVSM range without a firmware", mem_alone, SNP_LAUNCH_STEP_BLOCK, "without the SVSM's memory range" },
		{ "firmware address, no size", fw_gpa_no_size, SNP_LAUNCH_STEP_BLOCK, "address without a size" },
		{ "firmware not ending at 4 GiB", fw_not_at_4g, SNP_LAUNCH_STEP_BLOCK, "ending at 4 GiB" },
		{ "firmware not whole pages", fw_odd_size, SNP_LAUNCH_STEP_BLOCK, "whole pages" },
		{ "firmware over 16 MiB", fw_huge, SNP_LAUNCH_STEP_BLOCK, "16 MiB" },
		{ "SVSM range unaligned", mem_unaligned, SNP_LAUNCH_STEP_BLOCK, "SVSM memory range" },
		{ "SVSM range below the launch's end", mem_below_end, SNP_LAUNCH_STEP_BLOCK, "SVSM memory range" },
		{ "SVSM range into the firmware", mem_into_fw, SNP_LAUNCH_STEP_BLOCK, "SVSM memory range" },
		{ "SVSM range wrapping", mem_wraps, SNP_LAUNCH_STEP_BLOCK, "SVSM memory range" },
		{ "no C-bit leaf", no_cpuid_leaf, SNP_LAUNCH_STEP_CPUID, "0x8000001F" },
		{ "CPUID count", cpuid_count, SNP_LAUNCH_STEP_CPUID, "count" },
		{ "C-bit 31", cbit_low, SNP_LAUNCH_STEP_CPUID, "32..51" },
		{ "C-bit 52", cbit_high, SNP_LAUNCH_STEP_CPUID, "32..51" },
		{ "empty map", mm_empty, SNP_LAUNCH_STEP_MEMMAP, "no RAM" },
		{ "overlap", mm_overlap, SNP_LAUNCH_STEP_MEMMAP, "overlap" },
		{ "unordered", mm_unordered, SNP_LAUNCH_STEP_MEMMAP, "overlap" },
		{ "flags", mm_flags, SNP_LAUNCH_STEP_MEMMAP, "flags" },
		{ "huge range", mm_huge, SNP_LAUNCH_STEP_MEMMAP, "512 GiB" },
		{ "beyond 512 GiB", mm_beyond, SNP_LAUNCH_STEP_MEMMAP, "512 GiB" },
		{ "launch not in RAM", mm_no_launch, SNP_LAUNCH_STEP_MEMMAP, "launched pages" },
		{ "only reserved", mm_only_reserved, SNP_LAUNCH_STEP_MEMMAP, "no RAM" },
		{ "65 ranges", mm_too_many, SNP_LAUNCH_STEP_MEMMAP, "more than 64" },
		{ "no vCPU", vp_none, SNP_LAUNCH_STEP_MEMMAP, "VP count" },
		{ "9 vCPUs", vp_many, SNP_LAUNCH_STEP_MEMMAP, "VP count" },
		{ "2^32-1 vCPUs", vp_huge, SNP_LAUNCH_STEP_MEMMAP, "VP count" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct boot_info bi, before;
		enum snp_launch_step step = (enum snp_launch_step)99;
		uint64_t end = 7;
		unsigned cbit = 7;

		build();
		cases[i].fn();
		memset(&bi, 0xA5, sizeof(bi));
		memcpy(&before, &bi, sizeof(bi));

		const char *why = parse(&bi, &cbit, &end, &step);

		print_message("%s: %s\n", cases[i].name, why ? why : "(accepted)");
		assert_non_null(why);
		assert_non_null(strstr(why, cases[i].says));
		assert_int_equal(step, cases[i].step);
		assert_memory_equal(&bi, &before, sizeof(bi));
		assert_int_equal(end, 7);
	}
}

static void launch_block_address_checked(void **state)
{
	struct boot_info bi;
	enum snp_launch_step step;
	uint64_t end;
	unsigned cbit;
	(void)state;

	build();
	uint64_t keep;

	assert_non_null(snp_launch_parse(LB_PA + 4, IMG_PA, IMG_END, &bi, &cbit, &end, &keep, &step));
	assert_non_null(snp_launch_parse(0xFFFFF000u, IMG_PA, IMG_END, &bi, &cbit, &end, &keep, &step));
	assert_int_equal(step, SNP_LAUNCH_STEP_BLOCK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_launch_read),
		cmocka_unit_test(firmware_read),
		cmocka_unit_test(every_bad_field_refused),
		cmocka_unit_test(launch_block_address_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
