/* SPDX-License-Identifier: MIT */
/*
 * The GHCB (Guest-Hypervisor Communication Block): the MSR protocol, the
 * page layout, NAE exit codes and the page-state-change descriptor.
 * Every number: GHCB spec (56421), checked against Linux sev-common.h,
 * svm.h and uapi/asm/svm.h (docs/REFERENCES.md).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* APM vol. 2 (24593) §15.35, the GHCB MSR; bits 11:0 of a value are GHCBInfo (the request/response code). */
#define MSR_GHCB 0xC0010130u
#define GHCB_MSR_INFO_MASK 0xFFFull

/* GHCB spec (56421), GHCB MSR protocol: request / response codes (GHCBInfo). */
#define GHCB_MSR_SEV_INFO_RESP 0x001ull
#define GHCB_MSR_SEV_INFO_REQ 0x002ull
#define GHCB_MSR_CPUID_REQ 0x004ull
#define GHCB_MSR_CPUID_RESP 0x005ull
#define GHCB_MSR_AP_RESET_HOLD_REQ 0x006ull
#define GHCB_MSR_AP_RESET_HOLD_RESP 0x007ull
#define GHCB_MSR_PREF_GPA_REQ 0x010ull
#define GHCB_MSR_PREF_GPA_RESP 0x011ull
#define GHCB_MSR_REG_GPA_REQ 0x012ull
#define GHCB_MSR_REG_GPA_RESP 0x013ull
#define GHCB_MSR_PSC_REQ 0x014ull
#define GHCB_MSR_PSC_RESP 0x015ull
#define GHCB_MSR_RUN_VMPL_REQ 0x016ull
#define GHCB_MSR_RUN_VMPL_RESP 0x017ull
#define GHCB_MSR_HV_FEATURES_REQ 0x080ull
#define GHCB_MSR_HV_FEATURES_RESP 0x081ull
#define GHCB_MSR_TERM_REQ 0x100ull

/* GHCB MSR protocol: SEV information response fields. */
#define GHCB_SEV_INFO_MAX_SHIFT 48 /* [63:48] max protocol version */
#define GHCB_SEV_INFO_MIN_SHIFT 32 /* [47:32] min protocol version */
#define GHCB_SEV_INFO_CBIT_SHIFT 24 /* [31:24] C-bit position */
/* GHCB spec (56421): SNP requires GHCB protocol version 2 at least. */
#define GHCB_PROTOCOL_MIN 2
#define GHCB_PROTOCOL_MAX 2

/* GHCB MSR protocol, SNP page state change: [51:12] GFN, [55:52] operation. */
#define GHCB_MSR_PSC_GFN_SHIFT 12
#define GHCB_MSR_PSC_GFN_MASK 0xFFFFFFFFFFull /* 40 bits: [51:12] */
#define GHCB_MSR_PSC_OP_SHIFT 52
#define GHCB_PSC_OP_PRIVATE 1
#define GHCB_PSC_OP_SHARED 2
#define GHCB_PSC_OP_PSMASH 3 /* descriptor only (GHCB spec, Page State Change) */
#define GHCB_PSC_OP_UNSMASH 4 /* descriptor only (GHCB spec, Page State Change) */
/* GHCB MSR protocol, SNP Run VMPL: [39:32] target VMPL. Responses with an error carry it in [63:32]. */
#define GHCB_MSR_VMPL_SHIFT 32
#define GHCB_MSR_ERROR_SHIFT 32

/* GHCB MSR protocol, hypervisor feature support: feature bits (response [63:12] >> 12). */
#define GHCB_HV_FT_SNP (1ull << 0)
#define GHCB_HV_FT_SNP_AP_CREATION (1ull << 1)
#define GHCB_HV_FT_SNP_RESTRICTED_INJ (1ull << 2)
#define GHCB_HV_FT_SNP_RESTRICTED_INJ_TIMER (1ull << 3)
#define GHCB_HV_FT_APIC_ID_LIST (1ull << 4)
#define GHCB_HV_FT_SNP_MULTI_VMPL (1ull << 5)
/* What an SVSM needs from the hypervisor (COCONUT requires the same three). */
#define GHCB_HV_FT_SVSM_REQUIRED (GHCB_HV_FT_SNP | GHCB_HV_FT_SNP_AP_CREATION | \
				  GHCB_HV_FT_SNP_MULTI_VMPL)

