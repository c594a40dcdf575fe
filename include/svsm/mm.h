/* SPDX-License-Identifier: MIT */
/*
 * The kernel's memory management on top of the portable mm/ code: the
 * SVSM heap in the buddy allocator, the kernel page tables, each CPU's
 * top-level table and per-CPU region, the temporary-mapping window, and
 * guest-memory copies.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/buddy.h"
#include "mm/memmap.h"
#include "mm/pgtable.h"
#include "svsm/boot_info.h"
#include "svsm/guest_mem.h"
#include "svsm/addr.h"

/* Default size of the SVSM heap taken from usable RAM at boot (2 MiB aligned). */
/*
 * The kernel and CPL3 modules: 2.1 MiB in use at most in the main job, the
 * vTPM 1.6 MiB of it (its code and constants are mapped in place from the
 * kernel image, not copied). With the SVSM region (kernel image, module
 * archive, boot tables) of 8 MiB, the SVSM keeps 16 MiB of the VM's memory.
 */
#define SVSM_HEAP_SIZE (8ull << 20)
/* Pages a guest copy maps at a time in the temporary window. */
#define GUEST_COPY_CHUNK_PAGES 16

struct svsm_boot;

/* Takes the heap out of the usable (guest) memory and starts the buddy allocator and kmalloc. */
void mm_init(struct svsm_boot *b);
struct buddy *mm_buddy(void);
/* SVSM-owned physical memory (SVSM region and heap): the only RAM the direct map covers. */
const struct memmap *mm_svsm_memory(void);
/* Physical RAM the SVSM does not own: what guest copies may touch. */
const struct memmap *mm_guest_memory(void);
/*
 * Gives the guest the usable RAM below 1 MiB that the boot map kept out
 * of guest RAM (a BIOS's area on a plain machine). Only for a launch
 * under SNP, where nothing of the SVSM lives there (its APs start from
 * VMSAs, not a real-mode trampoline) and a guest may need it: Linux puts
 * its AP trampoline there. Before the guest runs. SVSM_OK or memmap's error.
 */
int mm_guest_memory_add_low(const struct boot_info *bi);
/*
 * Gives the guest [start, end) (page aligned): pages of the launch the
 * SVSM no longer needs (svsm.img's, once the kernel runs from its region),
 * which the caller has rescinded. Refused (SVSM_EINVAL) where they would
 * touch the SVSM's memory. Before the guest runs. SVSM_OK or memmap's error.
 */
int mm_guest_memory_give(uint64_t start, uint64_t end);

/* Builds the kernel half (image W^X, direct map), then moves the boot CPU onto its own tables,
 * per-CPU region and kernel stack, and calls cont there. Does not return. */
__attribute__((noreturn)) void vm_boot_cpu_switch(void (*cont)(void));
/*
 * The same for an AP (svsm/cpu/smp.c), on a stack of its own: its own
 * top-level table, per-CPU region and struct percpu (cpu_index), then cont
 * on its per-CPU kernel stack. Does not return.
 */
__attribute__((noreturn)) void vm_ap_cpu_switch(unsigned cpu_index, void (*cont)(void));
/* The shared kernel half's page tables (master copy of slots 256-511 but the per-CPU one). */
/*
 * pgtable_ops parts for tables in the direct map, flushed on this CPU
 * with INVLPG: the kernel's tables and the tasks' (svsm/task/task.c).
 */
void *vm_table_va(void *ctx, uint64_t pa);
void vm_flush_page(void *ctx, uint64_t va);
struct pgtable *vm_kernel_pt(void);
/* This CPU's page tables (its top-level table is the one in CR3). */
struct pgtable *vm_cpu_pt(void);

/*
 * Maps npages at pa into this CPU's temporary window: SVSM_OK and *va,
 * SVSM_ENOSPC when no run of npages free slots is left, SVSM_EINVAL for
 * 0 or more than PERCPU_TMP_PAGES pages. Never allocates memory.
 */
int tmpmap(paddr_t pa, size_t npages, unsigned flags, void **va);
/* Unmaps what tmpmap mapped (same va and npages), with INVLPG per page. */
void tmpunmap(void *va, size_t npages);
