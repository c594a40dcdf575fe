/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU area: reached through GS base, so %gs:0 holds its own
 * address. Early boot uses a static instance; vm_boot_cpu_switch moves the
 * boot CPU to PERCPU_DATA in its per-CPU region, the same virtual address
 * on every CPU (include/mm/layout.h).
 */
#pragma once

#include <stdint.h>

#include "abi/x86.h"
#include "mm/layout.h"
#include "mm/pgtable.h"
#include "svsm/exc.h"

/* GDT layout (selectors), chosen so SYSCALL/SYSRET work later (APM vol.2 §6.1.1). */
#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_USER_CS32 0x18
#define GDT_USER_DS 0x20
#define GDT_USER_CS 0x28
#define GDT_TSS 0x30
#define GDT_ENTRIES 8 /* the TSS descriptor takes two */

struct snp_hv;

#define PERCPU_TLS_CANARY 5 /* 0x28 / 8 */

struct task;

struct percpu {
	struct percpu *self; /* must stay first: %gs:0 */
	uint32_t cpu_index;
	uint32_t reserved;
	/* CPL3 tasks (svsm/task/task_entry.S reads these at fixed offsets). */
	uint64_t user_rsp;    /* a SYSCALL's user RSP while the entry saves it */
	uint64_t syscall_rsp; /* top of this CPU's syscall stack */
	uint64_t kctx_rsp;    /* task_enter's kernel RSP: where a stopping task returns */
	struct task *task;    /* the task running on this CPU, or NULL */
	uint64_t gdt[GDT_ENTRIES];
	struct x86_tss64 tss;
	/* Depth of exception handling per IST slot; > 0 on entry means nested. */
	uint32_t exc_depth[IST_COUNT + 1];
	struct exc_record last_fault;
	struct pgtable pt; /* this CPU's tables; pt.root_pa is in CR3 */
	uint64_t tmp_used[PERCPU_TMP_PAGES / 64]; /* temporary-window slots in use */
	struct snp_hv *snp_hv; /* this CPU's GHCB channel under SNP (svsm/platform/snp), else NULL */
	/*
	 * FS base points here: code built with a stack protector (Debian's
	 * libmbedcrypto.a) reads its canary at %fs:0x28, tls[PERCPU_TLS_CANARY].
	 */
	uint64_t tls[8];
};

_Static_assert(sizeof(struct percpu) <= PERCPU_DATA_SIZE, "struct percpu fits its region slot");
#define PERCPU_OFF_USER_RSP 16
#define PERCPU_OFF_SYSCALL_RSP 24
#define PERCPU_OFF_KCTX_RSP 32
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PERCPU_OFF_USER_RSP, "task_entry.S");
_Static_assert(__builtin_offsetof(struct percpu, syscall_rsp) == PERCPU_OFF_SYSCALL_RSP, "task_entry.S");
_Static_assert(__builtin_offsetof(struct percpu, kctx_rsp) == PERCPU_OFF_KCTX_RSP, "task_entry.S");

/* Fills pc (GDT, TSS with the current IST stacks) and loads GDT, TR and GS base. */
void percpu_setup(struct percpu *pc, uint32_t cpu_index);
void percpu_init_boot(void);
void gdt_load(struct percpu *pc);

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}
