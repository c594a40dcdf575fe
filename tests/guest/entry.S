/* SPDX-License-Identifier: MIT */
/*
 * The test guest's entry (include/abi/guest_boot.h: 64-bit, RSI = boot
 * page) and its exception entry points. Probes: a load or store that may fault;
 * the exception handler resumes a faulting probe at its fixup, which
 * returns 1 (guest_probe_read/guest_probe_write in guest.h).
 */
	.section .text.entry, "ax"
	.globl _start
_start:
	leaq stack_top(%rip), %rsp
	xorl %ebp, %ebp
	movq %rsi, %rdi
	call guest_main
1:	hlt
	jmp 1b

	.text
	.globl guest_probe_read, guest_probe_read_insn, guest_probe_read_fixup
guest_probe_read:          /* int guest_probe_read(const volatile uint8_t *p, uint8_t *out) */
	xorl %eax, %eax
guest_probe_read_insn:
	movb (%rdi), %cl
	movb %cl, (%rsi)
	ret
guest_probe_read_fixup:
	movl $1, %eax
	ret

	.globl guest_probe_write, guest_probe_write_insn, guest_probe_write_fixup
guest_probe_write:         /* int guest_probe_write(volatile uint8_t *p, uint8_t v) */
	xorl %eax, %eax
guest_probe_write_insn:
	movb %sil, (%rdi)
	ret
guest_probe_write_fixup:
	movl $1, %eax
	ret

/*
 * uint64_t guest_int3_on_stack(void *stack_top): an INT3 with RSP at
 * stack_top, so its #BP frame goes there; returns the return address the
 * #BP handler found in the frame (guest_exception puts it in RAX and
 * resumes at guest_int3_after whatever it was).
 */
	.globl guest_int3_on_stack, guest_int3_insn, guest_int3_after
guest_int3_on_stack:
	movq %rsp, int3_saved_rsp(%rip)
	movq %rdi, %rsp
guest_int3_insn:
	int3
guest_int3_after:
	movq int3_saved_rsp(%rip), %rsp
	ret

	.bss
	.balign 8
int3_saved_rsp:
	.quad 0
	.text

/* Exception entry points: push a zero error code where the CPU pushes none, then the vector. */
.macro exc_entry vec, has_err
	.globl exc_entry_\vec
exc_entry_\vec:
	.if \has_err == 0
	pushq $0
	.endif
	pushq $\vec
	jmp exc_common
.endm
	exc_entry 0, 0
	exc_entry 2, 0      /* NMI */
	exc_entry 3, 0
	exc_entry 6, 0
	exc_entry 8, 1
	exc_entry 13, 1
	exc_entry 14, 1
	exc_entry 29, 1
	exc_entry 96, 0     /* GUEST_IRQ_TIMER (guest.h) */
	exc_entry 97, 0     /* GUEST_IRQ_SELF */
	exc_entry 98, 0     /* GUEST_IRQ_IPI */

exc_common:
	pushq %rbx
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	movq %rsp, %rdi          /* struct guest_exc_frame * */
	call guest_exception
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	popq %rbx
	addq $16, %rsp           /* vector, error code */
	iretq

/*
 * A second vCPU's code (test_ap): one SVSM call through its own calling
 * area (guest_ap_ca), QUERY_PROTOCOL for the core protocol version 1 by
 * the GHCB MSR protocol's Run VMPL0 (GHCB spec 56421 §2.3.1; SVSM spec
 * 58019 §5.3), its RAX, RCX and call-pending byte kept for the boot vCPU
 * to check; then report in and halt for good.
 */
	.text
	.globl guest_ap_entry
guest_ap_entry:
	movq guest_ap_ca(%rip), %rbx
	movb $1, (%rbx)              /* SVSM_CA call_pending */
	movl $0xC0010130, %ecx       /* MSR_GHCB = Run VMPL request, VMPL0 */
	movl $0x016, %eax
	xorl %edx, %edx
	wrmsr
	movq $6, %rax                /* core protocol (0), QUERY_PROTOCOL */
	movq $1, %rcx                /* protocol 0, version 1 */
	xorl %edx, %edx
	.byte 0xF3, 0x0F, 0x01, 0xD9 /* VMGEXIT (rep vmmcall) */
	movq %rax, guest_ap_call_rax(%rip)
	movq %rcx, guest_ap_call_rcx(%rip)
	xorl %eax, %eax
	xchgb %al, (%rbx)            /* still 1: the SVSM did not take the call */
	movb %al, guest_ap_call_pending(%rip)
	movl $0xA5A5A5A5, guest_ap_flag(%rip)
1:	hlt
	jmp 1b

/*
 * A second vCPU that writes its target page for ever (guest.forbidden=
 * lent-write-running): each round adds one to the page's first quadword
 * and to guest_ap_beats. No exit of its own: only the SVSM can stop it.
 */
	.globl guest_ap_writer
guest_ap_writer:
	movq guest_ap_target(%rip), %rax
1:	incq (%rax)
	lock incl guest_ap_beats(%rip)
	jmp 1b

/*
 * The same, but after every 2^20 rounds a VMGEXIT (the GHCB MSR protocol's
 * hypervisor-features request, MSR_GHCB 0xC0010130, request 0x080): a vCPU
 * that shares its CPU with the boot vCPU hands it back there (test_ap_destroy_running).
 */
	.globl guest_ap_writer_yield
guest_ap_writer_yield:
	movq guest_ap_target(%rip), %rsi
2:	movl $0x100000, %edi
1:	incq (%rsi)
	lock incl guest_ap_beats(%rip)
	decl %edi
	jnz 1b
	movl $0xC0010130, %ecx
	movl $0x080, %eax
	xorl %edx, %edx
	wrmsr
	.byte 0xF3, 0x0F, 0x01, 0xD9  /* VMGEXIT (rep vmmcall) */
	jmp 2b

	.bss
	.balign 16
	.space 16384
stack_top:
	.section .note.GNU-stack, "", @progbits
