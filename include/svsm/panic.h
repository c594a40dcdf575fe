/* SPDX-License-Identifier: MIT */
/*
 * panic(): a broken internal invariant. Prints the message and a backtrace
 * and stops the machine with a failure status. Never for hostile input.
 */
#pragma once

#include <stdint.h>

__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define BUG_ON(cond)                                                            \
	do {                                                                    \
		if (cond)                                                       \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

/* Prints the frame-pointer chain starting at rbp, after a first frame at rip. */
void backtrace_print(uint64_t rip, uint64_t rbp);
