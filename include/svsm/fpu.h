/* SPDX-License-Identifier: MIT */
/*
 * SSE for the one user of it in the kernel: Debian's libmbedcrypto.a is
 * built for x86-64 userspace and uses XMM registers. Kernel C code itself
 * is built with -mgeneral-regs-only, so XMM state belongs to mbedTLS calls
 * alone and, with no preemption and no user mode yet, needs no saving.
 * CPL3 modules (modules issue) will have to save and restore it.
 */
#pragma once

/* CR0.EM = 0, CR0.MP = 1, CR0.TS = 0; CR4.OSFXSR and CR4.OSXMMEXCPT; FNINIT. On each CPU. */
void fpu_init(void);
