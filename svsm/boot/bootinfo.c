/* SPDX-License-Identifier: MIT */
/*
 * Checks on stage 2's boot information. Stage 2 is part of the same image,
 * but a record that disagrees with itself means a build or loader bug, and
 * the kernel says so plainly instead of running on bad facts.
 */
#include "abi/x86.h"
#include "lib/string.h"
#include "svsm/boot.h"
#include "svsm/errno.h"


static bool inside(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a >= b && alen <= blen && a - b <= blen - alen;
}

const char *bootinfo_check(const struct boot_info *bi)
{
	if (bi->magic != BOOT_INFO_MAGIC)
		return "bad magic";
	if (bi->version != BOOT_INFO_VERSION)
		return "unsupported version";
	if (bi->size != sizeof(*bi))
		return "size does not match this kernel's struct boot_info";
	if (bi->mem_count == 0 || bi->mem_count > BOOT_INFO_MAX_MEM)
		return "memory-range count out of bounds";
	if (strnlen(bi->cmdline, BOOT_INFO_CMDLINE_MAX) == BOOT_INFO_CMDLINE_MAX)
		return "command line is not NUL-terminated";
	if (bi->direct_map_base != SVSM_DIRECT_MAP_BASE || bi->direct_map_end == 0 ||
	    bi->direct_map_end > SVSM_DIRECT_MAP_MAX)
		return "direct map is not where the kernel expects it";
	if ((bi->svsm_pa | bi->svsm_size | bi->kernel_pa | bi->pt_pa | bi->boot_info_pa) %
		    PAGE_SIZE != 0)
		return "SVSM region parts are not page aligned";
	if (bi->svsm_size == 0 || bi->svsm_pa + bi->svsm_size < bi->svsm_pa ||
	    bi->svsm_pa + bi->svsm_size > bi->direct_map_end)
		return "SVSM region is empty or outside the direct map";
	if (!inside(bi->kernel_pa, bi->kernel_size, bi->svsm_pa, bi->svsm_size) ||
	    !inside(bi->pt_pa, bi->pt_size, bi->svsm_pa, bi->svsm_size) ||
	    !inside(bi->boot_info_pa, PAGE_SIZE, bi->svsm_pa, bi->svsm_size))
		return "kernel, page tables or boot info lie outside the SVSM region";
	if (bi->kernel_va < SVSM_KERNEL_VA_BASE)
		return "kernel is not in the higher half";
	if ((bi->cr3 & ~PTE_ADDR_MASK) != 0 || !inside(bi->cr3, PAGE_SIZE, bi->pt_pa, bi->pt_size))
		return "CR3 is not a page in the page-table pool";
	if (bi->entry_kind == BOOT_ENTRY_SNP) {
		if (bi->snp_secrets_pa == 0 || bi->snp_cpuid_pa == 0 ||
		    ((bi->snp_secrets_pa | bi->snp_cpuid_pa) % PAGE_SIZE) != 0 ||
		    bi->snp_secrets_pa == bi->snp_cpuid_pa)
			return "SNP secrets or CPUID page missing, unaligned or the same page";
	} else if (bi->entry_kind == BOOT_ENTRY_MULTIBOOT) {
		if ((bi->snp_secrets_pa | bi->snp_cpuid_pa) != 0)
			return "SNP pages given to a Multiboot entry";
	} else {
		return "unknown entry kind";
	}
	if (bi->payload_size != 0) {
		uint64_t end = bi->payload_pa + bi->payload_size;

		if (bi->payload_pa % PAGE_SIZE != 0 || end < bi->payload_pa ||
		    end > bi->direct_map_end)
			return "payload is unaligned, wraps or lies outside mapped RAM";
		if ((bi->payload_pa < bi->svsm_pa + bi->svsm_size && bi->svsm_pa < end) ||
		    (bi->payload_pa < bi->image_pa + bi->image_size && bi->image_pa < end))
			return "payload overlaps the SVSM region or the loader image";
	} else if (bi->payload_pa != 0) {
		return "payload address given without a size";
	}
	if (bi->firmware_size != 0 || bi->svsm_mem_size != 0) {
		/* A guest firmware (SNP only) ends at 4 GiB; the SVSM region lies in its own declared range. */
		if (bi->entry_kind != BOOT_ENTRY_SNP || bi->firmware_size == 0 || bi->svsm_mem_size == 0 ||
		    bi->firmware_size % PAGE_SIZE != 0 || bi->firmware_size > BOOT_FIRMWARE_MAX ||
		    bi->firmware_pa != (1ull << 32) - bi->firmware_size)
			return "guest firmware without an SVSM range, not whole pages ending at 4 GiB, or not SNP";
		if (((bi->svsm_mem_pa | bi->svsm_mem_size) & (LARGE_PAGE_SIZE - 1)) != 0 ||
		    bi->svsm_mem_size > bi->firmware_pa || bi->svsm_mem_pa > bi->firmware_pa - bi->svsm_mem_size ||
		    !inside(bi->svsm_pa, bi->svsm_size, bi->svsm_mem_pa, bi->svsm_mem_size))
			return "SVSM memory range unaligned, reaching the firmware, or not holding the SVSM region";
	} else if ((bi->firmware_pa | bi->svsm_mem_pa) != 0) {
		return "firmware or SVSM range address given without a size";
	}
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *m = &bi->mem[i];

		if (m->size == 0 || m->base + m->size < m->base)
			return "a memory range is empty or wraps";
	}
	return NULL;
}

int bootinfo_usable(const struct boot_info *bi, struct memmap *out)
{
	int err;

	memmap_init(out);
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *m = &bi->mem[i];
		uint64_t end = m->base + m->size;

		if (m->type != BOOT_MEM_USABLE || m->base >= bi->direct_map_end)
			continue;
		if (end > bi->direct_map_end)
			end = bi->direct_map_end;
		err = memmap_add(out, m->base, end);
		if (err != SVSM_OK)
			return err;
	}
	/* A reserved range that overlaps usable RAM wins (firmware tables lie). */
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *m = &bi->mem[i];

		if (m->type == BOOT_MEM_USABLE)
			continue;
		err = memmap_remove(out, m->base, m->base + m->size);
		if (err != SVSM_OK)
			return err;
	}
	err = memmap_remove(out, 0, BOOT_LOW_MEMORY_END);
	if (err == SVSM_OK)
		err = memmap_remove(out, bi->image_pa, bi->image_pa + bi->image_size);
	if (err == SVSM_OK)
		err = memmap_remove(out, bi->svsm_pa, bi->svsm_pa + bi->svsm_size);

	/* The payload stays out of guest RAM until the guest launch has read it. */
	if (err == SVSM_OK && bi->payload_size != 0)
		err = memmap_remove(out, bi->payload_pa,
				    (bi->payload_pa + bi->payload_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	return err;
}
