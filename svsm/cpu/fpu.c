/* SPDX-License-Identifier: MIT */
/* SSE on for mbedTLS (include/svsm/fpu.h). Bits: APM vol.2 §3.1.1 (CR0), §3.1.3 (CR4). */
#include "svsm/fpu.h"

#include <stdint.h>

#include "abi/x86.h"
#include "svsm/cr.h"

void fpu_init(void)
{
	uint64_t cr0, cr4;

	cr0 = (cr0_read() & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP;
	cr0_write(cr0);
	cr4 = cr4_read() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	cr4_write(cr4);
	__asm__ volatile("fninit" ::: "memory");
}
