/* SPDX-License-Identifier: MIT */
/* Boot facts: memory map, console formatting, platform probe. */
#include "abi/x86.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "svsm/boot.h"
#include "svsm/cmdline.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/mm.h"
#include "svsm/selftest.h"

static bool in_boot_usable(const struct boot_info *bi, uint64_t start, uint64_t end)
{
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *m = &bi->mem[i];

		if (m->type == BOOT_MEM_USABLE && m->base <= start && end <= m->base + m->size)
			return true;
	}
	return false;
}

SELFTEST(memory_map_is_sane)
{
	const struct svsm_boot *b = svsm_boot_state();
	const struct boot_info *bi = &b->bi;

	ST_ASSERT(memmap_valid(&b->usable));
	ST_ASSERT(b->usable.count > 0);
	/*
	 * The scripts give QEMU 256 MiB; what is usable for the guest is that
	 * less the image, the SVSM region (the kernel with its module archive)
	 * and the SVSM_HEAP_SIZE heap, which mm_init takes out.
	 */
	ST_ASSERT(memmap_total(&b->usable) + SVSM_HEAP_SIZE + bi->svsm_size + bi->image_size >= 200ull << 20);
	ST_ASSERT(!memmap_intersects(&b->usable, 0, 0x100000));
	ST_ASSERT(!memmap_intersects(&b->usable, bi->image_pa, bi->image_pa + bi->image_size));
	ST_ASSERT(!memmap_intersects(&b->usable, bi->svsm_pa, bi->svsm_pa + bi->svsm_size));
	ST_ASSERT(in_boot_usable(bi, bi->svsm_pa, bi->svsm_pa + bi->svsm_size));
	for (unsigned i = 0; i < b->usable.count; i++)
		ST_ASSERT(in_boot_usable(bi, b->usable.r[i].start, b->usable.r[i].end));
	/* Loader-provided ranges do not overlap one another. */
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		for (uint32_t j = i + 1; j < bi->mem_count; j++) {
			const struct boot_mem_range *x = &bi->mem[i], *y = &bi->mem[j];

			ST_ASSERT(x->base + x->size <= y->base || y->base + y->size <= x->base);
		}
	}
}

SELFTEST(console_formatting)
{
	char buf[96];
	size_t n = fmt_snprintf(buf, sizeof(buf), "%d|%5u|%-4x|%08llx|%s|%c|%%|%p", -42, 7u,
				0xabu, 0x1234abcdull, "svsm", 'Z', (void *)0x1000);

	ST_ASSERT(strcmp(buf, "-42|    7|ab  |1234abcd|svsm|Z|%|0x1000") == 0);
	ST_EQ(n, strlen(buf));
	/* Truncation is reported, never silent. */
	ST_EQ(fmt_snprintf(buf, 4, "%s", "abcdef"), 6);
	ST_ASSERT(strcmp(buf, "abc") == 0);
	/* The harness checks this exact line on the serial port. */
	console_printf("# console-marker: %s-%04x-%llu\n", "svsm", 0xbeef, 18446744073709551615ull);
}

SELFTEST(platform_matches_expectation)
{
	const struct svsm_boot *b = svsm_boot_state();
	char want[16];

	if (b->platform.kind == PLATFORM_SVM)
		ST_ASSERT(b->platform.svm && b->platform.npt);
	if (b->platform.kind == PLATFORM_NATIVE)
		ST_ASSERT(!(b->platform.svm && b->platform.npt));
	if (cmdline_get(b->bi.cmdline, "test.expect_platform", want, sizeof(want)) == SVSM_OK)
		ST_ASSERT(strcmp(platform_kind_name(b->platform.kind), want) == 0);
}

SELFTEST(harness_reports_failure_on_request)
{
	char what[16];
	bool asked = cmdline_get(svsm_boot_state()->bi.cmdline, "test.inject", what,
				 sizeof(what)) == SVSM_OK &&
		     strcmp(what, "fail") == 0;

	/* test.inject=fail makes this fail, proving a failed check reaches the exit status. */
	ST_ASSERT(!asked);
}
