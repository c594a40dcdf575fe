/* SPDX-License-Identifier: MIT */
/* Per-CPU area, GDT and TSS (APM vol.2 §4.8, §12.2.5). */
#include "svsm/percpu.h"

#include "lib/cpu.h"
#include "lib/string.h"
#include "svsm/stacks.h"

static struct percpu boot_cpu __attribute__((aligned(64)));

/* Flat 64-bit code/data descriptors (APM vol.2 §4.8.1: base and limit ignored). */
static uint64_t seg_desc(uint8_t access, uint8_t flags)
{
	return ((uint64_t)access << 40) | ((uint64_t)flags << 52) | 0x000F00000000FFFFull;
}

static void tss_desc(struct percpu *pc)
{
	uint64_t base = (uint64_t)(uintptr_t)&pc->tss;
	uint64_t limit = sizeof(pc->tss) - 1;
	struct x86_tss_desc d = {
		.low = {
			.limit_lo = (uint16_t)limit,
			.base_lo = (uint16_t)base,
			.base_mid = (uint8_t)(base >> 16),
			.access = GDT_ACCESS_P | GDT_TYPE_TSS_AVAIL,
			.limit_hi_flags = (uint8_t)((limit >> 16) & 0xF),
			.base_hi = (uint8_t)(base >> 24),
		},
		.base_upper = (uint32_t)(base >> 32),
	};

	memcpy(&pc->gdt[GDT_TSS / 8], &d, sizeof(d));
}

void gdt_load(struct percpu *pc)
{
	struct x86_desc_ptr p = {
		.limit = sizeof(pc->gdt) - 1,
		.base = (uint64_t)(uintptr_t)pc->gdt,
	};

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 :
			 : "m"(p), "i"(GDT_KERNEL_CS), "i"(GDT_KERNEL_DS)
			 : "rax", "memory");
	/* Loading GS zeroed GS base; point it at the per-CPU area again. */
	cpu_wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)pc);
	/* FS base: the stack-protector canary block (struct percpu.tls). */
	cpu_wrmsr(MSR_FS_BASE, (uint64_t)(uintptr_t)pc->tls);
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)GDT_TSS));
}

void percpu_init_boot(void)
{
	percpu_setup(&boot_cpu, 0);
}

void percpu_setup(struct percpu *pc, uint32_t cpu_index)
{
	uint8_t code = GDT_ACCESS_P | GDT_ACCESS_S | GDT_ACCESS_EXEC | GDT_ACCESS_RW;
	uint8_t data = GDT_ACCESS_P | GDT_ACCESS_S | GDT_ACCESS_RW;

	memset(pc, 0, sizeof(*pc));
	pc->self = pc;
	pc->cpu_index = cpu_index;
	/* A corruption detector, not a secret yet: crypto_init replaces it with random bits. */
	pc->tls[PERCPU_TLS_CANARY] = 0xC3A5C85C97CB3127ull ^ (uint64_t)(uintptr_t)pc;
	pc->gdt[GDT_KERNEL_CS / 8] = seg_desc(code, GDT_FLAG_L | GDT_FLAG_G);
	pc->gdt[GDT_KERNEL_DS / 8] = seg_desc(data, GDT_FLAG_G);
	pc->gdt[GDT_USER_CS32 / 8] = seg_desc(code | GDT_ACCESS_DPL3, GDT_FLAG_DB | GDT_FLAG_G);
	pc->gdt[GDT_USER_DS / 8] = seg_desc(data | GDT_ACCESS_DPL3, GDT_FLAG_G);
	pc->gdt[GDT_USER_CS / 8] = seg_desc(code | GDT_ACCESS_DPL3, GDT_FLAG_L | GDT_FLAG_G);
	tss_desc(pc);
	for (unsigned i = 1; i <= IST_COUNT; i++)
		pc->tss.ist[i - 1] = stack_ist_top(i);
	/* No I/O permission bitmap: the offset points past the TSS limit. */
	pc->tss.iopb_offset = sizeof(pc->tss);
	gdt_load(pc);
}
