/* SPDX-License-Identifier: MIT */
/*
 * In-SVSM self-tests. SELFTEST(name) registers a test in the .selftests
 * linker section; the self-test kernel's runner (tests/svsm/runner.c) runs
 * them in link order and prints TAP. A check that fails records the
 * location and ends the test.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct selftest_ctx {
	bool failed;
	const char *file;
	int line;
	const char *expr;
	uint64_t a, b; /* values for ST_EQ failures */
	bool has_values;
	const char *skipped; /* why the test does not apply to this boot (ST_SKIP), or NULL */
};

struct selftest {
	const char *name;
	void (*fn)(struct selftest_ctx *t);
};

#define SELFTEST(tname)                                                                   \
	static void selftest_fn_##tname(struct selftest_ctx *t);                          \
	static const struct selftest selftest_desc_##tname                                \
		__attribute__((used, section(".selftests"), aligned(8))) = { #tname,       \
									    selftest_fn_##tname }; \
	static void selftest_fn_##tname(struct selftest_ctx *t)

void selftest_fail(struct selftest_ctx *t, const char *file, int line, const char *expr);
void selftest_fail_eq(struct selftest_ctx *t, const char *file, int line, const char *expr,
		      uint64_t a, uint64_t b);

#define ST_ASSERT(cond)                                               \
	do {                                                          \
		if (!(cond)) {                                        \
			selftest_fail(t, __FILE__, __LINE__, #cond);  \
			return;                                       \
		}                                                     \
	} while (0)

/* The test does not apply to this boot (e.g. another platform backend): TAP "ok ... # SKIP why". */
#define ST_SKIP(why)                  \
	do {                          \
		t->skipped = (why);   \
		return;               \
	} while (0)

#define ST_EQ(x, y)                                                                       \
	do {                                                                              \
		uint64_t st_a_ = (uint64_t)(x), st_b_ = (uint64_t)(y);                    \
		if (st_a_ != st_b_) {                                                     \
			selftest_fail_eq(t, __FILE__, __LINE__, #x " == " #y, st_a_, st_b_); \
			return;                                                           \
		}                                                                         \
	} while (0)
