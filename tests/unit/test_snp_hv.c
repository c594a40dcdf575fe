/* SPDX-License-Identifier: MIT */
/*
 * The GHCB MSR and page protocols against a scripted hypervisor (GHCB spec
 * 56421: the GHCB MSR protocol, the GHCB layout, NAE events, Page State
 * Change): good answers, and each way a hostile one can be wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"
#include "svsm/snp_hv.h"

#define GHCB_GPA 0x7000000ull

enum hv_mode {
	HV_GOOD,
	HV_ERROR,      /* SW_EXITINFO1 = 2 */
	HV_INJECT,     /* SW_EXITINFO1 = 1 */
	HV_NO_VALID,   /* answers without setting valid bits */
	HV_PSC_STALL,  /* PSC: no progress */
	HV_PSC_MOVE,   /* PSC: changes end_entry */
	HV_PSC_BEYOND, /* PSC: cur_entry past the end + 1 */
	HV_PSC_ERR,    /* PSC: SW_EXITINFO2 != 0 */
	HV_BUSY,       /* guest request: VMM busy */
	HV_FW_ERR,     /* guest request: firmware error */
	HV_NESTED,     /* re-enters the channel while a call is in progress */
};

static struct ghcb *page;
static struct snp_hv hv;
static enum hv_mode mode;
static uint64_t msr_answer;
static uint64_t last_msr_req;
static unsigned exits;
static uint64_t seen_code, seen_info1, seen_info2, seen_rax, seen_rcx, seen_rdx;
static unsigned psc_step; /* entries done per PSC exit */
static int nested_result;
static uint64_t seen_scratch;
static uint8_t seen_buffer[0x7F0];

static uint64_t msr_exchange(void *ctx, uint64_t req)
{
	(void)ctx;
	last_msr_req = req;
	return msr_answer;
}

static void answer(struct ghcb *g, unsigned offset, uint64_t v)
{
	memcpy((uint8_t *)g + offset, &v, 8);
	if (mode != HV_NO_VALID)
		ghcb_mark_valid(g, offset);
}

static void vmgexit(void *ctx, uint64_t gpa)
{
	struct ghcb *g = page;

	(void)ctx;
	assert_int_equal(gpa, GHCB_GPA);
	assert_int_equal(g->protocol_version, 2);
	assert_int_equal(g->ghcb_usage, 0);
	assert_true(GHCB_VALID(g, sw_exit_code) && GHCB_VALID(g, sw_exit_info_1) &&
		    GHCB_VALID(g, sw_exit_info_2));
	exits++;
	seen_code = g->sw_exit_code, seen_info1 = g->sw_exit_info_1, seen_info2 = g->sw_exit_info_2;
	seen_rax = GHCB_VALID(g, rax) ? g->rax : ~0ull;
	seen_rcx = GHCB_VALID(g, rcx) ? g->rcx : ~0ull;
	seen_rdx = GHCB_VALID(g, rdx) ? g->rdx : ~0ull;
	seen_scratch = GHCB_VALID(g, sw_scratch) ? g->sw_scratch : ~0ull;
	memcpy(seen_buffer, g->shared_buffer, sizeof(seen_buffer));
	if (mode == HV_NESTED) {
		uint64_t v;

		nested_result = snp_ghcb_rdmsr(&hv, 0x10, &v);
	}
	/* The hypervisor clears the bitmap and fills in what it returns. */
	memset(g->valid_bitmap, 0, sizeof(g->valid_bitmap));
	g->sw_exit_info_1 = mode == HV_ERROR ? 2 : mode == HV_INJECT ? 1 : 0;
	g->sw_exit_info_2 = 0;
	if (mode == HV_ERROR)
		g->sw_exit_info_2 = GHCB_ERR_INVALID_INPUT;
	switch (seen_code) {
	case SVM_EXIT_MSR:
		if (seen_info1 == SVM_MSR_READ) {
			answer(g, offsetof(struct ghcb, rax), 0x89ABCDEF);
			answer(g, offsetof(struct ghcb, rdx), 0x01234567);
		}
		break;
	case SVM_EXIT_IOIO:
		if (seen_info1 & SVM_IOIO_TYPE_IN)
			answer(g, offsetof(struct ghcb, rax), 0xFFFFFF5A);
		break;
	case SVM_EXIT_CPUID:
		answer(g, offsetof(struct ghcb, rax), 0x11);
		answer(g, offsetof(struct ghcb, rbx), 0x22);
		answer(g, offsetof(struct ghcb, rcx), 0x33);
		answer(g, offsetof(struct ghcb, rdx), 0x44);
		break;
	case SVM_VMGEXIT_PSC: {
		struct psc_desc *d = (struct psc_desc *)(void *)g->shared_buffer;

		assert_int_equal(g->sw_scratch, GHCB_GPA + 0x800);
		if (mode == HV_PSC_ERR)
			g->sw_exit_info_2 = 0x100000000ull;
		else if (mode == HV_PSC_MOVE)
			d->hdr.end_entry = (uint16_t)(d->hdr.end_entry + 1);
		else if (mode == HV_PSC_BEYOND)
			d->hdr.cur_entry = (uint16_t)(d->hdr.end_entry + 2);
		else if (mode != HV_PSC_STALL) {
			unsigned next = d->hdr.cur_entry + psc_step;

			d->hdr.cur_entry = (uint16_t)(next > d->hdr.end_entry + 1u
							      ? d->hdr.end_entry + 1u
							      : next);
		}
		break;
	}
	case SVM_VMGEXIT_GUEST_REQUEST:
		if (mode == HV_BUSY)
			g->sw_exit_info_2 = (uint64_t)SNP_GUEST_VMM_ERR_BUSY << 32;
		else if (mode == HV_FW_ERR)
			g->sw_exit_info_2 = 0x16;
		break;
	default:
		break;
	}
}

