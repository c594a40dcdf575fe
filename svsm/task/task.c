/* SPDX-License-Identifier: MIT */
/*
 * CPL3 tasks (include/svsm/task.h): address spaces, loading, running,
 * stopping, and faults at CPL3. The entry and exit paths are in
 * task_entry.S; the system calls in syscall.c.
 */
#include "svsm/task.h"

#include <stdarg.h>

#include "abi/elf64.h"
#include "abi/x86.h"
#include "lib/cpu.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/cr.h"
#include "svsm/errno.h"
#include "svsm/exc.h"
#include "svsm/lapic.h"
#include "svsm/mm.h"
#include "svsm/panic.h"
#include "svsm/percpu.h"
#include "svsm/platform.h"
#include "svsm/user_stack.h"

/* APM vol.2 §A.7 and §6.1.1: the SYSCALL MSRs. */
#define MSR_STAR 0xC0000081u
#define MSR_LSTAR 0xC0000082u
#define MSR_SFMASK 0xC0000084u
/* RFLAGS bits SYSCALL clears: TF, IF, DF, IOPL, NT, AC (APM vol.2 §3.1.6). */
#define SFMASK_BITS 0x47700ull
/* APM vol.2 §3.1.3: CR4.SMEP (bit 20), CR4.SMAP (bit 21); CPUID 7.0 EBX[7], EBX[20]. */
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define RFLAGS_FIXED 0x2ull
/* The initial x87/SSE state: FCW 0x37F, MXCSR 0x1F80 (APM vol.2 §11.3, FXSAVE layout). */
#define FXSAVE_FCW 0
#define FXSAVE_MXCSR 24

void task_enter(const struct user_regs *r);
__attribute__((noreturn)) void task_leave(void);
void syscall_entry(void);

bool task_smap;

void task_cpu_init(void)
{
	struct percpu *pc = this_cpu();
	struct cpuid_regs l7 = cpu_cpuid(0, 0).eax >= 7 ? cpu_cpuid(7, 0) : (struct cpuid_regs){ 0 };
	uint64_t cr4 = cr4_read();

	pc->syscall_rsp = PERCPU_STACK_TOP(PERCPU_SYSCALL_STACK);
	pc->tss.rsp[0] = pc->syscall_rsp;
	cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_SCE);
	/* SYSRET: CS = STAR[63:48] + 16, SS = + 8; SYSCALL: CS = STAR[47:32], SS = + 8. */
	cpu_wrmsr(MSR_STAR, ((uint64_t)(GDT_USER_CS32 | 3) << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
	cpu_wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
	cpu_wrmsr(MSR_SFMASK, SFMASK_BITS);
	if (l7.ebx & (1u << 7))
		cr4 |= CR4_SMEP;
	if (l7.ebx & (1u << 20)) {
		cr4 |= CR4_SMAP;
		task_smap = true;
	}
	cr4_write(cr4);
	log_info("task: CPL3 through SYSCALL/SYSRET; SMEP %s, SMAP %s",
		 (cr4 & CR4_SMEP) ? "on" : "not on this CPU", task_smap ? "on" : "not on this CPU");
}

/* ---- user page tables ---- */

/* Table pages count against the task (TASK_TABLE_PAGES_MAX): a module cannot spend the SVSM's heap on them. */
static uint64_t utable_alloc(void *ctx)
{
	struct task *t = ctx;
	uint64_t pa = t->table_pages < TASK_TABLE_PAGES_MAX ? buddy_alloc(mm_buddy(), 0) : MM_PA_NONE;

	if (pa != MM_PA_NONE) {
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
		t->table_pages++;
	}
	return pa;
}

/* User entries are not global: a CR3 reload drops them. */
static void uflush_all(void *ctx)
{
	(void)ctx;
	cr3_write(cr3_read());
}

/*
 * An emptied user table goes back at once (pgt_prune): only the CPU running
 * the task can cache the user half's tables (leaving a task loads another
 * CR3, which drops them; no PCIDs), and uflush_all has run on this one.
 */
static void utable_free(void *ctx, uint64_t pa)
{
	struct task *t = ctx;

	buddy_free(mm_buddy(), pa, 0);
	t->table_pages--;
}

static const struct pgtable_ops user_ops = { utable_alloc, vm_table_va, vm_flush_page, uflush_all, utable_free };

int task_map_anon(struct task *t, uint64_t va, uint64_t len, unsigned rights)
{
	uint64_t done;

	if ((va | len) & (PAGE_SIZE - 1) || len == 0 || va >= TASK_USER_TOP || len > TASK_USER_TOP - va)
		return SVSM_EINVAL;
	for (done = 0; done < len; done += PAGE_SIZE) {
		uint64_t pa = t->pages < TASK_PAGES_MAX ? buddy_alloc(mm_buddy(), 0) : MM_PA_NONE;
		int err;

		if (pa == MM_PA_NONE) {
			err = SVSM_ENOMEM;
		} else {
			memset(phys_to_virt(pa), 0, PAGE_SIZE);
			err = pgt_map(&t->pt, va + done, pa, PAGE_SIZE, rights | PGT_USER | PGT_ENC);
			if (err != SVSM_OK)
				buddy_free(mm_buddy(), pa, 0);
		}
		if (err != SVSM_OK) {
			task_unmap(t, va, done); /* nothing of this call stays */
			return err;
		}
		t->pages++;
	}
	if (t->pages > t->pages_peak)
		t->pages_peak = t->pages;
	return SVSM_OK;
}

void task_unmap(struct task *t, uint64_t va, uint64_t len)
{
	bool any = false;

	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t pa;
		unsigned flags;

		if (pgt_lookup(&t->pt, va + off, &pa, &flags) != SVSM_OK)
			continue;
		if (pgt_unmap(&t->pt, va + off, PAGE_SIZE) != SVSM_OK)
			panic("task: unmapping a 4 KiB user page failed");
		if (flags & PGT_BORROWED) {
			t->image_pages--; /* the kernel image's: it stays */
		} else {
			buddy_free(mm_buddy(), pa & ~(PAGE_SIZE - 1), 0);
			t->pages--;
		}
		any = true;
	}
	/* The tables that mapped only this range go too: unmapped space costs nothing. */
	if (any && pgt_prune(&t->pt, va, len, NULL) != SVSM_OK)
		panic("task: pruning the user tables of a checked range failed");
}

