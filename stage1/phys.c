/* SPDX-License-Identifier: MIT */
/* Physical access with paging off: identity below 4 GiB (see phys.h). */
#include "phys.h"

#include <stddef.h>

void *phys_ptr(uint64_t pa, uint64_t len)
{
	/* Overflow-safe "pa + len <= 4 GiB"; page 0 is never handed out. */
	if (pa == 0 || len > 0x100000000ull || pa > 0x100000000ull - len)
		return NULL;
	return (void *)(uintptr_t)pa;
}
