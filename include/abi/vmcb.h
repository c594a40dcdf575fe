/* SPDX-License-Identifier: MIT */
/*
 * The SVM Virtual Machine Control Block: what the vsnp backend hands to
 * VMRUN. Source: AMD64 Architecture Programmer's Manual Vol. 2 (#24593),
 * Appendix B, Table B-1 (control area, offsets 0x000-0x3FF) and Table B-2
 * (state save area at 0x400). Only the fields the SVSM uses are named; the
 * rest is reserved padding. The save area's first 0x298 bytes have the
 * same offsets as the VMSA's (include/abi/vmsa.h), which is how SEV-ES
 * defined the VMSA.
 *
 * QEMU 7.2 TCG implements this layout without next-RIP save, decode
 * assists or clean bits (docs/REFERENCES.md, facts measured here).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/vmsa.h"

/* Table B-1, offset 0x00C: intercept vector 3 (bit numbers). */
#define VMCB_INTERCEPT_INTR 0
#define VMCB_INTERCEPT_NMI 1
#define VMCB_INTERCEPT_SMI 2
#define VMCB_INTERCEPT_INIT 3
#define VMCB_INTERCEPT_RDPMC 15
#define VMCB_INTERCEPT_CPUID 18
#define VMCB_INTERCEPT_INVD 22
#define VMCB_INTERCEPT_HLT 24
#define VMCB_INTERCEPT_INVLPGA 26
#define VMCB_INTERCEPT_IOIO 27
#define VMCB_INTERCEPT_MSR 28
#define VMCB_INTERCEPT_TASK_SWITCH 29
#define VMCB_INTERCEPT_SHUTDOWN 31
/* Table B-1, offset 0x010: intercept vector 4. */
#define VMCB_INTERCEPT_VMRUN 0
#define VMCB_INTERCEPT_VMMCALL 1
#define VMCB_INTERCEPT_VMLOAD 2
#define VMCB_INTERCEPT_VMSAVE 3
#define VMCB_INTERCEPT_STGI 4
#define VMCB_INTERCEPT_CLGI 5
#define VMCB_INTERCEPT_SKINIT 6
#define VMCB_INTERCEPT_RDTSCP 7
#define VMCB_INTERCEPT_ICEBP 8
#define VMCB_INTERCEPT_WBINVD 9
#define VMCB_INTERCEPT_MONITOR 10
#define VMCB_INTERCEPT_MWAIT 11
#define VMCB_INTERCEPT_MWAIT_COND 12
#define VMCB_INTERCEPT_XSETBV 13

/* Table B-1, 0x05C TLB_CONTROL. */
#define VMCB_TLB_NOTHING 0
#define VMCB_TLB_FLUSH_ALL 1
/* Table B-1, 0x060 bit 24: V_INTR_MASKING (the host's RFLAGS.IF masks physical interrupts). */
#define VMCB_V_INTR_MASKING (1ull << 24)
/* int_ctl: a virtual interrupt (APM vol.2 §15.21.4): V_IRQ, its priority, ignore V_TPR, the vector in [39:32]. */
#define VMCB_V_IRQ (1ull << 8)
#define VMCB_V_INTR_PRIO_SHIFT 16
#define VMCB_V_IGN_TPR (1ull << 20)
#define VMCB_V_INTR_VECTOR_SHIFT 32
/* Table B-1, 0x068 bit 0: the guest is in an interrupt shadow (after STI or MOV SS). */
#define VMCB_INTERRUPT_SHADOW (1ull << 0)
/* Table B-1, 0x090 bit 0: nested paging. */
#define VMCB_NP_ENABLE (1ull << 0)

/* §15.20 EVENTINJ / EXITINTINFO: vector [7:0], type [10:8], EV [11], V [31], error code [63:32]. */
#define VMCB_EVENT_VALID (1ull << 31)
#define VMCB_EVENT_ERROR_VALID (1ull << 11)
#define VMCB_EVENT_NMI_VECTOR 2 /* an NMI's vector (APM vol.2 §8.2, Table 8-1) */
#define VMCB_EVENT_TYPE_INTR (0ull << 8)
#define VMCB_EVENT_TYPE_NMI (2ull << 8)
#define VMCB_EVENT_TYPE_EXCEPTION (3ull << 8)
#define VMCB_EVENT_TYPE_SOFT (4ull << 8) /* a software interrupt: INTn (QEMU TCG: INT3 and INTO too) */
#define VMCB_EVENT_TYPE_MASK (7ull << 8)

