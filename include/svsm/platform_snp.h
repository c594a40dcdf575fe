/* SPDX-License-Identifier: MIT */
/*
 * The snp backend (svsm/platform/snp): the SVSM at VMPL0 of a real SEV-SNP
 * guest. Kernel only. Under SNP nothing that traps (CPUID, port I/O, most
 * MSRs) works until the GHCB exists, so the kernel starts it before the
 * platform probe when it was entered through the SNP entry, holding
 * console output until then (console_hold).
 */
#pragma once

#include "abi/snp_pages.h"
#include "svsm/boot_info.h"
#include "svsm/platform.h"

/*
 * Checks the CPUID and secrets pages, negotiates the GHCB protocol, checks
 * the hypervisor's features, makes this CPU's GHCB shared and registers
 * it, installs the #VC handler and attaches the console (its port I/O then
 * goes through the #VC handler's IOIO path).
 * Nothing can be reported before the GHCB works, so any failure ends the
 * VM with a GHCB termination reason (include/abi/ghcb.h, set 3 or set 0).
 */
void snp_early_init(const struct boot_info *bi);
/*
 * Before the heap exists (mm_init on the SNP entry): makes [pa, pa + size)
 * private and validated page by page (MSR-protocol page state change,
 * then PVALIDATE through stage 2's direct map). A page the hypervisor
 * refuses, or that PVALIDATE finds already validated (it was never ours
 * to find so), ends the VM (set 3, SVSM_TERM_HEAP_VALIDATE).
 */
void snp_early_validate(uint64_t pa, uint64_t size);
struct snp_hv;
/*
 * Gives the calling CPU its own GHCB (a heap page made shared and
 * registered) on the channel hv, which must live as long as the CPU.
 * snp_early_init does it for the boot CPU; an AP running SVSM code must
 * call it before anything that raises #VC.
 */
void snp_cpu_init(struct snp_hv *hv);
/* snp_cpu_init for AP `cpu` (1..SMP_MAX_CPUS-1) on a channel of its own: smp_start_aps_vmsa's prepare step. */
void snp_ap_prepare(unsigned cpu);
/*
 * A page of SVSM heap made shared for talking to the hypervisor (GHCB,
 * guest-request pages): rescinded (PVALIDATE), converted by an MSR-protocol
 * page state change on hv, mapped in the direct map without the C-bit and
 * zeroed; *va is that mapping. SVSM_OK, or SVSM_EIO (the page may then be
 * in any state: the caller must not give it back to the heap).
 */
int snp_share_heap_page(struct snp_hv *hv, uint64_t pa, void **va);
/* This CPU's GHCB channel (for snp_share_heap_page). */
struct snp_hv *snp_hv_this(void);
/* The CPUID table snp_early_init checked (what the guest's CPUID page gets), or NULL before. */
const struct snp_cpuid_table *snp_cpuid_table(void);
/* The firmware's secrets page (it holds VMPCK0-3: map it private, never copy it out), or 0 before. */
uint64_t snp_secrets_gpa(void);
/* The backend once snp_early_init has run; NULL before (platform_select refuses SNP then). */
const struct platform_ops *snp_platform_ops(void);
/* machine_exit under SNP: a termination request with code SVSM_TERM_EXIT_BASE | code. */
__attribute__((noreturn)) void snp_machine_exit(unsigned code);
