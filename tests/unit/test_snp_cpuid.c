/* SPDX-License-Identifier: MIT */
/*
 * The SNP CPUID page: table checks and the lookup rules (SNP ABI 56860, the
 * CPUID page; Linux snp_cpuid/snp_cpuid_postprocess behaviour).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "svsm/errno.h"
#include "svsm/snp_cpuid.h"

static struct snp_cpuid_table table;
static struct snp_cpuid cpuid;
static unsigned hv_calls;
static int hv_result;

static void add(uint32_t leaf, uint32_t sub, uint64_t xcr0, uint32_t a, uint32_t b, uint32_t c,
		uint32_t d)
{
	struct snp_cpuid_entry *e = &table.e[table.count++];

	memset(e, 0, sizeof(*e));
	e->eax_in = leaf, e->ecx_in = sub, e->xcr0_in = xcr0;
	e->eax = a, e->ebx = b, e->ecx = c, e->edx = d;
}

/* A small EPYC-like table: std max 0xD, ext max 0x8000001F, C-bit 51, XSAVE with AVX and PKRU. */
static void build_table(void)
{
	memset(&table, 0, sizeof(table));
	add(0x0, 0, 0, 0xD, 0x68747541, 0x444D4163, 0x69746E65);
	add(0x1, 0, 0, 0x00A00F11, 0x00000800, 0x76F8320B, 0x178BFBFF);
	add(0x7, 0, 0, 0, 0x219C91A9, 0x00000018, 0); /* PKU (bit 3) and OSPKE (bit 4) */
	add(0xB, 0, 0, 1, 2, 0x100, 0xAA);
	add(0xB, 1, 0, 4, 8, 0x201, 0xAA);
	add(0xD, 0, 1, 0x207, 0x240, 0x988, 0);   /* base entry (XCR0 = 1) */
	add(0xD, 0, 7, 0x207, 0x340, 0x988, 0);   /* another XCR0: never used */
	add(0xD, 1, 3, 0xF, 0x240, 0, 0);         /* XSAVEOPT|XSAVEC|XGETBV1|XSAVES */
	add(0xD, 2, 0, 0x100, 0x240, 0, 0);       /* AVX: 256 bytes at 576 */
	add(0xD, 9, 0, 0x8, 0x980, 0x2, 0);       /* PKRU: 8 bytes at 2432, aligned when compacted */
	add(0xD, 6, 0, 0x4, 0x900, 0, 0);         /* made-up 4-byte component, not aligned */
	add(0x80000000, 0, 0, 0x8000001F, 0x68747541, 0x444D4163, 0x69746E65);
	add(0x8000001E, 0, 0, 0, 0x00000100, 0x00000000, 0);
	add(0x8000001F, 0, 0, 0x1007F, 0x00000173, 0x1FD, 0); /* SEV..., C-bit 51 (0x33) */
}

static int hv(void *ctx, uint32_t leaf, uint32_t sub, struct cpuid_regs *out)
{
	(void)ctx, (void)sub;
	hv_calls++;
	/* The hypervisor answers garbage everywhere except the per-CPU fields. */
	*out = (struct cpuid_regs){ 0xEEEEEEEE, 0x05EEEE07, 0xEEEEEE03, 0x00000005 };
	if (leaf == 0x8000001E)
		out->eax = 0x0000000A;
	return hv_result;
}

static struct snp_cpuid_env env(bool osxsave, uint64_t xcr0)
{
	return (struct snp_cpuid_env){ .osxsave = osxsave, .pke = false, .xcr0 = xcr0,
				       .xss = 0, .hv = hv, .ctx = NULL };
}

static int setup(void **state)
{
	const char *why = NULL;

	(void)state;
	build_table();
	hv_calls = 0;
	hv_result = SVSM_OK;
	return snp_cpuid_init(&cpuid, &table, &why) == SVSM_OK ? 0 : -1;
}

static void test_init_ranges(void **state)
{
	(void)state;
	assert_int_equal(cpuid.std_max, 0xD);
	assert_int_equal(cpuid.ext_max, 0x8000001F);
	assert_int_equal(cpuid.hyp_max, 0);
	assert_int_equal(cpuid.cbit, 51);
}

static void expect_bad(const char *needle)
{
	struct snp_cpuid before = cpuid;
	const char *why = NULL;

	assert_int_equal(snp_cpuid_init(&cpuid, &table, &why), SVSM_EINVAL);
	assert_non_null(why);
	assert_non_null(strstr(why, needle));
	assert_memory_equal(&before, &cpuid, sizeof(before)); /* nothing copied */
	build_table();
}

