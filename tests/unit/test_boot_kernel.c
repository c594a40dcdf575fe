/* SPDX-License-Identifier: MIT */
/* The kernel's command-line parser and its checks on stage 2's boot information. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/x86.h"
#include "svsm/boot.h"
#include "svsm/cmdline.h"
#include "svsm/errno.h"

static void cmdline_tokens_and_values(void **state)
{
	char v[8];
	const char *cur = "  a=1 flag  b= c=xyz ";
	struct cmdline_token t;
	(void)state;

	assert_true(cmdline_next(&cur, &t));
	assert_int_equal(t.key_len, 1);
	assert_int_equal(t.val_len, 1);
	assert_true(cmdline_next(&cur, &t));
	assert_int_equal(t.key_len, 4);
	assert_null(t.val);
	assert_true(cmdline_next(&cur, &t));
	assert_non_null(t.val);
	assert_int_equal(t.val_len, 0);
	assert_true(cmdline_next(&cur, &t));
	assert_false(cmdline_next(&cur, &t));

	assert_int_equal(cmdline_get("log=debug", "log", v, sizeof(v)), SVSM_OK);
	assert_string_equal(v, "debug");
	assert_int_equal(cmdline_get("log=info log=err", "log", v, sizeof(v)), SVSM_OK);
	assert_string_equal(v, "err"); /* the last one wins */
	assert_int_equal(cmdline_get("logx=1 xlog=2", "log", v, sizeof(v)), SVSM_ENOENT);
	assert_int_equal(cmdline_get("log", "log", v, sizeof(v)), SVSM_ENOENT);
	assert_int_equal(cmdline_get("log=1234567", "log", v, sizeof(v)), SVSM_OK);
	assert_int_equal(cmdline_get("log=12345678", "log", v, sizeof(v)), SVSM_ERANGE);
	assert_string_equal(v, "");
	assert_int_equal(cmdline_get("", "log", v, sizeof(v)), SVSM_ENOENT);
	assert_true(cmdline_has("a flag=2", "flag"));
	assert_true(cmdline_has("a flag", "flag"));
	assert_false(cmdline_has("a flagx", "flag"));
}

static struct boot_info good;

static void build_good(void)
{
	memset(&good, 0, sizeof(good));
	good.magic = BOOT_INFO_MAGIC;
	good.version = BOOT_INFO_VERSION;
	good.size = sizeof(good);
	good.entry_kind = BOOT_ENTRY_MULTIBOOT;
	good.mem_count = 3;
	good.mem[0] = (struct boot_mem_range){ 0, 0x9FC00, BOOT_MEM_USABLE, 0 };
	good.mem[1] = (struct boot_mem_range){ 0x100000, 0xFEE0000, BOOT_MEM_USABLE, 0 };
	good.mem[2] = (struct boot_mem_range){ 0xF00000, 0x1000, BOOT_MEM_RESERVED, 0 };
	good.direct_map_base = SVSM_DIRECT_MAP_BASE;
	good.direct_map_end = 0xFFE0000;
	good.image_pa = 0x100000;
	good.image_size = 0x1D000;
	good.svsm_pa = 0x200000;
	good.svsm_size = 0x200000;
	good.kernel_pa = 0x200000;
	good.kernel_size = 0x24000;
	good.kernel_va = SVSM_KERNEL_VA_BASE;
	good.boot_info_pa = 0x224000;
	good.pt_pa = 0x225000;
	good.pt_size = 0x100000;
	good.cr3 = 0x225000;
}

