/* SPDX-License-Identifier: MIT */
/*
 * The Linux system-call personality of CPL3 modules (docs/ARCHITECTURE.md): what a
 * static glibc program with libtpms and OpenSSL's libcrypto asks for.
 * Numbers and semantics: Linux x86-64 (arch/x86/entry/syscalls/
 * syscall_64.tbl, the man pages); errors are Linux's negative errno
 * values. Every user pointer is checked against the user half and copied
 * with faults recovered; an unknown call returns -ENOSYS and is logged
 * once per number.
 *
 * fd 0 is the task's input channel, fd 1 its output channel, fd 2 the
 * SVSM log (one console line per line written), fd 3 the state channel
 * when the SVSM opened one (include/svsm/task.h). There are no files:
 * openat answers -ENOENT.
 */
#include "abi/x86.h"
#include "lib/cpu.h"
#include "lib/string.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/platform.h"
#include "svsm/probe.h"
#include "svsm/task.h"
#include "svsm/tsc.h"

/* Linux x86-64 system-call numbers. */
enum {
	SYS_read = 0, SYS_write = 1, SYS_close = 3, SYS_fstat = 5, SYS_mmap = 9, SYS_mprotect = 10,
	SYS_munmap = 11, SYS_brk = 12, SYS_rt_sigaction = 13, SYS_rt_sigprocmask = 14,
	SYS_getpid = 39, SYS_exit = 60, SYS_readlink = 89, SYS_gettimeofday = 96,
	SYS_getuid = 102, SYS_getgid = 104, SYS_geteuid = 107, SYS_getegid = 108,
	SYS_arch_prctl = 158, SYS_gettid = 186, SYS_time = 201, SYS_futex = 202,
	SYS_set_tid_address = 218, SYS_clock_gettime = 228, SYS_clock_getres = 229,
	SYS_exit_group = 231, SYS_openat = 257, SYS_newfstatat = 262, SYS_set_robust_list = 273,
	SYS_prlimit64 = 302, SYS_getrandom = 318, SYS_rseq = 334,
};

/* Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h). */
#define L_EPERM 1
#define L_ENOENT 2
#define L_EIO 5
#define L_EBADF 9
#define L_EAGAIN 11
#define L_ENOMEM 12
#define L_EACCES 13
#define L_EFAULT 14
#define L_EINVAL 22
#define L_ENOSPC 28
#define L_ENOSYS 38

#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_NORESERVE 0x4000
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMD_MASK 0x7F
#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4
#define AT_EMPTY_PATH 0x1000
#define S_IFIFO 0010000
#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIM_INFINITY (~0ull)
/* User-writable RFLAGS: CF PF AF ZF SF TF DF OF AC (APM vol.2 §3.1.6); the rest is the kernel's. */
#define RFLAGS_USER 0x40DD5ull
#define RFLAGS_FIXED 0x2ull

extern bool task_smap;

long syscall_dispatch(struct user_regs *r);

/* ---- user memory ---- */

static bool user_range(uint64_t va, uint64_t len)
{
	return va < TASK_USER_TOP && len <= TASK_USER_TOP - va;
}

static inline void stac(void)
{
	if (task_smap)
		__asm__ volatile("stac" ::: "memory");
}

static inline void clac(void)
{
	if (task_smap)
		__asm__ volatile("clac" ::: "memory");
}

static int copy_in(void *dst, uint64_t src, uint64_t len)
{
	int err;

	if (!user_range(src, len))
		return -L_EFAULT;
	stac();
	err = copy_safe(dst, (const void *)(uintptr_t)src, len);
	clac();
	return err == SVSM_OK ? 0 : -L_EFAULT;
}

int task_copy_in(void *dst, uint64_t src, uint64_t len)
{
	return copy_in(dst, src, len) == 0 ? SVSM_OK : SVSM_EFAULT;
}

static int copy_out(uint64_t dst, const void *src, uint64_t len)
{
	int err;

	if (!user_range(dst, len))
		return -L_EFAULT;
	stac();
	err = copy_safe((void *)(uintptr_t)dst, src, len);
	clac();
	return err == SVSM_OK ? 0 : -L_EFAULT;
}

