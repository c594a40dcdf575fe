/* SPDX-License-Identifier: MIT */
/*
 * The kernel's virtual address-space layout (docs/ARCHITECTURE.md has the
 * table). PML4 slots 256-511 are the kernel half; every slot but the
 * per-CPU one is shared by all CPUs' top-level tables, and those shared
 * slots are all created at boot, before the first per-CPU table copies
 * them, so they never diverge.
 */
#pragma once

#include "svsm/boot_info.h"

#define LAYOUT_DIRECT_MAP_BASE SVSM_DIRECT_MAP_BASE /* slot 256: SVSM-owned RAM only */
#define LAYOUT_KERNEL_BASE SVSM_KERNEL_VA_BASE      /* slot 511: the kernel image */

/*
 * Slot 510: the per-CPU region. Same virtual addresses on every CPU, each
 * CPU's own pages behind them. Unmapped gaps are guard pages.
 */
#define PERCPU_BASE 0xFFFFFF0000000000ull
#define PERCPU_SLOT 510
#define PERCPU_DATA (PERCPU_BASE + 0x1000ull) /* struct percpu, 2 pages */
#define PERCPU_DATA_SIZE 0x2000ull
/* Stack i (0: kernel stack, 1-5: IST1-5) is the top 16 KiB of a 32 KiB slot. */
#define PERCPU_STACKS (PERCPU_BASE + 0x10000ull)
#define PERCPU_STACK_SLOT 0x8000ull
#define PERCPU_STACK_SIZE 0x4000ull
#define PERCPU_NSTACKS 7 /* 0 kernel, 1..5 IST, 6 syscalls from CPL3 (PERCPU_SYSCALL_STACK) */
#define PERCPU_SYSCALL_STACK 6
#define PERCPU_STACK_TOP(i) (PERCPU_STACKS + ((i) + 1) * PERCPU_STACK_SLOT)
#define PERCPU_STACK_BOTTOM(i) (PERCPU_STACK_TOP(i) - PERCPU_STACK_SIZE)
/* This CPU's local APIC registers (xAPIC MMIO page), for the task preemption timer. */
#define PERCPU_LAPIC (PERCPU_BASE + 0x100000ull)
/* A 2 MiB window of 512 page slots for temporary mappings (guest memory). */
#define PERCPU_TMP_BASE (PERCPU_BASE + 0x200000ull)
#define PERCPU_TMP_PAGES 512
/* Free for per-CPU test mappings (the self-tests use it). */
#define PERCPU_SCRATCH_BASE (PERCPU_BASE + 0x40000000ull)

_Static_assert(PERCPU_STACK_TOP(PERCPU_NSTACKS - 1) <= PERCPU_LAPIC, "stacks end below the APIC page");
_Static_assert(PERCPU_LAPIC + 0x1000 <= PERCPU_TMP_BASE, "the APIC page is below the window");
_Static_assert(((PERCPU_BASE >> 39) & 511) == PERCPU_SLOT, "per-CPU region is PML4 slot 510");
