/* SPDX-License-Identifier: MIT */
/* Exceptions: the saved frame, the IDT, and recovery through the exception table. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Layout pushed by svsm/cpu/exc_entry.S plus the CPU's frame (APM vol.2 §8.9.3). */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(offsetof(struct exc_frame, rax) == 14 * 8, "exc_entry.S push order");
_Static_assert(offsetof(struct exc_frame, vector) == 15 * 8, "exc_entry.S push order");
_Static_assert(offsetof(struct exc_frame, rip) == 17 * 8, "CPU frame follows error code");
_Static_assert(sizeof(struct exc_frame) == 22 * 8, "exc_frame size");

/* What the last recovered fault on this CPU was (see extable). */
struct exc_record {
	uint64_t vector;
	uint64_t error_code;
	uint64_t rip;
	uint64_t cr2;
	uint64_t count; /* recovered faults so far */
};

/* IST slots (TSS.IST1..7, APM vol.2 §8.9.4). */
#define IST_DF 1
#define IST_NMI 2
#define IST_MC 3
#define IST_VC 4
#define IST_EXC 5 /* every other exception and interrupt vector */
#define IST_COUNT 5

/* Where exc_dispatch sends an exception (exc_route.c). */
enum exc_route {
	EXC_ROUTE_KERNEL,  /* the kernel's: exception table, #VC handler, or a fatal report */
	EXC_ROUTE_TASK,    /* a CPL3 task's fault: the task stops, the kernel goes on */
	EXC_ROUTE_USER_VC, /* a CPL3 #VC the platform serves as for the kernel (CPUID) */
};
enum exc_route exc_route(uint64_t cs, uint64_t vector, uint64_t error_code);

/* The IST slot a vector runs on (see svsm/cpu/idt.c). */
unsigned exc_ist_of(uint64_t vector);
void idt_init(void);
void idt_load(void);
const char *exc_name(uint64_t vector);

/*
 * Exception-table entries: a fault at `insn` resumes at `fixup`.
 * Used from inline asm, e.g.
 *   "1: rdmsr\n" EXTABLE_ENTRY("1b", "2f") ... "2:"
 */
struct extable_entry {
	uint64_t insn;
	uint64_t fixup;
};

#define EXTABLE_ENTRY(insn, fixup)                                                    \
	".pushsection .ex_table, \"a\"\n\t.balign 8\n\t.quad " insn ", " fixup "\n\t" \
	".popsection\n\t"

/*
 * The tail of a "safe" wrapper's asm: the instruction at label 1 may
 * fault; its fixup stores the operand %[efault] into %[err] and resumes at
 * label 2, right after it.
 */
#define EXTABLE_SAFE_FIXUP                              \
	"2:\n\t"                                       \
	".pushsection .text.fixup, \"ax\"\n"           \
	"3: movl %[efault], %[err]\n\t"                 \
	"jmp 2b\n\t"                                    \
	".popsection\n\t" EXTABLE_ENTRY("1b", "3b")

const struct extable_entry *extable_find(uint64_t rip);
/* Prints the full fault report (registers, backtrace) and stops the machine. */
__attribute__((noreturn)) void exc_fatal(const struct exc_frame *f, uint64_t cr2, const char *why);
/*
 * Runs once at the start of a fatal report, before anything is printed:
 * the snp backend uses it to take the console off the #VC path, since the
 * report may come from inside the #VC handler.
 */
void exc_set_fatal_hook(void (*hook)(void));
/* Sets the exception handler for #VC (vector 29): true if it handled the exception. */
void exc_set_vc_handler(bool (*handler)(struct exc_frame *f));