static int setup(void **state)
{
	(void)state;
	page = aligned_alloc(4096, sizeof(*page));
	memset(page, 0xA5, sizeof(*page));
	hv = (struct snp_hv){ .msr_exchange = msr_exchange, .vmgexit = vmgexit, .ctx = NULL,
			      .ghcb = page, .ghcb_gpa = GHCB_GPA, .version = 2 };
	mode = HV_GOOD;
	exits = 0;
	psc_step = 1000;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(page);
	return 0;
}

/* ---- MSR protocol ---- */

static void test_negotiate(void **state)
{
	(void)state;
	hv.version = 0;
	msr_answer = 0x0002000133000001ull; /* max 2, min 1, C-bit 51 */
	assert_int_equal(snp_hv_negotiate(&hv, 51), SVSM_OK);
	assert_int_equal(last_msr_req, GHCB_MSR_SEV_INFO_REQ);
	assert_int_equal(hv.version, 2);
	/* Bad answers leave the version alone. */
	hv.version = 0;
	assert_int_equal(snp_hv_negotiate(&hv, 47), SVSM_EINVAL); /* C-bit lie */
	msr_answer = 0x0002000133000005ull;                       /* wrong response code */
	assert_int_equal(snp_hv_negotiate(&hv, 51), SVSM_EIO);
	msr_answer = 0x0001000133000001ull; /* only version 1 */
	assert_int_equal(snp_hv_negotiate(&hv, 51), SVSM_ENOTSUP);
	msr_answer = 0x0001000533000001ull; /* inverted range */
	assert_int_equal(snp_hv_negotiate(&hv, 51), SVSM_ENOTSUP);
	assert_int_equal(hv.version, 0);
}

static void test_features(void **state)
{
	uint64_t f = 0;

	(void)state;
	msr_answer = ((uint64_t)0x27 << 12) | GHCB_MSR_HV_FEATURES_RESP; /* bits 0,1,2,5 */
	assert_int_equal(snp_hv_features(&hv, &f), SVSM_OK);
	assert_int_equal(last_msr_req, GHCB_MSR_HV_FEATURES_REQ);
	assert_int_equal(f, 0x27);
	msr_answer = ((uint64_t)0x07 << 12) | GHCB_MSR_HV_FEATURES_RESP; /* no multi-VMPL */
	assert_int_equal(snp_hv_features(&hv, &f), SVSM_ENOTSUP);
	assert_int_equal(f, 0x07);
	msr_answer = ((uint64_t)0x21 << 12) | GHCB_MSR_HV_FEATURES_RESP; /* no AP creation */
	assert_int_equal(snp_hv_features(&hv, &f), SVSM_ENOTSUP);
	msr_answer = ((uint64_t)0x23 << 12) | GHCB_MSR_SEV_INFO_RESP; /* not a features answer */
	assert_int_equal(snp_hv_features(&hv, &f), SVSM_EIO);
}

