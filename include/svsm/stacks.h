/* SPDX-License-Identifier: MIT */
/*
 * Kernel stacks, and the test a backtrace uses to stay on them. Early boot
 * runs on stacks in .bss (no guard pages); vm_boot_cpu_switch moves the
 * boot CPU to its per-CPU region stacks (include/mm/layout.h), which have
 * unmapped guard pages below them.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define BOOT_STACK_SIZE 16384
#define EARLY_IST_STACK_SIZE 8192

/* Top (initial RSP) of IST stack `ist` (1..IST_COUNT) of the stacks in use. */
uint64_t stack_ist_top(unsigned ist);
/* True when [addr, addr + len) lies within one kernel stack. */
bool stack_contains(uint64_t addr, uint64_t len);
/* From now on this CPU uses its per-CPU region stacks. */
void stacks_use_percpu(void);
