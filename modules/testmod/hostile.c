/* SPDX-License-Identifier: MIT */
/*
 * A test module that passes hostile arguments to the SVSM's system calls
 * (kernel and non-canonical pointers, huge lengths, bad flags, W+X) and
 * checks each is refused with the right errno. It prints every mismatch
 * on fd 2 and exits with the number of them (0: all refused as expected).
 * Run at CPL3 by the in-SVSM task tests; on Linux the same checks hold
 * for most calls (the test only asserts the SVSM's documented answers).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define KERNEL ((long)0xffffffff80000000ull)
#define NONCANON ((long)0x0000800000000000ull)

static int failures;
/* A page of constants of its own (its .rodata, past the first page's ELF headers). */
static const char KEEP_RODATA[8192] __attribute__((aligned(4096))) = "hostile: constants";

static void expect(long ret, int err, const char *what)
{
	if (ret != -1 || errno != err) {
		fprintf(stderr, "hostile: %s: got %ld errno %d, wanted errno %d\n", what, ret, errno, err);
		failures++;
	}
	errno = 0;
}

int main(void)
{
	static char buf[64];
	long brk0 = syscall(SYS_brk, 0);

	expect(syscall(SYS_write, 2, KERNEL, 16), EFAULT, "write from a kernel address");
	expect(syscall(SYS_write, 2, NONCANON, 16), EFAULT, "write from a non-canonical address");
	expect(syscall(SYS_write, 2, buf, (long)1 << 62), EFAULT, "write with a huge length");
	expect(syscall(SYS_write, 7, buf, 1), EBADF, "write to fd 7");
	expect(syscall(SYS_read, 1, buf, 1), EBADF, "read from fd 1");
	expect(syscall(SYS_read, 0, KERNEL, 8), EFAULT, "read into a kernel address");
	expect(syscall(SYS_getrandom, KERNEL, 16, 0), EFAULT, "getrandom into a kernel address");
	expect(syscall(SYS_getrandom, buf, 16, 0x100), EINVAL, "getrandom with unknown flags");
	expect(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, KERNEL), EFAULT, "clock_gettime into a kernel address");
	expect(syscall(SYS_clock_gettime, 99, buf), EINVAL, "clock_gettime of clock 99");
	expect(syscall(SYS_mmap, 0, (long)1 << 40, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL,
	       "mmap of 1 TiB");
	expect(syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
	       EACCES, "mmap writable and executable");
	expect(syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_SHARED, 3, 0), EINVAL, "mmap of a file");
	expect(syscall(SYS_mmap, KERNEL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
	       EINVAL, "mmap fixed at a kernel address");
	expect(syscall(SYS_munmap, KERNEL, 4096), EINVAL, "munmap of a kernel address");
	expect(syscall(SYS_munmap, buf + 1, 4096), EINVAL, "munmap unaligned");
	expect(syscall(SYS_mprotect, KERNEL, 4096, PROT_READ), EINVAL, "mprotect of a kernel address");
	expect(syscall(SYS_mprotect, (long)buf & ~4095l, 4096, PROT_READ | PROT_WRITE | PROT_EXEC), EACCES,
	       "mprotect to writable and executable");
	expect(syscall(SYS_mprotect, 0x600000000000l, 4096, PROT_READ), ENOMEM, "mprotect of unmapped memory");
	/*
	 * Its own code and constants: in the SVSM, pages mapped in place from
	 * the SVSM's image (task.c): never writable, never unmapped, and the
	 * SVSM writes nothing into them for a system call either.
	 */
	long text = (long)(uintptr_t)main & ~4095l, rodata = (long)(uintptr_t)KEEP_RODATA & ~4095l;

	expect(syscall(SYS_mprotect, text, 4096, PROT_READ | PROT_WRITE), EACCES, "mprotect of its code to writable");
	expect(syscall(SYS_mprotect, rodata, 4096, PROT_READ | PROT_WRITE), EACCES,
	       "mprotect of its constants to writable");
	/* munmap touches mmap regions only (outside them it does nothing, and says 0, as Linux does for a hole). */
	if (syscall(SYS_munmap, rodata, 4096) != 0 || ((volatile const char *)KEEP_RODATA)[0] != 'h') {
		fprintf(stderr, "hostile: munmap of its constants did something\n");
		failures++;
	}
	expect(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, text), EFAULT, "clock_gettime into its code");
	expect(syscall(SYS_getrandom, rodata, 16, 0), EFAULT, "getrandom into its constants");
	expect(syscall(SYS_arch_prctl, 0x1002, KERNEL), EPERM, "arch_prctl(ARCH_SET_FS) to a kernel address");
	expect(syscall(SYS_arch_prctl, 0x1001, 0), EINVAL, "arch_prctl(ARCH_SET_GS)");
	expect(syscall(SYS_openat, -100, KERNEL, 0), EFAULT, "openat with a kernel path");
	expect(syscall(SYS_openat, -100, "/etc/passwd", 0), ENOENT, "openat of a file");
	expect(syscall(SYS_prlimit64, 0, 3, buf, 0), EPERM, "prlimit64 setting a limit");
	expect(syscall(SYS_futex, KERNEL, 0, 0, 0), EFAULT, "futex wait on a kernel address");
	expect(syscall(999), ENOSYS, "system call 999");
	if (syscall(SYS_brk, (long)1 << 46) != brk0 || syscall(SYS_brk, 0) != brk0) {
		fprintf(stderr, "hostile: brk to 64 TiB moved the break\n");
		failures++;
	}
	/*
	 * Page tables are not a resource a module can pile up: 4000 one-page
	 * mappings, each alone in its 2 MiB region and spread over many 1 GiB
	 * and 512 GiB lines, mapped, written and unmapped. Every one must map;
	 * the SVSM's test then checks the task holds only a few table pages.
	 */
	for (long i = 0; i < 4000; i++) {
		long va = 0x700000000000l + i * 37 * (2l << 20) + (i % 16) * (512l << 30);
		char *p = (char *)syscall(SYS_mmap, va, 4096, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

		if ((long)p != va) {
			fprintf(stderr, "hostile: scattered mmap %ld at 0x%lx failed: %ld\n", i, va, (long)p);
			failures++;
			break;
		}
		p[0] = 1;
		if (syscall(SYS_munmap, va, 4096) != 0) {
			fprintf(stderr, "hostile: munmap %ld failed\n", i);
			failures++;
			break;
		}
	}
	fprintf(stderr, "hostile: %d mismatch(es)\n", failures);
	return failures;
}