/* GHCB MSR protocol, termination request: [15:12] reason set, [23:16] reason code. */
#define GHCB_TERM_SET_SHIFT 12
#define GHCB_TERM_CODE_SHIFT 16
/* Reason set 0 is GHCB-defined; set 1 is Linux's; set 3 is this SVSM's (docs/BOOT.md). */
#define GHCB_TERM_SET_GHCB 0
#define GHCB_TERM_GENERAL 0
#define GHCB_TERM_PROTOCOL_RANGE 1
#define GHCB_TERM_SNP_FEATURES 2
#define GHCB_TERM_SET_SVSM 3
/* Codes in set 3 (docs/BOOT.md lists them; 1 was "SNP entry not built" in earlier builds). */
#define SVSM_TERM_CPUID_PAGE 2        /* the CPUID page failed its checks */
#define SVSM_TERM_CBIT 3              /* C-bit differs between CPUID page, stage 2 and hypervisor */
#define SVSM_TERM_SECRETS_PAGE 4      /* the secrets page failed its checks */
#define SVSM_TERM_GHCB 5              /* the GHCB could not be made shared or registered */
#define SVSM_TERM_VC 6                /* #VC that cannot be handled before the console works */
/* Stage 1's SNP entry (stage1/snp_entry.c): it has no console, so each step has its code. */
#define SVSM_TERM_S1_LAUNCH_BLOCK 7   /* the launch block (EBX) is missing or inconsistent */
#define SVSM_TERM_S1_NOT_SNP 8        /* SEV_STATUS does not say SEV-SNP is active */
#define SVSM_TERM_S1_MEMMAP 9         /* the host's parameters (memory map, VP count) are unusable */
#define SVSM_TERM_S1_VALIDATE 10      /* a page of the SVSM region could not be made private and validated */
#define SVSM_TERM_S1_LOAD 11          /* the kernel, its region or its page tables */
#define SVSM_TERM_HEAP_VALIDATE 12    /* kernel: a page of the heap could not be made private and validated */
/* machine_exit(code) under SNP: 0x80 | the SVSM_EXIT_* code (include/svsm/exit_codes.h). */
#define SVSM_TERM_EXIT_BASE 0x80

/* GHCB spec (56421), GHCB layout: the page (4096 bytes, shared). Save-area fields the SVSM uses are named. */
/* The GHCB's shared buffer (GHCB spec 56421 §2.5): offset and size in the page. */
#define GHCB_SHARED_BUFFER_OFF 0x800u
#define GHCB_SHARED_BUFFER_SIZE 0x7F0u

struct ghcb {
	uint8_t rsvd_000[0x0CB];
	uint8_t cpl;               /* 0x0CB */
	uint8_t rsvd_0cc[0x140 - 0x0CC];
	uint64_t xss;              /* 0x140 */
	uint8_t rsvd_148[0x160 - 0x148];
	uint64_t dr7;              /* 0x160 */
	uint8_t rsvd_168[0x178 - 0x168];
	uint64_t rip;              /* 0x178 */
	uint8_t rsvd_180[0x1D8 - 0x180];
	uint64_t rsp;              /* 0x1D8 */
	uint8_t rsvd_1e0[0x1F8 - 0x1E0];
	uint64_t rax;              /* 0x1F8 */
	uint8_t rsvd_200[0x308 - 0x200];
	uint64_t rcx;              /* 0x308 */
	uint64_t rdx;              /* 0x310 */
	uint64_t rbx;              /* 0x318 */
	uint64_t rsvd_320;
	uint64_t rbp;              /* 0x328 */
	uint64_t rsi;              /* 0x330 */
	uint64_t rdi;              /* 0x338 */
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15; /* 0x340..0x378 */
	uint8_t rsvd_380[0x390 - 0x380];
	uint64_t sw_exit_code;     /* 0x390 */
	uint64_t sw_exit_info_1;   /* 0x398 */
	uint64_t sw_exit_info_2;   /* 0x3A0 */
	uint64_t sw_scratch;       /* 0x3A8 */
	uint8_t rsvd_3b0[0x3E8 - 0x3B0];
	uint64_t xcr0;             /* 0x3E8 */
	uint8_t valid_bitmap[16];  /* 0x3F0: bit i <=> the qword at offset 8*i */
	uint64_t x87_state_gpa;    /* 0x400 */
	uint8_t rsvd_408[0x800 - 0x408];
	uint8_t shared_buffer[GHCB_SHARED_BUFFER_SIZE]; /* 0x800 */
	uint8_t rsvd_ff0[10];
	uint16_t protocol_version; /* 0xFFA */
	uint32_t ghcb_usage;       /* 0xFFC: 0 = standard */
} __attribute__((packed));

