/* SPDX-License-Identifier: MIT */
/*
 * Simulated guest memory for protocol tests: copy_from_guest/copy_to_guest
 * (include/svsm/guest_mem.h) over a buffer, with the kernel's range checks
 * and, like SNP hardware, a fault (SVSM_EFAULT) on a page the RMP model
 * says is not validated.
 */
#pragma once

#include <stdint.h>

#include "mm/memmap.h"
#include "vsnp/rmp_model.h"

struct guest_sim {
	uint8_t *mem;     /* byte 0 is GPA 0 */
	uint64_t size;
	struct memmap guest_ram;
	struct memmap svsm_mem;
	struct rmp_model *rmp; /* NULL: no validation check */
	unsigned copies;  /* calls that reached memory */
};

void guest_sim_use(struct guest_sim *g);
