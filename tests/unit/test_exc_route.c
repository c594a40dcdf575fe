/* SPDX-License-Identifier: MIT */
/*
 * Where an exception goes (svsm/cpu/exc_route.c): at CPL0 the kernel's; at
 * CPL3 the task's, but for machine-level events and a #VC for CPUID, which
 * the platform serves for a module as for the kernel (under SNP a module
 * would otherwise die at its first CPUID).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "abi/ghcb.h"
#include "abi/x86.h"
#include "svsm/exc.h"

#define KERNEL_CS 0x08
#define USER_CS (0x28 | 3)

static void kernel_exceptions_are_the_kernels(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < 256; v++) {
		assert_int_equal(exc_route(KERNEL_CS, v, 0), EXC_ROUTE_KERNEL);
		assert_int_equal(exc_route(KERNEL_CS, v, SVM_EXIT_CPUID), EXC_ROUTE_KERNEL);
	}
}

static void user_exceptions(void **state)
{
	static const uint64_t other_exits[] = {
		SVM_EXIT_MSR, SVM_EXIT_IOIO, 0x6E /* RDTSC */, 0x87 /* RDTSCP */, 0x404, 0x71, 0x73, 0, ~0ull,
		SVM_EXIT_CPUID | (1ull << 32),
	};

	(void)state;
	assert_int_equal(exc_route(USER_CS, X86_EXC_VC, SVM_EXIT_CPUID), EXC_ROUTE_USER_VC);
	for (unsigned i = 0; i < sizeof(other_exits) / sizeof(other_exits[0]); i++)
		assert_int_equal(exc_route(USER_CS, X86_EXC_VC, other_exits[i]), EXC_ROUTE_TASK);
	for (uint64_t v = 0; v < 256; v++) {
		enum exc_route want = (v == X86_EXC_NMI || v == X86_EXC_MC || v == X86_EXC_DF) ? EXC_ROUTE_KERNEL
				      : EXC_ROUTE_TASK;

		if (v == X86_EXC_VC)
			continue;
		assert_int_equal(exc_route(USER_CS, v, SVM_EXIT_CPUID), want);
	}
	/* Any CPL but 3 is the kernel's (the SVSM uses 0 and 3 only). */
	assert_int_equal(exc_route(0x29, X86_EXC_VC, SVM_EXIT_CPUID), EXC_ROUTE_KERNEL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kernel_exceptions_are_the_kernels),
		cmocka_unit_test(user_exceptions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