_Static_assert(sizeof(struct ghcb) == 4096, "GHCB is one page");
_Static_assert(offsetof(struct ghcb, cpl) == 0x0CB, "GHCB CPL");
_Static_assert(offsetof(struct ghcb, xss) == 0x140, "GHCB XSS");
_Static_assert(offsetof(struct ghcb, dr7) == 0x160, "GHCB DR7");
_Static_assert(offsetof(struct ghcb, rip) == 0x178, "GHCB RIP");
_Static_assert(offsetof(struct ghcb, rsp) == 0x1D8, "GHCB RSP");
_Static_assert(offsetof(struct ghcb, rax) == 0x1F8, "GHCB RAX");
_Static_assert(offsetof(struct ghcb, rcx) == 0x308, "GHCB RCX");
_Static_assert(offsetof(struct ghcb, rdx) == 0x310, "GHCB RDX");
_Static_assert(offsetof(struct ghcb, rbx) == 0x318, "GHCB RBX");
_Static_assert(offsetof(struct ghcb, rbp) == 0x328, "GHCB RBP");
_Static_assert(offsetof(struct ghcb, rsi) == 0x330, "GHCB RSI");
_Static_assert(offsetof(struct ghcb, rdi) == 0x338, "GHCB RDI");
_Static_assert(offsetof(struct ghcb, r8) == 0x340, "GHCB R8");
_Static_assert(offsetof(struct ghcb, r15) == 0x378, "GHCB R15");
_Static_assert(offsetof(struct ghcb, sw_exit_code) == 0x390, "GHCB SW_EXITCODE");
_Static_assert(offsetof(struct ghcb, sw_exit_info_1) == 0x398, "GHCB SW_EXITINFO1");
_Static_assert(offsetof(struct ghcb, sw_exit_info_2) == 0x3A0, "GHCB SW_EXITINFO2");
_Static_assert(offsetof(struct ghcb, sw_scratch) == 0x3A8, "GHCB SW_SCRATCH");
_Static_assert(offsetof(struct ghcb, xcr0) == 0x3E8, "GHCB XCR0");
_Static_assert(offsetof(struct ghcb, valid_bitmap) == 0x3F0, "GHCB valid bitmap");
_Static_assert(offsetof(struct ghcb, x87_state_gpa) == 0x400, "GHCB X87 state GPA");
_Static_assert(offsetof(struct ghcb, shared_buffer) == GHCB_SHARED_BUFFER_OFF, "GHCB shared buffer");
_Static_assert(offsetof(struct ghcb, protocol_version) == 0xFFA, "GHCB protocol version");
_Static_assert(offsetof(struct ghcb, ghcb_usage) == 0xFFC, "GHCB usage");

#define GHCB_USAGE_STANDARD 0

/* GHCB spec (56421): the return convention in SW_EXITINFO1[31:0]. */
#define GHCB_RESULT_OK 0
#define GHCB_RESULT_INJECT 1 /* SW_EXITINFO2 = event to inject (EVENTINJ format) */
#define GHCB_RESULT_ERROR 2  /* SW_EXITINFO2[31:0] = one of the GHCB_ERR_* below */
#define GHCB_ERR_NOT_REGISTERED 1
#define GHCB_ERR_INVALID_USAGE 2
#define GHCB_ERR_INVALID_SCRATCH 3
#define GHCB_ERR_MISSING_INPUT 4
#define GHCB_ERR_INVALID_INPUT 5
#define GHCB_ERR_INVALID_EVENT 6

/* GHCB spec (56421), NAE events: exit codes (SW_EXITCODE): hardware-mirrored ones a #VC handler sees. */
#define SVM_EXIT_EXCP_BASE 0x40ull
#define SVM_EXIT_RDTSC 0x6Eull
#define SVM_EXIT_RDPMC 0x6Full
#define SVM_EXIT_CPUID 0x72ull
#define SVM_EXIT_INVD 0x76ull
#define SVM_EXIT_IOIO 0x7Bull
#define SVM_EXIT_MSR 0x7Cull
#define SVM_EXIT_VMMCALL 0x81ull
#define SVM_EXIT_RDTSCP 0x87ull
#define SVM_EXIT_WBINVD 0x89ull
#define SVM_EXIT_MONITOR 0x8Aull
#define SVM_EXIT_MWAIT 0x8Bull
#define SVM_EXIT_NPF 0x400ull
#define SVM_EXIT_VMGEXIT 0x403ull
/* #VC error code for an access to an unvalidated private page. */
#define SVM_EXIT_PAGE_NOT_VALIDATED 0x404ull

