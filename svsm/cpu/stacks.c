/* SPDX-License-Identifier: MIT */
/* Boot-CPU stacks. Guard pages come with mm/ (per-CPU mappings). */
#include "svsm/stacks.h"

#include "svsm/exc.h"

/* The boot stack is in entry.S so the entry code can load it before any C runs. */
extern uint8_t boot_stack[], boot_stack_top[];
__attribute__((aligned(16))) static uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE];


uint64_t stack_ist_top(unsigned ist)
{
	if (ist < 1 || ist > IST_COUNT)
		return 0;
	return (uint64_t)(uintptr_t)(ist_stacks[ist - 1] + IST_STACK_SIZE);
}

static bool within(uint64_t addr, uint64_t len, const uint8_t *base, uint64_t size)
{
	uint64_t b = (uint64_t)(uintptr_t)base;

	return addr >= b && len <= size && addr - b <= size - len;
}

bool stack_contains(uint64_t addr, uint64_t len)
{
	if (within(addr, len, boot_stack, (uint64_t)(boot_stack_top - boot_stack)))
		return true;
	for (unsigned i = 0; i < IST_COUNT; i++) {
		if (within(addr, len, ist_stacks[i], IST_STACK_SIZE))
			return true;
	}
	return false;
}