static void test_register(void **state)
{
	(void)state;
	msr_answer = GHCB_GPA | GHCB_MSR_REG_GPA_RESP;
	assert_int_equal(snp_hv_register_ghcb(&hv, GHCB_GPA), SVSM_OK);
	assert_int_equal(last_msr_req, GHCB_GPA | GHCB_MSR_REG_GPA_REQ);
	msr_answer = (GHCB_GPA + 0x1000) | GHCB_MSR_REG_GPA_RESP; /* another page */
	assert_int_equal(snp_hv_register_ghcb(&hv, GHCB_GPA), SVSM_EIO);
	msr_answer = GHCB_GPA | GHCB_MSR_REG_GPA_REQ; /* echoed request */
	assert_int_equal(snp_hv_register_ghcb(&hv, GHCB_GPA), SVSM_EIO);
	last_msr_req = 0;
	assert_int_equal(snp_hv_register_ghcb(&hv, GHCB_GPA + 8), SVSM_EINVAL);
	assert_int_equal(last_msr_req, 0); /* nothing sent */
}

static void test_psc_msr(void **state)
{
	(void)state;
	msr_answer = GHCB_MSR_PSC_RESP;
	assert_int_equal(snp_hv_psc_msr(&hv, 0x123000, false), SVSM_OK);
	assert_int_equal(last_msr_req, 0x0020000000123014ull); /* op 2 (shared) at [55:52] */
	assert_int_equal(snp_hv_psc_msr(&hv, 0x123000, true), SVSM_OK);
	assert_int_equal(last_msr_req, 0x0010000000123014ull);
	msr_answer = GHCB_MSR_PSC_RESP | (1ull << 32); /* error code */
	assert_int_equal(snp_hv_psc_msr(&hv, 0x123000, true), SVSM_EIO);
	msr_answer = GHCB_MSR_RUN_VMPL_RESP; /* wrong response */
	assert_int_equal(snp_hv_psc_msr(&hv, 0x123000, true), SVSM_EIO);
	assert_int_equal(snp_hv_psc_msr(&hv, 0x123008, true), SVSM_EINVAL);
	assert_int_equal(snp_hv_psc_msr(&hv, 1ull << 52, true), SVSM_EINVAL);
}

/* ---- GHCB page protocol ---- */

static void test_msr(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(snp_ghcb_rdmsr(&hv, 0xC0000080, &v), SVSM_OK);
	assert_int_equal(seen_code, SVM_EXIT_MSR);
	assert_int_equal(seen_info1, SVM_MSR_READ);
	assert_int_equal(seen_rcx, 0xC0000080);
	assert_int_equal(v, 0x0123456789ABCDEFull);
	assert_int_equal(snp_ghcb_wrmsr(&hv, 0x277, 0x0007040600070406ull), SVSM_OK);
	assert_int_equal(seen_info1, SVM_MSR_WRITE);
	assert_int_equal(seen_rax, 0x00070406);
	assert_int_equal(seen_rdx, 0x00070406);
	assert_false(hv.busy);
}

static void test_msr_bad(void **state)
{
	uint64_t v = 7;

	(void)state;
	mode = HV_INJECT; /* #GP: no such MSR */
	assert_int_equal(snp_ghcb_rdmsr(&hv, 0x1234, &v), SVSM_EFAULT);
	assert_int_equal(snp_ghcb_wrmsr(&hv, 0x1234, 1), SVSM_EFAULT);
	mode = HV_ERROR;
	assert_int_equal(snp_ghcb_rdmsr(&hv, 0x1234, &v), SVSM_EIO);
	mode = HV_NO_VALID; /* values without valid bits are not believed */
	assert_int_equal(snp_ghcb_rdmsr(&hv, 0x1234, &v), SVSM_EIO);
	assert_int_equal(v, 7);
	assert_false(hv.busy);
	page->sw_exit_info_1 = 0;
	/* Before registration there is no channel. */
	hv.ghcb = NULL;
	assert_int_equal(snp_ghcb_rdmsr(&hv, 0x10, &v), SVSM_EIO);
	assert_int_equal(exits, 4);
}

