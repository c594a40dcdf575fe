/* SPDX-License-Identifier: MIT */
/* #VC decoding of IOIO, MSR and CPUID instructions, and the IOIO exit-information format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "abi/ghcb.h"
#include "svsm/errno.h"
#include "svsm/vc_decode.h"

static struct vc_insn d;

static int dec(uint64_t code, const uint8_t *b, size_t n, uint16_t dx)
{
	return vc_decode(code, b, n, dx, &d);
}

static void test_out_dx_al(void **state)
{
	static const uint8_t insn[] = { 0xEE };

	(void)state;
	assert_int_equal(dec(SVM_EXIT_IOIO, insn, 1, 0x3F8), SVSM_OK);
	assert_int_equal(d.len, 1);
	/* port 0x3F8 << 16 | A64 | SZ8, OUT: what Linux's vc_ioio_exitinfo builds. */
	assert_int_equal(d.exit_info_1, 0x03F80000ull | SVM_IOIO_A64 | SVM_IOIO_SZ8);
	assert_false(d.io.in);
	assert_int_equal(d.io.size, 1);
}

static void test_in_forms(void **state)
{
	static const uint8_t in_al_imm[] = { 0xE4, 0x71 };
	static const uint8_t in_ax_dx[] = { 0x66, 0xED };
	static const uint8_t in_eax_dx[] = { 0xED };

	(void)state;
	assert_int_equal(dec(SVM_EXIT_IOIO, in_al_imm, 2, 0xFFFF), SVSM_OK);
	assert_int_equal(d.len, 2);
	assert_int_equal(d.io.port, 0x71);
	assert_true(d.io.in);
	assert_int_equal(d.exit_info_1, 0x00710000ull | SVM_IOIO_A64 | SVM_IOIO_SZ8 | SVM_IOIO_TYPE_IN);
	assert_int_equal(dec(SVM_EXIT_IOIO, in_ax_dx, 2, 0xCF8), SVSM_OK);
	assert_int_equal(d.len, 2);
	assert_int_equal(d.io.size, 2);
	assert_int_equal(d.exit_info_1, 0x0CF80000ull | SVM_IOIO_A64 | SVM_IOIO_SZ16 | SVM_IOIO_TYPE_IN);
	assert_int_equal(dec(SVM_EXIT_IOIO, in_eax_dx, 1, 0xCFC), SVSM_OK);
	assert_int_equal(d.io.size, 4);
}

static void test_string_forms(void **state)
{
	static const uint8_t rep_outsb[] = { 0xF3, 0x6E };
	static const uint8_t insw_a32[] = { 0x67, 0x66, 0x6D };

	(void)state;
	assert_int_equal(dec(SVM_EXIT_IOIO, rep_outsb, 2, 0x3F8), SVSM_OK);
	assert_int_equal(d.len, 2);
	assert_int_equal(d.exit_info_1, 0x03F80000ull | SVM_IOIO_A64 | SVM_IOIO_SZ8 | SVM_IOIO_REP |
					       SVM_IOIO_STR | (SVM_IOIO_SEG_DS << SVM_IOIO_SEG_SHIFT));
	assert_int_equal(dec(SVM_EXIT_IOIO, insw_a32, 3, 0x1F0), SVSM_OK);
	assert_int_equal(d.len, 3);
	assert_true(d.io.in && d.io.string && !d.io.rep);
	assert_int_equal(d.io.size, 2);
	assert_int_equal(d.io.seg, 0); /* ES */
	assert_int_equal(d.exit_info_1 & (SVM_IOIO_A16 | SVM_IOIO_A32 | SVM_IOIO_A64), SVM_IOIO_A32);
}

static void test_msr_cpuid(void **state)
{
	static const uint8_t rdmsr[] = { 0x0F, 0x32 }, wrmsr[] = { 0x0F, 0x30 }, cpuid[] = { 0x0F, 0xA2 };

	(void)state;
	assert_int_equal(dec(SVM_EXIT_MSR, rdmsr, 2, 0), SVSM_OK);
	assert_int_equal(d.exit_info_1, SVM_MSR_READ);
	assert_int_equal(d.len, 2);
	assert_int_equal(dec(SVM_EXIT_MSR, wrmsr, 2, 0), SVSM_OK);
	assert_int_equal(d.exit_info_1, SVM_MSR_WRITE);
	assert_int_equal(dec(SVM_EXIT_CPUID, cpuid, 2, 0), SVSM_OK);
	assert_int_equal(d.len, 2);
	/* The instruction does not match the exit code. */
	assert_int_equal(dec(SVM_EXIT_MSR, cpuid, 2, 0), SVSM_EINVAL);
	assert_int_equal(dec(SVM_EXIT_CPUID, rdmsr, 2, 0), SVSM_EINVAL);
	assert_int_equal(dec(SVM_EXIT_IOIO, rdmsr, 2, 0), SVSM_EINVAL);
}

