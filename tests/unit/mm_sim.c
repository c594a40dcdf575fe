/* SPDX-License-Identifier: MIT */
#include "mm_sim.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mm/mm_env.h"

jmp_buf *mm_panic_jump;
char mm_panic_msg[256];

void mm_sim_init(struct mm_sim *s, uint64_t base, uint64_t size)
{
	void *mem = NULL;

	/* 4 MiB aligned like the direct map, so blocks are aligned in VA too (slab needs it). */
	assert_int_equal(posix_memalign(&mem, 4 << 20, size), 0);
	s->mem = mem;
	memset(s->mem, 0xA5, size);
	s->base = base;
	s->size = size;
	s->va_offset = (uintptr_t)s->mem - (uintptr_t)base;
}

void mm_sim_free(struct mm_sim *s)
{
	free(s->mem);
	s->mem = NULL;
}

unsigned mm_sim_cpu;

unsigned mm_cpu_index(void)
{
	return mm_sim_cpu;
}

void mm_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(mm_panic_msg, sizeof(mm_panic_msg), fmt, ap);
	va_end(ap);
	if (mm_panic_jump != NULL)
		longjmp(*mm_panic_jump, 1);
	fail_msg("unexpected mm_panic: %s", mm_panic_msg);
	abort();
}
