/* SPDX-License-Identifier: MIT */
/*
 * Stage 2: check the CPU, read the boot information, find the page-table
 * encryption mask, check and load the embedded kernel ELF, build the page
 * tables the kernel starts on, and enter long mode. Every refusal goes
 * through s2_fail(): a clear message and a failure exit, never a hang.
 */
#include "stage2.h"

#include <stdbool.h>
#include <stddef.h>

#include "abi/elf64.h"
#include "abi/x86.h"
#include "elf_check.h"
#include "enc_probe.h"
#include "lib/cpu.h"
#include "lib/string.h"
#include "mb_parse.h"
#include "phys.h"
#include "pt_build.h"
#include "s2_console.h"
#include "svsm/boot_info.h"

/* Linker-script symbols (stage1/stage1.ld). */
extern const uint8_t kernel_blob_start[];
extern const uint8_t kernel_blob_end[];
extern const uint8_t image_start[];
extern const uint8_t image_end[];

/* Tables for the direct map of a few hundred GiB plus kernel and identity map. */
#define S2_PT_POOL_PAGES 256u
/* Everything stage 2 allocates must be reachable with paging off. */
#define S2_ADDR_LIMIT 0x100000000ull

static struct boot_info bi_tmp;
static uint64_t kernel_entry;

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void check_cpu(void)
{
	struct cpuid_regs r = cpu_cpuid(1, 0);

	if (!(r.edx & CPUID_1_EDX_PAE))
		s2_fail("the CPU has no PAE (CPUID 1 EDX bit 6)");
	if (cpu_cpuid(CPUID_EXT_BASE, 0).eax < CPUID_EXT_FEATURES)
		s2_fail("the CPU has no extended feature leaf 0x80000001");
	r = cpu_cpuid(CPUID_EXT_FEATURES, 0);
	if (!(r.edx & CPUID_80000001_EDX_LM))
		s2_fail("the CPU has no long mode (CPUID 0x80000001 EDX bit 29)");
	if (!(r.edx & CPUID_80000001_EDX_NX))
		s2_fail("the CPU has no NX (CPUID 0x80000001 EDX bit 20)");
}

static uint64_t probe_enc_mask(void)
{
	struct enc_cpuid c = { .max_ext = cpu_cpuid(CPUID_EXT_BASE, 0).eax };
	uint64_t sev_status = 0;
	uint64_t mask;

	if (c.max_ext >= CPUID_EXT_SME_SEV) {
		struct cpuid_regs r = cpu_cpuid(CPUID_EXT_SME_SEV, 0);

		c.fn8000001f_eax = r.eax;
		c.fn8000001f_ebx = r.ebx;
	}
	/* SEV_STATUS exists only when CPUID advertises SEV; otherwise it #GPs. */
	if (enc_needs_sev_status(&c))
		sev_status = cpu_rdmsr(MSR_SEV_STATUS);

	const char *why = enc_mask_compute(&c, sev_status, &mask);

	if (why != NULL)
		s2_fail("platform probe: %s", why);
	return mask;
}

/* Lowest 2 MiB-aligned start >= min_pa inside one usable range, below 4 GiB. */
static uint64_t find_region(const struct boot_info *bi, uint64_t min_pa, uint64_t size)
{
	uint64_t best = 0;

	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *m = &bi->mem[i];

		if (m->type != BOOT_MEM_USABLE)
			continue;

		uint64_t start = align_up(m->base > min_pa ? m->base : min_pa, LARGE_PAGE_SIZE);
		uint64_t end = m->base + m->size;

		if (end > S2_ADDR_LIMIT)
			end = S2_ADDR_LIMIT;
		if (start < end && end - start >= size && (best == 0 || start < best))
			best = start;
	}
	return best;
}

/*
 * The payload module must lie in one usable range and not overlap the
 * image; the SVSM region then goes above both. Returns the first address
 * the region may use.
 */
