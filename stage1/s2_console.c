/* SPDX-License-Identifier: MIT */
#include "s2_console.h"

#include <stdarg.h>

#include "abi/x86.h"
#include "lib/fmt.h"
#include "lib/io.h"
#include "lib/uart.h"
#include "svsm/exit_codes.h"

void s2_console_init(void)
{
	uart_console_init();
}

void s2_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vformat(uart_console_out, NULL, fmt, ap);
	va_end(ap);
}

void s2_fail(const char *fmt, ...)
{
	va_list ap;

	s2_print("stage1: error: ");
	va_start(ap, fmt);
	fmt_vformat(uart_console_out, NULL, fmt, ap);
	va_end(ap);
	s2_print("\nstage1: cannot continue; stopping\n");
	/* Under QEMU with isa-debug-exit this ends the VM with a failure status. */
	io_outb(QEMU_DEBUG_EXIT_PORT, SVSM_EXIT_LOADER_FAIL);
	for (;;)
		__asm__ volatile("cli; hlt");
}