/* The user half of a table level: frames and tables freed, bottom up. */
static void free_level(struct task *t, uint64_t table_pa, unsigned level)
{
	uint64_t *e = phys_to_virt(table_pa);
	unsigned n = level == 4 ? PT_ENTRIES / 2 : PT_ENTRIES;

	for (unsigned i = 0; i < n; i++) {
		if ((e[i] & PTE_P) == 0)
			continue;
		uint64_t pa = e[i] & PTE_ADDR_MASK & ~t->pt.enc_mask;

		if (level > 1)
			free_level(t, pa, level - 1);
		if (level > 1 || (e[i] & PTE_BORROWED) == 0)
			buddy_free(mm_buddy(), pa, 0); /* a borrowed frame is the kernel image's */
		e[i] = 0;
	}
}

void task_destroy(struct task *t)
{
	if (t == NULL)
		return;
	if (this_cpu()->task == t)
		panic("task: destroying the running task");
	free_level(t, t->pt.root_pa, 4);
	buddy_free(mm_buddy(), t->pt.root_pa, 0);
	kfree(t->in);
	kfree(t->out);
	if (t->st_in != NULL) {
		buddy_free(mm_buddy(), t->st_pa[0], t->st_order);
		buddy_free(mm_buddy(), t->st_pa[1], t->st_order);
	}
	kfree(t);
}

/* ---- loading ---- */

static unsigned seg_rights(uint32_t pf)
{
	return ((pf & PF_W) ? PGT_WRITE : 0) | ((pf & PF_X) ? PGT_EXEC : 0);
}

/* A direct-map pointer to the user page at va (mapped by the task). */
static uint8_t *user_page(struct task *t, uint64_t va)
{
	uint64_t pa;

	if (pgt_lookup(&t->pt, va, &pa, NULL) != SVSM_OK)
		panic("task: a page just mapped is missing");
	return phys_to_virt(pa & ~(PAGE_SIZE - 1));
}

/*
 * The frame of a page of the kernel image's read-only part (its text and
 * rodata, where the module archive is): nothing writes it and it lasts as
 * long as the SVSM, so a task may map it in place instead of a copy.
 */
static bool image_frame(const uint8_t *src, uint64_t *pa)
{
	extern uint8_t __kernel_start[], __data_start[];
	unsigned flags;

	return ((uintptr_t)src & (PAGE_SIZE - 1)) == 0 && src >= __kernel_start && src < __data_start &&
	       (size_t)(__data_start - src) >= PAGE_SIZE &&
	       pgt_lookup(vm_kernel_pt(), (uint64_t)(uintptr_t)src, pa, &flags) == SVSM_OK && !(flags & PGT_WRITE);
}

