/* SPDX-License-Identifier: MIT */
/*
 * How portable mm/ code reports a broken internal invariant (a double free,
 * a pointer the allocator never handed out): it does not return. The kernel
 * implements it with panic(); host tests and fuzzers supply their own.
 */
#pragma once

__attribute__((noreturn, format(printf, 1, 2))) void mm_panic(const char *fmt, ...);
