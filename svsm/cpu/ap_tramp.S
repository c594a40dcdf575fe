/* SPDX-License-Identifier: MIT */
/*
 * The AP start-up trampoline (svsm/cpu/smp.c copies it to physical
 * AP_TRAMP_BASE and sends INIT-SIPI-SIPI with that page as the vector).
 * An AP wakes in real mode at AP_TRAMP_BASE (APM vol.2 §16.5 "startup
 * IPI"); this code enters protected mode, then long mode (APM vol.2
 * §14.6.1: PAE, CR3, EFER.LME, CR0.PG) on the tables smp.c built (the
 * kernel half plus the low 2 MiB identity-mapped), and jumps to the
 * kernel's C entry with RDI = its argument on the stack given. Every
 * address here is AP_TRAMP_BASE plus an offset in this block.
 */
#define AP_TRAMP_BASE 0x8000
#define ABS(label) (AP_TRAMP_BASE + (label) - ap_tramp_start)

	.section .rodata.ap_tramp, "a"
	.balign 16
	.globl ap_tramp_start
	.globl ap_tramp_end
	.globl ap_tramp_cr3
	.globl ap_tramp_stack
	.globl ap_tramp_entry
	.globl ap_tramp_arg

	.code16
ap_tramp_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl ABS(tramp_gdt_ptr)
	movl %cr0, %eax
	orl $1, %eax                     /* PE */
	movl %eax, %cr0
	ljmpl $0x08, $ABS(tramp_pm32)

	.code32
tramp_pm32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $(1 << 5), %eax              /* PAE */
	movl %eax, %cr4
	movl ABS(ap_tramp_cr3), %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx           /* EFER */
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax /* LME, NXE */
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax            /* PG, WP, PE */
	movl %eax, %cr0
	ljmpl $0x18, $ABS(tramp_lm64)

	.code64
tramp_lm64:
	xorl %eax, %eax
	movw %ax, %ss
	movq ABS(ap_tramp_stack), %rsp
	movq ABS(ap_tramp_arg), %rdi
	movq ABS(ap_tramp_entry), %rax
	xorl %ebp, %ebp                  /* backtraces stop here */
	jmp *%rax

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF         /* 0x08: 32-bit code, flat */
	.quad 0x00CF92000000FFFF         /* 0x10: data, flat */
	.quad 0x00AF9A000000FFFF         /* 0x18: 64-bit code */
tramp_gdt_ptr:
	.word 4 * 8 - 1
	.long ABS(tramp_gdt)
	.balign 8
ap_tramp_cr3:
	.long 0, 0
ap_tramp_stack:
	.quad 0
ap_tramp_entry:
	.quad 0
ap_tramp_arg:
	.quad 0
ap_tramp_end:

	.section .note.GNU-stack, "", @progbits
