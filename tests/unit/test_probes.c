/* SPDX-License-Identifier: MIT */
/* The encryption-mask probe (stage 2) and platform classification (kernel). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/x86.h"
#include "enc_probe.h"
#include "svsm/platform_probe.h"

static void enc_mask_rules(void **state)
{
	uint64_t mask = 123;
	(void)state;

	/* QEMU -cpu EPYC: max leaf 0x8000001E; leaf 0x1F reads as leaf 0xD garbage. */
	struct enc_cpuid epyc = { 0x8000001E, 7, 0x240 };

	assert_false(enc_needs_sev_status(&epyc));
	assert_null(enc_mask_compute(&epyc, ~0ull, &mask));
	assert_int_equal(mask, 0);

	/* Leaf present, no SEV (EPYC,xlevel=0x8000001f). */
	struct enc_cpuid nosev = { 0x8000001F, 0, 0 };

	assert_false(enc_needs_sev_status(&nosev));
	assert_null(enc_mask_compute(&nosev, 0, &mask));
	assert_int_equal(mask, 0);

	/* SEV-capable processor, guest not encrypted. */
	struct enc_cpuid sev = { 0x80000021, CPUID_8000001F_EAX_SEV | CPUID_8000001F_EAX_SNP, 51 };

	assert_true(enc_needs_sev_status(&sev));
	assert_null(enc_mask_compute(&sev, 0, &mask));
	assert_int_equal(mask, 0);

	/* SNP guest: C-bit 51, and 47 on older parts. */
	assert_null(enc_mask_compute(&sev, SEV_STATUS_SEV | SEV_STATUS_SEV_ES | SEV_STATUS_SNP, &mask));
	assert_int_equal(mask, 1ull << 51);
	sev.fn8000001f_ebx = 0x1C0 | 47; /* other EBX fields ignored */
	assert_null(enc_mask_compute(&sev, SEV_STATUS_SEV | SEV_STATUS_SNP, &mask));
	assert_int_equal(mask, 1ull << 47);

	/* SEV without SNP, and impossible C-bit positions, are refused with mask 0. */
	mask = 5;
	assert_non_null(strstr(enc_mask_compute(&sev, SEV_STATUS_SEV, &mask), "without SEV-SNP"));
	assert_int_equal(mask, 0);
	sev.fn8000001f_ebx = 31;
	assert_non_null(enc_mask_compute(&sev, SEV_STATUS_SEV | SEV_STATUS_SNP, &mask));
	sev.fn8000001f_ebx = 52;
	assert_non_null(enc_mask_compute(&sev, SEV_STATUS_SEV | SEV_STATUS_SNP, &mask));
	sev.fn8000001f_ebx = 0;
	assert_non_null(enc_mask_compute(&sev, SEV_STATUS_SEV | SEV_STATUS_SNP, &mask));
	assert_int_equal(mask, 0);
}

static void platform_classification(void **state)
{
	struct platform_info p;
	(void)state;

	/* -cpu EPYC under TCG: SVM + NPT, no NRIPS, 16 ASIDs (docs/REFERENCES.md, measured under QEMU 7.2). */
	struct platform_cpuid epyc = {
		.max_ext = 0x8000001E, .fn80000001_ecx = 0x75,
		.fn8000000a_eax = 1, .fn8000000a_ebx = 16, .fn8000000a_edx = 1,
		.fn8000001f_eax = 7, /* garbage from leaf 0xD: must be ignored */
		.sev_status_valid = true, .sev_status = SEV_STATUS_SNP,
	};

	platform_classify(&epyc, &p);
	assert_int_equal(p.kind, PLATFORM_SVM);
	assert_true(p.svm && p.npt && !p.nrips);
	assert_int_equal(p.asids, 16);
	assert_string_equal(platform_kind_name(p.kind), "svm");

	/* SVM without NPT (-cpu qemu64) and no SVM at all: native. */
	struct platform_cpuid q = epyc;

	q.fn8000000a_edx = 0;
	platform_classify(&q, &p);
	assert_int_equal(p.kind, PLATFORM_NATIVE);
	assert_true(p.svm && !p.npt);
	q = epyc;
	q.fn80000001_ecx = 0;
	platform_classify(&q, &p);
	assert_int_equal(p.kind, PLATFORM_NATIVE);
	assert_false(p.svm || p.npt);

	/* Leaf 0x8000000A beyond the maximum: its bits do not count. */
	q = epyc;
	q.max_ext = 0x80000008;
	platform_classify(&q, &p);
	assert_int_equal(p.kind, PLATFORM_NATIVE);

	/* SNP: SEV advertised and SEV_STATUS.SNP set. */
	struct platform_cpuid snp = epyc;

	snp.max_ext = 0x80000021;
	snp.fn8000001f_eax = CPUID_8000001F_EAX_SEV;
	platform_classify(&snp, &p);
	assert_int_equal(p.kind, PLATFORM_SNP);
	assert_string_equal(platform_kind_name(p.kind), "snp");
	/* An unreadable SEV_STATUS never means SNP. */
	snp.sev_status_valid = false;
	platform_classify(&snp, &p);
	assert_int_equal(p.kind, PLATFORM_SVM);
	/* SEV-only guest is not SNP. */
	snp.sev_status_valid = true;
	snp.sev_status = SEV_STATUS_SEV;
	platform_classify(&snp, &p);
	assert_int_not_equal(p.kind, PLATFORM_SNP);
	assert_string_equal(platform_kind_name(PLATFORM_NATIVE), "native");
	assert_string_equal(platform_kind_name((enum platform_kind)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(enc_mask_rules),
		cmocka_unit_test(platform_classification),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
