/* SPDX-License-Identifier: MIT */
/* The checks every guest-memory access passes first. Portable (host-tested). */
#pragma once

#include <stdint.h>

#include "mm/memmap.h"

/* Longest single guest copy (the largest SVSM protocol buffer is far smaller). */
#define GUEST_COPY_MAX (1ull << 20)

/*
 * SVSM_OK if [gpa, gpa + len) may be accessed; else, in this order:
 * SVSM_EINVAL (align not a power of two, or gpa not aligned to it),
 * SVSM_ERANGE (len > GUEST_COPY_MAX, or the range wraps),
 * SVSM_EPERM (touches SVSM memory), SVSM_EFAULT (not all guest RAM).
 * len 0 is SVSM_OK after the alignment check.
 */
int guest_range_check(const struct memmap *guest_ram, const struct memmap *svsm_mem, uint64_t gpa,
		      uint64_t len, uint64_t align);
