/* SPDX-License-Identifier: MIT */
/*
 * The CPL3 module loader's view of an executable (svsm/task/elf_user.c):
 * a static x86-64 Linux ELF, ET_EXEC at its own addresses or a
 * static-PIE (ET_DYN, no interpreter) placed at a base the caller gives.
 * Every header is checked and a refusal names the field; nothing is
 * loaded here: the result is a plan the kernel maps. Portable: host
 * tests and the fuzzer run it on arbitrary files.
 *
 * Static-PIE binaries relocate themselves at start (glibc's
 * _dl_relocate_static_pie, from AT_PHDR and its own PT_DYNAMIC), so the
 * plan carries no relocations; PT_INTERP (a dynamic executable) is refused.
 */
#pragma once

#include <stdint.h>

#define ELF_USER_MAX_SEGS 8
#define ELF_USER_MAX_PHNUM 32
/* The user half of the address space the image may use (below the stack and mmap area). */
#define ELF_USER_VA_MIN 0x10000ull
#define ELF_USER_VA_MAX 0x00006F0000000000ull
/* Where a static-PIE goes unless the caller says otherwise. */
#define ELF_USER_PIE_BASE 0x0000000040000000ull

struct elf_user_seg {
	uint64_t vaddr;  /* after the base is applied */
	uint64_t memsz;
	uint64_t offset; /* file offset of vaddr's byte */
	uint64_t filesz;
	uint32_t flags;  /* PF_R | PF_W | PF_X */
};

struct elf_user {
	uint64_t base;     /* 0 for ET_EXEC; the load bias of a static-PIE */
	uint64_t entry;    /* e_entry + base */
	uint64_t phdr;     /* address of the program headers in the loaded image (AT_PHDR) */
	uint16_t phnum;    /* AT_PHNUM */
	uint64_t va_start; /* first page of the image */
	uint64_t va_end;   /* end of the last segment, page rounded: where brk starts */
	unsigned seg_count;
	struct elf_user_seg seg[ELF_USER_MAX_SEGS];
	uint64_t stack_flags; /* PT_GNU_STACK p_flags (PF_X refused) */
};

/*
 * Checks img (size bytes) and plans its load: NULL and *out, or a message
 * naming what is wrong (*out untouched). pie_base is where a static-PIE
 * goes (page aligned; ELF_USER_PIE_BASE by default).
 */
const char *elf_user_check(const uint8_t *img, uint64_t size, uint64_t pie_base, struct elf_user *out);
