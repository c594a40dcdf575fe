/* SPDX-License-Identifier: MIT */
/*
 * x86-64 architectural constants and CPU-visible structures.
 * Source: AMD64 Architecture Programmer's Manual (APM) vol. 2, rev. 3.41:
 * §3.1 (CR0/CR4), §3.1.7 (EFER), §4.8 (descriptors), §5.3-5.4 (long-mode
 * paging, PTE bits), §8.2 (exception vectors), §12.2.5 (64-bit TSS),
 * §A.7 (MSR numbers). Shared by stage1 (32-bit) and the kernel (64-bit),
 * so every structure uses fixed-width fields only.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE 0x1000ull
#define LARGE_PAGE_SHIFT 21
#define LARGE_PAGE_SIZE 0x200000ull

/* APM vol.2 §3.1.6 RFLAGS: IF, maskable interrupts enabled. */
#define RFLAGS_IF 0x200ull
/* APM vol.2 §13.1.1 DR7: L0-L3 and G0-G3 (bits 7:0), a breakpoint armed. */
#define DR7_ENABLE_MASK 0xFFull
/* APM vol.2 §3.1.6 RFLAGS: TF, single-step (a #DB after each instruction). */
#define RFLAGS_TF 0x100ull

/* APM vol.2 §3.1.1 CR0. */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
/* APM vol.2 §3.1.3 CR4. */
#define CR4_PAE (1u << 5)
#define CR4_PGE (1u << 7)
#define CR4_LA57 (1u << 12)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE (1u << 18)
#define CR4_PKE (1u << 22)

/* APM vol.2 §A.7 MSRs. */
#define MSR_EFER 0xC0000080u
#define MSR_FS_BASE 0xC0000100u
#define MSR_GS_BASE 0xC0000101u
#define MSR_KERNEL_GS_BASE 0xC0000102u
#define MSR_PAT 0x277u /* APM vol.2 §7.8.1 */
/* APM vol.2 §15.34.10 SEV_STATUS. */
#define MSR_SEV_STATUS 0xC0010131u

/* APM vol.2 §3.1.7 EFER bits. */
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)
#define EFER_SVME (1u << 12)

/* APM vol.2 §5.4.1 page-table entry bits (4-level long mode). */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7) /* in a PDE: 2 MiB page */
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
/* Physical address bits 51:12 of an entry (APM vol.2 §5.3.3, MAXPHYADDR 52). */
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ull
#define PTE_ADDR_MASK_2M 0x000FFFFFFFE00000ull
#define PT_ENTRIES 512

/* Index of a virtual address at each paging level (APM vol.2 §5.3.3). */
#define PML4_INDEX(va) (((va) >> 39) & 0x1FF)
#define PDPT_INDEX(va) (((va) >> 30) & 0x1FF)
#define PD_INDEX(va) (((va) >> 21) & 0x1FF)
#define PT_INDEX(va) (((va) >> 12) & 0x1FF)

/* APM vol.2 §8.2 exception vectors. */
#define X86_EXC_DE 0
#define X86_EXC_DB 1
#define X86_EXC_NMI 2
#define X86_EXC_BP 3
#define X86_EXC_OF 4
#define X86_EXC_BR 5
#define X86_EXC_UD 6
#define X86_EXC_NM 7
#define X86_EXC_DF 8
#define X86_EXC_TS 10
#define X86_EXC_NP 11
#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14
#define X86_EXC_MF 16
#define X86_EXC_AC 17
#define X86_EXC_MC 18
#define X86_EXC_XF 19
#define X86_EXC_CP 21
#define X86_EXC_HV 28
#define X86_EXC_VC 29
#define X86_EXC_SX 30
#define X86_EXC_COUNT 32

/* APM vol.2 §8.4.2 #PF error code bits. */
#define PF_ERR_P (1u << 0)
#define PF_ERR_W (1u << 1)
#define PF_ERR_U (1u << 2)
#define PF_ERR_RSV (1u << 3)
#define PF_ERR_I (1u << 4)

