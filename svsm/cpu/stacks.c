/* SPDX-License-Identifier: MIT */
/* Early (.bss) stacks, then the per-CPU region stacks (include/svsm/stacks.h). */
#include "svsm/stacks.h"

#include "mm/layout.h"
#include "svsm/exc.h"

/* The boot stack is in entry.S so the entry code can load it before any C runs. */
extern uint8_t boot_stack[], boot_stack_top[];
__attribute__((aligned(16))) static uint8_t early_ist_stacks[IST_COUNT][EARLY_IST_STACK_SIZE];
static bool percpu_stacks;

_Static_assert(IST_COUNT < PERCPU_NSTACKS, "a per-CPU stack for the kernel and each IST");

void stacks_use_percpu(void)
{
	percpu_stacks = true;
}

uint64_t stack_ist_top(unsigned ist)
{
	if (ist < 1 || ist > IST_COUNT)
		return 0;
	if (percpu_stacks)
		return PERCPU_STACK_TOP(ist);
	return (uint64_t)(uintptr_t)(early_ist_stacks[ist - 1] + EARLY_IST_STACK_SIZE);
}

static bool within(uint64_t addr, uint64_t len, uint64_t b, uint64_t size)
{
	return addr >= b && len <= size && addr - b <= size - len;
}

bool stack_contains(uint64_t addr, uint64_t len)
{
	if (within(addr, len, (uint64_t)(uintptr_t)boot_stack,
		   (uint64_t)(boot_stack_top - boot_stack)))
		return true;
	for (unsigned i = 0; i < IST_COUNT; i++) {
		if (within(addr, len, (uint64_t)(uintptr_t)early_ist_stacks[i], EARLY_IST_STACK_SIZE))
			return true;
	}
	for (unsigned i = 0; percpu_stacks && i < PERCPU_NSTACKS; i++) {
		if (within(addr, len, PERCPU_STACK_BOTTOM(i), PERCPU_STACK_SIZE))
			return true;
	}
	return false;
}