/* A NUL-terminated user string of at most max - 1 bytes; -EFAULT or -ENAMETOOLONG-like -EINVAL. */
static int string_in(char *dst, uint64_t src, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (copy_in(dst + i, src + i, 1) != 0)
			return -L_EFAULT;
		if (dst[i] == '\0')
			return 0;
	}
	return -L_EINVAL;
}

/* ---- fds ---- */

/* Re-runs the syscall instruction when the task resumes (SYSCALL is 2 bytes: 0F 05). */
__attribute__((noreturn)) static void block(struct user_regs *r, struct task *t, unsigned nr)
{
	r->rip -= 2;
	r->rax = nr;
	t->state = TASK_WAIT_INPUT;
	task_stop(r);
}

/* fd 3: what the SVSM kept for the task, then the end; never blocks. */
static long state_read(struct task *t, uint64_t buf, uint64_t len)
{
	uint64_t n = t->st_in_len - t->st_in_pos < len ? t->st_in_len - t->st_in_pos : len;

	if (n != 0 && copy_out(buf, t->st_in + t->st_in_pos, n) != 0)
		return -L_EFAULT;
	t->st_in_pos += n;
	return (long)n;
}

static long sys_read(struct user_regs *r, struct task *t, uint64_t fd, uint64_t buf, uint64_t len)
{
	if (fd != 0 && !(fd == 3 && t->st_in != NULL))
		return -L_EBADF;
	if (!user_range(buf, len))
		return -L_EFAULT; /* the whole buffer first, as Linux's access_ok */
	if (len == 0)
		return 0;
	if (fd == 3)
		return state_read(t, buf, len);
	if (t->in_pos == t->in_len) {
		if (t->in_closed)
			return 0;
		block(r, t, SYS_read);
	}
	uint64_t n = t->in_len - t->in_pos < len ? t->in_len - t->in_pos : len;

	if (copy_out(buf, t->in + t->in_pos, n) != 0)
		return -L_EFAULT;
	t->in_pos += n;
	return (long)n;
}

static void log_flush(struct task *t)
{
	console_printf("[%s] %.*s\n", t->name, (int)t->log_len, t->log);
	t->log_len = 0;
}

static long sys_write(struct task *t, uint64_t fd, uint64_t buf, uint64_t len)
{
	uint8_t chunk[256];
	uint64_t done = 0;

	if (fd == 0 || (fd > 2 && !(fd == 3 && t->st_in != NULL)))
		return -L_EBADF;
	if (!user_range(buf, len))
		return -L_EFAULT;
	if (fd == 3 && len > t->st_max - t->st_out_len) {
		t->st_overflow = true; /* whole or not at all: the SVSM must not keep a cut state */
		return -L_ENOSPC;
	}
	if (fd == 1 && len > TASK_IO_MAX - t->out_len) {
		if (t->out_len == TASK_IO_MAX)
			return -L_EAGAIN; /* the SVSM has not taken the last answer yet */
		len = TASK_IO_MAX - t->out_len;
	}
	while (done < len) {
		uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);

		if (copy_in(chunk, buf + done, n) != 0)
			return done > 0 ? (long)done : -L_EFAULT;
		if (fd == 1) {
			memcpy(t->out + t->out_len, chunk, n);
			t->out_len += n;
		} else if (fd == 3) {
			memcpy(t->st_out + t->st_out_len, chunk, n);
			t->st_out_len += n;
		} else {
			for (uint64_t i = 0; i < n; i++) {
				if (chunk[i] == '\n' || t->log_len == sizeof(t->log)) {
					log_flush(t);
					if (chunk[i] == '\n')
						continue;
				}
				/* The console gets printable ASCII only: a module cannot send it control bytes. */
				t->log[t->log_len++] = chunk[i] >= 0x20 && chunk[i] < 0x7F ? (char)chunk[i] : '.';
			}
		}
		done += n;
	}
	return (long)done;
}

