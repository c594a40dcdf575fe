/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: stage 1's reading of an SNP launch (stage1/snp_launch.c)
 * over hostile memory. The simulated guest memory starts as a good launch
 * (launch block, CPUID page, memory map, VP count, command line); the
 * input either patches it (first byte even: a 16-bit offset, then bytes
 * XORed in from there) or replaces it from the launch block on (odd).
 *
 * Whatever is accepted must be bounded: the C-bit 32..51, the end 2 MiB
 * aligned below 4 GiB, 1..64 memory ranges, each non-empty and not
 * wrapping, a NUL-terminated command line, a VP count 1..8, the payload
 * inside the launch, the launch's own pages kept past the launch block.
 * A refusal leaves the boot information as it was and names the step.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi/igvm.h"
#include "abi/snp_pages.h"
#include "abi/svsm_launch.h"
#include "phys.h"
#include "snp_launch.h"
#include "svsm/smp.h"

#define MEM_BASE 0x100000u
#define MEM_SIZE 0x10000u /* 16 pages: the image, then the launch's pages */
#define IMG_END 0x108000u
#define LB_PA 0x108000u
#define CPUID_PA 0x109000u
#define MEMMAP_PA 0x10A000u
#define PARAMS_PA 0x10B000u
#define CMDLINE_PA 0x10C000u
#define SECRETS_PA 0x10D000u
#define PAYLOAD_PA 0x10E000u
#define END_PA 0x200000u

static uint8_t mem[MEM_SIZE];

void *phys_ptr(uint64_t pa, uint64_t len)
{
	if (pa < MEM_BASE || len > MEM_SIZE || pa - MEM_BASE > MEM_SIZE - len)
		return NULL;
	return mem + (pa - MEM_BASE);
}

static void *at(uint32_t pa)
{
	return mem + (pa - MEM_BASE);
}

/* A launch stage 1 accepts: 64 MiB of RAM, C-bit 47, two vCPUs, a command line and a payload. */
static void good_launch(void)
{
	struct svsm_launch_block *lb = at(LB_PA);
	struct snp_cpuid_table *t = at(CPUID_PA);
	struct igvm_memory_map_entry *mm = at(MEMMAP_PA);
	static const char cmd[] = "log=debug";

	memset(mem, 0, sizeof(mem));
	memcpy(lb->magic, SVSM_LAUNCH_MAGIC, sizeof(lb->magic));
	lb->version = SVSM_LAUNCH_VERSION;
	lb->size = sizeof(*lb);
	lb->image_gpa = MEM_BASE;
	lb->image_size = IMG_END - MEM_BASE;
	lb->secrets_gpa = SECRETS_PA;
	lb->cpuid_gpa = CPUID_PA;
	lb->memmap_gpa = MEMMAP_PA;
	lb->memmap_size = 0x1000;
	lb->params_gpa = PARAMS_PA;
	lb->cmdline_gpa = CMDLINE_PA;
	lb->cmdline_size = sizeof(cmd) - 1;
	lb->payload_gpa = PAYLOAD_PA;
	lb->payload_size = 0x800;
	lb->end_gpa = END_PA;
	t->count = 1;
	t->e[0].eax_in = 0x8000001F;
	t->e[0].ebx = 47;
	mm[0] = (struct igvm_memory_map_entry){ 0, 0x4000, IGVM_MEMORY_MAP_MEMORY, 0, 0 };
	*(uint32_t *)at(PARAMS_PA) = 2;
	memcpy(at(CMDLINE_PA), cmd, sizeof(cmd));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi, before;
	enum snp_launch_step step = SNP_LAUNCH_STEP_BLOCK;
	uint64_t end = 0, keep = 0;
	unsigned cbit = 0;

	if (size < 3)
		return 0;
	good_launch();
	if ((data[0] & 1) == 0) {
		size_t off = (size_t)(data[1] | data[2] << 8) % MEM_SIZE;

		for (size_t i = 3; i < size && off + i - 3 < MEM_SIZE; i++)
			mem[off + i - 3] ^= data[i];
	} else {
		size_t n = size - 1 < MEM_SIZE - (LB_PA - MEM_BASE) ? size - 1 : MEM_SIZE - (LB_PA - MEM_BASE);

		memcpy(at(LB_PA), data + 1, n);
	}
	memset(&bi, 0xA5, sizeof(bi));
	bi.mem_count = 0;
	memcpy(&before, &bi, sizeof(bi));

	const char *why = snp_launch_parse(LB_PA, MEM_BASE, IMG_END, &bi, &cbit, &end, &keep, &step);

	if (why != NULL) {
		if (memcmp(&bi, &before, sizeof(bi)) != 0 || step > SNP_LAUNCH_STEP_MEMMAP)
			abort(); /* a refusal changes nothing and names its step */
		return 0;
	}
	if (cbit < 32 || cbit > 51 || (end & 0x1FFFFF) != 0 || end >= 0x100000000ull || end < IMG_END)
		abort();
	if (bi.mem_count == 0 || bi.mem_count > BOOT_INFO_MAX_MEM ||
	    memchr(bi.cmdline, '\0', sizeof(bi.cmdline)) == NULL)
		abort();
	for (uint32_t i = 0; i < bi.mem_count; i++) {
		if (bi.mem[i].size == 0 || bi.mem[i].base + bi.mem[i].size < bi.mem[i].base ||
		    bi.mem[i].type != BOOT_MEM_USABLE)
			abort();
	}
	if (bi.vcpu_count == 0 || bi.vcpu_count > SMP_MAX_CPUS)
		abort();
	if (bi.payload_size != 0 && (bi.payload_pa + bi.payload_size > end || bi.payload_pa + bi.payload_size < bi.payload_pa))
		abort();
	if (keep < LB_PA + 0x1000)
		abort();
	return 0;
}
