/* SPDX-License-Identifier: MIT */
/* lib/fmt.c against the C library's snprintf, on the subset it supports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/fmt.h"

#define CHECK(...)                                                                   \
	do {                                                                         \
		char want_[256], got_[256];                                          \
		int wn_ = snprintf(want_, sizeof(want_), __VA_ARGS__);               \
		size_t gn_ = fmt_snprintf(got_, sizeof(got_), __VA_ARGS__);          \
		if (strcmp(want_, got_) != 0 || (size_t)wn_ != gn_) {                \
			print_error("format %s: want '%s' (%d), got '%s' (%zu)\n", \
				    #__VA_ARGS__, want_, wn_, got_, gn_);            \
			fail();                                                      \
		}                                                                    \
	} while (0)

static void matches_libc(void **state)
{
	(void)state;
	CHECK("plain text");
	CHECK("%d %i %u", 0, -1, 4294967295u);
	CHECK("%d", -2147483647 - 1);
	CHECK("%lld %llu", -9223372036854775807ll - 1, 18446744073709551615ull);
	CHECK("%ld %lu %zu %zd", -5l, 5ul, (size_t)77, (ssize_t)-77);
	CHECK("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
	CHECK("%x %X %o %#x %#X %#o", 0xdeadbeefu, 0xdeadbeefu, 8u, 255u, 255u, 8u);
	CHECK("%#x %#o", 0u, 0u);
	CHECK("%llx %016llx %-16llx|", 0x123456789abcdefull, 0xabcull, 0xabcull);
	CHECK("%5d|%-5d|%05d|%+d|% d|%+5d|%-+5d|", 42, 42, 42, 42, 42, -42, 42);
	CHECK("%05d %05d", -42, 0);
	CHECK("%.3d %.0d %.0d %5.3d %-5.3d|", 7, 0, 1, 7, -7);
	CHECK("%s|%10s|%-10s|%.2s|%5.1s|", "abc", "abc", "abc", "abc", "abc");
	CHECK("%c|%3c|%-3c|", 'x', 'y', 'z');
	CHECK("%%|%5%|");
	CHECK("%*d|%-*d|%.*d|%*d|", 6, 1, 6, 2, 3, 3, -4, 4);
	CHECK("%jd %ju %td", (intmax_t)-3, (uintmax_t)3, (ptrdiff_t)-9);
	CHECK("%p %p", (void *)0x1000, (void *)0xffffffff80001234ull);
}

static void random_integers_match(void **state)
{
	(void)state;
	srand(12345);
	for (int i = 0; i < 20000; i++) {
		uint64_t v = ((uint64_t)rand() << 40) ^ ((uint64_t)rand() << 20) ^ (uint64_t)rand();
		int width = rand() % 24;

		v >>= rand() % 64;
		CHECK("%*llu|%-*llx|%0*llo", width, (unsigned long long)v, width,
		      (unsigned long long)v, width, (unsigned long long)v);
		CHECK("%lld|%+0*lld", (long long)v, width, -(long long)(v >> 1));
	}
}

static void truncation_is_reported(void **state)
{
	char buf[8];
	(void)state;

	memset(buf, 'Q', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	assert_string_equal(buf, "0123456");
	assert_int_equal(fmt_snprintf(buf, 1, "abc"), 3);
	assert_string_equal(buf, "");
	memset(buf, 'Q', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 0, "abc"), 3);
	assert_int_equal(buf[0], 'Q'); /* size 0 writes nothing */
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", (const char *)NULL), 6);
	assert_string_equal(buf, "(null)");
}

static void unknown_conversions_are_visible(void **state)
{
	char buf[64];
	(void)state;

	fmt_snprintf(buf, sizeof(buf), "a%qb");
	assert_string_equal(buf, "a%qb");
	fmt_snprintf(buf, sizeof(buf), "end%");
	assert_string_equal(buf, "end%");
	fmt_snprintf(buf, sizeof(buf), "end%5");
	assert_string_equal(buf, "end%5");
	/* Absurd widths are clamped, not overflowed. */
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%99999999999d", 1), 4096);
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%*d", 1 << 30, 1), 4096);
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%*d", -(1 << 30), 1), 4096);
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%.*d", 1 << 30, 1), 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matches_libc),
		cmocka_unit_test(random_integers_match),
		cmocka_unit_test(truncation_is_reported),
		cmocka_unit_test(unknown_conversions_are_visible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
