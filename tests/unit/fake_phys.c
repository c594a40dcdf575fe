/* SPDX-License-Identifier: MIT */
#include "fake_phys.h"

#include <stdlib.h>
#include <string.h>

#include "phys.h"

uint8_t *fake_phys_mem;

void fake_phys_reset(void)
{
	if (fake_phys_mem == NULL)
		fake_phys_mem = malloc(FAKE_PHYS_SIZE);
	memset(fake_phys_mem, 0xCC, FAKE_PHYS_SIZE);
}

/* Same rules as stage1/phys.c, over the simulated range. */
void *phys_ptr(uint64_t pa, uint64_t len)
{
	if (pa == 0 || len > FAKE_PHYS_SIZE || pa > FAKE_PHYS_SIZE - len)
		return NULL;
	return fake_phys_mem + pa;
}