/* struct stat (Linux x86-64, 144 bytes): only st_mode (offset 24) and st_blksize (56) are set. */
static long fd_stat(uint64_t fd, uint64_t statbuf)
{
	uint8_t st[144] = { 0 };
	uint32_t mode = S_IFIFO | 0600;
	uint64_t blksize = PAGE_SIZE;

	if (fd > 3 || (fd == 3 && task_current()->st_in == NULL))
		return -L_EBADF;
	memcpy(st + 24, &mode, sizeof(mode));
	memcpy(st + 56, &blksize, sizeof(blksize));
	return copy_out(statbuf, st, sizeof(st));
}

/* ---- memory ---- */

static unsigned prot_rights(uint64_t prot)
{
	return ((prot & PROT_WRITE) ? PGT_WRITE : 0) | ((prot & PROT_EXEC) ? PGT_EXEC : 0);
}

static long sys_brk(struct task *t, uint64_t want)
{
	uint64_t old_top = (t->brk + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t new_top = (want + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	if (want < t->brk_start || want - t->brk_start > TASK_BRK_MAX)
		return (long)t->brk; /* Linux: the current break, unchanged */
	if (new_top > old_top && task_map_anon(t, old_top, new_top - old_top, PGT_WRITE) != SVSM_OK)
		return (long)t->brk;
	if (new_top < old_top)
		task_unmap(t, new_top, old_top - new_top);
	t->brk = want;
	return (long)t->brk;
}

static bool mmap_overlaps(const struct task *t, uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < t->nmmap; i++) {
		if (t->mmap[i].start < end && start < t->mmap[i].end)
			return true;
	}
	return false;
}

/* The highest free gap of len bytes below TASK_MMAP_TOP, or 0. */
static uint64_t mmap_find(const struct task *t, uint64_t len)
{
	uint64_t top = TASK_MMAP_TOP;

	while (top - TASK_MMAP_BOTTOM >= len) {
		uint64_t start = top - len, lowest = top;
		bool clash = false;

		for (unsigned i = 0; i < t->nmmap; i++) {
			if (t->mmap[i].start < top && start < t->mmap[i].end) {
				clash = true;
				lowest = t->mmap[i].start < lowest ? t->mmap[i].start : lowest;
			}
		}
		if (!clash)
			return start;
		top = lowest;
	}
	return 0;
}

static long sys_mmap(struct task *t, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags,
		     uint64_t fd, uint64_t off)
{
	uint64_t size = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	if ((flags & ~(MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED)) != 0 ||
	    (flags & (MAP_PRIVATE | MAP_ANONYMOUS)) != (MAP_PRIVATE | MAP_ANONYMOUS) ||
	    (int32_t)fd != -1 || off != 0) /* Linux reads fd as an int */
		return -L_EINVAL; /* anonymous private memory only: there are no files */
	if (len == 0 || size > TASK_MMAP_MAX || (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC)) != 0)
		return -L_EINVAL;
	if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
		return -L_EACCES; /* W^X in modules too */
	if (t->nmmap == TASK_REGIONS)
		return -L_ENOMEM;
	if (flags & MAP_FIXED) {
		if ((addr & (PAGE_SIZE - 1)) || addr < TASK_MMAP_BOTTOM || addr > TASK_MMAP_TOP - size ||
		    mmap_overlaps(t, addr, addr + size))
			return -L_EINVAL; /* only into free mmap space: nothing is replaced */
	} else {
		addr = mmap_find(t, size);
		if (addr == 0)
			return -L_ENOMEM;
	}
	if (task_map_anon(t, addr, size, prot_rights(prot)) != SVSM_OK)
		return -L_ENOMEM;
	t->mmap[t->nmmap++] = (struct task_region){ addr, addr + size };
	return (long)addr;
}

static long sys_munmap(struct task *t, uint64_t addr, uint64_t len)
{
	uint64_t size = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), end = addr + size;

	if ((addr & (PAGE_SIZE - 1)) || len == 0 || !user_range(addr, size))
		return -L_EINVAL;
	/* Only mmap regions; a region cut in two needs a free slot. */
	for (unsigned i = 0; i < t->nmmap; i++) {
		struct task_region *g = &t->mmap[i];

		if (g->start < addr && g->end > end && t->nmmap == TASK_REGIONS)
			return -L_ENOMEM;
	}
	for (unsigned i = 0; i < t->nmmap;) {
		struct task_region g = t->mmap[i];
		uint64_t cs = g.start > addr ? g.start : addr, ce = g.end < end ? g.end : end;

		if (cs >= ce) {
			i++;
			continue;
		}
		task_unmap(t, cs, ce - cs);
		t->mmap[i] = t->mmap[--t->nmmap]; /* remove, then add what is left */
		if (g.start < cs)
			t->mmap[t->nmmap++] = (struct task_region){ g.start, cs };
		if (ce < g.end)
			t->mmap[t->nmmap++] = (struct task_region){ ce, g.end };
	}
	return 0;
}

