/* SPDX-License-Identifier: MIT */
/*
 * Validation and loading of the kernel ELF embedded in the SVSM image.
 * Every header field is checked; a refusal names the field.
 */
#pragma once

#include <stdint.h>

#define ELF_KERNEL_MAX_SEGS 8
#define ELF_KERNEL_MAX_PHNUM 16

struct elf_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t offset;
	uint64_t filesz;
	uint32_t flags; /* PF_R | PF_W | PF_X */
};

struct elf_kernel {
	uint64_t entry;
	uint64_t va_start; /* lowest segment address (page aligned) */
	uint64_t va_end;   /* highest segment end, rounded up to a page */
	unsigned seg_count;
	struct elf_segment seg[ELF_KERNEL_MAX_SEGS];
};

/*
 * Checks `img` (size bytes) as a kernel that must live in [va_min, 2^64) and
 * span at most max_span bytes. Returns NULL and fills *out on success, or a
 * message naming what is wrong.
 */
const char *elf_kernel_check(const uint8_t *img, uint64_t size, uint64_t va_min,
			     uint64_t max_span, struct elf_kernel *out);

struct elf64_ehdr;
/*
 * The file-header rules the kernel and the CPL3 loader share (all but
 * e_type and sections): a little-endian System V/GNU ELF-64 for x86-64,
 * version current, no flags, standard header sizes, 1..max_phnum program
 * headers inside the file. NULL, or what is wrong.
 */
const char *elf_check_ehdr_common(const struct elf64_ehdr *eh, uint64_t size, unsigned max_phnum);

struct elf64_phdr;
/*
 * The PT_LOAD rules both share: R/W/X flags only, never W and X, memsz
 * non-zero and at least filesz, file data inside the file, p_align 0 or a
 * power of two, p_offset and p_vaddr congruent modulo the page size.
 * NULL, or what is wrong. Where the segment may lie is each loader's own.
 */
const char *elf_check_load_common(const struct elf64_phdr *ph, uint64_t size);

/* Copies the checked segments to dst (va_start maps to dst), zeroing bss and gaps. */
void elf_kernel_load(const uint8_t *img, const struct elf_kernel *k, uint8_t *dst);
