/* SPDX-License-Identifier: MIT */
/* Kernel stacks of the boot CPU, and the test a backtrace uses to stay on them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define BOOT_STACK_SIZE 16384
#define IST_STACK_SIZE 16384

/* Top (initial RSP) of IST stack `ist` (1..IST_COUNT). */
uint64_t stack_ist_top(unsigned ist);
/* True when [addr, addr + len) lies within one kernel stack. */
bool stack_contains(uint64_t addr, uint64_t len);
