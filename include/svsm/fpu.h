/* SPDX-License-Identifier: MIT */
/*
 * SSE for the one user of it in the kernel: Debian's libmbedcrypto.a is
 * built for x86-64 userspace and uses XMM registers. Kernel C code itself
 * is built with -mgeneral-regs-only, so XMM state belongs to mbedTLS calls
 * alone and needs no saving across them. CPL3 tasks have their own state:
 * svsm/task/task.c restores it with FXRSTOR when a task runs, saves it with
 * FXSAVE when the task stops, and resets the kernel's (FNINIT, MXCSR).
 */
#pragma once

/* CR0.EM = 0, CR0.MP = 1, CR0.TS = 0; CR4.OSFXSR and CR4.OSXMMEXCPT; FNINIT. On each CPU. */
void fpu_init(void);
