/* SPDX-License-Identifier: MIT */
/*
 * void s2_enter_long_mode(uint32_t cr3, uint32_t boot_info_pa, const uint64_t *entry_va)
 * APM vol.2 §14.6.1: enable PAE, load CR3, set EFER.LME (and NXE, used by
 * the tables), set CR0.PG, then a far jump into a 64-bit code segment. The
 * loader's own pages are identity mapped so this code keeps running.
 */
#define SEL_DATA 0x10
#define SEL_CODE64 0x18
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define CR4_PAE (1 << 5)
#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)

	.section .text
	.code32
	.global s2_enter_long_mode
s2_enter_long_mode:
	movl 4(%esp), %eax
	movl 8(%esp), %esi
	movl 12(%esp), %edi

	movl %cr4, %edx
	orl $CR4_PAE, %edx
	movl %edx, %cr4
	movl %eax, %cr3

	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr

	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE | CR0_WP), %eax
	movl %eax, %cr0
	ljmp $SEL_CODE64, $1f

	.code64
1:	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	/* Upper register halves are undefined after the mode switch: zero-extend. */
	movl %esi, %esi
	movl %edi, %edi
	movq (%rdi), %rax
	movq %rsi, %rdi
	xorl %ebp, %ebp
	jmp *%rax