static uint64_t check_payload(const struct boot_info *bi, uint64_t img_pa, uint64_t img_end)
{
	uint64_t start = bi->payload_pa;
	uint64_t end = start + bi->payload_size;
	bool usable = false;

	if (bi->payload_size == 0)
		return img_end;
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *m = &bi->mem[i];

		if (m->type == BOOT_MEM_USABLE && start >= m->base && end <= m->base + m->size)
			usable = true;
	}
	if (!usable || end > S2_ADDR_LIMIT)
		s2_fail("payload module 0x%llx-0x%llx is not in usable memory below 4 GiB",
			(unsigned long long)start, (unsigned long long)end);
	if (start < img_end && img_pa < end)
		s2_fail("payload module 0x%llx-0x%llx overlaps the loader image",
			(unsigned long long)start, (unsigned long long)end);
	s2_print("stage1: payload module: %llu bytes at 0x%llx\n",
		 (unsigned long long)bi->payload_size, (unsigned long long)start);
	return end > img_end ? end : img_end;
}

static bool direct_mapped_type(uint32_t type)
{
	return type == BOOT_MEM_USABLE || type == BOOT_MEM_ACPI || type == BOOT_MEM_NVS;
}

/*
 * Maps usable, ACPI and NVS memory at SVSM_DIRECT_MAP_BASE + pa, rounded out
 * to pages; ranges that touch after rounding are merged so no page is
 * mapped twice. Returns the end of the highest mapped range.
 */
static uint64_t map_direct(struct pt_builder *pt, const struct boot_info *bi)
{
	struct { uint64_t start, end; } r[BOOT_INFO_MAX_MEM];
	unsigned n = 0;

	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *m = &bi->mem[i];

		if (!direct_mapped_type(m->type))
			continue;
		uint64_t s = m->base & ~(PAGE_SIZE - 1);
		uint64_t e = align_up(m->base + m->size, PAGE_SIZE);
		unsigned j = n++;

		while (j > 0 && r[j - 1].start > s) { /* insertion sort by start */
			r[j] = r[j - 1];
			j--;
		}
		r[j].start = s;
		r[j].end = e;
	}
	if (n == 0)
		s2_fail("the memory map has no usable memory");

	unsigned m = 0;

	for (unsigned i = 1; i < n; i++) {
		if (r[i].start <= r[m].end) {
			if (r[i].end > r[m].end)
				r[m].end = r[i].end;
		} else {
			r[++m] = r[i];
		}
	}
	n = m + 1;
	if (r[n - 1].end > SVSM_DIRECT_MAP_MAX)
		s2_fail("memory above 512 GiB is not supported by the direct map");
	for (unsigned i = 0; i < n; i++) {
		const char *why = pt_map_range(pt, SVSM_DIRECT_MAP_BASE + r[i].start, r[i].start,
					       r[i].end - r[i].start, PTE_W | PTE_G | PTE_NX);

		if (why != NULL)
			s2_fail("direct map of 0x%llx-0x%llx: %s", (unsigned long long)r[i].start,
				(unsigned long long)r[i].end, why);
	}
	return r[n - 1].end;
}

static void map_kernel(struct pt_builder *pt, const struct elf_kernel *k, uint64_t kernel_pa)
{
	for (unsigned i = 0; i < k->seg_count; i++) {
		const struct elf_segment *s = &k->seg[i];
		uint64_t len = align_up(s->memsz, PAGE_SIZE);
		uint64_t flags = PTE_G;

		if (s->flags & PF_W)
			flags |= PTE_W;
		if (!(s->flags & PF_X))
			flags |= PTE_NX;

		const char *why = pt_map_range(pt, s->vaddr, kernel_pa + (s->vaddr - k->va_start),
					       len, flags);

		if (why != NULL)
			s2_fail("mapping kernel segment %u: %s", i, why);
	}
}

