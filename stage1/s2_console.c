/* SPDX-License-Identifier: MIT */
/*
 * Stage-2 output and failure. On the Multiboot path: the serial console,
 * and a failure exits QEMU through isa-debug-exit. On the SNP path port
 * I/O raises #VC, which stage 1 has no handler for: nothing is printed,
 * and a failure is a GHCB MSR-protocol termination request whose reason
 * code (set 3, include/abi/ghcb.h) names the step that failed; docs/BOOT.md
 * lists them.
 */
#include "s2_console.h"

#include <stdarg.h>
#include <stdbool.h>

#include "abi/ghcb.h"
#include "abi/snp.h"
#include "abi/x86.h"
#include "lib/cpu.h"
#include "lib/fmt.h"
#include "lib/io.h"
#include "lib/uart.h"
#include "svsm/exit_codes.h"

static bool snp_entry;
static unsigned snp_code = SVSM_TERM_S1_LOAD;

void s2_console_init(void)
{
	uart_console_init();
}

void s2_console_snp(void)
{
	snp_entry = true;
}

void s2_set_fail_code(unsigned code)
{
	snp_code = code;
}

void s2_print(const char *fmt, ...)
{
	va_list ap;

	if (snp_entry)
		return;
	va_start(ap, fmt);
	fmt_vformat(uart_console_out, NULL, fmt, ap);
	va_end(ap);
}

__attribute__((noreturn)) void s2_snp_terminate(unsigned code)
{
	uint64_t req = GHCB_MSR_TERM_REQ | ((uint64_t)GHCB_TERM_SET_SVSM << GHCB_TERM_SET_SHIFT) |
		       ((uint64_t)(code & 0xFF) << GHCB_TERM_CODE_SHIFT);

	cpu_wrmsr(MSR_GHCB, req);
	for (;;)
		__asm__ volatile(SNP_INSN_VMGEXIT "\n\tcli\n\thlt" ::: "memory");
}

void s2_fail(const char *fmt, ...)
{
	va_list ap;

	if (snp_entry)
		s2_snp_terminate(snp_code);
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
