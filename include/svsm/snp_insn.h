/* SPDX-License-Identifier: MIT */
/*
 * The SNP guest instructions as the kernel executes them (APM vol. 3 (24594),
 * PVALIDATE and RMPADJUST; GHCB spec 56421, GHCB MSR protocol). Each faulting
 * instruction is caught by the exception table and reported as
 * INSN_RC_FAULTED (svsm/insn_rc.h). Kernel only: on anything but SNP hardware
 * PVALIDATE/RMPADJUST raise #UD (docs/REFERENCES.md, measured under QEMU 7.2).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "svsm/addr.h"
#include "svsm/insn_rc.h"

/* PVALIDATE of the page mapped at va: EAX or INSN_RC_FAULTED; *cf = rFLAGS.CF. Matches snp_pvalidate_fn. */
insn_rc snp_insn_pvalidate(void *ctx, vaddr_t va, unsigned page_size, bool validate, bool *cf);
/* RMPADJUST of the page mapped at va: EAX or INSN_RC_FAULTED. */
insn_rc snp_insn_rmpadjust(vaddr_t va, unsigned page_size, uint64_t attrs);
/* MSR protocol: GHCB MSR = req, VMGEXIT, read the answer, put the previous MSR value back. */
uint64_t snp_insn_msr_exchange(void *ctx, uint64_t req);
/* GHCB protocol: GHCB MSR = ghcb_gpa, VMGEXIT. */
void snp_insn_vmgexit(void *ctx, uint64_t ghcb_gpa);
/* VMGEXIT with MSR_GHCB left as it is (struct snp_hv.vmgexit_again). */
void snp_insn_vmgexit_again(void *ctx);
/* Termination request through the MSR protocol; never returns (GHCB spec, MSR protocol). */
__attribute__((noreturn)) void snp_insn_terminate(unsigned set, unsigned code);
