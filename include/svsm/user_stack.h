/* SPDX-License-Identifier: MIT */
/*
 * The initial stack of a CPL3 module, laid out as Linux's execve leaves
 * it for a static executable (x86-64 psABI §3.4.1 "Initial Stack and
 * Register State"; auxiliary vector numbers from Linux's
 * include/uapi/linux/auxvec.h and arch/x86/include/uapi/asm/auxvec.h):
 * at RSP argc, argv[] and NULL, envp[] and NULL, the auxiliary vector
 * ending with AT_NULL; above them the 16 AT_RANDOM bytes, the
 * AT_PLATFORM string and the argument and environment strings. RSP is
 * 16-byte aligned. Portable: built into a buffer the caller maps.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "svsm/elf_user.h"

/* Auxiliary vector entry types (Linux auxvec.h). */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31

#define USER_STACK_MAX_ARGS 32
#define USER_STACK_AUXV 18 /* entries written, AT_NULL included */

struct user_stack_args {
	const char *const *argv; /* argc strings; argv[0] is also AT_EXECFN */
	unsigned argc;
	const char *const *envp;
	unsigned envc;
	const struct elf_user *elf;
	uint8_t random[16];      /* AT_RANDOM: glibc seeds its stack guard and pointer mangling */
	uint64_t hwcap;          /* AT_HWCAP: CPUID 1 EDX on x86-64 */
};

/*
 * Writes the stack into buf, the size bytes just below virtual address
 * top (buf[size - 1] is at top - 1). SVSM_OK and *rsp; SVSM_EINVAL for
 * more than USER_STACK_MAX_ARGS arguments or environment strings, a NULL
 * string, argc 0 or a top that is not 16-byte aligned; SVSM_ENOSPC when it
 * does not fit (buf untouched in every error case).
 */
int user_stack_build(uint8_t *buf, size_t size, uint64_t top, const struct user_stack_args *a,
		     uint64_t *rsp);
