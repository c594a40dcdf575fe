/* SPDX-License-Identifier: MIT */
/*
 * For assembly only: the general registers pushed on kernel entry and
 * popped on the way out, in the one order the C frames share (struct
 * exc_frame, struct user_regs: r15 at the lowest address, rax at the
 * highest). RSP is not among them; each entry saves it its own way.
 */
#pragma once

	.macro GPR_FRAME_PUSH
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	.endm

	.macro GPR_FRAME_POP
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	.endm
