/* SPDX-License-Identifier: MIT */
/*
 * The VMSA (SEV-ES/SNP save area, one 4 KiB page). Offsets: APM vol. 2 (24593)
 * appendix B, the VMCB state save area as SEV-ES extends it, checked against
 * Linux svm.h sev_es_save_area (docs/REFERENCES.md). Every field CREATE_VCPU
 * checks or guest launch sets is named; the rest is reserved padding.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* APM vol. 2 appendix B: a segment is {selector, compressed attributes, limit, base}. */
struct vmsa_seg {
	uint16_t selector;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
} __attribute__((packed));

_Static_assert(sizeof(struct vmsa_seg) == 16, "VMSA segment");

/*
 * attrib is the descriptor's attribute bits compressed (APM vol.2 §15.5.1,
 * VMCB segment state): [7:0] type, S, DPL, P; [11:8] AVL, L, D/B, G.
 */
#define VMSA_SEG_ATTR_DPL_SHIFT 5
#define VMSA_SEG_ATTR_L (1u << 9)

struct vmsa {
	struct vmsa_seg es, cs, ss, ds, fs, gs; /* 0x000..0x050 */
	struct vmsa_seg gdtr, ldtr, idtr, tr;   /* 0x060..0x090 */
	uint64_t pl0_ssp, pl1_ssp, pl2_ssp, pl3_ssp; /* 0x0A0 */
	uint64_t u_cet;          /* 0x0C0 */
	uint8_t rsvd_0c8[2];
	uint8_t vmpl;            /* 0x0CA */
	uint8_t cpl;             /* 0x0CB */
	uint8_t rsvd_0cc[4];
	uint64_t efer;           /* 0x0D0 */
	uint8_t rsvd_0d8[0x140 - 0x0D8];
	uint64_t xss;            /* 0x140 */
	uint64_t cr4;            /* 0x148 */
	uint64_t cr3;            /* 0x150 */
	uint64_t cr0;            /* 0x158 */
	uint64_t dr7;            /* 0x160 */
	uint64_t dr6;            /* 0x168 */
	uint64_t rflags;         /* 0x170 */
	uint64_t rip;            /* 0x178 */
	uint64_t dr0, dr1, dr2, dr3; /* 0x180 */
	uint64_t dr0_mask, dr1_mask, dr2_mask, dr3_mask; /* 0x1A0 */
	uint8_t rsvd_1c0[0x1D8 - 0x1C0];
	uint64_t rsp;            /* 0x1D8 */
	uint64_t s_cet;          /* 0x1E0 */
	uint64_t ssp;            /* 0x1E8 */
	uint64_t isst_addr;      /* 0x1F0 */
	uint64_t rax;            /* 0x1F8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base; /* 0x200 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip, cr2; /* 0x228 */
	uint8_t rsvd_248[0x268 - 0x248];
	uint64_t g_pat;          /* 0x268 */
	uint64_t dbgctl;         /* 0x270 */
	uint64_t br_from, br_to, last_excp_from, last_excp_to; /* 0x278 */
	uint8_t rsvd_298[0x2E0 - 0x298];
	uint64_t spec_ctrl;      /* 0x2E0 */
	uint32_t pkru;           /* 0x2E8 */
	uint32_t tsc_aux;        /* 0x2EC */
	uint64_t guest_tsc_scale;  /* 0x2F0 */
	uint64_t guest_tsc_offset; /* 0x2F8 */
	uint64_t reg_prot_nonce; /* 0x300 */
	uint64_t rcx;            /* 0x308 */
	uint64_t rdx;            /* 0x310 */
	uint64_t rbx;            /* 0x318 */
	uint64_t rsvd_320;
	uint64_t rbp, rsi, rdi;  /* 0x328 */
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15; /* 0x340 */
	uint8_t rsvd_380[0x390 - 0x380];
	uint64_t guest_exit_info_1;   /* 0x390 */
	uint64_t guest_exit_info_2;   /* 0x398 */
	uint64_t guest_exit_int_info; /* 0x3A0 */
	uint64_t guest_nrip;          /* 0x3A8 */
	uint64_t sev_features;        /* 0x3B0 */
	uint64_t vintr_ctrl;          /* 0x3B8 */
	uint64_t guest_exit_code;     /* 0x3C0 */
	uint64_t virtual_tom;         /* 0x3C8 */
	uint64_t tlb_id;              /* 0x3D0 */
	uint64_t pcpu_id;             /* 0x3D8 */
	uint64_t event_inj;           /* 0x3E0 */
	uint64_t xcr0;                /* 0x3E8 */
	uint8_t rsvd_3f0[0x400 - 0x3F0];
	uint64_t x87_dp;              /* 0x400 */
	uint32_t mxcsr;               /* 0x408 */
	uint16_t x87_ftw;             /* 0x40C */
	uint16_t x87_fsw;             /* 0x40E */
	uint16_t x87_fcw;             /* 0x410 */
	uint16_t x87_fop;             /* 0x412 */
	uint16_t x87_ds;              /* 0x414 */
	uint16_t x87_cs;              /* 0x416 */
	uint64_t x87_rip;             /* 0x418 */
	uint8_t fpreg_x87[80];        /* 0x420 */
	uint8_t fpreg_xmm[256];       /* 0x470 */
	uint8_t fpreg_ymm[256];       /* 0x570 */
	uint8_t rsvd_670[0x1000 - 0x670];
} __attribute__((packed));

