/* SPDX-License-Identifier: MIT */
/*
 * stack_switch_call(rsp, fn): continue on another stack by calling fn
 * there with a zero frame pointer (backtraces end at it). fn must not
 * return; if it does, ud2 makes that a reported fault.
 */
	.text
	.globl stack_switch_call
	.type stack_switch_call, @function
stack_switch_call:
	movq %rdi, %rsp
	xorl %ebp, %ebp
	callq *%rsi
	ud2
	.size stack_switch_call, . - stack_switch_call
	.section .note.GNU-stack, "", @progbits
