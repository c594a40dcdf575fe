/* SPDX-License-Identifier: MIT */
/*
 * Entering and leaving CPL3 (APM vol.2 §6.1.1 SYSCALL/SYSRET, §8.9.3
 * IRETQ frames). struct user_regs (include/svsm/task.h) is, from low to
 * high addresses: r15 r14 r13 r12 r11 r10 r9 r8 rbp rdi rsi rdx rcx rbx
 * rax rip rflags rsp. GS base is the kernel's in the kernel and the
 * task's at CPL3 (SWAPGS on every crossing); FS base stays the task's
 * until the task stops (svsm/task/task.c swaps it then).
 */
#include "svsm/gpr_frame.h"

#define PERCPU_OFF_USER_RSP 16
#define PERCPU_OFF_SYSCALL_RSP 24
#define PERCPU_OFF_KCTX_RSP 32
#define USER_CS (0x28 | 3)
#define USER_DS (0x20 | 3)

	.text
	.code64

/* void task_enter(const struct user_regs *r): returns when task_leave runs. */
	.globl task_enter
	.type task_enter, @function
task_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %gs:PERCPU_OFF_KCTX_RSP
	pushq $USER_DS
	pushq 17*8(%rdi)          /* rsp */
	pushq 16*8(%rdi)          /* rflags */
	pushq $USER_CS
	pushq 15*8(%rdi)          /* rip */
	movq 0*8(%rdi), %r15
	movq 1*8(%rdi), %r14
	movq 2*8(%rdi), %r13
	movq 3*8(%rdi), %r12
	movq 4*8(%rdi), %r11
	movq 5*8(%rdi), %r10
	movq 6*8(%rdi), %r9
	movq 7*8(%rdi), %r8
	movq 8*8(%rdi), %rbp
	movq 10*8(%rdi), %rsi
	movq 11*8(%rdi), %rdx
	movq 12*8(%rdi), %rcx
	movq 13*8(%rdi), %rbx
	movq 14*8(%rdi), %rax
	movq 9*8(%rdi), %rdi
	swapgs
	iretq
	.size task_enter, . - task_enter

/* void task_leave(void): back on task_enter's stack, as if it returned. */
	.globl task_leave
	.type task_leave, @function
task_leave:
	movq %gs:PERCPU_OFF_KCTX_RSP, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size task_leave, . - task_leave

/*
 * SYSCALL from CPL3: RCX = the user RIP, R11 = the user RFLAGS, RSP is
 * still the user's. SFMASK cleared IF, TF, DF, AC. syscall_dispatch(regs)
 * returns to resume the task (results in regs) or never returns.
 */
	.globl syscall_entry
	.type syscall_entry, @function
syscall_entry:
	swapgs
	movq %rsp, %gs:PERCPU_OFF_USER_RSP
	movq %gs:PERCPU_OFF_SYSCALL_RSP, %rsp
	pushq %gs:PERCPU_OFF_USER_RSP  /* rsp */
	pushq %r11                     /* rflags */
	pushq %rcx                     /* rip */
	GPR_FRAME_PUSH
	xorl %ebp, %ebp                /* backtraces stop here */
	movq %rsp, %rdi
	call syscall_dispatch
	GPR_FRAME_POP
	popq %rcx                      /* rip */
	popq %r11                      /* rflags (syscall_dispatch keeps them to user bits) */
	popq %rsp
	swapgs
	sysretq
	.size syscall_entry, . - syscall_entry

	.section .note.GNU-stack, "", @progbits
