/* SPDX-License-Identifier: MIT */
/*
 * Simulated physical memory for host tests of mm/: a host buffer stands for
 * physical range [base, base + size), so pa + va_offset is its host address.
 * Also the host's mm_panic(): a test arms MM_EXPECT_PANIC around a statement
 * that must be refused; an unexpected mm_panic fails the test.
 */
#pragma once

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

struct mm_sim {
	uint8_t *mem;
	uint64_t base;
	uint64_t size;
	uintptr_t va_offset;
};

void mm_sim_init(struct mm_sim *s, uint64_t base, uint64_t size);
void mm_sim_free(struct mm_sim *s);

/* What mm_cpu_index() returns (tests switch "CPUs" with it). */
extern unsigned mm_sim_cpu;
extern jmp_buf *mm_panic_jump;
extern char mm_panic_msg[256];

/* Runs stmt, which must end in mm_panic whose message contains `needle`. */
#define MM_EXPECT_PANIC(stmt, needle)                                              \
	do {                                                                       \
		jmp_buf jb_;                                                       \
		mm_panic_jump = &jb_;                                              \
		if (setjmp(jb_) == 0) {                                            \
			stmt;                                                      \
			mm_panic_jump = NULL;                                      \
			fail_msg("expected mm_panic from: %s", #stmt);             \
		}                                                                  \
		mm_panic_jump = NULL;                                              \
		if (strstr(mm_panic_msg, needle) == NULL)                          \
			fail_msg("mm_panic said '%s', expected '%s'", mm_panic_msg, \
				 needle);                                          \
	} while (0)
