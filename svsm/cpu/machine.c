/* SPDX-License-Identifier: MIT */
#include "svsm/machine.h"

#include "abi/x86.h"
#include "lib/io.h"

void machine_exit(unsigned code)
{
	io_outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)code);
	for (;;)
		__asm__ volatile("cli; hlt");
}