/* APM vol.3 CPUID: Fn8000_0001 EDX / ECX, Fn8000_000A EDX, Fn8000_001F. */
#define CPUID_EXT_BASE 0x80000000u
#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EXT_SVM 0x8000000Au
#define CPUID_EXT_SME_SEV 0x8000001Fu
#define CPUID_80000001_EDX_NX (1u << 20)
#define CPUID_80000001_EDX_LM (1u << 29)
#define CPUID_80000001_ECX_SVM (1u << 2)
#define CPUID_8000000A_EDX_NP (1u << 0)
#define CPUID_8000000A_EDX_NRIPS (1u << 3)
#define CPUID_8000001F_EAX_SME (1u << 0)
#define CPUID_8000001F_EAX_SEV (1u << 1)
#define CPUID_8000001F_EAX_SNP (1u << 4)
#define CPUID_8000001F_EBX_CBIT_MASK 0x3Fu
/* Fn0000_0001 EDX bit 6: PAE. */
#define CPUID_1_EDX_PAE (1u << 6)

/* SEV_STATUS bits (APM vol.2 §15.34.10; Linux msr-index.h MSR_AMD64_SNP_*). */
#define SEV_STATUS_SEV (1ull << 0)
#define SEV_STATUS_SEV_ES (1ull << 1)
#define SEV_STATUS_SNP (1ull << 2)

/*
 * Segment descriptors (APM vol.2 §4.8). A code/data descriptor is 8 bytes;
 * the 64-bit TSS descriptor is 16 (§4.8.3).
 */
#define GDT_ACCESS_P (1u << 7)
#define GDT_ACCESS_S (1u << 4) /* code/data, not system */
#define GDT_ACCESS_EXEC (1u << 3)
#define GDT_ACCESS_RW (1u << 1)
#define GDT_ACCESS_DPL3 (3u << 5)
#define GDT_TYPE_TSS_AVAIL 0x9u
#define GDT_FLAG_G (1u << 3) /* in the 4-bit flags nibble */
#define GDT_FLAG_DB (1u << 2)
#define GDT_FLAG_L (1u << 1)

struct x86_seg_desc {
	uint16_t limit_lo;
	uint16_t base_lo;
	uint8_t base_mid;
	uint8_t access;
	uint8_t limit_hi_flags; /* limit 19:16 in bits 3:0, flags in 7:4 */
	uint8_t base_hi;
} __attribute__((packed));
_Static_assert(sizeof(struct x86_seg_desc) == 8, "APM vol.2 §4.8.1");

struct x86_tss_desc {
	struct x86_seg_desc low;
	uint32_t base_upper;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct x86_tss_desc) == 16, "APM vol.2 §4.8.3");

/* APM vol.2 §12.2.5, Figure 12-8: 64-bit TSS. */
struct x86_tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7]; /* ist[0] is IST1: gate IST index n uses ist[n - 1] */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iopb_offset;
} __attribute__((packed));
_Static_assert(sizeof(struct x86_tss64) == 104, "APM vol.2 §12.2.5 TSS size");
_Static_assert(offsetof(struct x86_tss64, rsp) == 4, "APM vol.2 §12.2.5 RSP0");
_Static_assert(offsetof(struct x86_tss64, ist) == 0x24, "APM vol.2 §12.2.5 IST1");
_Static_assert(offsetof(struct x86_tss64, iopb_offset) == 102, "APM vol.2 §12.2.5");

/* APM vol.2 §4.8.4, Figure 4-24: 64-bit interrupt gate. */
#define IDT_GATE_INTR 0xEu
struct x86_idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;       /* bits 2:0 */
	uint8_t type_attr; /* P, DPL, type */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct x86_idt_gate) == 16, "APM vol.2 §4.8.4 gate size");
_Static_assert(offsetof(struct x86_idt_gate, offset_hi) == 8, "APM vol.2 §4.8.4");

/* Operand of LGDT/LIDT in 64-bit mode (APM vol.2 §4.6.2). */
struct x86_desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct x86_desc_ptr) == 10, "APM vol.2 §4.6.2");

/* I/O port of QEMU's isa-debug-exit device as the scripts configure it
 * (-device isa-debug-exit,iobase=0xf4,iosize=0x04): writing v makes QEMU exit
 * with status (v << 1) | 1. */
#define QEMU_DEBUG_EXIT_PORT 0xF4
