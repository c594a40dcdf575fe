/* SPDX-License-Identifier: MIT */
/* Simulated physical memory for host tests of stage-2 code (see stage1/phys.h). */
#pragma once

#include <stdint.h>

#define FAKE_PHYS_SIZE (8u << 20) /* physical addresses 0 .. 8 MiB */

extern uint8_t *fake_phys_mem;
void fake_phys_reset(void);
