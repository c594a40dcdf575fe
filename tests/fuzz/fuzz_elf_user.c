/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the CPL3 executable checker on arbitrary bytes.
 * Whatever it accepts must have sorted segments on pages of their own,
 * W^X, file data inside the input, everything inside the user image
 * window, the entry in an executable segment and AT_PHDR in the image.
 */
#include <stdint.h>
#include <stdlib.h>

#include "abi/elf64.h"
#include "svsm/elf_user.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_user u;
	int entry_ok = 0;

	if (elf_user_check(data, size, ELF_USER_PIE_BASE, &u) != NULL)
		return 0;
	if (u.seg_count == 0 || u.seg_count > ELF_USER_MAX_SEGS || u.va_end <= u.va_start ||
	    u.va_start < ELF_USER_VA_MIN || u.va_end > ELF_USER_VA_MAX + 4096 || u.va_start % 4096 != 0)
		abort();
	for (unsigned i = 0; i < u.seg_count; i++) {
		const struct elf_user_seg *s = &u.seg[i];

		if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz)
			abort();
		if ((s->flags & PF_W) && (s->flags & PF_X))
			abort();
		if (s->vaddr < u.va_start || s->vaddr + s->memsz > u.va_end)
			abort();
		if (i > 0 && (s->vaddr & ~4095ull) < u.seg[i - 1].vaddr + u.seg[i - 1].memsz)
			abort();
		if ((s->flags & PF_X) && u.entry >= s->vaddr && u.entry < s->vaddr + s->filesz)
			entry_ok = 1;
	}
	if (!entry_ok || u.phdr < u.va_start || u.phdr >= u.va_end)
		abort();
	return 0;
}
