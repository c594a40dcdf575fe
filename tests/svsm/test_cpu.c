/* SPDX-License-Identifier: MIT */
/* GDT, TSS, IDT and per-CPU state as the hardware sees them; page rights of the kernel image. */
#include "abi/x86.h"
#include "svsm/boot.h"
#include "svsm/exc.h"
#include "svsm/percpu.h"
#include "svsm/selftest.h"
#include "svsm/stacks.h"

static const uint64_t rodata_probe = 42;
static uint64_t data_probe = 7;

SELFTEST(percpu_self_pointer)
{
	struct percpu *pc = this_cpu();

	ST_ASSERT(pc != NULL);
	ST_EQ(pc->self, pc);
	ST_EQ(pc->cpu_index, 0);
}

SELFTEST(tss_loaded_with_ist_stacks)
{
	uint16_t tr = 0;
	struct percpu *pc = this_cpu();

	__asm__ volatile("str %0" : "=r"(tr));
	ST_EQ(tr, GDT_TSS);
	for (unsigned i = 1; i <= IST_COUNT; i++) {
		uint64_t top = pc->tss.ist[i - 1];

		ST_ASSERT(top != 0);
		ST_EQ(top % 16, 0);
		ST_ASSERT(stack_contains(top - 8, 8));
		ST_EQ(top, stack_ist_top(i));
	}
}

SELFTEST(idt_covers_all_vectors)
{
	struct x86_desc_ptr p;

	__asm__ volatile("sidt %0" : "=m"(p));
	ST_EQ(p.limit, 256 * sizeof(struct x86_idt_gate) - 1);

	const struct x86_idt_gate *g = (const struct x86_idt_gate *)(uintptr_t)p.base;

	ST_EQ(g[X86_EXC_DF].ist, IST_DF);
	ST_EQ(g[X86_EXC_NMI].ist, IST_NMI);
	ST_EQ(g[X86_EXC_MC].ist, IST_MC);
	ST_EQ(g[X86_EXC_VC].ist, IST_VC);
	for (unsigned v = 0; v < 256; v++) {
		ST_ASSERT(g[v].ist != 0);
		ST_EQ(g[v].selector, GDT_KERNEL_CS);
		ST_EQ(g[v].type_attr, 0x8E);
	}
}

/* Leaf entry and page size for va, walking the live tables through the direct map. */
static uint64_t leaf_of(uint64_t va, uint64_t *size)
{
	uint64_t cr3;
	static const unsigned shifts[4] = { 39, 30, 21, 12 };

	__asm__ volatile("movq %%cr3, %0" : "=r"(cr3));

	uint64_t table = cr3 & PTE_ADDR_MASK & ~svsm_boot_state()->bi.enc_mask; /* CR3 has the C-bit under SNP */

	for (int level = 0; level < 4; level++) {
		const uint64_t *t = phys_to_virt(table);
		uint64_t e = t[(va >> shifts[level]) & 0x1FF];

		if (!(e & PTE_P))
			return 0;
		if (level == 3 || (e & PTE_PS)) {
			*size = 1ull << shifts[level];
			return e;
		}
		table = e & PTE_ADDR_MASK & ~svsm_boot_state()->bi.enc_mask;
	}
	return 0;
}

SELFTEST(kernel_pages_are_w_xor_x)
{
	uint64_t size;
	uint64_t text = leaf_of((uint64_t)(uintptr_t)&leaf_of, &size);
	uint64_t ro = leaf_of((uint64_t)(uintptr_t)&rodata_probe, &size);
	uint64_t rw = leaf_of((uint64_t)(uintptr_t)&data_probe, &size);

	ST_ASSERT(text & PTE_P);
	ST_ASSERT(!(text & PTE_W) && !(text & PTE_NX));
	ST_ASSERT(!(ro & PTE_W) && (ro & PTE_NX));
	ST_ASSERT((rw & PTE_W) && (rw & PTE_NX));
	ST_ASSERT(!(text & PTE_U) && !(ro & PTE_U) && !(rw & PTE_U));
}

SELFTEST(direct_map_aliases_kernel_data)
{
	const struct boot_info *bi = &svsm_boot_state()->bi;
	uint64_t va = (uint64_t)(uintptr_t)&data_probe;
	volatile uint64_t *alias = phys_to_virt(bi->kernel_pa + (va - bi->kernel_va));
	uint64_t size;

	/* Write through one mapping, read through the other, both ways. */
	data_probe = 0x5A5A1234;
	ST_EQ(*alias, 0x5A5A1234);
	*alias = 0xC0FFEE;
	ST_EQ(*(volatile uint64_t *)&data_probe, 0xC0FFEE);
	/* The direct map is data only. */
	ST_ASSERT(leaf_of((uint64_t)(uintptr_t)alias, &size) & PTE_NX);
}
