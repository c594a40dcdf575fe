/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the kernel ELF checker on arbitrary bytes. Whatever it
 * accepts must load within the span it reported, with sorted, disjoint,
 * W^X segments whose file data lies inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi/elf64.h"
#include "elf_check.h"
#include "svsm/boot_info.h"

#define FUZZ_MAX_SPAN (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_kernel k;

	if (elf_kernel_check(data, size, SVSM_KERNEL_VA_BASE, FUZZ_MAX_SPAN, &k) != NULL)
		return 0;
	if (k.seg_count == 0 || k.seg_count > ELF_KERNEL_MAX_SEGS || k.va_end <= k.va_start ||
	    k.va_end - k.va_start > FUZZ_MAX_SPAN || k.va_start < SVSM_KERNEL_VA_BASE)
		abort();
	for (unsigned i = 0; i < k.seg_count; i++) {
		const struct elf_segment *s = &k.seg[i];

		if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz)
			abort();
		if ((s->flags & PF_W) && (s->flags & PF_X))
			abort();
		if (s->vaddr < k.va_start || s->vaddr + s->memsz > k.va_end)
			abort();
		if (i > 0 && s->vaddr < k.seg[i - 1].vaddr + k.seg[i - 1].memsz)
			abort();
	}
	if (k.entry < k.va_start || k.entry >= k.va_end)
		abort();

	uint8_t *dst = malloc(k.va_end - k.va_start);

	if (dst == NULL)
		return 0;
	elf_kernel_load(data, &k, dst);
	free(dst);
	return 0;
}