_Static_assert(sizeof(struct vmsa) == 4096, "VMSA is one page");
_Static_assert(offsetof(struct vmsa, cs) == 0x010, "VMSA CS");
_Static_assert(offsetof(struct vmsa, gdtr) == 0x060, "VMSA GDTR");
_Static_assert(offsetof(struct vmsa, tr) == 0x090, "VMSA TR");
_Static_assert(offsetof(struct vmsa, pl0_ssp) == 0x0A0, "VMSA PL0_SSP");
_Static_assert(offsetof(struct vmsa, u_cet) == 0x0C0, "VMSA U_CET");
_Static_assert(offsetof(struct vmsa, vmpl) == 0x0CA, "VMSA VMPL");
_Static_assert(offsetof(struct vmsa, cpl) == 0x0CB, "VMSA CPL");
_Static_assert(offsetof(struct vmsa, efer) == 0x0D0, "VMSA EFER");
_Static_assert(offsetof(struct vmsa, xss) == 0x140, "VMSA XSS");
_Static_assert(offsetof(struct vmsa, cr0) == 0x158, "VMSA CR0");
_Static_assert(offsetof(struct vmsa, rflags) == 0x170, "VMSA RFLAGS");
_Static_assert(offsetof(struct vmsa, rip) == 0x178, "VMSA RIP");
_Static_assert(offsetof(struct vmsa, dr0_mask) == 0x1A0, "VMSA DR0 mask");
_Static_assert(offsetof(struct vmsa, rsp) == 0x1D8, "VMSA RSP");
_Static_assert(offsetof(struct vmsa, rax) == 0x1F8, "VMSA RAX");
_Static_assert(offsetof(struct vmsa, star) == 0x200, "VMSA STAR");
_Static_assert(offsetof(struct vmsa, cr2) == 0x240, "VMSA CR2");
_Static_assert(offsetof(struct vmsa, g_pat) == 0x268, "VMSA G_PAT");
_Static_assert(offsetof(struct vmsa, last_excp_to) == 0x290, "VMSA LAST_EXCP_TO");
_Static_assert(offsetof(struct vmsa, spec_ctrl) == 0x2E0, "VMSA SPEC_CTRL");
_Static_assert(offsetof(struct vmsa, tsc_aux) == 0x2EC, "VMSA TSC_AUX");
_Static_assert(offsetof(struct vmsa, reg_prot_nonce) == 0x300, "VMSA REG_PROT_NONCE");
_Static_assert(offsetof(struct vmsa, rcx) == 0x308, "VMSA RCX");
_Static_assert(offsetof(struct vmsa, rbp) == 0x328, "VMSA RBP");
_Static_assert(offsetof(struct vmsa, r8) == 0x340, "VMSA R8");
_Static_assert(offsetof(struct vmsa, r15) == 0x378, "VMSA R15");
_Static_assert(offsetof(struct vmsa, guest_exit_info_1) == 0x390, "VMSA EXIT_INFO_1");
_Static_assert(offsetof(struct vmsa, guest_nrip) == 0x3A8, "VMSA NRIP");
_Static_assert(offsetof(struct vmsa, sev_features) == 0x3B0, "VMSA SEV_FEATURES");
_Static_assert(offsetof(struct vmsa, guest_exit_code) == 0x3C0, "VMSA GUEST_EXIT_CODE");
_Static_assert(offsetof(struct vmsa, virtual_tom) == 0x3C8, "VMSA VIRTUAL_TOM");
_Static_assert(offsetof(struct vmsa, event_inj) == 0x3E0, "VMSA EVENT_INJ");
_Static_assert(offsetof(struct vmsa, xcr0) == 0x3E8, "VMSA XCR0");
_Static_assert(offsetof(struct vmsa, x87_dp) == 0x400, "VMSA X87_DP");
_Static_assert(offsetof(struct vmsa, mxcsr) == 0x408, "VMSA MXCSR");
_Static_assert(offsetof(struct vmsa, x87_fcw) == 0x410, "VMSA FCW");
_Static_assert(offsetof(struct vmsa, x87_rip) == 0x418, "VMSA X87_RIP");
_Static_assert(offsetof(struct vmsa, fpreg_x87) == 0x420, "VMSA X87 registers");
_Static_assert(offsetof(struct vmsa, fpreg_xmm) == 0x470, "VMSA XMM");
_Static_assert(offsetof(struct vmsa, fpreg_ymm) == 0x570, "VMSA YMM");

/* SVSM spec (58019), SVSM_CORE_CREATE_VCPU: EFER.SVME in a guest VMSA marks it runnable (COCONUT, CREATE_VCPU checks it). */
#define VMSA_EFER_SVME (1ull << 12)
/* APM vol. 2 appendix B: compressed segment attributes. */
#define VMSA_ATTR_CODE_REAL 0x9B
#define VMSA_ATTR_DATA 0x93
#define VMSA_ATTR_CODE64 0xA9B
#define VMSA_ATTR_LDT 0x82
#define VMSA_ATTR_TSS_BUSY 0x8B