static long sys_mprotect(struct task *t, uint64_t addr, uint64_t len, uint64_t prot)
{
	uint64_t size = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	if ((addr & (PAGE_SIZE - 1)) || (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC)) != 0 ||
	    !user_range(addr, size))
		return -L_EINVAL;
	if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
		return -L_EACCES;
	if (size == 0)
		return 0;
	/* pgt_protect changes nothing when a page of the range is unmapped. */
	int err = pgt_protect(&t->pt, addr, size, prot_rights(prot) | PGT_USER);

	/* SVSM_EPERM: a page of the SVSM image mapped in place (the module's code and constants) stays read-only. */
	return err == SVSM_OK ? 0 : err == SVSM_ENOENT ? -L_ENOMEM : err == SVSM_EPERM ? -L_EACCES : -L_EINVAL;
}

/* ---- the rest ---- */

static long sys_clock_gettime(uint64_t clk, uint64_t ts)
{
	uint64_t ns = tsc_ns();
	uint64_t v[2] = { ns / 1000000000ull, ns % 1000000000ull };

	if (clk > 7)
		return -L_EINVAL; /* CLOCK_REALTIME..CLOCK_BOOTTIME; all count from the SVSM's start */
	return copy_out(ts, v, sizeof(v));
}

static long sys_getrandom(uint64_t buf, uint64_t len, uint64_t flags)
{
	uint8_t chunk[64];
	uint64_t done = 0;

	if ((flags & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) != 0)
		return -L_EINVAL;
	if (len > (1u << 20))
		len = 1u << 20; /* Linux also returns less for large requests */
	if (!user_range(buf, len))
		return -L_EFAULT;
	while (done < len) {
		uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);

		if (platform_random(chunk, n) != SVSM_OK)
			return done > 0 ? (long)done : -L_EIO;
		if (copy_out(buf + done, chunk, n) != 0)
			return done > 0 ? (long)done : -L_EFAULT;
		done += n;
	}
	memset(chunk, 0, sizeof(chunk));
	return (long)done;
}

static long sys_prlimit64(uint64_t pid, uint64_t res, uint64_t newp, uint64_t oldp)
{
	uint64_t lim[2] = { RLIM_INFINITY, RLIM_INFINITY };

	if (pid != 0 && pid != 1)
		return -L_EPERM;
	if (newp != 0)
		return -L_EPERM; /* limits are the SVSM's */
	if (res == RLIMIT_STACK)
		lim[0] = TASK_STACK_SIZE;
	if (res == RLIMIT_NOFILE)
		lim[0] = lim[1] = 3;
	return oldp != 0 ? copy_out(oldp, lim, sizeof(lim)) : 0;
}

static long sys_futex(struct user_regs *r, uint64_t uaddr, uint64_t op, uint64_t val)
{
	uint32_t cur;

	switch (op & FUTEX_CMD_MASK) {
	case FUTEX_WAKE:
		return 0; /* one thread: nobody waits */
	case FUTEX_WAIT:
		if (copy_in(&cur, uaddr, sizeof(cur)) != 0)
			return -L_EFAULT;
		if (cur != (uint32_t)val)
			return -L_EAGAIN;
		/* Waiting for a value no other thread can ever change: it would hang forever. */
		task_kill(r, "futex wait at 0x%llx with no other thread to wake it", (unsigned long long)uaddr);
	default:
		return -L_ENOSYS;
	}
}

static long unknown(struct task *t, uint64_t nr)
{
	if (nr >= 512 || (t->enosys_logged[nr / 64] & (1ull << (nr % 64))) == 0) {
		log_warn("task %s: system call %llu is not provided: -ENOSYS", t->name, (unsigned long long)nr);
		if (nr < 512)
			t->enosys_logged[nr / 64] |= 1ull << (nr % 64);
	}
	return -L_ENOSYS;
}

