/* SPDX-License-Identifier: MIT */
/*
 * What portable mm/ code needs from where it runs. The kernel implements
 * these in svsm/mm/mm_init.c; host tests, fuzzers and benchmarks supply
 * their own.
 */
#pragma once

/*
 * A broken internal invariant (a double free, a pointer the allocator never
 * handed out): report and do not return.
 */
__attribute__((noreturn, cold, format(printf, 1, 2))) void mm_panic(const char *fmt, ...);

/* Index of the running CPU (< SLAB_MAX_CPUS): kmalloc picks its magazines by it. */
unsigned mm_cpu_index(void);
