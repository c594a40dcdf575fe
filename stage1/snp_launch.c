/* SPDX-License-Identifier: MIT */
/* The SNP entry's launch inputs into struct boot_info (stage1/snp_launch.h). */
#include "snp_launch.h"

#include <stdbool.h>

#include "abi/igvm.h"
#include "abi/snp_pages.h"
#include "abi/svsm_launch.h"
#include "abi/x86.h"
#include "lib/string.h"
#include "phys.h"
#include "svsm/smp.h"

/* CPUID Fn8000_001F EBX[5:0]: the C-bit position (AMD APM vol.3, CPUID 8000_001F). */
#define CPUID_SEV_LEAF 0x8000001Fu
#define CBIT_MIN 32u
#define CBIT_MAX 51u
/* Everything stage 1 reaches is below 4 GiB: paging is off. */
#define LIMIT_4G 0x100000000ull

static bool page_ok(uint64_t pa)
{
	return (pa & (PAGE_SIZE - 1)) == 0 && pa != 0 && pa < LIMIT_4G - PAGE_SIZE;
}

static const char *check_block(const struct svsm_launch_block *lb, uint64_t image_pa, uint64_t image_end)
{
	if (memcmp(lb->magic, SVSM_LAUNCH_MAGIC, sizeof(lb->magic)) != 0)
		return "no launch block at EBX (magic is not SVSMLNCH)";
	if (lb->version != SVSM_LAUNCH_VERSION || lb->size != sizeof(*lb) || lb->reserved != 0)
		return "launch block version, size or reserved field is not this loader's";
	if (lb->image_gpa != image_pa || lb->image_size < image_end - image_pa)
		return "launch block says svsm.img is somewhere stage 1 is not";
	if (!page_ok(lb->secrets_gpa) || !page_ok(lb->cpuid_gpa) || !page_ok(lb->memmap_gpa) ||
	    !page_ok(lb->params_gpa) || !page_ok(lb->cmdline_gpa))
		return "launch block page address not page aligned or not below 4 GiB";
	if (lb->memmap_size == 0 || lb->memmap_size > 16 * PAGE_SIZE || lb->memmap_size % PAGE_SIZE != 0)
		return "launch block memory-map area size out of range";
	if (lb->cmdline_size > BOOT_INFO_CMDLINE_MAX - 1)
		return "command line longer than 255 bytes";
	if ((lb->end_gpa & (LARGE_PAGE_SIZE - 1)) != 0 || lb->end_gpa >= LIMIT_4G ||
	    lb->end_gpa < lb->image_gpa + lb->image_size)
		return "launch block end address out of range";
	if (lb->payload_gpa != 0 &&
	    ((lb->payload_gpa & (PAGE_SIZE - 1)) != 0 || lb->payload_size == 0 ||
	     lb->payload_size > lb->end_gpa || lb->payload_gpa > lb->end_gpa - lb->payload_size))
		return "launch block payload out of range";
	/* A firmware and the SVSM's own memory range come together (include/abi/svsm_launch.h). */
	if ((lb->firmware_size == 0) != (lb->svsm_mem_size == 0))
		return "launch block has a firmware without the SVSM's memory range, or the reverse";
	if (lb->firmware_size == 0)
		return lb->firmware_gpa != 0 || lb->svsm_mem_gpa != 0 ? "launch block range address without a size" : NULL;
	if ((lb->firmware_size & (PAGE_SIZE - 1)) != 0 || lb->firmware_size > BOOT_FIRMWARE_MAX ||
	    lb->firmware_gpa != LIMIT_4G - lb->firmware_size)
		return "launch block firmware is not whole pages ending at 4 GiB, at most 16 MiB";
	if (((lb->svsm_mem_gpa | lb->svsm_mem_size) & (LARGE_PAGE_SIZE - 1)) != 0 || lb->svsm_mem_gpa < lb->end_gpa ||
	    lb->svsm_mem_size > lb->firmware_gpa || lb->svsm_mem_gpa > lb->firmware_gpa - lb->svsm_mem_size)
		return "launch block SVSM memory range is unaligned, below the launch's end or reaches the firmware";
	return NULL;
}

/* The C-bit from the CPUID page's leaf 0x8000001F (the PSP checked the page at launch). */
static const char *cbit_of(uint64_t cpuid_pa, unsigned *cbit)
{
	const struct snp_cpuid_table *t = phys_ptr(cpuid_pa, sizeof(*t));

	if (t == NULL)
		return "CPUID page not addressable";
	if (t->count == 0 || t->count > SNP_CPUID_MAX_ENTRIES)
		return "CPUID page entry count out of range";
	for (uint32_t i = 0; i < t->count; i++) {
		if (t->e[i].eax_in != CPUID_SEV_LEAF || t->e[i].ecx_in != 0)
			continue;
		*cbit = t->e[i].ebx & 0x3F;
		if (*cbit < CBIT_MIN || *cbit > CBIT_MAX)
			return "CPUID page: C-bit position outside 32..51";
		return NULL;
	}
	return "CPUID page has no leaf 0x8000001F (no C-bit)";
}