/*
 * A read-only segment's pages that lie whole inside its file bytes and
 * come from the kernel image are mapped in place (PGT_BORROWED: never
 * writable, never freed by the task); the rest (writable segments, .bss,
 * partial first and last pages, a module not in the image) are copies in
 * pages of the task's own, written through the direct map first and then
 * given the segment's rights. A page in place shows the module only its
 * own segment's bytes.
 */
static int load_image(struct task *t, const uint8_t *elf, const struct elf_user *u)
{
	for (unsigned i = 0; i < u->seg_count; i++) {
		const struct elf_user_seg *s = &u->seg[i];
		uint64_t start = s->vaddr & ~(PAGE_SIZE - 1);
		uint64_t end = (s->vaddr + s->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		unsigned rights = seg_rights(s->flags);
		int err;

		for (uint64_t va = start; va < end; va += PAGE_SIZE) {
			uint64_t from = va > s->vaddr ? va : s->vaddr;
			uint64_t to = s->vaddr + s->filesz < va + PAGE_SIZE ? s->vaddr + s->filesz : va + PAGE_SIZE;
			uint64_t pa;

			if (!(rights & PGT_WRITE) && from == va && to == va + PAGE_SIZE &&
			    image_frame(elf + s->offset + (va - s->vaddr), &pa)) {
				err = pgt_map(&t->pt, va, pa, PAGE_SIZE, rights | PGT_USER | PGT_ENC | PGT_BORROWED);
				if (err != SVSM_OK)
					return err;
				t->image_pages++;
				continue;
			}
			err = task_map_anon(t, va, PAGE_SIZE, PGT_WRITE);
			if (err != SVSM_OK)
				return err;
			if (from < to)
				memcpy(user_page(t, va) + (from - va), elf + s->offset + (from - s->vaddr),
				       to - from);
		}
		err = pgt_protect(&t->pt, start, end - start, rights | PGT_USER);
		if (err != SVSM_OK)
			return err;
	}
	return SVSM_OK;
}

static int build_stack(struct task *t, const struct elf_user *u, const char *const *envp, unsigned envc,
		       const char **why)
{
	static uint8_t img[2 * PAGE_SIZE]; /* the top two pages; task_create is not reentrant */
	const char *argv[1] = { t->name };
	struct user_stack_args a = {
		.argv = argv, .argc = 1, .envp = envp, .envc = envc, .elf = u,
		.hwcap = cpu_cpuid(1, 0).edx,
	};
	uint64_t rsp;
	int err;

	if (platform_random(a.random, sizeof(a.random)) != SVSM_OK) {
		*why = "no random numbers for AT_RANDOM (the CPU has no RDRAND)";
		return SVSM_EIO;
	}
	err = task_map_anon(t, TASK_STACK_TOP - TASK_STACK_SIZE, TASK_STACK_SIZE, PGT_WRITE);
	if (err != SVSM_OK)
		return err;
	memset(img, 0, sizeof(img));
	err = user_stack_build(img, sizeof(img), TASK_STACK_TOP, &a, &rsp);
	if (err != SVSM_OK) {
		*why = "arguments and environment do not fit the initial stack";
		return err;
	}
	memcpy(user_page(t, TASK_STACK_TOP - 2 * PAGE_SIZE), img, PAGE_SIZE);
	memcpy(user_page(t, TASK_STACK_TOP - PAGE_SIZE), img + PAGE_SIZE, PAGE_SIZE);
	t->regs.rsp = rsp;
	return SVSM_OK;
}

int task_create(const char *name, const uint8_t *elf, size_t elf_size, const char *const *envp,
		unsigned envc, struct task **out, const char **why)
{
	struct elf_user u;
	struct task *t;
	int err;

	*why = elf_user_check(elf, elf_size, ELF_USER_PIE_BASE, &u);
	if (*why != NULL)
		return SVSM_EINVAL;
	*why = "out of memory";
	t = kzalloc(sizeof(*t));
	if (t == NULL)
		return SVSM_ENOMEM;
	memcpy(t->name, name, strnlen(name, sizeof(t->name) - 1));
	t->in = kmalloc(TASK_IO_MAX);
	t->out = kmalloc(TASK_IO_MAX);
	if (t->in == NULL || t->out == NULL || pgt_init(&t->pt, &user_ops, t, platform_enc_mask()) != SVSM_OK) {
		kfree(t->in);
		kfree(t->out);
		kfree(t);
		return SVSM_ENOMEM;
	}
	/* The kernel half (and this CPU's per-CPU slot) is the kernel's, supervisor-only. */
	uint64_t *mine = phys_to_virt(t->pt.root_pa);
	const uint64_t *cpu = phys_to_virt(vm_cpu_pt()->root_pa);

	for (unsigned slot = PT_ENTRIES / 2; slot < PT_ENTRIES; slot++)
		mine[slot] = cpu[slot];

	err = load_image(t, elf, &u);
	if (err == SVSM_OK)
		err = build_stack(t, &u, envp, envc, why);
	if (err != SVSM_OK) {
		task_destroy(t);
		return err;
	}
	t->regs.rip = u.entry;
	t->regs.rflags = RFLAGS_FIXED; /* IF clear: nothing interrupts a task yet */
	t->brk_start = t->brk = u.va_end;
	uint16_t fcw = 0x37F;
	uint32_t mxcsr = 0x1F80;

	memcpy(t->fpu + FXSAVE_FCW, &fcw, sizeof(fcw));
	memcpy(t->fpu + FXSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
	t->state = TASK_READY;
	*why = NULL;
	*out = t;
	log_info("task %s: loaded (%s, entry 0x%llx; %llu pages image+stack, %llu more read-only in place)", t->name,
		 u.base != 0 ? "static-PIE" : "static", (unsigned long long)u.entry,
		 (unsigned long long)t->pages, (unsigned long long)t->image_pages);
	return SVSM_OK;
}

/* ---- running ---- */

struct task *task_current(void)
{
	return this_cpu()->task;
}

enum task_state task_run(struct task *t)
{
	struct percpu *pc = this_cpu();

	if (t->state == TASK_WAIT_INPUT && (t->in_pos < t->in_len || t->in_closed))
		t->state = TASK_READY;
	if (t->state != TASK_READY)
		return t->state;
	if (pc->task != NULL)
		panic("task: %s started while %s runs", t->name, pc->task->name);
	pc->task = t;
	/* The per-CPU slot is the running CPU's: the task may run on another CPU than last time. */
	((uint64_t *)phys_to_virt(t->pt.root_pa))[PERCPU_SLOT] =
		((const uint64_t *)phys_to_virt(vm_cpu_pt()->root_pa))[PERCPU_SLOT];
	cr3_write(t->pt.root_pa | t->pt.enc_mask);
	__asm__ volatile("fxrstor64 %0" : : "m"(*(const uint8_t(*)[512])t->fpu));
	cpu_wrmsr(MSR_FS_BASE, t->fs_base);
	cpu_wrmsr(MSR_KERNEL_GS_BASE, 0); /* the task's GS base after SWAPGS: it cannot set one */
	task_enter(&t->regs);
	/* Back from task_leave: the task stopped; its state says why. */
	cr3_write(vm_cpu_pt()->root_pa | vm_cpu_pt()->enc_mask);
	pc->task = NULL;
	if (t->state == TASK_KILLED)
		log_warn("task %s: stopped: %s", t->name, t->why);
	return t->state;
}

enum task_state task_run_slice(struct task *t, uint64_t us)
{
	enum task_state s;

	if (!lapic_ready())
		return task_run(t);
	t->regs.rflags |= RFLAGS_IF;
	lapic_arm(us);
	s = task_run(t);
	lapic_disarm();
	/* A tick that fired after the task stopped is taken here (exc_dispatch drops it). */
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	t->regs.rflags &= ~RFLAGS_IF;
	return s;
}

void task_stop(struct user_regs *r)
{
	static const uint32_t mxcsr_default = 0x1F80;
	struct percpu *pc = this_cpu();
	struct task *t = pc->task;

	t->regs = *r;
	t->fs_base = cpu_rdmsr(MSR_FS_BASE);
	__asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])t->fpu));
	/* The kernel's own SSE users (mbedTLS) start from a clean state and their canary. */
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr_default));
	cpu_wrmsr(MSR_FS_BASE, (uint64_t)(uintptr_t)pc->tls);
	task_leave();
}