static long do_syscall(struct user_regs *r, struct task *t)
{
	uint64_t a0 = r->rdi, a1 = r->rsi, a2 = r->rdx, a3 = r->r10, a4 = r->r8, a5 = r->r9;
	char path[256];

	switch (r->rax) {
	case SYS_read:
		return sys_read(r, t, a0, a1, a2);
	case SYS_write:
		return sys_write(t, a0, a1, a2);
	case SYS_close:
		return a0 <= 2 || (a0 == 3 && t->st_in != NULL) ? 0 : -L_EBADF;
	case SYS_fstat:
		return fd_stat(a0, a1);
	case SYS_newfstatat:
		if ((a3 & AT_EMPTY_PATH) == 0 || string_in(path, a1, sizeof(path)) != 0 || path[0] != '\0')
			return -L_ENOENT;
		return fd_stat(a0, a2);
	case SYS_openat:
		return string_in(path, a1, sizeof(path)) != 0 ? -L_EFAULT : -L_ENOENT;
	case SYS_readlink:
		return string_in(path, a0, sizeof(path)) != 0 ? -L_EFAULT : -L_ENOENT;
	case SYS_mmap:
		return sys_mmap(t, a0, a1, a2, a3, a4, a5);
	case SYS_munmap:
		return sys_munmap(t, a0, a1);
	case SYS_mprotect:
		return sys_mprotect(t, a0, a1, a2);
	case SYS_brk:
		return sys_brk(t, a0);
	case SYS_getpid:
	case SYS_gettid:
		return 1;
	case SYS_getuid:
	case SYS_getgid:
	case SYS_geteuid:
	case SYS_getegid:
		return 0;
	case SYS_arch_prctl:
		if (a0 == ARCH_SET_FS) {
			if (!user_range(a1, 1))
				return -L_EPERM;
			cpu_wrmsr(MSR_FS_BASE, a1); /* the task's FS base until it stops */
			return 0;
		}
		if (a0 == ARCH_GET_FS) {
			uint64_t fs = cpu_rdmsr(MSR_FS_BASE);

			return copy_out(a1, &fs, sizeof(fs));
		}
		return -L_EINVAL;
	case SYS_set_tid_address:
		t->tid_address = a0;
		return 1;
	case SYS_set_robust_list:
		return a1 == 24 ? 0 : -L_EINVAL; /* sizeof(struct robust_list_head); one thread */
	case SYS_rseq:
		return -L_ENOSYS; /* glibc runs without restartable sequences */
	case SYS_prlimit64:
		return sys_prlimit64(a0, a1, a2, a3);
	case SYS_clock_gettime:
		return sys_clock_gettime(a0, a1);
	case SYS_time: {
		uint64_t secs = tsc_ns() / 1000000000ull; /* from the SVSM's start: no wall clock */

		return a0 != 0 && copy_out(a0, &secs, sizeof(secs)) != 0 ? -L_EFAULT : (long)secs;
	}
	case SYS_getrandom:
		return sys_getrandom(a0, a1, a2);
	case SYS_futex:
		return sys_futex(r, a0, a1, a2);
	case SYS_exit:
	case SYS_exit_group:
		if (t->log_len > 0)
			log_flush(t);
		t->exit_code = (int)(a0 & 0xFF);
		t->state = TASK_EXITED;
		task_stop(r);
	default:
		return unknown(t, r->rax);
	}
}

/* From task_entry.S: the result in RAX; RCX and R11 become RIP and RFLAGS for SYSRET. */
long syscall_dispatch(struct user_regs *r)
{
	struct task *t = task_current();

	t->syscalls++;
	r->rax = (uint64_t)do_syscall(r, t);
	/* IF stays what task_run gave the task (it cannot change it at IOPL 0). */
	r->rflags = (r->rflags & (RFLAGS_USER | RFLAGS_IF)) | RFLAGS_FIXED;
	r->rcx = r->rip;
	r->r11 = r->rflags;
	return 0;
}