static void test_io(void **state)
{
	uint32_t v = 0x1FF41;

	(void)state;
	assert_int_equal(snp_ghcb_io(&hv, 0x3F8, 1, false, &v), SVSM_OK);
	assert_int_equal(seen_code, SVM_EXIT_IOIO);
	assert_int_equal(seen_info1, (0x3F8ull << 16) | SVM_IOIO_SZ8 | SVM_IOIO_A64);
	assert_int_equal(seen_rax, 0x41); /* only the low byte goes out */
	assert_int_equal(snp_ghcb_io(&hv, 0x3FD, 1, true, &v), SVSM_OK);
	assert_int_equal(seen_info1,
			 (0x3FDull << 16) | SVM_IOIO_SZ8 | SVM_IOIO_A64 | SVM_IOIO_TYPE_IN);
	assert_int_equal(v, 0x5A); /* and only the low byte comes back */
	assert_int_equal(snp_ghcb_io(&hv, 0xCFC, 4, true, &v), SVSM_OK);
	assert_int_equal(v, 0xFFFFFF5A);
	assert_int_equal(snp_ghcb_io(&hv, 0xCFC, 2, true, &v), SVSM_OK);
	assert_int_equal(v, 0xFF5A);
	assert_int_equal(snp_ghcb_io(&hv, 0xCFC, 3, true, &v), SVSM_EINVAL);
	mode = HV_NO_VALID;
	v = 9;
	assert_int_equal(snp_ghcb_io(&hv, 0x3FD, 1, true, &v), SVSM_EIO);
	assert_int_equal(v, 9);
	assert_int_equal(snp_ghcb_io(&hv, 0x3F8, 1, false, &v), SVSM_OK); /* OUT needs nothing back */
}

static void test_outsb(void **state)
{
	static uint8_t big[0x7F1];

	(void)state;
	memset(big, 'b', sizeof(big));
	assert_int_equal(snp_ghcb_outsb(&hv, 0x3F8, "line\r\n", 6), SVSM_OK);
	assert_int_equal(seen_code, SVM_EXIT_IOIO);
	assert_int_equal(seen_info1, (0x3F8ull << 16) | SVM_IOIO_STR | SVM_IOIO_REP | SVM_IOIO_SZ8 | SVM_IOIO_A64 |
					     (3ull << SVM_IOIO_SEG_SHIFT));
	assert_int_equal(seen_info2, 6);
	assert_int_equal(seen_scratch, GHCB_GPA + 0x800);
	assert_memory_equal(seen_buffer, "line\r\n", 6);
	assert_false(hv.busy);
	/* The whole buffer, and not a byte more; nothing at all is no request. */
	assert_int_equal(snp_ghcb_outsb(&hv, 0x3F8, big, 0x7F0), SVSM_OK);
	assert_int_equal(seen_info2, 0x7F0);
	assert_int_equal(exits, 2);
	assert_int_equal(snp_ghcb_outsb(&hv, 0x3F8, big, 0x7F1), SVSM_EINVAL);
	assert_int_equal(snp_ghcb_outsb(&hv, 0x3F8, big, 0), SVSM_EINVAL);
	assert_int_equal(exits, 2);
	/* A hypervisor that refuses it: an error, which the console turns into single OUTs. */
	mode = HV_ERROR;
	assert_int_equal(snp_ghcb_outsb(&hv, 0x3F8, "x", 1), SVSM_EIO);
	assert_false(hv.busy);
}

static void test_cpuid(void **state)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(snp_ghcb_cpuid(&hv, 0xD, 1, 7, &r), SVSM_OK);
	assert_int_equal(seen_code, SVM_EXIT_CPUID);
	assert_int_equal(seen_rax, 0xD);
	assert_int_equal(seen_rcx, 1);
	assert_true(r.eax == 0x11 && r.ebx == 0x22 && r.ecx == 0x33 && r.edx == 0x44);
	mode = HV_NO_VALID;
	assert_int_equal(snp_ghcb_cpuid(&hv, 0xD, 1, 7, &r), SVSM_EIO);
}

static void test_psc(void **state)
{
	uint64_t e[PSC_MAX_ENTRIES];

	(void)state;
	for (unsigned i = 0; i < PSC_MAX_ENTRIES; i++)
		e[i] = psc_entry_encode(0x100 + i, GHCB_PSC_OP_SHARED, false);
	assert_int_equal(snp_ghcb_psc(&hv, e, 3), SVSM_OK);
	assert_int_equal(exits, 1);
	/* A hypervisor doing 10 entries per exit: re-issued until done. */
	exits = 0, psc_step = 10;
	assert_int_equal(snp_ghcb_psc(&hv, e, PSC_MAX_ENTRIES), SVSM_OK);
	assert_int_equal(exits, 26);
	{
		struct psc_desc *d = (struct psc_desc *)(void *)page->shared_buffer;

		assert_int_equal(d->entries[252], e[252]);
	}
	assert_int_equal(snp_ghcb_psc(&hv, e, 0), SVSM_EINVAL);
	assert_int_equal(snp_ghcb_psc(&hv, e, PSC_MAX_ENTRIES + 1), SVSM_EINVAL);
}

