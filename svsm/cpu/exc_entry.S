/* SPDX-License-Identifier: MIT */
/*
 * One 16-byte stub per IDT vector (stub v at exc_stubs + 16 * v). Each stub
 * pushes a zero error code where the CPU pushes none (APM vol.2 §8.2: 8, 10-14,
 * 17, 21, 29, 30 push one), then the vector, and joins exc_common, which saves
 * the general registers as struct exc_frame (include/svsm/exc.h) and calls
 * exc_dispatch(). If that returns, the (possibly fixed-up) frame is resumed.
 * From CPL3 (a task, svsm/task) the entry takes the kernel's GS base back
 * with SWAPGS and clears RFLAGS.AC, which the task may have set and which
 * would switch SMAP off in the kernel; returning to CPL3 swaps GS again.
 */
#include "svsm/gpr_frame.h"

	.section .text
	.code64
	.altmacro

.macro EXC_STUB vec
	.balign 16
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp exc_common
.endm

	.balign 16
	.global exc_stubs
exc_stubs:
	.set vec, 0
	.rept 256
	EXC_STUB %vec
	.set vec, vec + 1
	.endr
	.balign 16               /* so the table is exactly 256 * 16 bytes if every stub fits */
	.global exc_stubs_end
exc_stubs_end:

exc_common:
	testb $3, 24(%rsp)       /* CS of the interrupted code: CPL3? */
	jz 1f
	swapgs
	pushfq
	andq $~0x40000, (%rsp)   /* RFLAGS.AC */
	popfq
1:
	GPR_FRAME_PUSH
	cld
	movq %rsp, %rdi
	call exc_dispatch
	GPR_FRAME_POP
	addq $16, %rsp
	testb $3, 8(%rsp)
	jz 2f
	swapgs
2:
	iretq
