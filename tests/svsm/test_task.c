/* SPDX-License-Identifier: MIT */
/*
 * CPL3 tasks on the live machine: the module archive the self-test kernel
 * carries, the test module (static and static-PIE) run at CPL3 with input
 * on fd 0 and its output checked, and hand-made programs that fault or
 * pass hostile pointers and requests to system calls: each is stopped or
 * refused with the right reason or error, and the SVSM's memory is
 * exactly as before.
 */
#include "abi/elf64.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "mm/kmalloc.h"
#include "svsm/errno.h"
#include "svsm/mm.h"
#include "svsm/modar.h"
#include "svsm/platform.h"
#include "svsm/selftest.h"
#include "svsm/task.h"

#define LOAD 0x400000ull

static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++) {
		if (strncmp(hay, needle, n) == 0)
			return true;
	}
	return false;
}

/* Runs t until it stops for good: input given and closed first. */
static enum task_state run_to_end(struct task *t, const char *input)
{
	enum task_state s;

	if (input != NULL && task_give_input(t, input, strlen(input)) != SVSM_OK)
		return TASK_KILLED;
	task_close_input(t);
	do
		s = task_run(t);
	while (s == TASK_READY || s == TASK_WAIT_INPUT);
	return s;
}

static bool have_rng(void)
{
	uint8_t b;

	return platform_random(&b, 1) == SVSM_OK;
}

SELFTEST(modar_holds_the_test_modules)
{
	const uint8_t *m;
	size_t n;

	ST_ASSERT(modar_find(svsm_modules, (size_t)(svsm_modules_end - svsm_modules), "testmod", &m, &n) == NULL);
	ST_ASSERT(n > 4096 && memcmp(m, "\x7f" "ELF", 4) == 0);
	ST_ASSERT(modar_find(svsm_modules, (size_t)(svsm_modules_end - svsm_modules), "testmod-pie", &m, &n) == NULL);
	ST_ASSERT(modar_find(svsm_modules, (size_t)(svsm_modules_end - svsm_modules), "nothing", &m, &n) != NULL);
	/* The archive the build packed, whole: every module's SHA-256 as its entry says. */
	ST_ASSERT(modar_verify(svsm_modules, (size_t)(svsm_modules_end - svsm_modules)) == NULL);
}

static void run_testmod(struct selftest_ctx *t, const char *name)
{
	const char *envp[] = { "SVSM_MODULE=selftest" };
	const uint8_t *elf;
	size_t n, got;
	struct task *task;
	const char *why;
	char out[16];
	struct buddy_stats before, after;

	ST_ASSERT(modar_find(svsm_modules, (size_t)(svsm_modules_end - svsm_modules), name, &elf, &n) == NULL);
	buddy_get_stats(mm_buddy(), &before);
	int err = task_create(name, elf, n, envp, 1, &task, &why);

	if (!have_rng()) {
		/* No RDRAND (qemu64): no AT_RANDOM, no getrandom: modules cannot run, and say so. */
		ST_EQ(err, SVSM_EIO);
		ST_ASSERT(contains(why, "RDRAND"));
		return;
	}
	ST_EQ(err, SVSM_OK);
	ST_EQ(run_to_end(task, "hello"), TASK_EXITED);
	ST_EQ(task->exit_code, 7);
	got = task_take_output(task, out, sizeof(out));
	ST_EQ(got, 5);
	ST_ASSERT(memcmp(out, "ifmmp", 5) == 0);
	ST_ASSERT(task->syscalls > 10);
	task_destroy(task);
	buddy_get_stats(mm_buddy(), &after);
	ST_EQ(after.free_pages, before.free_pages);
}

SELFTEST(task_testmod_static_at_cpl3)
{
	run_testmod(t, "testmod");
}

SELFTEST(task_testmod_static_pie_at_cpl3)
{
	run_testmod(t, "testmod-pie");
}

/*
 * modules/testmod/hostile.c: 31 hostile system calls, each refused as
 * documented (5 of them against its own code and constants, mapped in
 * place from the kernel image), and 4000 scattered mmap/munmap pairs
 * (exit 0). The image pages are not the task's: its end frees only its own.
 */
SELFTEST(task_hostile_syscall_arguments_refused)
{
	const uint8_t *elf;
	size_t n;
	struct task *task;
	const char *why;
	struct buddy_stats before, after;

	if (!have_rng())
		return; /* checked in run_testmod */
	ST_ASSERT(modar_find(svsm_modules, (size_t)(svsm_modules_end - svsm_modules), "hostile", &elf, &n) == NULL);
	buddy_get_stats(mm_buddy(), &before);
	ST_EQ(task_create("hostile", elf, n, NULL, 0, &task, &why), SVSM_OK);
	uint64_t tables_at_start = task->table_pages, image_pages = task->image_pages;

	ST_ASSERT(image_pages >= 3); /* its code, and the two pages of constants it attacks */

	ST_EQ(run_to_end(task, NULL), TASK_EXITED);
	ST_EQ(task->exit_code, 0);
	/*
	 * It mapped and unmapped 4000 pages, each in its own 2 MiB region: the
	 * emptied tables went back (before: one table page or more each, 4000+
	 * pages of the SVSM's heap kept until the task ended).
	 */
	ST_ASSERT(task->table_pages <= tables_at_start + 8);
	ST_ASSERT(task->table_pages <= TASK_TABLE_PAGES_MAX);
	ST_EQ(task->image_pages, image_pages);
	task_destroy(task);
	buddy_get_stats(mm_buddy(), &after);
	ST_EQ(after.free_pages, before.free_pages);
}

