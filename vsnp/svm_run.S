/* SPDX-License-Identifier: MIT */
/*
 * svm_run(vmcb_pa, gprs, host_save_pa): one VMRUN of the guest described by
 * the VMCB, with the general registers VMRUN does not handle (all but RAX
 * and RSP, which live in the VMCB) loaded from and saved back to *gprs
 * (struct svm_gprs, include/vsnp/vsnp.h; offsets asserted there).
 *
 * VMRUN saves and restores only part of the host state (APM vol.2 §15.5.1);
 * FS/GS bases, TR, LDTR, KernelGSBase and the SYSCALL MSRs are VMLOAD/VMSAVE
 * state, so the host's are saved to host_save_pa before VMLOAD of the
 * guest's and put back after VMSAVE of the guest's (§15.5.2). Between the
 * guest's VMLOAD and the host's VMLOAD %gs is the guest's: no C code runs
 * there. GIF is cleared around the switch and set again after it (§15.17).
 *
 * RFLAGS.IF is set just before VMRUN (GIF is clear, so nothing is taken
 * there) and the caller's RFLAGS are back on return. With V_INTR_MASKING
 * the host's IF is what lets a physical interrupt end the guest's run
 * (an intercepted INTR, §15.21.4): that is how the machine's timer ends
 * a vCPU's turn inside VMRUN. The interrupt stays pending across the #VMEXIT and is
 * taken by the host at STGI, after its GS is back.
 */
#define G_RBX 0x00
#define G_RCX 0x08
#define G_RDX 0x10
#define G_RBP 0x18
#define G_RSI 0x20
#define G_RDI 0x28
#define G_R8 0x30
#define G_R9 0x38
#define G_R10 0x40
#define G_R11 0x48
#define G_R12 0x50
#define G_R13 0x58
#define G_R14 0x60
#define G_R15 0x68

	.text
	.globl svm_run
	.type svm_run, @function
svm_run:
	pushq %rbp
	movq %rsp, %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushfq                  /* the caller's IF, back at the end */
	pushq %rsi              /* gprs, found again on the stack after the exit */
	pushq %rdx              /* host save area */
	pushq %rdi              /* VMCB */

	clgi
	movq %rdx, %rax
	vmsave                  /* host FS/GS/TR/LDTR/KGS/STAR... -> host save area */
	movq %rdi, %rax
	vmload                  /* the guest's */

	/*
	 * The host's IF while the guest runs (GIF is still clear, so nothing
	 * is taken here). Not right before VMRUN: QEMU TCG carries the STI
	 * shadow into the guest, which then takes no interrupt at its first
	 * instruction (the CLI after a woken HLT would lose its wake-up).
	 */
	sti
	movq G_RBX(%rsi), %rbx
	movq G_RCX(%rsi), %rcx
	movq G_RDX(%rsi), %rdx
	movq G_RBP(%rsi), %rbp
	movq G_RDI(%rsi), %rdi
	movq G_R8(%rsi), %r8
	movq G_R9(%rsi), %r9
	movq G_R10(%rsi), %r10
	movq G_R11(%rsi), %r11
	movq G_R12(%rsi), %r12
	movq G_R13(%rsi), %r13
	movq G_R14(%rsi), %r14
	movq G_R15(%rsi), %r15
	movq G_RSI(%rsi), %rsi

	vmrun                   /* RAX = VMCB; RSP and RAX come back as they were */
	.globl svm_run_after_vmrun
svm_run_after_vmrun:            /* the RIP VMRUN saves for the host (cpu.c checks no VMCB holds it) */

	/* Guest registers are live; only RSP (the pushes above) is ours. */
	pushq %rsi
	movq 24(%rsp), %rsi     /* gprs: above the saved RSI, the VMCB and the host save area */
	movq %rbx, G_RBX(%rsi)
	movq %rcx, G_RCX(%rsi)
	movq %rdx, G_RDX(%rsi)
	movq %rbp, G_RBP(%rsi)
	movq %rdi, G_RDI(%rsi)
	movq %r8, G_R8(%rsi)
	movq %r9, G_R9(%rsi)
	movq %r10, G_R10(%rsi)
	movq %r11, G_R11(%rsi)
	movq %r12, G_R12(%rsi)
	movq %r13, G_R13(%rsi)
	movq %r14, G_R14(%rsi)
	movq %r15, G_R15(%rsi)
	popq %rax
	movq %rax, G_RSI(%rsi)

	movq (%rsp), %rax       /* VMCB */
	vmsave                  /* the guest's FS/GS/TR/... back into its VMCB */
	movq 8(%rsp), %rax      /* host save area */
	vmload
	stgi                    /* a pending kick (or timer) interrupt is taken here */

	addq $24, %rsp
	popfq
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size svm_run, . - svm_run
	.section .note.GNU-stack, "", @progbits
