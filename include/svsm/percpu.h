/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU area: reached through GS base, so %gs:0 holds its own
 * address. One instance per CPU; the boot CPU's is static until mm/ comes.
 */
#pragma once

#include <stdint.h>

#include "abi/x86.h"
#include "svsm/exc.h"

/* GDT layout (selectors), chosen so SYSCALL/SYSRET work later (APM vol.2 §6.1.1). */
#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_USER_CS32 0x18
#define GDT_USER_DS 0x20
#define GDT_USER_CS 0x28
#define GDT_TSS 0x30
#define GDT_ENTRIES 8 /* the TSS descriptor takes two */

struct percpu {
	struct percpu *self; /* must stay first: %gs:0 */
	uint32_t cpu_index;
	uint32_t reserved;
	uint64_t gdt[GDT_ENTRIES];
	struct x86_tss64 tss;
	/* Depth of exception handling per IST slot; > 0 on entry means nested. */
	uint32_t exc_depth[IST_COUNT + 1];
	struct exc_record last_fault;
};

void percpu_init_boot(void);
void gdt_load(struct percpu *pc);

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}
