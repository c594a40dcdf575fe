/* SPDX-License-Identifier: MIT */
/*
 * The chip vsnp emulates: what its PSP model is made from. The chip's
 * keys (ARK, ASK, VCEK, include/vsnp/psp_model.h) come from a fixed seed
 * that is public on purpose: vsnp gives no confidentiality, and a relying
 * party on the host rebuilds the same chain from it (tools/vsnp-certs),
 * the way one fetches a real chip's VCEK from AMD. The VMPCKs are not
 * derived from it: vsnp draws them fresh for every launch.
 */
#pragma once

/* 32 bytes: the PSP model's seed (psp_model_init). */
#define VSNP_CHIP_SEED "svsm-c vsnp test chip: public!!!"

/*
 * The guest policy reports carry: bit 17 reserved, must be one; bit 16
 * SMT allowed (SNP firmware ABI "Guest Policy", as Linux's
 * include/linux/psp-sev.h SNP_POLICY_MASK_*; QEMU's sev-snp-guest default).
 */
#define VSNP_GUEST_POLICY 0x30000ull

/*
 * The chip's CPUID signature (Fn0000_0001_EAX, also Fn8000_0001_EAX):
 * family 19h, model 01h, stepping 1, an EPYC 7003 ("Milan" B1) part, a
 * family that has SEV-SNP (AMD Revision Guide for Family 19h Models
 * 00h-0Fh, document 56683: CPUID 00A00F11h). QEMU's EPYC model says
 * family 17h, which has no SNP and which SNP tooling refuses; the guest's
 * CPUID page and the reports' CPUID_FAM_ID/MOD_ID/STEP all carry this one.
 */
#define VSNP_CHIP_CPUID_1_EAX 0x00A00F11u
