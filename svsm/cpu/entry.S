/* SPDX-License-Identifier: MIT */
/*
 * Kernel entry from stage 2: 64-bit mode, RDI = physical address of struct
 * boot_info, the loader's identity-mapped stack. Switch to the boot stack
 * and call C; RBP = 0 ends backtraces here.
 */
	.section .text.entry, "ax"
	.code64
	.global svsm_entry
svsm_entry:
	cli
	leaq boot_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	call svsm_main
1:	cli
	hlt
	jmp 1b

	.section .bss
	.balign 16
	.global boot_stack
boot_stack:
	.skip 16384              /* BOOT_STACK_SIZE (include/svsm/stacks.h) */
	.global boot_stack_top
boot_stack_top:
