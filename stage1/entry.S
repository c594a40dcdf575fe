/* SPDX-License-Identifier: MIT */
/*
 * The first bytes of svsm.img: the Multiboot v1 header, the SVSM image
 * header, and the two 32-bit entries (docs/BOOT.md has the contracts).
 */
#define MB1_HEADER_MAGIC 0x1BADB002
#define MB1_FLAGS ((1 << 0) | (1 << 1) | (1 << 16)) /* modules page aligned, MEMINFO, a.out kludge (Multiboot §3.1.3) */

#define SEL_CODE32 0x08
#define SEL_DATA 0x10

	.section .mbheader, "a"
	.balign 4
	.global mb_header
mb_header:
	.long MB1_HEADER_MAGIC
	.long MB1_FLAGS
	.long -(MB1_HEADER_MAGIC + MB1_FLAGS)
	.long mb_header          /* header_addr */
	.long image_start        /* load_addr */
	.long image_file_end     /* load_end_addr */
	.long image_end          /* bss_end_addr */
	.long stage1_entry       /* entry_addr */

	/* struct svsm_image_hdr (include/svsm/image.h), at file offset 32. */
	.global image_hdr
image_hdr:
	.ascii "SVSMIMG1"
	.long 1                  /* version */
	.long 40                 /* hdr_size */
	.long image_start        /* load_addr */
	.long image_file_size
	.long image_mem_size
	.long kernel_blob_offset
	.long kernel_blob_size
	.long snp_entry_offset

	.section .text.entry, "ax"
	.code32

/* Multiboot entry: EAX = 0x2BADB002, EBX = Multiboot information (§3.2). */
	.global stage1_entry
stage1_entry:
	movl $stage2_multiboot_main, %esi
	jmp common_entry

/*
 * SNP/IGVM entry (contract in docs/BOOT.md): the hypervisor starts the
 * boot CPU here from its launched VMSA, EBX = the launch block's GPA.
 * Paging is off, so every access is private; nothing that raises #VC
 * (CPUID, port I/O) may run before the kernel's handler exists.
 */
	.balign 16
	.global stage1_snp_entry
stage1_snp_entry:
	movl $stage2_snp_main, %esi

/* Both: own GDT, flat segments and stack, then (*ESI)(EAX, EBX). */
common_entry:
	cli
	cld
	lgdt gdt_ptr
	ljmp $SEL_CODE32, $1f
1:	movl $SEL_DATA, %ecx
	movl %ecx, %ds
	movl %ecx, %es
	movl %ecx, %ss
	movl %ecx, %fs
	movl %ecx, %gs
	movl $stage1_stack_top, %esp
	xorl %ebp, %ebp
	pushl %ebx
	pushl %eax
	call *%esi
2:	cli
	hlt
	jmp 2b

	.section .rodata
	.balign 8
gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF /* 0x08: 32-bit code, flat */
	.quad 0x00CF92000000FFFF /* 0x10: data, flat */
	.quad 0x00AF9A000000FFFF /* 0x18: 64-bit code (L=1) */
gdt_end:
	.balign 4
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt

	.section .bss
	.balign 16
stage1_stack:
	.skip 16384
	.global stage1_stack_top
stage1_stack_top:
