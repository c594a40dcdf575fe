/* SPDX-License-Identifier: MIT */
/*
 * CPL3 tasks (svsm/task/): a module is a task with its own user half of
 * the address space (the kernel half shared and supervisor-only), the
 * general and x87/SSE registers it had when it last stopped, and three
 * channels: fd 0 its input (what the SVSM gives it, e.g. TPM commands),
 * fd 1 its output (what the SVSM takes back), fd 2 the SVSM log, fd 3
 * (when the SVSM opens it) a state channel: what the SVSM kept for it to
 * read at start, and what it writes for the SVSM to keep.
 *
 * A task runs only when the kernel calls task_run on it, on the calling
 * CPU, until it stops: it waits for input (read on fd 0 with nothing
 * buffered), it exits, or it is killed (a fault, a broken rule) with a
 * logged reason. The SVSM keeps running in every case.
 *
 * User address space (docs/ARCHITECTURE.md): the image where its ELF says
 * (a static-PIE at ELF_USER_PIE_BASE), brk after it, mmap regions below
 * TASK_MMAP_TOP, the stack below TASK_STACK_TOP. Memory is mapped when
 * asked for (image, brk growth, mmap), from the SVSM heap.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/pgtable.h"
#include "svsm/elf_user.h"

#define TASK_USER_TOP 0x0000800000000000ull /* end of the user half (canonical lower half) */
#define TASK_STACK_TOP 0x00007FFFFFFF0000ull
#define TASK_STACK_SIZE (256ull << 10)
#define TASK_MMAP_TOP 0x00007F0000000000ull
#define TASK_MMAP_BOTTOM 0x0000700000000000ull
#define TASK_BRK_MAX (256ull << 20)  /* brk may grow this far past the image */
#define TASK_MMAP_MAX (64ull << 20)  /* one mmap at most */
#define TASK_PAGES_MAX 16384         /* 64 MiB of user memory per task at most */
/*
 * Page-table pages of the user half at most (4 MiB): the vtpm module
 * needs 12; emptied tables are freed at munmap, so only memory mapped
 * now costs tables, and scattering it wider than this gets ENOMEM.
 */
#define TASK_TABLE_PAGES_MAX 1024
#define TASK_IO_MAX (64u << 10)      /* fd 0 and fd 1 buffers */
#define TASK_REGIONS 64              /* mmap regions at once */

/* The user registers as task_entry.S saves them (order fixed by the asm). */
struct user_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t rip, rflags, rsp;
};
_Static_assert(sizeof(struct user_regs) == 18 * 8, "task_entry.S frame");
_Static_assert(__builtin_offsetof(struct user_regs, rax) == 14 * 8, "task_entry.S frame");
_Static_assert(__builtin_offsetof(struct user_regs, rip) == 15 * 8, "task_entry.S frame");
_Static_assert(__builtin_offsetof(struct user_regs, rsp) == 17 * 8, "task_entry.S frame");

enum task_state {
	TASK_READY,      /* runs on the next task_run */
	TASK_WAIT_INPUT, /* read fd 0 with nothing to read: give it input (or close it) */
	TASK_EXITED,     /* exit/exit_group: exit_code */
	TASK_KILLED,     /* why says what it did */
};

struct task_region {
	uint64_t start, end; /* page aligned */
};