static void test_psc_hostile(void **state)
{
	uint64_t e[4] = { 0x100000, 0x101000, 0x102000, 0x103000 };
	const enum hv_mode bad[] = { HV_PSC_STALL, HV_PSC_MOVE, HV_PSC_BEYOND, HV_PSC_ERR,
				     HV_ERROR };

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mode = bad[i];
		exits = 0;
		assert_int_equal(snp_ghcb_psc(&hv, e, 4), SVSM_EIO);
		assert_int_equal(exits, 1); /* gives up at once, no endless loop */
		assert_false(hv.busy);
	}
	/* Progress then a stall: the second exit is the last. */
	mode = HV_GOOD, psc_step = 1, exits = 0;
	assert_int_equal(snp_ghcb_psc(&hv, e, 4), SVSM_OK);
	assert_int_equal(exits, 4);
}

static void test_ap_create(void **state)
{
	(void)state;
	assert_int_equal(snp_ghcb_ap_create(&hv, SVM_AP_CREATE, 3, 2, 0x5001000, 0x25), SVSM_OK);
	assert_int_equal(seen_code, SVM_VMGEXIT_AP_CREATION);
	assert_int_equal(seen_info1, 1 | (2ull << 16) | (3ull << 32));
	assert_int_equal(seen_info2, 0x5001000);
	assert_int_equal(seen_rax, 0x25);
	assert_int_equal(snp_ghcb_ap_create(&hv, SVM_AP_DESTROY, 3, 2, 0x5001000, 0x25), SVSM_OK);
	assert_int_equal(seen_info1, 2 | (2ull << 16) | (3ull << 32));
	assert_int_equal(seen_rax, ~0ull); /* no features on destroy */
	exits = 0;
	assert_int_equal(snp_ghcb_ap_create(&hv, 3, 3, 2, 0x5001000, 0), SVSM_EINVAL);
	assert_int_equal(snp_ghcb_ap_create(&hv, SVM_AP_CREATE, 3, 4, 0x5001000, 0), SVSM_EINVAL);
	assert_int_equal(snp_ghcb_ap_create(&hv, SVM_AP_CREATE, 3, 2, 0x5001008, 0), SVSM_EINVAL);
	assert_int_equal(exits, 0);
	mode = HV_ERROR;
	assert_int_equal(snp_ghcb_ap_create(&hv, SVM_AP_CREATE, 3, 2, 0x5001000, 0), SVSM_EIO);
}

static void test_run_vmpl(void **state)
{
	(void)state;
	assert_int_equal(snp_ghcb_run_vmpl(&hv, 2), SVSM_OK);
	assert_int_equal(seen_code, SVM_VMGEXIT_SNP_RUN_VMPL);
	assert_int_equal(seen_info1, 2);
	assert_int_equal(seen_info2, 0);
	assert_int_equal(snp_ghcb_run_vmpl(&hv, 4), SVSM_EINVAL);
	mode = HV_ERROR;
	assert_int_equal(snp_ghcb_run_vmpl(&hv, 2), SVSM_EIO);
}

static void test_guest_request(void **state)
{
	uint64_t fw = 99;

	(void)state;
	assert_int_equal(snp_ghcb_guest_request(&hv, 0x10000, 0x11000, &fw), SVSM_OK);
	assert_int_equal(fw, 0);
	assert_int_equal(seen_code, SVM_VMGEXIT_GUEST_REQUEST);
	assert_int_equal(seen_info1, 0x10000);
	assert_int_equal(seen_info2, 0x11000);
	mode = HV_BUSY;
	assert_int_equal(snp_ghcb_guest_request(&hv, 0x10000, 0x11000, &fw), SVSM_EBUSY);
	assert_int_equal(fw, 2ull << 32);
	mode = HV_FW_ERR;
	assert_int_equal(snp_ghcb_guest_request(&hv, 0x10000, 0x11000, &fw), SVSM_EIO);
	assert_int_equal(fw, 0x16);
	assert_int_equal(snp_ghcb_guest_request(&hv, 0x10008, 0x11000, &fw), SVSM_EINVAL);
	assert_int_equal(snp_ghcb_guest_request(&hv, 0x10000, 0x10000, &fw), SVSM_EINVAL);
}

static void test_nested_refused(void **state)
{
	uint64_t v;

	(void)state;
	mode = HV_NESTED; /* a #VC in the middle of a call would reuse the GHCB */
	nested_result = 0;
	assert_int_equal(snp_ghcb_rdmsr(&hv, 0x10, &v), SVSM_OK);
	assert_int_equal(nested_result, SVSM_EBUSY);
	assert_int_equal(exits, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_negotiate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_features, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psc_msr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msr_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outsb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpuid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psc_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ap_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_vmpl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