/* §15.25.6 nested page fault EXITINFO1 bits (like a #PF error code, plus 32/33). */
#define VMCB_NPF_PRESENT (1ull << 0)
#define VMCB_NPF_WRITE (1ull << 1)
#define VMCB_NPF_USER (1ull << 2)
#define VMCB_NPF_RSVD (1ull << 3)
#define VMCB_NPF_FETCH (1ull << 4)
#define VMCB_NPF_FINAL (1ull << 32) /* fault on the final guest-physical address */
#define VMCB_NPF_TABLE (1ull << 33) /* fault while walking the guest's page tables */

/* §15.10.1: the MSR permission map is 8 KiB (two pages), the I/O map 12 KiB. */
#define VMCB_MSRPM_SIZE 0x2000u
#define VMCB_IOPM_SIZE 0x3000u

/* MSR 0xC0010117 VM_HSAVE_PA (§15.30.4); EFER.SVME is in abi/x86.h. */
#define MSR_VM_HSAVE_PA 0xC0010117u

struct vmcb_control {
	uint32_t intercept_cr;   /* 0x000: [15:0] reads, [31:16] writes */
	uint32_t intercept_dr;   /* 0x004 */
	uint32_t intercept_exc;  /* 0x008: one bit per vector */
	uint32_t intercept_misc1; /* 0x00C: VMCB_INTERCEPT_INTR.. */
	uint32_t intercept_misc2; /* 0x010: VMCB_INTERCEPT_VMRUN.. */
	uint32_t intercept_misc3; /* 0x014 */
	uint8_t rsvd_018[0x03C - 0x018];
	uint16_t pause_filter_thresh; /* 0x03C */
	uint16_t pause_filter_count;  /* 0x03E */
	uint64_t iopm_base_pa;   /* 0x040 */
	uint64_t msrpm_base_pa;  /* 0x048 */
	uint64_t tsc_offset;     /* 0x050 */
	uint32_t asid;           /* 0x058 */
	uint8_t tlb_control;     /* 0x05C */
	uint8_t rsvd_05d[3];
	uint64_t int_ctl;        /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING, ... */
	uint64_t int_shadow;     /* 0x068 */
	uint64_t exit_code;      /* 0x070 */
	uint64_t exit_info_1;    /* 0x078 */
	uint64_t exit_info_2;    /* 0x080 */
	uint64_t exit_int_info;  /* 0x088 */
	uint64_t np_ctl;         /* 0x090: VMCB_NP_ENABLE, SEV, SEV-ES */
	uint64_t avic_apic_bar;  /* 0x098 */
	uint64_t ghcb_gpa;       /* 0x0A0 */
	uint64_t event_inj;      /* 0x0A8 */
	uint64_t n_cr3;          /* 0x0B0 */
	uint64_t lbr_ctl;        /* 0x0B8 */
	uint32_t clean;          /* 0x0C0 */
	uint32_t rsvd_0c4;
	uint64_t next_rip;       /* 0x0C8: not saved under QEMU TCG (no NRIPS) */
	uint8_t insn_len;        /* 0x0D0 */
	uint8_t insn_bytes[15];  /* 0x0D1 */
	uint8_t rsvd_0e0[0x400 - 0x0E0];
} __attribute__((packed));

_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area, Table B-1");
_Static_assert(offsetof(struct vmcb_control, intercept_exc) == 0x008, "Table B-1 0x008");
_Static_assert(offsetof(struct vmcb_control, intercept_misc1) == 0x00C, "Table B-1 0x00C");
_Static_assert(offsetof(struct vmcb_control, intercept_misc2) == 0x010, "Table B-1 0x010");
_Static_assert(offsetof(struct vmcb_control, iopm_base_pa) == 0x040, "Table B-1 0x040");
_Static_assert(offsetof(struct vmcb_control, msrpm_base_pa) == 0x048, "Table B-1 0x048");
_Static_assert(offsetof(struct vmcb_control, asid) == 0x058, "Table B-1 0x058");
_Static_assert(offsetof(struct vmcb_control, tlb_control) == 0x05C, "Table B-1 0x05C");
_Static_assert(offsetof(struct vmcb_control, int_ctl) == 0x060, "Table B-1 0x060");
_Static_assert(offsetof(struct vmcb_control, int_shadow) == 0x068, "Table B-1 0x068");
_Static_assert(offsetof(struct vmcb_control, exit_code) == 0x070, "Table B-1 0x070");
_Static_assert(offsetof(struct vmcb_control, exit_info_1) == 0x078, "Table B-1 0x078");
_Static_assert(offsetof(struct vmcb_control, exit_info_2) == 0x080, "Table B-1 0x080");
_Static_assert(offsetof(struct vmcb_control, exit_int_info) == 0x088, "Table B-1 0x088");
_Static_assert(offsetof(struct vmcb_control, np_ctl) == 0x090, "Table B-1 0x090");
_Static_assert(offsetof(struct vmcb_control, event_inj) == 0x0A8, "Table B-1 0x0A8");
_Static_assert(offsetof(struct vmcb_control, n_cr3) == 0x0B0, "Table B-1 0x0B0");
_Static_assert(offsetof(struct vmcb_control, next_rip) == 0x0C8, "Table B-1 0x0C8");
_Static_assert(offsetof(struct vmcb_control, insn_bytes) == 0x0D1, "Table B-1 0x0D1");

