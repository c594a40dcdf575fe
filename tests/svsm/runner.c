/* SPDX-License-Identifier: MIT */
/*
 * The self-test kernel's run mode: runs every SELFTEST in link order (or
 * those whose name contains test=SUBSTRING), prints TAP on the console and
 * exits QEMU with SVSM_EXIT_PASS only if all ran and passed.
 *
 * Command-line keys (scripts pass them through QEMU -append):
 *   test=SUBSTR            run only matching tests
 *   test.expect_platform=K fail the platform test unless the probe said K
 *   test.inject=fail       add a failing check (proves the harness fails)
 *   test.inject=crash      execute ud2 with no fixup (proves fatal reports)
 *   test.inject=panic      call panic() (proves the panic report)
 */
#include "lib/string.h"
#include "svsm/boot.h"
#include "svsm/cmdline.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/machine.h"
#include "svsm/panic.h"
#include "svsm/selftest.h"

extern const struct selftest __start_selftests[];
extern const struct selftest __stop_selftests[];

static const char *const accepted_keys[] = { "test", "test.expect_platform", "test.inject" };

bool svsm_run_accepts_key(const char *key, size_t len)
{
	for (unsigned i = 0; i < sizeof(accepted_keys) / sizeof(accepted_keys[0]); i++) {
		if (strlen(accepted_keys[i]) == len && memcmp(accepted_keys[i], key, len) == 0)
			return true;
	}
	return false;
}

void selftest_fail(struct selftest_ctx *t, const char *file, int line, const char *expr)
{
	t->failed = true;
	t->file = file;
	t->line = line;
	t->expr = expr;
}

void selftest_fail_eq(struct selftest_ctx *t, const char *file, int line, const char *expr,
		      uint64_t a, uint64_t b)
{
	selftest_fail(t, file, line, expr);
	t->has_values = true;
	t->a = a;
	t->b = b;
}

static bool name_matches(const char *name, const char *filter)
{
	size_t n = strlen(filter);

	if (n == 0)
		return true;
	for (const char *p = name; *p != '\0'; p++) {
		if (strncmp(p, filter, n) == 0)
			return true;
	}
	return false;
}

__attribute__((noinline)) static void inject(const char *cmdline)
{
	char what[16];

	if (cmdline_get(cmdline, "test.inject", what, sizeof(what)) != SVSM_OK)
		return;
	if (strcmp(what, "crash") == 0) {
		console_printf("# test.inject=crash: executing ud2 with no fixup\n");
		__asm__ volatile("ud2");
	}
	if (strcmp(what, "panic") == 0)
		panic("test.inject=panic: deliberate panic");
}

const char svsm_run_banner[] = "SVSM " SVSM_VERSION " kernel (self-tests)";

void svsm_run(struct svsm_boot *b)
{
	char filter[64];
	unsigned total = 0, run = 0, failed = 0, skipped = 0;

	if (cmdline_get(b->bi.cmdline, "test", filter, sizeof(filter)) != SVSM_OK)
		filter[0] = '\0';
	inject(b->bi.cmdline);

	for (const struct selftest *s = __start_selftests; s < __stop_selftests; s++) {
		if (name_matches(s->name, filter))
			total++;
	}
	console_printf("TAP version 13\n1..%u\n", total);
	for (const struct selftest *s = __start_selftests; s < __stop_selftests; s++) {
		if (!name_matches(s->name, filter))
			continue;

		struct selftest_ctx t = { .failed = false };

		run++;
		s->fn(&t);
		if (!t.failed && t.skipped != NULL) {
			skipped++;
			console_printf("ok %u - %s # SKIP %s\n", run, s->name, t.skipped);
			continue;
		}
		if (!t.failed) {
			console_printf("ok %u - %s\n", run, s->name);
			continue;
		}
		failed++;
		console_printf("not ok %u - %s\n#   %s:%d: check failed: %s\n", run, s->name,
			       t.file, t.line, t.expr);
		if (t.has_values)
			console_printf("#   left 0x%llx, right 0x%llx\n", (unsigned long long)t.a,
				       (unsigned long long)t.b);
	}
	if (total == 0) {
		console_printf("# no self-test matches test=%s\n", filter);
		machine_exit(SVSM_EXIT_FAIL);
	}
	console_printf("# selftests: %u run, %u passed, %u failed, %u skipped\n", run, run - failed - skipped, failed,
		       skipped);
	machine_exit(failed == 0 ? SVSM_EXIT_PASS : SVSM_EXIT_FAIL);
}
