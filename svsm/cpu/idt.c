/* SPDX-License-Identifier: MIT */
/*
 * The IDT: all 256 vectors point at the stubs in exc_entry.S, and every
 * vector runs on an IST stack (APM vol.2 §8.9.4). #DF, NMI, #MC and #VC get
 * their own stacks because they can arrive while another handler runs;
 * everything else shares IST_EXC. A nested exception on the same IST would
 * overwrite the outer frame, so exc_dispatch() treats nesting as fatal.
 */
#include "abi/x86.h"
#include "svsm/exc.h"
#include "svsm/panic.h"
#include "svsm/percpu.h"

#define IDT_VECTORS 256
#define EXC_STUB_SIZE 16

extern const uint8_t exc_stubs[];
extern const uint8_t exc_stubs_end[];

static struct x86_idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

unsigned exc_ist_of(uint64_t vector)
{
	switch (vector) {
	case X86_EXC_DF:
		return IST_DF;
	case X86_EXC_NMI:
		return IST_NMI;
	case X86_EXC_MC:
		return IST_MC;
	case X86_EXC_VC:
		return IST_VC;
	default:
		return IST_EXC;
	}
}

void idt_init(void)
{
	/* Gate v points at exc_stubs + 16 * v: a stub that outgrew its slot breaks that. */
	BUG_ON(exc_stubs_end - exc_stubs != IDT_VECTORS * EXC_STUB_SIZE);
	for (unsigned v = 0; v < IDT_VECTORS; v++) {
		uint64_t addr = (uint64_t)(uintptr_t)(exc_stubs + v * EXC_STUB_SIZE);

		idt[v] = (struct x86_idt_gate){
			.offset_lo = (uint16_t)addr,
			.selector = GDT_KERNEL_CS,
			.ist = (uint8_t)exc_ist_of(v),
			.type_attr = 0x80 | IDT_GATE_INTR, /* present, DPL 0 */
			.offset_mid = (uint16_t)(addr >> 16),
			.offset_hi = (uint32_t)(addr >> 32),
		};
	}
}

void idt_load(void)
{
	struct x86_desc_ptr p = { .limit = sizeof(idt) - 1, .base = (uint64_t)(uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(p));
}
