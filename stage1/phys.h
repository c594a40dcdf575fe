/* SPDX-License-Identifier: MIT */
/*
 * How stage-2 code reaches physical memory. In the 32-bit loader, paging is
 * off, so a physical address below 4 GiB is a pointer (stage1/phys.c). Host
 * tests link a simulated memory instead (tests/unit/fake_phys.c). Returns
 * NULL if [pa, pa + len) is not reachable; callers treat that as an error.
 */
#pragma once

#include <stdint.h>

void *phys_ptr(uint64_t pa, uint64_t len);