/* The host's IGVM memory map (page_count 0 ends it) as usable boot_info ranges, in order. */
static const char *parse_memmap(const struct svsm_launch_block *lb, struct boot_info *bi)
{
	const struct igvm_memory_map_entry *e = phys_ptr(lb->memmap_gpa, lb->memmap_size);
	/* 32-bit division: memmap_size is at most 16 pages (check_block). */
	uint32_t n = (uint32_t)lb->memmap_size / (uint32_t)sizeof(*e);
	uint64_t prev_end = 0;
	bool covers_launch = false;

	if (e == NULL)
		return "memory map not addressable";
	bi->mem_count = 0;
	for (uint32_t i = 0; i < n && e[i].number_of_pages != 0; i++) {
		uint64_t base = e[i].starting_gpa_page_number * PAGE_SIZE;
		uint64_t size = e[i].number_of_pages * PAGE_SIZE;

		if (e[i].starting_gpa_page_number >= (1ull << 40) || e[i].number_of_pages >= (1ull << 40) ||
		    base + size > SVSM_DIRECT_MAP_MAX)
			return "memory-map range beyond 512 GiB";
		if (base < prev_end)
			return "memory-map ranges overlap or are not in order";
		if (e[i].flags != 0 || e[i].reserved != 0)
			return "memory-map entry with flags or reserved bits set";
		prev_end = base + size;
		if (e[i].entry_type != IGVM_MEMORY_MAP_MEMORY)
			continue;
		if (bi->mem_count == BOOT_INFO_MAX_MEM)
			return "memory map has more than 64 RAM ranges";
		bi->mem[bi->mem_count].base = base;
		bi->mem[bi->mem_count].size = size;
		bi->mem[bi->mem_count].type = BOOT_MEM_USABLE;
		bi->mem[bi->mem_count].reserved = 0;
		bi->mem_count++;
		if (base <= lb->image_gpa && lb->end_gpa <= base + size)
			covers_launch = true;
	}
	if (bi->mem_count == 0)
		return "memory map has no RAM";
	if (!covers_launch)
		return "memory map has no RAM range holding the launched pages";
	return NULL;
}

const char *snp_launch_parse(uint32_t launch_pa, uint64_t image_pa, uint64_t image_end, struct boot_info *bi,
			     unsigned *cbit, uint64_t *end_gpa, uint64_t *keep_end, enum snp_launch_step *step)
{
	static struct boot_info tmp;
	const struct svsm_launch_block *p = phys_ptr(launch_pa, sizeof(*p));
	struct svsm_launch_block lb;
	const char *why;

	*step = SNP_LAUNCH_STEP_BLOCK;
	if (p == NULL || (launch_pa & (PAGE_SIZE - 1)) != 0)
		return "launch block address not page aligned or not addressable";
	memcpy(&lb, p, sizeof(lb));
	why = check_block(&lb, image_pa, image_end);
	if (why != NULL)
		return why;

	const char *cmd = phys_ptr(lb.cmdline_gpa, lb.cmdline_size + 1);

	if (cmd == NULL || strnlen(cmd, lb.cmdline_size + 1) != lb.cmdline_size)
		return "command line not NUL-terminated where the launch block says it ends";
	*step = SNP_LAUNCH_STEP_CPUID;
	why = cbit_of(lb.cpuid_gpa, cbit);
	if (why != NULL)
		return why;
	*step = SNP_LAUNCH_STEP_MEMMAP;
	memcpy(&tmp, bi, sizeof(tmp));
	why = parse_memmap(&lb, &tmp);
	if (why != NULL)
		return why;

	/* The VP count parameter (IGVM_VHT_VP_COUNT_PARAMETER, u32 at offset 0): read once, then checked. */
	const uint32_t *vp = phys_ptr(lb.params_gpa, sizeof(uint32_t));
	uint32_t vcpus;

	if (vp == NULL)
		return "parameter page not addressable";
	vcpus = *(const volatile uint32_t *)vp;
	if (vcpus == 0 || vcpus > SMP_MAX_CPUS)
		return "VP count parameter is 0 or more than the SVSM's 8 CPUs";
	tmp.vcpu_count = vcpus;
	memcpy(tmp.cmdline, cmd, lb.cmdline_size + 1);
	tmp.snp_secrets_pa = lb.secrets_gpa;
	tmp.snp_cpuid_pa = lb.cpuid_gpa;
	tmp.payload_pa = lb.payload_gpa;
	tmp.payload_size = lb.payload_gpa != 0 ? lb.payload_size : 0;
	tmp.firmware_pa = lb.firmware_gpa;
	tmp.firmware_size = lb.firmware_size;
	tmp.svsm_mem_pa = lb.svsm_mem_gpa;
	tmp.svsm_mem_size = lb.svsm_mem_size;
	memcpy(bi, &tmp, sizeof(*bi));
	*end_gpa = lb.end_gpa;
	/* The launch's own pages (block, secrets, CPUID, parameters, command line) stay the SVSM's. */
	uint64_t k = launch_pa + PAGE_SIZE;
	const uint64_t ends[] = { lb.secrets_gpa + PAGE_SIZE, lb.cpuid_gpa + PAGE_SIZE, lb.memmap_gpa + lb.memmap_size,
				  lb.params_gpa + PAGE_SIZE, lb.cmdline_gpa + PAGE_SIZE };

	/* Only those in svsm.img's launch (with a firmware the secrets and CPUID pages lie below it, at 4 GiB). */
	for (unsigned i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		k = ends[i] > k && ends[i] <= lb.end_gpa ? ends[i] : k;
	*keep_end = k;
	return NULL;
}
