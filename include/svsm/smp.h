/* SPDX-License-Identifier: MIT */
/*
 * The SVSM's other CPUs (svsm/cpu/smp.c). The boot CPU starts each AP
 * with INIT-SIPI-SIPI through the real-mode trampoline (svsm/cpu/ap_tramp.S);
 * the AP builds its own tables and per-CPU region, loads the IDT, sets up
 * SSE, SYSCALL and its APIC timer, reports in, and runs the work the
 * kernel gave it (smp_set_ap_work), or halts.
 */
#pragma once

#include <stdint.h>

#define SMP_MAX_CPUS 8
/* The trampoline's page: below 1 MiB (a SIPI vector is a page number), in no one's memory. */
#define AP_TRAMP_BASE 0x8000ull

/*
 * Starts the APs of this machine: APIC IDs 1..N-1 where N is the core
 * count CPUID 0x80000008 ECX[7:0] + 1 gives (QEMU numbers its CPUs so),
 * at most SMP_MAX_CPUS. Returns how many answered within 100 ms each.
 */
unsigned smp_start_aps(void);
/*
 * Under SNP: starts APIC IDs 1..n-1 (at most SMP_MAX_CPUS) from VMSAs
 * with AP creation (GHCB spec 56421 §4.1.9), each at VMPL0 with
 * sev_features, in this CPU's long mode; prepare runs first on each, on
 * its own stack, before anything that may exit (SNP: its GHCB). CPU
 * index = APIC ID. Not waited for: each AP logs when it is up. Returns
 * how many the hypervisor accepted.
 */
unsigned smp_start_aps_vmsa(unsigned n, uint64_t sev_features, void (*prepare)(unsigned cpu));
/* CPUs running: the boot CPU and the APs that answered. */
unsigned smp_cpus(void);
/* What an AP runs once it is up (called on that AP with its index); NULL: it halts. */
void smp_set_ap_work(void (*work)(unsigned cpu));
