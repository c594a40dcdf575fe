/* SPDX-License-Identifier: MIT */
/*
 * Frame-pointer backtrace (the kernel is built with -fno-omit-frame-pointer):
 * [rbp] is the caller's rbp, [rbp + 8] the return address. Only frames that
 * lie on a known kernel stack are followed, so a corrupt chain ends the
 * walk instead of faulting inside a fault handler.
 */
#include <stdarg.h>

#include "svsm/console.h"
#include "svsm/machine.h"
#include "svsm/panic.h"
#include "svsm/stacks.h"

#define BACKTRACE_MAX 32

void backtrace_print(uint64_t rip, uint64_t rbp)
{
	console_printf("  backtrace (resolve with addr2line -e svsm-kernel.elf):\n");
	console_printf("    #0  0x%016llx\n", (unsigned long long)rip);
	for (int i = 1; i < BACKTRACE_MAX && rbp != 0; i++) {
		if (rbp % 8 != 0 || !stack_contains(rbp, 16)) {
			console_printf("    (frame pointer 0x%llx is not on a kernel stack; stop)\n",
				       (unsigned long long)rbp);
			return;
		}

		const uint64_t *fp = (const uint64_t *)(uintptr_t)rbp;
		uint64_t ret = fp[1];
		uint64_t next = fp[0];

		if (ret == 0)
			return;
		console_printf("    #%-2d 0x%016llx\n", i, (unsigned long long)ret);
		if (next != 0 && next <= rbp) {
			console_printf("    (frame chain does not go up the stack; stop)\n");
			return;
		}
		rbp = next;
	}
}

void panic(const char *fmt, ...)
{
	va_list ap;

	__asm__ volatile("cli");
	console_printf("\nPANIC: ");
	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
	console_printf("\n");
	/* Start at our caller: its return address and its saved frame pointer. */
	const uint64_t *own_frame = __builtin_frame_address(0);

	backtrace_print((uint64_t)(uintptr_t)__builtin_return_address(0), own_frame[0]);
	machine_exit(SVSM_EXIT_FAIL);
}