static void test_init_refuses(void **state)
{
	(void)state;
	table.count = 0;
	expect_bad("count");
	table.count = 65;
	expect_bad("count");
	table.count = 0xFFFFFFFFu;
	expect_bad("count");
	table.e[0].eax_in = 0x2; /* leaf 0 gone */
	expect_bad("0x0 or 0x80000000");
	table.e[11].eax_in = 0x3; /* leaf 0x80000000 gone */
	expect_bad("0x0 or 0x80000000");
	table.e[11].eax = 0x8000001E; /* ext range ends before SEV */
	expect_bad("0x8000001F");
	table.e[13].eax = 0x1007D; /* SEV bit clear */
	expect_bad("does not report SEV");
	table.e[13].ebx = 0x171; /* C-bit 49: fine */
	{
		const char *why;

		assert_int_equal(snp_cpuid_init(&cpuid, &table, &why), SVSM_OK);
		assert_int_equal(cpuid.cbit, 49);
		build_table();
		assert_int_equal(snp_cpuid_init(&cpuid, &table, &why), SVSM_OK);
	}
	table.e[13].ebx = 0x17F; /* C-bit 63 */
	expect_bad("C-bit");
	table.e[13].ebx = 0x11F; /* C-bit 31 */
	expect_bad("C-bit");
	add(0x1, 5, 0, 0, 0, 0, 0); /* leaf 1 is not indexed: sub-leaf 5 is a duplicate */
	expect_bad("same leaf");
	add(0xB, 1, 0, 0, 0, 0, 0); /* indexed: same sub-leaf twice */
	expect_bad("same leaf");
	add(0xD, 0, 3, 0, 0, 0, 0); /* a second base XSAVE entry */
	expect_bad("same leaf");
}

static void test_lookup_plain(void **state)
{
	struct cpuid_regs r;
	struct snp_cpuid_env e = env(false, 1);

	(void)state;
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0x0, 0, &e, &r), SVSM_OK);
	assert_int_equal(r.eax, 0xD);
	assert_int_equal(r.ebx, 0x68747541);
	/* Non-indexed leaf: the sub-leaf is ignored. */
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0x80000000, 7, &e, &r), SVSM_OK);
	assert_int_equal(r.eax, 0x8000001F);
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0x8000001F, 0, &e, &r), SVSM_OK);
	assert_int_equal(r.ebx & 0x3F, 51);
	assert_int_equal(hv_calls, 0); /* none of these asked the hypervisor */
}

static void test_lookup_missing(void **state)
{
	struct cpuid_regs r = { 1, 1, 1, 1 };
	struct snp_cpuid_env e = env(false, 1);

	(void)state;
	/* In range, not in the table: zeros. */
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0x5, 0, &e, &r), SVSM_OK);
	assert_true(r.eax == 0 && r.ebx == 0 && r.ecx == 0 && r.edx == 0);
	/* Out of range (std, hypervisor, extended): zeros, no hypervisor call. */
	r = (struct cpuid_regs){ 1, 1, 1, 1 };
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xE, 0, &e, &r), SVSM_OK);
	assert_true(r.eax == 0 && r.ebx == 0 && r.ecx == 0 && r.edx == 0);
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0x40000000, 0, &e, &r), SVSM_OK);
	assert_int_equal(r.eax, 0);
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0x80000020, 0, &e, &r), SVSM_OK);
	assert_int_equal(r.eax, 0);
	assert_int_equal(hv_calls, 0);
	/* Indexed leaf with a sub-leaf not in the table: zeros, not sub-leaf 0. */
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xB, 2, &e, &r), SVSM_OK);
	assert_int_equal(r.eax, 0);
	assert_int_equal(r.edx, 5); /* but the x2APIC ID is still this CPU's */
}

static void test_lookup_indexed(void **state)
{
	struct cpuid_regs r;
	struct snp_cpuid_env e = env(false, 1);

	(void)state;
	assert_true(snp_cpuid_indexed(0x7) && snp_cpuid_indexed(0xD) &&
		    snp_cpuid_indexed(0x8000001D) && snp_cpuid_indexed(0x80000026));
	assert_false(snp_cpuid_indexed(0x1) || snp_cpuid_indexed(0x80000000));
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xB, 1, &e, &r), SVSM_OK);
	assert_int_equal(r.eax, 4);
	assert_int_equal(r.ecx, 0x201);
	assert_int_equal(r.edx, 5); /* from the hypervisor */
}

