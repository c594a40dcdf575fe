/* SPDX-License-Identifier: MIT */
/*
 * The seam: backend selection by platform kind, and the fake backend
 * driving the RMP model through platform_* calls exactly as kernel code will.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/snp.h"
#include "svsm/errno.h"
#include "svsm/platform.h"
#include "svsm/platform_fake.h"

/* A stand-in for the kernel's native table (native.c needs the kernel). */
const struct platform_ops platform_native_ops = { .name = "native" };

#define BASE 0x80000000ull
#define PAGES 1024

static struct rmp_entry entries[PAGES];
static struct rmp_model rmp;
static struct platform_fake fake;
static jmp_buf term_jump;
static unsigned term_set, term_code;

__attribute__((noreturn)) static void on_term(unsigned set, unsigned code)
{
	term_set = set;
	term_code = code;
	longjmp(term_jump, 1);
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(rmp_model_init(&rmp, entries, BASE, PAGES), SVSM_OK);
	memset(&fake, 0, sizeof(fake));
	fake.rmp = &rmp;
	fake.enc_mask = 1ull << 51;
	fake.on_terminate = on_term;
	platform_fake_install(&fake);
	return 0;
}

static void test_select(void **state)
{
	struct platform_info info = { .kind = PLATFORM_NATIVE };

	(void)state;
	assert_int_equal(platform_select(&info), SVSM_OK);
	assert_string_equal(platform_current()->name, "native");
	platform_fake_install(&fake);
	info.kind = PLATFORM_SVM;
	assert_int_equal(platform_select(&info), SVSM_OK);
	assert_string_equal(platform_current()->name, "native");
	/* No snp backend yet: refused, and the active backend stays. */
	info.kind = PLATFORM_SNP;
	assert_int_equal(platform_select(&info), SVSM_ENOTSUP);
	assert_string_equal(platform_current()->name, "native");
}

static void test_fake_validation_on_the_model(void **state)
{
	bool unchanged = true;

	(void)state;
	/* Shared page: the model refuses; after a page-state change it validates. */
	assert_int_equal(platform_pvalidate(pa_init(BASE), RMP_PG_SIZE_4K, true, &unchanged).code, PVALIDATE_FAIL_INPUT);
	assert_int_equal(platform_page_state(pa_init(BASE), RMP_PG_SIZE_4K, true), SVSM_OK);
	assert_int_equal(platform_pvalidate(pa_init(BASE), RMP_PG_SIZE_4K, true, &unchanged).code, PVALIDATE_SUCCESS);
	assert_false(unchanged);
	assert_int_equal(platform_pvalidate(pa_init(BASE), RMP_PG_SIZE_4K, true, &unchanged).code, PVALIDATE_SUCCESS);
	assert_true(unchanged);
	assert_int_equal(platform_rmpadjust(pa_init(BASE), RMP_PG_SIZE_4K, 2 | RMP_PERM_READ).code, RMPADJUST_SUCCESS);
	assert_int_equal(rmp_model_access(&rmp, BASE, 2, RMP_ACCESS_READ), RMP_OK);
	assert_int_equal(platform_rmpadjust(pa_init(BASE), RMP_PG_SIZE_4K, 0 | RMP_PERM_READ).code,
			 RMPADJUST_FAIL_PERMISSION);
	assert_int_equal(platform_page_state(pa_init(BASE + 1), RMP_PG_SIZE_4K, true), SVSM_EIO);
}

static void test_fake_records(void **state)
{
	uint64_t v = 0;
	uint32_t io = 0;
	uint8_t a[16], b[16];
	struct cpuid_regs r;

	(void)state;
	assert_int_equal(platform_rdmsr(0xC0010131, &v), SVSM_EFAULT);
	assert_int_equal(platform_wrmsr(0xC0010131, 7), SVSM_OK);
	assert_int_equal(platform_rdmsr(0xC0010131, &v), SVSM_OK);
	assert_int_equal(v, 7);
	assert_int_equal(platform_io_out(0x3F8, 1, 'A'), SVSM_OK);
	assert_int_equal(platform_io_in(0x3F8, 1, &io), SVSM_OK);
	assert_int_equal(io, 'A');
	assert_int_equal(platform_io_out(0x3F8, 3, 0), SVSM_EINVAL);
	assert_int_equal(platform_ap_create(3, pa_init(0x5000), 2, SEV_FEAT_SNP_ACTIVE), SVSM_OK);
	assert_int_equal(fake.ap_creates, 1);
	assert_int_equal(fake.last_apic_id, 3);
	assert_int_equal(fake.last_vmsa_vmpl, 2);
	assert_int_equal(platform_run_vmpl(2), SVSM_OK);
	assert_int_equal(platform_run_vmpl(4), SVSM_EINVAL);
	assert_int_equal(fake.run_vmpl_calls, 1);
	assert_int_equal(platform_guest_request(pa_init(0x1000), pa_init(0x2000), &v), SVSM_ENOTSUP);
	assert_int_equal(platform_enc_mask(), 1ull << 51);
	assert_int_equal(platform_cpuid(0x8000001F, 1, &r), SVSM_OK);
	assert_int_equal(r.eax, 0x8000001F);
	assert_int_equal(platform_random(a, sizeof(a)), SVSM_OK);
	assert_int_equal(platform_random(b, sizeof(b)), SVSM_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	if (setjmp(term_jump) == 0) {
		platform_terminate(2, 0x31);
		fail_msg("terminate returned");
	}
	assert_int_equal(term_set, 2);
	assert_int_equal(term_code, 0x31);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_select, setup),
		cmocka_unit_test_setup(test_fake_validation_on_the_model, setup),
		cmocka_unit_test_setup(test_fake_records, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
