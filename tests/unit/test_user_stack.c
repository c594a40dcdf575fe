/* SPDX-License-Identifier: MIT */
/*
 * svsm/task/user_stack.c: the stack it builds is read back the way a
 * static glibc start-up reads it (argc, argv, envp, auxv), and bad
 * arguments or a buffer too small are refused with the buffer untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "svsm/errno.h"
#include "svsm/user_stack.h"

#define TOP 0x7FFFFFFFF000ull
#define SIZE 8192

static uint8_t buf[SIZE];
static const struct elf_user elf = { .entry = 0x401234, .phdr = 0x400040, .phnum = 10 };

static uint64_t at(uint64_t va)
{
	uint64_t v;

	assert_true(va >= TOP - SIZE && va + 8 <= TOP);
	memcpy(&v, buf + (va - (TOP - SIZE)), 8);
	return v;
}

static const char *str(uint64_t va)
{
	assert_true(va >= TOP - SIZE && va < TOP);
	return (const char *)buf + (va - (TOP - SIZE));
}

static uint64_t aux(uint64_t auxv, uint64_t type)
{
	for (uint64_t p = auxv;; p += 16) {
		if (at(p) == type)
			return at(p + 8);
		if (at(p) == AT_NULL)
			fail_msg("auxv entry %llu missing", (unsigned long long)type);
	}
}

static void layout_as_glibc_reads_it(void **state)
{
	const char *argv[] = { "vtpm", "--flag" };
	const char *envp[] = { "SVSM_MODULE=vtpm", "A=1", "B=" };
	struct user_stack_args a = { argv, 2, envp, 3, &elf, { 0 }, 0x178BFBFF };
	uint64_t rsp = 0;
	(void)state;

	for (int i = 0; i < 16; i++)
		a.random[i] = (uint8_t)(0xA0 + i);
	assert_int_equal(user_stack_build(buf, SIZE, TOP, &a, &rsp), SVSM_OK);
	assert_int_equal(rsp % 16, 0);
	assert_int_equal(at(rsp), 2);
	assert_string_equal(str(at(rsp + 8)), "vtpm");
	assert_string_equal(str(at(rsp + 16)), "--flag");
	assert_int_equal(at(rsp + 24), 0);
	assert_string_equal(str(at(rsp + 32)), "SVSM_MODULE=vtpm");
	assert_string_equal(str(at(rsp + 40)), "A=1");
	assert_string_equal(str(at(rsp + 48)), "B=");
	assert_int_equal(at(rsp + 56), 0);

	uint64_t auxv = rsp + 64;

	assert_int_equal(aux(auxv, AT_PHDR), 0x400040);
	assert_int_equal(aux(auxv, AT_PHENT), 56);
	assert_int_equal(aux(auxv, AT_PHNUM), 10);
	assert_int_equal(aux(auxv, AT_PAGESZ), 4096);
	assert_int_equal(aux(auxv, AT_ENTRY), 0x401234);
	assert_int_equal(aux(auxv, AT_HWCAP), 0x178BFBFF);
	assert_int_equal(aux(auxv, AT_SECURE), 0);
	assert_string_equal(str(aux(auxv, AT_PLATFORM)), "x86_64");
	assert_string_equal(str(aux(auxv, AT_EXECFN)), "vtpm");
	assert_memory_equal(str(aux(auxv, AT_RANDOM)), a.random, 16);
	/* Nothing written below rsp, nothing past the top. */
	for (uint64_t va = TOP - SIZE; va < rsp; va++)
		assert_int_equal(buf[va - (TOP - SIZE)], 0);
}

static void refusals_leave_the_buffer(void **state)
{
	const char *argv[] = { "m" }, *nul[] = { NULL };
	static const char *many[USER_STACK_MAX_ARGS + 1];
	struct user_stack_args a = { argv, 1, NULL, 0, &elf, { 0 }, 0 };
	static uint8_t before[SIZE];
	uint64_t rsp = 0x1234;
	(void)state;

	for (unsigned i = 0; i <= USER_STACK_MAX_ARGS; i++)
		many[i] = "x";
	memset(buf, 0x77, sizeof(buf));
	memcpy(before, buf, sizeof(buf));
	a.argc = 0;
	assert_int_equal(user_stack_build(buf, SIZE, TOP, &a, &rsp), SVSM_EINVAL);
	a.argc = 1;
	assert_int_equal(user_stack_build(buf, SIZE, TOP + 8, &a, &rsp), SVSM_EINVAL);
	a.argv = nul;
	assert_int_equal(user_stack_build(buf, SIZE, TOP, &a, &rsp), SVSM_EINVAL);
	a.argv = many;
	a.argc = USER_STACK_MAX_ARGS + 1;
	assert_int_equal(user_stack_build(buf, SIZE, TOP, &a, &rsp), SVSM_EINVAL);
	a.argv = argv, a.argc = 1, a.envp = nul, a.envc = 1;
	assert_int_equal(user_stack_build(buf, SIZE, TOP, &a, &rsp), SVSM_EINVAL);
	a.envp = NULL, a.envc = 0;
	assert_int_equal(user_stack_build(buf, 100, TOP, &a, &rsp), SVSM_ENOSPC);
	a.elf = NULL;
	assert_int_equal(user_stack_build(buf, SIZE, TOP, &a, &rsp), SVSM_EINVAL);
	assert_memory_equal(buf, before, sizeof(buf));
	assert_int_equal(rsp, 0x1234);
	/* The smallest buffer that fits works, and one byte less does not. */
	a.elf = &elf;
	size_t fit = 0;

	for (size_t s = 16; s <= SIZE && fit == 0; s += 8) {
		if (user_stack_build(buf + SIZE - s, s, TOP, &a, &rsp) == SVSM_OK)
			fit = s;
	}
	assert_true(fit > 0);
	assert_int_equal(user_stack_build(buf + SIZE - fit + 8, fit - 8, TOP, &a, &rsp), SVSM_ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_as_glibc_reads_it),
		cmocka_unit_test(refusals_leave_the_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