static void test_dynamic_bits(void **state)
{
	struct cpuid_regs r;
	struct snp_cpuid_env e = env(false, 1);

	(void)state;
	/* Leaf 1: APIC ID from the hypervisor, the rest from the table; OSXSAVE follows CR4. */
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0x1, 0, &e, &r), SVSM_OK);
	assert_int_equal(r.ebx, 0x05000800);
	assert_int_equal(r.eax, 0x00A00F11);
	assert_int_equal(r.ecx & (1u << 27), 0);
	e.osxsave = true;
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0x1, 0, &e, &r), SVSM_OK);
	assert_int_equal(r.ecx, 0x76F8320B | (1u << 27));
	/* Leaf 7: OSPKE follows CR4.PKE whatever the table says. */
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0x7, 0, &e, &r), SVSM_OK);
	assert_int_equal(r.ecx, 0x8);
	e.pke = true;
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0x7, 0, &e, &r), SVSM_OK);
	assert_int_equal(r.ecx, 0x18);
	/* 0x8000001E: EAX and the low bytes of EBX/ECX from the hypervisor. */
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0x8000001E, 0, &e, &r), SVSM_OK);
	assert_int_equal(r.eax, 0xA);
	assert_int_equal(r.ebx, 0x107);
	assert_int_equal(r.ecx, 0x3);
	assert_int_equal(r.edx, 0);
	/* A failing hypervisor is reported, not papered over. */
	hv_result = SVSM_EIO;
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0x1, 0, &e, &r), SVSM_EIO);
	/* Leaves without per-CPU values do not need it. */
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0x7, 0, &e, &r), SVSM_OK);
}

static void test_xsave_size(void **state)
{
	struct cpuid_regs r;
	struct snp_cpuid_env e = env(false, 7);

	(void)state;
	/* OSXSAVE clear: XCR0 is taken as 1 whatever env says. */
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xD, 0, &e, &r), SVSM_OK);
	assert_int_equal(r.ebx, 0x240);
	assert_int_equal(r.eax, 0x207); /* from the base entry, not the XCR0=7 one */
	e.osxsave = true;
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xD, 0, &e, &r), SVSM_OK);
	assert_int_equal(r.ebx, 0x240 + 0x100); /* x87|SSE|AVX */
	e.xcr0 = 7 | (1u << 9);
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xD, 0, &e, &r), SVSM_OK);
	assert_int_equal(r.ebx, 0x988); /* PKRU ends at 0x980 + 8 */
	/* Compacted: 576 + 256 = 832, PKRU 64-byte aligned (832 already is) + 8. */
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xD, 1, &e, &r), SVSM_OK);
	assert_int_equal(r.ebx, 0x340 + 8);
	e.xcr0 = 3 | (1u << 9);
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xD, 1, &e, &r), SVSM_OK);
	assert_int_equal(r.ebx, 0x240 + 8);
	/* 576 + 4 = 580, then PKRU wants 64-byte alignment: 640 + 8. */
	e.xcr0 = 3 | (1u << 6) | (1u << 9);
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xD, 1, &e, &r), SVSM_OK);
	assert_int_equal(r.ebx, 640 + 8);
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xD, 0, &e, &r), SVSM_OK);
	assert_int_equal(r.ebx, 0x988);
	e.xcr0 = 3 | (1u << 9);
	/* XSS adds supervisor features when XSAVES is reported: bit 11 has no sub-leaf. */
	e.xss = 1u << 11;
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xD, 1, &e, &r), SVSM_EINVAL);
	/* A feature enabled in XCR0 without its sub-leaf: no size can be given. */
	e.xss = 0;
	e.xcr0 = 7 | (1u << 5);
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xD, 0, &e, &r), SVSM_EINVAL);
	/* Sub-leaf 1 without XSAVEC/XSAVES: no compacted size, EBX 0 (KVM's answer), the rest from the table. */
	table.e[7].eax = 0x1;
	{
		const char *why;

		assert_int_equal(snp_cpuid_init(&cpuid, &table, &why), SVSM_OK);
	}
	e.xcr0 = 7;
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xD, 1, &e, &r), SVSM_OK);
	assert_int_equal(r.eax, 0x1);
	assert_int_equal(r.ebx, 0);
	/* Higher sub-leaves come straight from the table. */
	assert_int_equal(snp_cpuid_lookup(&cpuid, 0xD, 2, &e, &r), SVSM_OK);
	assert_int_equal(r.eax, 0x100);
	assert_int_equal(r.ebx, 0x240);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_ranges, setup),
		cmocka_unit_test_setup(test_init_refuses, setup),
		cmocka_unit_test_setup(test_lookup_plain, setup),
		cmocka_unit_test_setup(test_lookup_missing, setup),
		cmocka_unit_test_setup(test_lookup_indexed, setup),
		cmocka_unit_test_setup(test_dynamic_bits, setup),
		cmocka_unit_test_setup(test_xsave_size, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