__attribute__((noreturn)) void s2_load_and_enter(struct boot_info *bi, uint64_t enc_mask, uint64_t region_min,
						 uint64_t image_keep_end, void (*claim)(uint64_t pa, uint64_t size))
{
	uint64_t blob_size = (uint64_t)(uintptr_t)(kernel_blob_end - kernel_blob_start);
	uint64_t img_pa = (uintptr_t)image_start;
	uint64_t img_end = (uintptr_t)image_end > image_keep_end ? (uintptr_t)image_end : image_keep_end;
	struct elf_kernel k;
	const char *why;

	s2_print("stage1: kernel ELF: %llu bytes at 0x%llx\n", (unsigned long long)blob_size,
		 (unsigned long long)(uintptr_t)kernel_blob_start);
	why = elf_kernel_check(kernel_blob_start, blob_size, SVSM_KERNEL_VA_BASE,
			       SVSM_KERNEL_MAX_SIZE, &k);
	if (why != NULL)
		s2_fail("kernel image rejected: %s", why);

	/* SVSM region: kernel | boot info page | page-table pool, 2 MiB aligned. */
	uint64_t kernel_size = k.va_end - k.va_start;
	uint64_t bi_off = kernel_size;
	uint64_t pt_off = bi_off + PAGE_SIZE;
	uint64_t region_size = align_up(pt_off + S2_PT_POOL_PAGES * PAGE_SIZE, LARGE_PAGE_SIZE);
	uint64_t low = check_payload(bi, img_pa, img_end);
	uint64_t region = find_region(bi, align_up(low > region_min ? low : region_min, LARGE_PAGE_SIZE),
				      region_size);

	if (region == 0)
		s2_fail("no usable memory below 4 GiB for the SVSM region (%llu KiB)",
			(unsigned long long)(region_size >> 10));
	/* With a guest firmware the region must lie in the SVSM's declared range (region_min is its start). */
	if (bi->svsm_mem_size != 0 && (region != bi->svsm_mem_pa || region_size > bi->svsm_mem_size))
		s2_fail("the SVSM region (%llu KiB) does not fit at the start of its range 0x%llx-0x%llx (no RAM there?)",
			(unsigned long long)(region_size >> 10), (unsigned long long)bi->svsm_mem_pa,
			(unsigned long long)(bi->svsm_mem_pa + bi->svsm_mem_size));
	if (claim != NULL)
		claim(region, region_size); /* SNP: the region's pages made private and validated first */

	uint8_t *kdst = phys_ptr(region, region_size);

	if (kdst == NULL)
		s2_fail("SVSM region 0x%llx is not addressable", (unsigned long long)region);
	elf_kernel_load(kernel_blob_start, &k, kdst);

	struct pt_builder pt;

	why = pt_init(&pt, region + pt_off, S2_PT_POOL_PAGES, enc_mask);
	if (why != NULL)
		s2_fail("page tables: %s", why);
	bi->direct_map_end = map_direct(&pt, bi);
	map_kernel(&pt, &k, region);
	/* Identity map of the loader itself, for the instructions after CR0.PG. */
	why = pt_map_range(&pt, img_pa & ~(PAGE_SIZE - 1), img_pa & ~(PAGE_SIZE - 1),
			   align_up(img_end, PAGE_SIZE) - (img_pa & ~(PAGE_SIZE - 1)), PTE_W);
	if (why != NULL)
		s2_fail("identity map of the loader: %s", why);

	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->size = sizeof(*bi);
	bi->enc_mask = enc_mask;
	bi->direct_map_base = SVSM_DIRECT_MAP_BASE;
	bi->image_pa = img_pa;
	bi->image_size = img_end - img_pa;
	bi->svsm_pa = region;
	bi->svsm_size = region_size;
	bi->kernel_pa = region;
	bi->kernel_size = kernel_size;
	bi->kernel_va = k.va_start;
	bi->pt_pa = region + pt_off;
	bi->pt_size = S2_PT_POOL_PAGES * PAGE_SIZE;
	bi->cr3 = pt.pml4_pa;
	bi->boot_info_pa = region + bi_off;
	memcpy(kdst + bi_off, bi, sizeof(*bi));

	s2_print("stage1: kernel at pa 0x%llx va 0x%llx, %llu KiB; page tables %llu pages; "
		 "entering long mode\n",
		 (unsigned long long)region, (unsigned long long)k.va_start,
		 (unsigned long long)(kernel_size >> 10), (unsigned long long)pt.used_pages);
	kernel_entry = k.entry;
	s2_enter_long_mode((uint32_t)pt.pml4_pa, (uint32_t)bi->boot_info_pa, &kernel_entry);
}

void stage2_multiboot_main(uint32_t magic, uint32_t mbi_pa)
{
	s2_console_init();
	s2_print("stage1: SVSM loader, Multiboot entry\n");
	check_cpu();

	const char *why = mb_parse(magic, mbi_pa, &bi_tmp);

	if (why != NULL)
		s2_fail("boot information refused: %s", why);
	bi_tmp.entry_kind = BOOT_ENTRY_MULTIBOOT;
	s2_load_and_enter(&bi_tmp, probe_enc_mask(), 0, 0, NULL);
}