void task_kill(struct user_regs *r, const char *fmt, ...)
{
	struct task *t = task_current();
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	t->state = TASK_KILLED;
	/*
	 * Reported by task_run, off this stack: the task's fault may be a #VC
	 * served on the #VC stack, where the console's own #VC (under SNP)
	 * would land on the same stack and overwrite this frame.
	 */
	task_stop(r);
}

/*
 * An exception at CPL3 (exc_dispatch sends them here): the task is
 * stopped with the fault as its reason; nothing it does can fault the
 * kernel. Demand paging is not used, so no fault is resumed.
 */
void task_user_exception(struct exc_frame *f, uint64_t cr2);

void task_user_exception(struct exc_frame *f, uint64_t cr2)
{
	struct user_regs r = {
		.r15 = f->r15, .r14 = f->r14, .r13 = f->r13, .r12 = f->r12, .r11 = f->r11,
		.r10 = f->r10, .r9 = f->r9, .r8 = f->r8, .rbp = f->rbp, .rdi = f->rdi, .rsi = f->rsi,
		.rdx = f->rdx, .rcx = f->rcx, .rbx = f->rbx, .rax = f->rax, .rip = f->rip,
		.rflags = f->rflags, .rsp = f->rsp,
	};

	if (task_current() == NULL)
		exc_fatal(f, cr2, "exception at CPL3 with no task running");
	if (f->vector == LAPIC_TIMER_VECTOR) {
		/* The slice is over: the task stays ready and resumes here next time. */
		lapic_eoi();
		task_current()->preemptions++;
		task_stop(&r);
	}
	if (f->vector == X86_EXC_PF)
		task_kill(&r, "%s at RIP 0x%llx: address 0x%llx (error code 0x%llx)", exc_name(f->vector),
			  (unsigned long long)f->rip, (unsigned long long)cr2,
			  (unsigned long long)f->error_code);
	task_kill(&r, "%s at RIP 0x%llx (error code 0x%llx)", exc_name(f->vector),
		  (unsigned long long)f->rip, (unsigned long long)f->error_code);
}