static void test_refusals(void **state)
{
	static const uint8_t rex_out[] = { 0x48, 0xEF };
	static const uint8_t seg_outs[] = { 0x2E, 0x6E };
	static const uint8_t rep_out[] = { 0xF3, 0xEE };
	static const uint8_t four_prefixes[] = { 0x66, 0x66, 0x66, 0x66, 0xEF };
	static const uint8_t five_prefixes[] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0xEE };
	static const uint8_t in_imm[] = { 0xE4 };
	static const uint8_t nop[] = { 0x90 };

	(void)state;
	assert_int_equal(dec(SVM_EXIT_IOIO, rex_out, 2, 0), SVSM_EINVAL);
	assert_int_equal(dec(SVM_EXIT_IOIO, seg_outs, 2, 0), SVSM_EINVAL);
	assert_int_equal(dec(SVM_EXIT_IOIO, rep_out, 2, 0), SVSM_EINVAL);
	/* Redundant prefixes are legal; more than four are not accepted here. */
	assert_int_equal(dec(SVM_EXIT_IOIO, four_prefixes, 5, 0x80), SVSM_OK);
	assert_int_equal(d.len, 5);
	assert_int_equal(d.io.size, 2);
	assert_int_equal(dec(SVM_EXIT_IOIO, five_prefixes, 6, 0), SVSM_EINVAL);
	assert_int_equal(dec(SVM_EXIT_IOIO, nop, 1, 0), SVSM_EINVAL);
	/* Truncated: the immediate, the opcode after prefixes, a 2-byte opcode. */
	assert_int_equal(dec(SVM_EXIT_IOIO, in_imm, 1, 0), SVSM_ERANGE);
	assert_int_equal(dec(SVM_EXIT_IOIO, rep_out, 1, 0), SVSM_ERANGE);
	assert_int_equal(dec(SVM_EXIT_IOIO, nop, 0, 0), SVSM_ERANGE);
	assert_int_equal(dec(SVM_EXIT_MSR, (const uint8_t *)"\x0f", 1, 0), SVSM_ERANGE);
	/* Exit codes the decoder does not handle. */
	assert_int_equal(dec(SVM_EXIT_RDTSC, nop, 1, 0), SVSM_EINVAL);
	assert_int_equal(dec(SVM_EXIT_PAGE_NOT_VALIDATED, nop, 1, 0), SVSM_EINVAL);
}

static void test_ioio_info_roundtrip(void **state)
{
	struct ioio_info io;

	(void)state;
	for (unsigned port = 0; port < 0x10000; port += 0x3F1) {
		for (unsigned form = 0; form < 48; form++) {
			struct ioio_info a = {
				.port = (uint16_t)port,
				.size = (uint8_t)(1u << (form % 3)),
				.addr_bits = (uint8_t)(16u << ((form / 3) % 3)),
				.in = (form / 9) % 2,
				.string = (form / 18) % 2,
			};

			a.rep = a.string && (form % 2);
			a.seg = a.string ? (a.in ? 0 : 3) : 0;
			assert_true(ioio_info_decode(ioio_info_encode(&a), &io));
			assert_int_equal(io.port, a.port);
			assert_int_equal(io.size, a.size);
			assert_int_equal(io.addr_bits, a.addr_bits);
			assert_int_equal(io.in, a.in);
			assert_int_equal(io.string, a.string);
			assert_int_equal(io.rep, a.rep);
			assert_int_equal(io.seg, a.seg);
		}
	}
	/* No size bit, two size bits, two address-size bits: refused. */
	assert_false(ioio_info_decode(0x03F80000ull, &io));
	assert_false(ioio_info_decode(0x03F80000ull | SVM_IOIO_SZ8 | SVM_IOIO_SZ16, &io));
	assert_false(ioio_info_decode(SVM_IOIO_SZ8 | SVM_IOIO_A16 | SVM_IOIO_A64, &io));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_dx_al),
		cmocka_unit_test(test_in_forms),
		cmocka_unit_test(test_string_forms),
		cmocka_unit_test(test_msr_cpuid),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_ioio_info_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