/* GHCB spec (56421): software-defined NAE exit codes. */
#define SVM_VMGEXIT_MMIO_READ 0x80000001ull
#define SVM_VMGEXIT_MMIO_WRITE 0x80000002ull
#define SVM_VMGEXIT_NMI_COMPLETE 0x80000003ull
#define SVM_VMGEXIT_AP_HLT_LOOP 0x80000004ull
#define SVM_VMGEXIT_AP_JUMP_TABLE 0x80000005ull
#define SVM_VMGEXIT_PSC 0x80000010ull
#define SVM_VMGEXIT_GUEST_REQUEST 0x80000011ull
#define SVM_VMGEXIT_EXT_GUEST_REQUEST 0x80000012ull
#define SVM_VMGEXIT_AP_CREATION 0x80000013ull
#define SVM_VMGEXIT_GET_APIC_IDS 0x80000017ull
#define SVM_VMGEXIT_SNP_RUN_VMPL 0x80000018ull
#define SVM_VMGEXIT_HV_FEATURES 0x8000FFFDull
#define SVM_VMGEXIT_TERM_REQUEST 0x8000FFFEull
#define SVM_VMGEXIT_UNSUPPORTED 0x8000FFFFull

/* GHCB spec (56421), SNP AP Creation: EXITINFO1 = request | vmpl << 16 | apic_id << 32. */
#define SVM_AP_CREATE_ON_INIT 0
#define SVM_AP_CREATE 1
#define SVM_AP_DESTROY 2
#define SVM_AP_VMPL_SHIFT 16
#define SVM_AP_APIC_ID_SHIFT 32

/* GHCB spec (56421), MSR NAE event: EXITINFO1 0 = RDMSR, 1 = WRMSR. */
#define SVM_MSR_READ 0
#define SVM_MSR_WRITE 1

/* IOIO exit information (EXITINFO1; APM vol. 2 (24593) §15.10.2, as the GHCB spec's IOIO NAE event uses it). */
#define SVM_IOIO_TYPE_IN (1ull << 0)
#define SVM_IOIO_STR (1ull << 2)
#define SVM_IOIO_REP (1ull << 3)
#define SVM_IOIO_SZ8 (1ull << 4)
#define SVM_IOIO_SZ16 (1ull << 5)
#define SVM_IOIO_SZ32 (1ull << 6)
#define SVM_IOIO_A16 (1ull << 7)
#define SVM_IOIO_A32 (1ull << 8)
#define SVM_IOIO_A64 (1ull << 9)
#define SVM_IOIO_SEG_SHIFT 10
#define SVM_IOIO_SEG_DS 3ull
#define SVM_IOIO_PORT_SHIFT 16

/* GHCB spec (56421), SNP Page State Change: the descriptor (in the shared buffer). */
struct psc_hdr {
	uint16_t cur_entry;
	uint16_t end_entry; /* inclusive */
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct psc_hdr) == 8, "PSC header");
_Static_assert(offsetof(struct psc_hdr, end_entry) == 2, "PSC end_entry");

/* Entry bits: [11:0] cur_page, [51:12] GFN, [55:52] operation, [56] 2 MiB. */
#define PSC_ENTRY_CUR_PAGE_MASK 0xFFFull
#define PSC_ENTRY_GFN_SHIFT 12
#define PSC_ENTRY_GFN_MASK 0xFFFFFFFFFFull
#define PSC_ENTRY_OP_SHIFT 52
#define PSC_ENTRY_OP_MASK 0xFull
#define PSC_ENTRY_2M (1ull << 56)
#define PSC_ENTRY_RSVD_MASK (0x7Full << 57)
/* (2032 - 8) / 8 entries fit in the shared buffer. */
#define PSC_MAX_ENTRIES 253

struct psc_desc {
	struct psc_hdr hdr;
	uint64_t entries[PSC_MAX_ENTRIES];
} __attribute__((packed));

_Static_assert(sizeof(struct psc_desc) == GHCB_SHARED_BUFFER_SIZE, "PSC fills the shared buffer");
