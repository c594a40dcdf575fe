/* SPDX-License-Identifier: MIT */
/*
 * svsm/task/elf_user.c on real static executables (the test module as
 * ET_EXEC and static-PIE, the vTPM module) and on every kind of broken
 * one, made by changing one field of a good file: each is refused with a
 * reason and the output untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/elf64.h"
#include "svsm/elf_user.h"

static uint8_t *load(const char *env, size_t *len)
{
	const char *path = getenv(env);
	FILE *f = path != NULL ? fopen(path, "rb") : NULL;
	uint8_t *buf;

	if (f == NULL)
		fail_msg("set %s to a built module", env);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(*len);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

static struct elf64_ehdr *eh(uint8_t *img)
{
	return (struct elf64_ehdr *)img;
}

static struct elf64_phdr *ph(uint8_t *img, unsigned i)
{
	return (struct elf64_phdr *)(img + eh(img)->e_phoff) + i;
}

static int find_ph(uint8_t *img, uint32_t type, unsigned nth)
{
	for (unsigned i = 0; i < eh(img)->e_phnum; i++) {
		if (ph(img, i)->p_type == type && nth-- == 0)
			return (int)i;
	}
	return -1;
}

static void good_files(void **state)
{
	size_t n;
	uint8_t *img = load("TESTMOD", &n);
	struct elf_user u;
	(void)state;

	assert_null(elf_user_check(img, n, ELF_USER_PIE_BASE, &u));
	assert_int_equal(u.base, 0);
	assert_int_equal(u.entry, eh(img)->e_entry);
	assert_true(u.seg_count >= 3);
	assert_int_equal(u.phnum, eh(img)->e_phnum);
	assert_int_equal(u.phdr, u.seg[0].vaddr + eh(img)->e_phoff);
	assert_true(u.va_end > u.va_start && u.va_end % 4096 == 0);
	free(img);

	img = load("TESTMOD_PIE", &n);
	assert_null(elf_user_check(img, n, ELF_USER_PIE_BASE, &u));
	assert_int_equal(u.base, ELF_USER_PIE_BASE);
	assert_int_equal(u.entry, ELF_USER_PIE_BASE + eh(img)->e_entry);
	assert_int_equal(u.va_start, ELF_USER_PIE_BASE);
	assert_null(elf_user_check(img, n, 0x7000000000ull, &u));
	assert_int_equal(u.entry, 0x7000000000ull + eh(img)->e_entry);
	free(img);

	img = load("VTPM_MODULE", &n);
	assert_null(elf_user_check(img, n, ELF_USER_PIE_BASE, &u));
	assert_true(u.seg_count == 4 && (u.seg[1].flags & PF_X) != 0);
	free(img);
}

/* One changed field, refused with a message containing `why`, the output unchanged. */
static void refused(uint8_t *img, size_t n, uint64_t base, const char *why)
{
	struct elf_user u, before;
	const char *got;

	memset(&u, 0xA5, sizeof(u));
	before = u;
	got = elf_user_check(img, n, base, &u);
	if (got == NULL || strstr(got, why) == NULL)
		fail_msg("expected a refusal with '%s', got '%s'", why, got != NULL ? got : "(accepted)");
	assert_memory_equal(&u, &before, sizeof(u));
}

static void bad_files(void **state)
{
	size_t n;
	uint8_t *good = load("TESTMOD", &n), *img = malloc(n);
	int load1 = find_ph(good, PT_LOAD, 1), load0 = find_ph(good, PT_LOAD, 0);
	int note = find_ph(good, PT_NOTE, 0), stack = find_ph(good, PT_GNU_STACK, 0);
	(void)state;

	assert_true(load1 > 0 && note >= 0 && stack >= 0);
#define MUTATE(stmt, why) do { memcpy(img, good, n); stmt; refused(img, n, ELF_USER_PIE_BASE, why); } while (0)
	MUTATE(img[1] = 'X', "magic");
	MUTATE(img[EI_CLASS] = 1, "EI_CLASS");
	MUTATE(eh(img)->e_type = 1, "e_type");
	MUTATE(eh(img)->e_machine = 3, "e_machine");
	MUTATE(eh(img)->e_flags = 1, "e_flags");
	MUTATE(eh(img)->e_phentsize = 32, "e_phentsize");
	MUTATE(eh(img)->e_phnum = 0, "e_phnum");
	MUTATE(eh(img)->e_phnum = 200, "e_phnum");
	MUTATE(eh(img)->e_phoff = n - 8, "outside the file");
	MUTATE(eh(img)->e_entry = 0x10, "e_entry");
	MUTATE(ph(img, note)->p_type = PT_INTERP, "PT_INTERP");
	MUTATE(ph(img, note)->p_type = PT_DYNAMIC, "PT_DYNAMIC in an ET_EXEC");
	MUTATE(ph(img, note)->p_type = 0x60000000u, "type not allowed");
	MUTATE(ph(img, stack)->p_flags |= PF_X, "executable stack");
	MUTATE(ph(img, load1)->p_flags |= PF_W, "writable and executable");
	MUTATE(ph(img, load1)->p_flags |= 0x100, "bits other than");
	MUTATE(ph(img, load1)->p_filesz = ph(img, load1)->p_memsz + 1, "p_filesz exceeds");
	MUTATE(ph(img, load1)->p_memsz = 0, "p_memsz is 0");
	MUTATE(ph(img, load1)->p_offset = n, "outside the file");
	MUTATE(ph(img, load1)->p_offset += 8, "modulo the page size");
	MUTATE(ph(img, load1)->p_align = 3, "power of two");
	MUTATE(ph(img, load1)->p_vaddr = ph(img, load0)->p_vaddr, "share a page");
	MUTATE(ph(img, load0)->p_vaddr = 0x1000; ph(img, load0)->p_paddr = 0x1000, "user image window");
	MUTATE(ph(img, load1)->p_vaddr = ELF_USER_VA_MAX - 0x1000, "user image window");
	MUTATE(ph(img, load1)->p_memsz = ~0ull - 0x2000, "user image window");
	/* Every PT_LOAD gone (all turned into notes). */
	MUTATE(for (unsigned i = 0; i < eh(img)->e_phnum; i++) if (ph(img, i)->p_type == PT_LOAD) ph(img, i)->p_type = PT_NOTE, "no PT_LOAD");
	/* Program headers outside every loaded segment's file data: no AT_PHDR. */
	MUTATE(ph(img, load0)->p_offset = 0x1000, "AT_PHDR");
	/* Every truncation of the file is refused (or, past the last byte read, accepted the same). */
	for (size_t cut = 0; cut < 4096 && cut < n; cut += 7) {
		struct elf_user u;

		assert_non_null(elf_user_check(good, cut, ELF_USER_PIE_BASE, &u));
	}
	refused(NULL, n, ELF_USER_PIE_BASE, "shorter");
	free(good);

	good = load("TESTMOD_PIE", &n);
	img = realloc(img, n);
	int dyn = find_ph(good, PT_DYNAMIC, 0);

	assert_true(dyn >= 0);
	refused(good, n, ELF_USER_PIE_BASE + 8, "page-aligned");
	refused(good, n, 0, "user image window");
	refused(good, n, ELF_USER_VA_MAX, "user image window");
	MUTATE(ph(img, dyn)->p_type = PT_NOTE, "not a static-PIE");
	MUTATE(ph(img, find_ph(img, PT_NOTE, 0))->p_type = PT_DYNAMIC, "repeated");
#undef MUTATE
	free(good);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_files),
		cmocka_unit_test(bad_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