static void bootinfo_checks(void **state)
{
	struct boot_info b;
	(void)state;

	build_good();
	assert_null(bootinfo_check(&good));

#define REFUSED(mutation)                            \
	do {                                         \
		b = good;                            \
		mutation;                            \
		assert_non_null(bootinfo_check(&b)); \
	} while (0)
	REFUSED(b.magic ^= 1);
	REFUSED(b.version = BOOT_INFO_VERSION + 1);
	REFUSED(b.size -= 8);
	REFUSED(b.mem_count = 0);
	REFUSED(b.mem_count = BOOT_INFO_MAX_MEM + 1);
	REFUSED(memset(b.cmdline, 'a', sizeof(b.cmdline)));
	REFUSED(b.direct_map_base = 0);
	REFUSED(b.direct_map_end = 0);
	REFUSED(b.direct_map_end = SVSM_DIRECT_MAP_MAX + PAGE_SIZE);
	REFUSED(b.svsm_pa += 8);
	REFUSED(b.svsm_size = 0);
	REFUSED(b.svsm_pa = 0xFFFFFFFFFFFFF000ull);
	REFUSED(b.kernel_size = 0x300000);
	REFUSED(b.pt_pa = 0x400000);
	REFUSED(b.boot_info_pa = 0x3FF000 + PAGE_SIZE);
	REFUSED(b.kernel_va = 0x100000);
	REFUSED(b.cr3 = 0x1000);
	REFUSED(b.cr3 = 0x225008);
	REFUSED(b.mem[1].size = 0);
	REFUSED(b.mem[1].base = ~0ull - 5);
	REFUSED(b.entry_kind = 7);
	REFUSED(b.snp_cpuid_pa = 0x80000);  /* SNP page on a Multiboot entry */
	REFUSED(b.entry_kind = BOOT_ENTRY_SNP); /* SNP entry without its pages */
	REFUSED(b.entry_kind = BOOT_ENTRY_SNP; b.snp_cpuid_pa = 0x80000; b.snp_secrets_pa = 0x80008);
	REFUSED(b.entry_kind = BOOT_ENTRY_SNP; b.snp_cpuid_pa = 0x80000; b.snp_secrets_pa = 0x80000);
	/* The payload module: page aligned, inside mapped RAM, clear of the image and region. */
	REFUSED(b.payload_pa = 0x600000);                           /* address without a size */
	REFUSED(b.payload_pa = 0x600800; b.payload_size = 0x1000);  /* unaligned */
	REFUSED(b.payload_pa = 0xFFFF000; b.payload_size = 0x2000); /* past the direct map */
	REFUSED(b.payload_pa = 0xFFFFFFFFFFFFF000ull; b.payload_size = 0x2000); /* wraps */
	REFUSED(b.payload_pa = 0x11C000; b.payload_size = 0x2000);  /* overlaps the image */
	REFUSED(b.payload_pa = 0x3FF000; b.payload_size = 0x2000);  /* overlaps the region */
	b = good;
	b.payload_pa = 0x11D000, b.payload_size = 0x1234;
	assert_null(bootinfo_check(&b));
	b = good;
	b.entry_kind = BOOT_ENTRY_SNP, b.snp_cpuid_pa = 0x80000, b.snp_secrets_pa = 0x81000;
	assert_null(bootinfo_check(&b));
	/* A guest firmware (SNP only): whole pages ending at 4 GiB, the SVSM region inside its declared range. */
#define FW(b) ((b).entry_kind = BOOT_ENTRY_SNP, (b).snp_cpuid_pa = 0x80000, (b).snp_secrets_pa = 0x81000, \
	       (b).firmware_pa = 0xFFC00000u, (b).firmware_size = 0x400000u, (b).svsm_mem_pa = 0x200000u, \
	       (b).svsm_mem_size = 0x1000000u)
	b = good;
	FW(b);
	assert_null(bootinfo_check(&b));
	REFUSED(FW(b); b.entry_kind = BOOT_ENTRY_MULTIBOOT; b.snp_cpuid_pa = b.snp_secrets_pa = 0);
	REFUSED(FW(b); b.svsm_mem_size = 0);                          /* no SVSM range */
	REFUSED(FW(b); b.firmware_size = 0);                          /* a range without a firmware */
	REFUSED(b.firmware_pa = 0xFFC00000u);                         /* an address without a size */
	REFUSED(FW(b); b.firmware_pa = 0xFF000000u);                  /* not ending at 4 GiB */
	REFUSED(FW(b); b.firmware_size = 0x2000000u; b.firmware_pa = 0xFE000000u); /* over 16 MiB */
	REFUSED(FW(b); b.svsm_mem_pa = 0x300000u);                    /* region not inside it */
	REFUSED(FW(b); b.svsm_mem_pa = 0x201000u);                    /* unaligned */
	REFUSED(FW(b); b.svsm_mem_pa = 0xFFA00000u; b.svsm_mem_size = 0x400000u); /* into the firmware */
#undef FW
#undef REFUSED
}

static void usable_memory_excludes_reserved(void **state)
{
	struct memmap m;
	(void)state;

	build_good();
	assert_int_equal(bootinfo_usable(&good, &m), SVSM_OK);
	assert_true(memmap_valid(&m));
	/* First MiB, the image, the SVSM region and the reserved range are out. */
	assert_false(memmap_intersects(&m, 0, 0x100000));
	assert_false(memmap_intersects(&m, 0x100000, 0x11D000));
	assert_false(memmap_intersects(&m, 0x200000, 0x400000));
	assert_false(memmap_intersects(&m, 0xF00000, 0xF01000));
	assert_true(memmap_contains(&m, 0x11D000, 0x200000));
	assert_true(memmap_contains(&m, 0x400000, 0xF00000));
	assert_true(memmap_contains(&m, 0xF01000, 0xFFE0000));
	assert_int_equal(memmap_total(&m), 0xFFE0000 - 0x100000 - 0x1D000 - 0x200000 - 0x1000);

	/* The payload (rounded up to whole pages) stays out of the usable map. */
	good.payload_pa = 0x600000;
	good.payload_size = 0x1001;
	assert_int_equal(bootinfo_usable(&good, &m), SVSM_OK);
	assert_false(memmap_intersects(&m, 0x600000, 0x602000));
	assert_true(memmap_contains(&m, 0x602000, 0xF00000));
	good.payload_pa = 0;
	good.payload_size = 0;

	/* Memory beyond the direct map is not usable yet. */
	good.direct_map_end = 0x800000;
	assert_int_equal(bootinfo_usable(&good, &m), SVSM_OK);
	assert_false(memmap_intersects(&m, 0x800000, ~0ull));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cmdline_tokens_and_values),
		cmocka_unit_test(bootinfo_checks),
		cmocka_unit_test(usable_memory_excludes_reserved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
