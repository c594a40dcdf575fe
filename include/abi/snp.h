/* SPDX-License-Identifier: MIT */
/*
 * SNP guest opcodes (PVALIDATE, RMPADJUST, VMGEXIT) and SEV feature
 * bits. Numbers: APM vol. 3 (24594) PVALIDATE, RMPADJUST, VMGEXIT; APM
 * vol. 2 (24593) §15.34.10 SEV_STATUS and §15.36 SEV-SNP (docs/REFERENCES.md).
 */
#pragma once

/* APM vol. 3 instruction encodings (emitted as .byte so any assembler accepts them). */
#define SNP_INSN_PVALIDATE ".byte 0xF2, 0x0F, 0x01, 0xFF"
#define SNP_INSN_RMPADJUST ".byte 0xF3, 0x0F, 0x01, 0xFE"
#define SNP_INSN_VMGEXIT ".byte 0xF3, 0x0F, 0x01, 0xD9" /* rep; vmmcall */

/* APM vol. 3, PVALIDATE and RMPADJUST: page size operand (RCX). */
#define RMP_PG_SIZE_4K 0
#define RMP_PG_SIZE_2M 1

/* APM vol. 3, PVALIDATE and RMPADJUST: return codes (EAX). */
#define PVALIDATE_SUCCESS 0
#define PVALIDATE_FAIL_INPUT 1
#define PVALIDATE_FAIL_SIZEMISMATCH 6
#define RMPADJUST_SUCCESS 0
#define RMPADJUST_FAIL_INPUT 1
#define RMPADJUST_FAIL_PERMISSION 2
#define RMPADJUST_FAIL_INUSE 3 /* the page is a VMSA some CPU runs (AMD APM vol.3, RMPADJUST) */
#define RMPADJUST_FAIL_SIZEMISMATCH 6
/*
 * APM vol. 3, PVALIDATE: EAX = 0 with CF = 1 means "the Validated bit already
 * had the requested value". Software-defined (COCONUT FAIL_UNCHANGED), distinct
 * from every hardware code; surfaces to SVSM callers as 0x80001010.
 */
#define PVALIDATE_FAIL_UNCHANGED 0x10
/*
 * SVSM spec §6.2: the architecture defines EAX codes 0x0-0xF; an EAX
 * beyond that surfaces as 0x80001011. Software-defined, like the above.
 */
#define PVALIDATE_FAIL_UNKNOWN 0x11
#define SNP_INSN_CODE_MAX 0xF

/* APM vol. 3, RMPADJUST: attributes (RDX). */
#define RMPADJUST_TARGET_VMPL_MASK 0xFFull
#define RMP_PERM_READ (1ull << 8)
#define RMP_PERM_WRITE (1ull << 9)
#define RMP_PERM_X_USER (1ull << 10)
#define RMP_PERM_X_SUPER (1ull << 11)
#define RMP_PERM_MASK (RMP_PERM_READ | RMP_PERM_WRITE | RMP_PERM_X_USER | RMP_PERM_X_SUPER)
#define RMP_PERM_ALL RMP_PERM_MASK
#define RMPADJUST_VMSA (1ull << 16)
#define RMPADJUST_RSVD_MASK (~(RMPADJUST_TARGET_VMPL_MASK | RMP_PERM_MASK | RMPADJUST_VMSA))

/* VMPLs: 0 (the SVSM) to 3. */
#define SNP_VMPL_COUNT 4

/* SEV_FEATURES bits (VMSA offset 0x3B0, APM vol. 2 appendix B); SEV_STATUS bit n+2 = SEV_FEATURES bit n (APM vol. 2 §15.34.10). */
#define SEV_FEAT_SNP_ACTIVE (1ull << 0)
#define SEV_FEAT_VTOM (1ull << 1)
#define SEV_FEAT_REFLECT_VC (1ull << 2)
#define SEV_FEAT_RESTRICTED_INJ (1ull << 3)
#define SEV_FEAT_ALTERNATE_INJ (1ull << 4)
#define SEV_FEAT_DEBUG_SWAP (1ull << 5)
#define SEV_FEAT_PREVENT_HOST_IBS (1ull << 6)
#define SEV_FEAT_BTB_ISOLATION (1ull << 7)
#define SEV_FEAT_VMPL_SSS (1ull << 8)
#define SEV_FEAT_SECURE_TSC (1ull << 9)
#define SEV_FEAT_VMGEXIT_PARAM (1ull << 10)
#define SEV_FEAT_VMSA_REG_PROT (1ull << 14)
#define SEV_FEAT_SMT_PROT (1ull << 15)
#define SEV_STATUS_TO_FEATURES(s) ((s) >> 2)