/* A one-segment ET_EXEC (R X) with code right after the headers. */
static size_t tiny_elf(uint8_t *buf, const uint8_t *code, size_t len)
{
	struct elf64_ehdr *eh = (struct elf64_ehdr *)buf;
	struct elf64_phdr *ph = (struct elf64_phdr *)(buf + sizeof(*eh));
	size_t total = sizeof(*eh) + sizeof(*ph) + len;

	memset(buf, 0, 4096);
	memcpy(eh->e_ident, "\x7f" "ELF", 4);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = LOAD + sizeof(*eh) + sizeof(*ph);
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	*ph = (struct elf64_phdr){ PT_LOAD, PF_R | PF_X, 0, LOAD, LOAD, total, total, 4096 };
	memcpy(buf + sizeof(*eh) + sizeof(*ph), code, len);
	return total;
}

/* Assembled from: hlt | mov $kernel,%rax; mov (%rax),%rax | write(2, kernel, 16) then exit(-ret) | ... */
static const uint8_t prog_hlt[] = { 0xf4 };
static const uint8_t prog_pf[] = { 0x48, 0xb8, 0x00, 0x00, 0x00, 0x80, 0xff, 0xff, 0xff, 0xff, 0x48, 0x8b, 0x00 };
static const uint8_t prog_efault[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, 0xbf, 0x02, 0x00, 0x00, 0x00, 0x48, 0xbe,
				       0x00, 0x00, 0x00, 0x80, 0xff, 0xff, 0xff, 0xff, 0xba, 0x10, 0x00, 0x00,
				       0x00, 0x0f, 0x05, 0x89, 0xc7, 0xf7, 0xdf, 0xb8, 0xe7, 0x00, 0x00, 0x00,
				       0x0f, 0x05 };
static const uint8_t prog_enosys[] = { 0xb8, 0xe7, 0x03, 0x00, 0x00, 0x0f, 0x05, 0x89, 0xc7, 0xf7, 0xdf, 0xb8,
				       0xe7, 0x00, 0x00, 0x00, 0x0f, 0x05 };
static const uint8_t prog_wx[] = { 0x31, 0xff, 0xbe, 0x00, 0x10, 0x00, 0x00, 0xba, 0x07, 0x00, 0x00, 0x00,
				   0x41, 0xba, 0x22, 0x00, 0x00, 0x00, 0x49, 0xc7, 0xc0, 0xff, 0xff, 0xff,
				   0xff, 0x45, 0x31, 0xc9, 0xb8, 0x09, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x89,
				   0xc7, 0xf7, 0xdf, 0xb8, 0xe7, 0x00, 0x00, 0x00, 0x0f, 0x05 };
static const uint8_t prog_readbad[] = { 0x31, 0xc0, 0x31, 0xff, 0x48, 0xbe, 0x00, 0x10, 0x00, 0x00, 0x00, 0x80,
					0xff, 0xff, 0xba, 0x08, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x89, 0xc7, 0xf7,
					0xdf, 0xb8, 0xe7, 0x00, 0x00, 0x00, 0x0f, 0x05 };

/* Runs code as a task: its final state, exit code and reason. */
static enum task_state run_code(struct selftest_ctx *t, const uint8_t *code, size_t len, const char *input,
				int *code_out, char *why_out, size_t why_max)
{
	static uint8_t elf[4096];
	struct task *task;
	const char *why;
	size_t n = tiny_elf(elf, code, len);

	if (task_create("tiny", elf, n, NULL, 0, &task, &why) != SVSM_OK) {
		selftest_fail(t, __FILE__, __LINE__, why);
		return TASK_KILLED;
	}
	enum task_state s = run_to_end(task, input);

	*code_out = task->exit_code;
	memcpy(why_out, task->why, why_max < sizeof(task->why) ? why_max : sizeof(task->why));
	why_out[why_max - 1] = '\0';
	task_destroy(task);
	return s;
}

SELFTEST(task_faults_and_hostile_syscalls_leave_the_svsm_unharmed)
{
	struct buddy_stats before, after;
	char why[96];
	int code;

	if (!have_rng())
		return; /* task_create refuses without RDRAND: checked in run_testmod */
	buddy_get_stats(mm_buddy(), &before);
	ST_EQ(run_code(t, prog_hlt, sizeof(prog_hlt), NULL, &code, why, sizeof(why)), TASK_KILLED);
	ST_ASSERT(contains(why, "#GP"));
	ST_EQ(run_code(t, prog_pf, sizeof(prog_pf), NULL, &code, why, sizeof(why)), TASK_KILLED);
	ST_ASSERT(contains(why, "#PF") && contains(why, "0xffffffff80000000"));
	/* Kernel addresses as syscall buffers: -EFAULT (14), nothing read or written. */
	ST_EQ(run_code(t, prog_efault, sizeof(prog_efault), NULL, &code, why, sizeof(why)), TASK_EXITED);
	ST_EQ(code, 14);
	ST_EQ(run_code(t, prog_readbad, sizeof(prog_readbad), "12345678", &code, why, sizeof(why)), TASK_EXITED);
	ST_EQ(code, 14);
	/* An unknown system call: -ENOSYS (38). */
	ST_EQ(run_code(t, prog_enosys, sizeof(prog_enosys), NULL, &code, why, sizeof(why)), TASK_EXITED);
	ST_EQ(code, 38);
	/* Writable and executable memory: -EACCES (13). */
	ST_EQ(run_code(t, prog_wx, sizeof(prog_wx), NULL, &code, why, sizeof(why)), TASK_EXITED);
	ST_EQ(code, 13);
	buddy_get_stats(mm_buddy(), &after);
	ST_EQ(after.free_pages, before.free_pages);
	ST_ASSERT(slab_heap_check(kmalloc_heap()) == NULL);
	ST_ASSERT(buddy_check(mm_buddy()) == NULL);
}