struct task {
	char name[32];
	struct user_regs regs;
	uint64_t fs_base;
	uint8_t fpu[512] __attribute__((aligned(16))); /* FXSAVE image */
	struct pgtable pt;      /* the task's top-level table: user half its own */
	enum task_state state;
	int exit_code;
	char why[96];           /* TASK_KILLED: the reason */
	uint64_t brk_start, brk;
	struct task_region mmap[TASK_REGIONS];
	unsigned nmmap;
	uint64_t pages;         /* user pages of the SVSM's heap mapped (image copies, stack, brk, mmap) */
	uint64_t image_pages;   /* read-only image pages mapped in place from the kernel image (PGT_BORROWED) */
	uint64_t pages_peak;
	uint64_t table_pages;   /* page-table pages of the user half */
	/* fd 0: [in_pos, in_len) not read yet; fd 1: out_len bytes the SVSM has not taken. */
	uint8_t *in, *out;
	size_t in_len, in_pos, out_len;
	bool in_closed;
	/*
	 * fd 3, the state channel, when the SVSM opened one (task_state_open):
	 * reads give [st_in_pos, st_in_len) of what the SVSM put there, then
	 * the end; writes append to st_out (at most st_max bytes; a write past
	 * that is refused with ENOSPC and st_overflow set). Not open: EBADF.
	 */
	uint8_t *st_in, *st_out;
	size_t st_in_len, st_in_pos, st_out_len, st_max;
	uint64_t st_pa[2];      /* the two buffers' pages (buddy blocks of st_order) */
	unsigned st_order;
	bool st_overflow;
	char log[160];          /* fd 2 line being assembled */
	size_t log_len;
	uint64_t syscalls;
	uint64_t preemptions;
	uint64_t enosys_logged[8]; /* syscall numbers < 512 logged once as unknown */
	uint64_t tid_address;
};

/* Once per CPU, after its GDT/TSS: SYSCALL MSRs, SMEP/SMAP where the CPU has them. */
void task_cpu_init(void);

/*
 * A task from a static executable: address space, image, stack with argv
 * (argv[0] = name) and envp, channels. SVSM_OK and *out (kfree'd by
 * task_destroy); SVSM_EINVAL with *why for an executable elf_user_check
 * refuses; SVSM_ENOMEM when memory runs out (nothing kept).
 */
int task_create(const char *name, const uint8_t *elf, size_t elf_size, const char *const *envp,
		unsigned envc, struct task **out, const char **why);
/* Frees the task's memory, its page tables and itself. */
void task_destroy(struct task *t);

/* Runs t on this CPU until it stops; returns its state (never TASK_READY). */
enum task_state task_run(struct task *t);
/*
 * Runs t for at most about us microseconds (the APIC timer preempts it):
 * TASK_READY if the slice ran out (t->preemptions counts them), else as
 * task_run. Without a usable APIC it is task_run.
 */
enum task_state task_run_slice(struct task *t, uint64_t us);

/* fd 0: appends len bytes (SVSM_OK, or SVSM_ENOSPC with nothing added); makes a waiting task ready. */
int task_give_input(struct task *t, const void *buf, size_t len);
/* fd 0 reaches its end: the next read returns 0. */
void task_close_input(struct task *t);
/* fd 1: takes up to max bytes of what the task wrote; returns how many. */
size_t task_take_output(struct task *t, void *buf, size_t max);

/*
 * Opens fd 3 with len bytes of initial for the task to read and room for
 * max bytes of writes. SVSM_OK; SVSM_EINVAL (len above max, already open);
 * SVSM_ENOMEM.
 */
int task_state_open(struct task *t, const void *initial, size_t len, size_t max);
/*
 * What the task wrote on fd 3 since the last take: *buf (the task's own
 * buffer, valid until the task runs again) and *len, then cleared. SVSM_OK;
 * SVSM_ENOSPC when a write was refused for room (what is there is then not
 * whole); SVSM_ENOENT when fd 3 is not open.
 */
int task_state_take(struct task *t, const uint8_t **buf, size_t *len);

/* For the syscall layer (svsm/task/syscall.c). */
struct task *task_current(void);
/* Stops the current task (state already set) and returns to task_run's caller. */
__attribute__((noreturn)) void task_stop(struct user_regs *r);
/* Kills the current task with a reason. */
__attribute__((noreturn)) void task_kill(struct user_regs *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Maps len bytes of fresh zeroed user memory at va (page aligned) with PGT_* rights. */
int task_map_anon(struct task *t, uint64_t va, uint64_t len, unsigned rights);
/* Unmaps and frees [va, va + len) (pages not mapped are skipped). */
void task_unmap(struct task *t, uint64_t va, uint64_t len);
/*
 * Copies len bytes of the running task's user memory at src (SMAP
 * lifted for the copy only): SVSM_OK, or SVSM_EFAULT for an address
 * outside the user half or a fault.
 */
int task_copy_in(void *dst, uint64_t src, uint64_t len);
