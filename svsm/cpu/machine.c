/* SPDX-License-Identifier: MIT */
#include "svsm/machine.h"

#include "abi/x86.h"
#include <stddef.h>

#include "lib/io.h"

static void (*exit_hook)(unsigned code);

void machine_set_exit(__attribute__((noreturn)) void (*exit_fn)(unsigned code))
{
	exit_hook = exit_fn;
}

void machine_exit(unsigned code)
{
	if (exit_hook != NULL)
		exit_hook(code);
	io_outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)code);
	for (;;)
		__asm__ volatile("cli; hlt");
}