/* Table B-2: the state save area (offsets from VMCB + 0x400). */
struct vmcb_save {
	struct vmsa_seg es, cs, ss, ds, fs, gs; /* 0x000 */
	struct vmsa_seg gdtr, ldtr, idtr, tr;   /* 0x060 */
	uint8_t rsvd_0a0[0x0CB - 0x0A0];
	uint8_t cpl;             /* 0x0CB */
	uint32_t rsvd_0cc;
	uint64_t efer;           /* 0x0D0 */
	uint8_t rsvd_0d8[0x148 - 0x0D8];
	uint64_t cr4;            /* 0x148 */
	uint64_t cr3;            /* 0x150 */
	uint64_t cr0;            /* 0x158 */
	uint64_t dr7;            /* 0x160 */
	uint64_t dr6;            /* 0x168 */
	uint64_t rflags;         /* 0x170 */
	uint64_t rip;            /* 0x178 */
	uint8_t rsvd_180[0x1D8 - 0x180];
	uint64_t rsp;            /* 0x1D8 */
	uint8_t rsvd_1e0[0x1F8 - 0x1E0];
	uint64_t rax;            /* 0x1F8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base; /* 0x200 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;    /* 0x228 */
	uint64_t cr2;            /* 0x240 */
	uint8_t rsvd_248[0x268 - 0x248];
	uint64_t g_pat;          /* 0x268 */
	uint64_t dbgctl;         /* 0x270 */
	uint64_t br_from, br_to, last_excp_from, last_excp_to; /* 0x278 */
	uint8_t rsvd_298[0xC00 - 0x298];
} __attribute__((packed));

_Static_assert(sizeof(struct vmcb_save) == 0xC00, "VMCB save area fills the page");
_Static_assert(offsetof(struct vmcb_save, cs) == 0x010, "Table B-2 CS");
_Static_assert(offsetof(struct vmcb_save, gdtr) == 0x060, "Table B-2 GDTR");
_Static_assert(offsetof(struct vmcb_save, tr) == 0x090, "Table B-2 TR");
_Static_assert(offsetof(struct vmcb_save, cpl) == 0x0CB, "Table B-2 CPL");
_Static_assert(offsetof(struct vmcb_save, efer) == 0x0D0, "Table B-2 EFER");
_Static_assert(offsetof(struct vmcb_save, cr4) == 0x148, "Table B-2 CR4");
_Static_assert(offsetof(struct vmcb_save, rflags) == 0x170, "Table B-2 RFLAGS");
_Static_assert(offsetof(struct vmcb_save, rip) == 0x178, "Table B-2 RIP");
_Static_assert(offsetof(struct vmcb_save, rsp) == 0x1D8, "Table B-2 RSP");
_Static_assert(offsetof(struct vmcb_save, rax) == 0x1F8, "Table B-2 RAX");
_Static_assert(offsetof(struct vmcb_save, star) == 0x200, "Table B-2 STAR");
_Static_assert(offsetof(struct vmcb_save, sysenter_cs) == 0x228, "Table B-2 SYSENTER_CS");
_Static_assert(offsetof(struct vmcb_save, cr2) == 0x240, "Table B-2 CR2");
_Static_assert(offsetof(struct vmcb_save, g_pat) == 0x268, "Table B-2 G_PAT");
_Static_assert(offsetof(struct vmcb_save, last_excp_to) == 0x290, "Table B-2 LASTEXCPTO");
/* The VMSA (SEV-ES) keeps these at the same offsets: the load/store copies field by field anyway. */
_Static_assert(offsetof(struct vmcb_save, rip) == offsetof(struct vmsa, rip), "VMSA = save area");
_Static_assert(offsetof(struct vmcb_save, g_pat) == offsetof(struct vmsa, g_pat), "VMSA = save area");

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
} __attribute__((packed));

_Static_assert(sizeof(struct vmcb) == 4096, "a VMCB is one page");
_Static_assert(offsetof(struct vmcb, save) == 0x400, "save area at 0x400");
