/* SPDX-License-Identifier: MIT */
/*
 * The module archive (svsm/task/modar.c) on an archive tools/pack_modules.py
 * wrote (MODAR_FILE: testmod and testmod-pie), and on every kind of broken
 * one: each refused with its reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/modar.h"
#include "svsm/modar.h"

static uint8_t *ar, *copy;
static size_t n;

static int setup(void **state)
{
	const char *path = getenv("MODAR_FILE");
	FILE *f = path != NULL ? fopen(path, "rb") : NULL;

	(void)state;
	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	ar = malloc(n);
	copy = malloc(n);
	if (fread(ar, 1, n, f) != n)
		return -1;
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ar);
	free(copy);
	return 0;
}

static struct modar_hdr *hdr(uint8_t *a)
{
	return (struct modar_hdr *)a;
}

static struct modar_entry *ent(uint8_t *a, unsigned i)
{
	return (struct modar_entry *)(a + sizeof(struct modar_hdr)) + i;
}

static void finds_each_module(void **state)
{
	const uint8_t *m = NULL;
	size_t len = 0;
	(void)state;

	assert_int_equal(hdr(ar)->count, 2);
	assert_null(modar_find(ar, n, "testmod", &m, &len));
	assert_true(len > 4096 && memcmp(m, "\x7f" "ELF", 4) == 0 && (size_t)(m - ar) % MODAR_ALIGN == 0);
	assert_null(modar_find(ar, n, "testmod-pie", &m, &len));
	assert_true(len > 4096 && memcmp(m, "\x7f" "ELF", 4) == 0);
	assert_non_null(modar_find(ar, n, "vtpm", &m, &len));
	assert_non_null(modar_find(ar, n, "testmo", &m, &len));
}

static void refused(const char *why_part, size_t len)
{
	const uint8_t *m = (const uint8_t *)0x1234;
	size_t sz = 99;
	const char *why = modar_find(copy, len, "testmod", &m, &sz);

	if (why == NULL || strstr(why, why_part) == NULL)
		fail_msg("expected '%s', got '%s'", why_part, why != NULL ? why : "(accepted)");
	assert_ptr_equal(m, (const uint8_t *)0x1234);
	assert_int_equal(sz, 99);
	why = modar_verify(copy, len);
	if (why == NULL || strstr(why, why_part) == NULL)
		fail_msg("verify: expected '%s', got '%s'", why_part, why != NULL ? why : "(accepted)");
}

/* A digest that does not match: modar_verify says so; modar_find, on the boot path, leaves that to the launch measurement. */
static void verify_refuses_a_changed_module(const char *why_part)
{
	const uint8_t *m = NULL;
	size_t sz = 0;
	const char *why = modar_verify(copy, n);

	if (why == NULL || strstr(why, why_part) == NULL)
		fail_msg("expected '%s', got '%s'", why_part, why != NULL ? why : "(accepted)");
	assert_null(modar_find(copy, n, "testmod-pie", &m, &sz));
}

static void broken_archives_refused(void **state)
{
	(void)state;
#define BROKEN(stmt, why) do { memcpy(copy, ar, n); stmt; refused(why, n); } while (0)
	BROKEN(copy[0] = 'X', "magic");
	BROKEN(hdr(copy)->version = 2, "version");
	BROKEN(hdr(copy)->count = 0, "count");
	BROKEN(hdr(copy)->count = 17, "count");
	BROKEN(hdr(copy)->total_size = n + 1, "size disagrees");
	BROKEN(ent(copy, 0)->name[0] = '\0', "name");
	BROKEN(memset(ent(copy, 1)->name, 'a', MODAR_NAME_MAX), "name");
	BROKEN(ent(copy, 0)->name[31] = 'x', "NUL-padded");
	BROKEN(memset(ent(copy, 1)->name, 0, MODAR_NAME_MAX); strcpy(ent(copy, 1)->name, "testmod"), "same name");
	BROKEN(ent(copy, 0)->offset += 8, "misaligned");
	BROKEN(ent(copy, 0)->offset = 0, "outside");
	BROKEN(ent(copy, 1)->size = n, "outside");
	BROKEN(ent(copy, 0)->size = 0, "outside");
	BROKEN(ent(copy, 1)->offset = ent(copy, 0)->offset, "overlap");
#undef BROKEN
	memcpy(copy, ar, n);
	assert_null(modar_verify(copy, n));
	copy[ent(copy, 1)->offset + 100] ^= 1;
	verify_refuses_a_changed_module("SHA-256");
	memcpy(copy, ar, n);
	ent(copy, 0)->sha256[0] ^= 1;
	verify_refuses_a_changed_module("SHA-256");
	memcpy(copy, ar, n);
	refused("size disagrees", n - 1);
	refused("shorter", 10);
	refused("size disagrees", sizeof(struct modar_hdr) + 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_each_module),
		cmocka_unit_test(broken_archives_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
