/* SPDX-License-Identifier: MIT */
/*
 * The kernel's page tables. One master table holds the shared kernel half:
 * the image (W^X by section) and the direct map of SVSM-owned memory. Each
 * CPU gets its own top-level table that copies the master's kernel-half
 * entries (they point at the same lower tables, so later changes below
 * them are seen by every CPU) and has its own per-CPU region in slot 510.
 * TLB rules: docs/ARCHITECTURE.md §TLB policy.
 */
#include "abi/x86.h"
#include "lib/cpu.h"
#include "lib/string.h"
#include "mm/layout.h"
#include "svsm/cr.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/mm.h"
#include "svsm/panic.h"
#include "svsm/percpu.h"
#include "svsm/stacks.h"

extern uint8_t __kernel_start[], __rodata_start[], __data_start[], __kernel_end[];
__attribute__((noreturn)) void stack_switch_call(uint64_t rsp, void (*fn)(void));

static struct pgtable kernel_pt;
static void (*boot_continue)(void);

static uint64_t table_alloc(void *ctx)
{
	(void)ctx;
	uint64_t pa = buddy_alloc(mm_buddy(), 0);

	if (pa != MM_PA_NONE)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

void *vm_table_va(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

void vm_flush_page(void *ctx, uint64_t va)
{
	(void)ctx;
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* Toggling CR4.PGE drops every translation, global ones included (APM vol.2 §5.5.2). */
static void flush_all(void *ctx)
{
	uint64_t cr4;

	(void)ctx;
	cr4 = cr4_read();
	cr4_write(cr4 & ~(uint64_t)CR4_PGE);
	cr4_write(cr4);
}

static const struct pgtable_ops kernel_ops = { table_alloc, vm_table_va, vm_flush_page, flush_all, NULL };

struct pgtable *vm_kernel_pt(void)
{
	return &kernel_pt;
}

struct pgtable *vm_cpu_pt(void)
{
	return &this_cpu()->pt;
}

static void map_or_panic(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size,
			 unsigned flags, const char *what)
{
	int err = pgt_map(pt, va, pa, size, flags);

	if (err != SVSM_OK)
		panic("vm: mapping %s (0x%llx+0x%llx) failed: error %d", what,
		      (unsigned long long)va, (unsigned long long)size, err);
}

static void build_kernel_half(const struct svsm_boot *b)
{
	const struct boot_info *bi = &b->bi;
	uint64_t kstart = (uint64_t)(uintptr_t)__kernel_start;
	const struct memmap *own = mm_svsm_memory();
	struct {
		uint8_t *start, *end;
		unsigned flags;
		const char *what;
	} sections[] = {
		{ __kernel_start, __rodata_start, PGT_EXEC, "kernel text" },
		{ __rodata_start, __data_start, 0, "kernel rodata" },
		{ __data_start, __kernel_end, PGT_WRITE, "kernel data" },
	};

	if (bi->kernel_va != kstart || bi->kernel_size < (uint64_t)(__kernel_end - __kernel_start))
		panic("vm: boot info places the kernel at 0x%llx (+0x%llx), the link at 0x%llx",
		      (unsigned long long)bi->kernel_va, (unsigned long long)bi->kernel_size,
		      (unsigned long long)kstart);
	if (pgt_init(&kernel_pt, &kernel_ops, NULL, bi->enc_mask) != SVSM_OK)
		panic("vm: no page for the kernel's top-level table");
	for (unsigned i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		uint64_t va = (uint64_t)(uintptr_t)sections[i].start;

		map_or_panic(&kernel_pt, va, bi->kernel_pa + (va - kstart),
			     (uint64_t)(sections[i].end - sections[i].start),
			     sections[i].flags | PGT_GLOBAL | PGT_ENC, sections[i].what);
	}
	for (unsigned i = 0; i < own->count; i++)
		map_or_panic(&kernel_pt, LAYOUT_DIRECT_MAP_BASE + own->r[i].start, own->r[i].start,
			     own->r[i].end - own->r[i].start,
			     PGT_WRITE | PGT_GLOBAL | PGT_ENC | PGT_LARGE, "direct map");
}

/* A CPU's top-level table: the shared kernel half plus its own per-CPU region. */
static void build_cpu_tables(struct pgtable *pt, uint64_t enc_mask)
{
	if (pgt_init(pt, &kernel_ops, NULL, enc_mask) != SVSM_OK)
		panic("vm: no page for a CPU's top-level table");

	uint64_t *mine = phys_to_virt(pt->root_pa);
	const uint64_t *master = phys_to_virt(kernel_pt.root_pa);

	for (unsigned slot = PT_ENTRIES / 2; slot < PT_ENTRIES; slot++) {
		if (slot != PERCPU_SLOT)
			mine[slot] = master[slot];
	}

	uint64_t data = buddy_alloc(mm_buddy(), 1);

	if (data == MM_PA_NONE)
		panic("vm: no memory for a per-CPU area");
	map_or_panic(pt, PERCPU_DATA, data, PERCPU_DATA_SIZE, PGT_WRITE | PGT_ENC, "per-CPU data");
	for (unsigned i = 0; i < PERCPU_NSTACKS; i++) {
		uint64_t stack = buddy_alloc(mm_buddy(), 2);

		if (stack == MM_PA_NONE)
			panic("vm: no memory for a per-CPU stack");
		map_or_panic(pt, PERCPU_STACK_BOTTOM(i), stack, PERCPU_STACK_SIZE, PGT_WRITE | PGT_ENC,
			     "per-CPU stack");
	}
	/* Create the window's page table now, so tmpmap never needs memory. */
	map_or_panic(pt, PERCPU_TMP_BASE, data, PAGE_SIZE, 0, "temporary window");
	if (pgt_unmap(pt, PERCPU_TMP_BASE, PAGE_SIZE) != SVSM_OK)
		panic("vm: cannot prepare the temporary window");
}

static void boot_cpu_on_new_stack(void)
{
	struct svsm_boot *b = svsm_boot_state();

	/* Stage 2's page-table pool is free now: hand it to the allocator. */
	int err = buddy_add_zone(mm_buddy(), b->bi.pt_pa, b->bi.pt_pa + b->bi.pt_size);

	if (err != SVSM_OK)
		panic("vm: returning the loader's page-table pool failed: error %d", err);
	log_info("vm: per-CPU tables and stacks live (CR3 0x%llx); loader tables (%llu KiB) freed",
		 (unsigned long long)this_cpu()->pt.root_pa,
		 (unsigned long long)(b->bi.pt_size >> 10));
	boot_continue();
	panic("vm: boot continuation returned");
}

void vm_ap_cpu_switch(unsigned cpu_index, void (*cont)(void))
{
	struct pgtable pt;

	build_cpu_tables(&pt, vm_kernel_pt()->enc_mask);
	cr3_write(pt.root_pa | pt.enc_mask);
	flush_all(NULL);

	struct percpu *pc = (struct percpu *)(uintptr_t)PERCPU_DATA;

	percpu_setup(pc, cpu_index);
	pc->pt = pt;
	stack_switch_call(PERCPU_STACK_TOP(0), cont);
}

void vm_boot_cpu_switch(void (*cont)(void))
{
	const struct svsm_boot *b = svsm_boot_state();
	struct pgtable pt;

	build_kernel_half(b);
	build_cpu_tables(&pt, b->bi.enc_mask);
	/* The C-bit in CR3 says the top-level table is encrypted (APM vol.2 §15.34.5). */
	cr3_write(pt.root_pa | b->bi.enc_mask);
	/* Global kernel entries from stage 2 survive a CR3 load; drop them. */
	flush_all(NULL);

	struct percpu *pc = (struct percpu *)(uintptr_t)PERCPU_DATA;

	stacks_use_percpu();
	percpu_setup(pc, 0);
	pc->pt = pt;
	boot_continue = cont;
	stack_switch_call(PERCPU_STACK_TOP(0), boot_cpu_on_new_stack);
}
