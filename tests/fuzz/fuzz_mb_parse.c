/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the Multiboot parser on arbitrary loader memory. The
 * input is the simulated physical memory from address 0x1000 up; the
 * information record sits at its start, and every pointer in it lands
 * wherever the fuzzer wants. Whatever is accepted must be bounded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi/multiboot.h"
#include "mb_parse.h"
#include "phys.h"

#define MEM_BASE 0x1000u
#define MEM_SIZE 0x20000u

static uint8_t mem[MEM_SIZE];

void *phys_ptr(uint64_t pa, uint64_t len)
{
	if (pa < MEM_BASE || len > MEM_SIZE || pa - MEM_BASE > MEM_SIZE - len)
		return NULL;
	return mem + (pa - MEM_BASE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_info bi;

	if (size < 4)
		return 0;
	memset(mem, 0, sizeof(mem));
	memcpy(mem, data + 4, size - 4 < MEM_SIZE ? size - 4 : MEM_SIZE);

	uint32_t magic;

	memcpy(&magic, data, 4);
	/* Mostly the right magic, so the fuzzer spends its time past the first check. */
	if ((magic & 0xF) != 0)
		magic = MB1_BOOT_MAGIC;
	memset(&bi, 0xA5, sizeof(bi));
	if (mb_parse(magic, MEM_BASE, &bi) != NULL)
		return 0;
	if (bi.mem_count == 0 || bi.mem_count > BOOT_INFO_MAX_MEM)
		abort();
	if (memchr(bi.cmdline, '\0', sizeof(bi.cmdline)) == NULL)
		abort();
	for (uint32_t i = 0; i < bi.mem_count; i++) {
		if (bi.mem[i].size == 0 || bi.mem[i].base + bi.mem[i].size < bi.mem[i].base)
			abort();
		if (bi.mem[i].type < BOOT_MEM_USABLE || bi.mem[i].type > BOOT_MEM_BAD)
			abort();
	}
	return 0;
}