/* ---- channels ---- */

int task_give_input(struct task *t, const void *buf, size_t len)
{
	if (t->in_pos > 0) { /* keep the unread part at the front */
		memmove(t->in, t->in + t->in_pos, t->in_len - t->in_pos);
		t->in_len -= t->in_pos;
		t->in_pos = 0;
	}
	if (len > TASK_IO_MAX - t->in_len)
		return SVSM_ENOSPC;
	memcpy(t->in + t->in_len, buf, len);
	t->in_len += len;
	if (t->state == TASK_WAIT_INPUT && len > 0)
		t->state = TASK_READY;
	return SVSM_OK;
}

void task_close_input(struct task *t)
{
	t->in_closed = true;
	if (t->state == TASK_WAIT_INPUT)
		t->state = TASK_READY;
}

int task_state_open(struct task *t, const void *initial, size_t len, size_t max)
{
	unsigned order = 0;
	uint64_t in, out;

	if (t->st_in != NULL || len > max)
		return SVSM_EINVAL;
	while ((PAGE_SIZE << order) < max)
		order++;
	in = buddy_alloc(mm_buddy(), order);
	out = in == MM_PA_NONE ? MM_PA_NONE : buddy_alloc(mm_buddy(), order);
	if (out == MM_PA_NONE) {
		if (in != MM_PA_NONE)
			buddy_free(mm_buddy(), in, order);
		return SVSM_ENOMEM;
	}
	t->st_in = phys_to_virt(in);
	t->st_out = phys_to_virt(out);
	t->st_pa[0] = in;
	t->st_pa[1] = out;
	t->st_order = order;
	t->st_max = max;
	memcpy(t->st_in, initial, len);
	t->st_in_len = len;
	t->st_in_pos = 0;
	t->st_out_len = 0;
	t->st_overflow = false;
	return SVSM_OK;
}

int task_state_take(struct task *t, const uint8_t **buf, size_t *len)
{
	const bool overflow = t->st_overflow;

	if (t->st_in == NULL)
		return SVSM_ENOENT;
	*buf = t->st_out;
	*len = t->st_out_len;
	t->st_out_len = 0;
	t->st_overflow = false;
	return overflow ? SVSM_ENOSPC : SVSM_OK;
}

size_t task_take_output(struct task *t, void *buf, size_t max)
{
	size_t n = t->out_len < max ? t->out_len : max;

	memcpy(buf, t->out, n);
	memmove(t->out, t->out + n, t->out_len - n);
	t->out_len -= n;
	return n;
}
