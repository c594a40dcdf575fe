/* SPDX-License-Identifier: MIT */
/*
 * #VC emulation under SNP: CPUID from the CPUID page, MSR and port I/O
 * through the GHCB (GHCB spec 56421, NAE events), register results and RIP
 * advance, and the refusals.
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
#include "svsm/snp_vc.h"

static struct ghcb *page;
static struct snp_hv hv;
static struct snp_cpuid cpuid;
static struct snp_cpuid_table table;
static struct snp_vc_env env;
static unsigned exits;
static uint64_t wr_msr, wr_val;
static uint64_t out_port, out_val;

static void set_out(struct ghcb *g, unsigned off, uint64_t v)
{
	memcpy((uint8_t *)g + off, &v, 8);
	ghcb_mark_valid(g, off);
}

static void vmgexit(void *ctx, uint64_t gpa)
{
	struct ghcb *g = page;
	uint64_t code = g->sw_exit_code, info1 = g->sw_exit_info_1;

	(void)ctx, (void)gpa;
	exits++;
	memset(g->valid_bitmap, 0, sizeof(g->valid_bitmap));
	g->sw_exit_info_1 = 0;
	if (code == SVM_EXIT_MSR && info1 == SVM_MSR_READ) {
		if (g->rcx != 0xC0000080) {
			g->sw_exit_info_1 = GHCB_RESULT_INJECT; /* #GP */
			return;
		}
		set_out(g, offsetof(struct ghcb, rax), 0xD01);
		set_out(g, offsetof(struct ghcb, rdx), 0x1);
	} else if (code == SVM_EXIT_MSR) {
		wr_msr = g->rcx, wr_val = (g->rdx << 32) | (uint32_t)g->rax;
	} else if (code == SVM_EXIT_IOIO) {
		out_port = info1 >> 16;
		if (info1 & SVM_IOIO_TYPE_IN)
			set_out(g, offsetof(struct ghcb, rax), 0x12345678);
		else
			out_val = g->rax;
	} else if (code == SVM_EXIT_CPUID) {
		set_out(g, offsetof(struct ghcb, rax), 0);
		set_out(g, offsetof(struct ghcb, rbx), 0x07000000); /* APIC ID 7 */
		set_out(g, offsetof(struct ghcb, rcx), 0);
		set_out(g, offsetof(struct ghcb, rdx), 0);
	}
}

static void add(uint32_t leaf, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	struct snp_cpuid_entry *e = &table.e[table.count++];

	memset(e, 0, sizeof(*e));
	e->eax_in = leaf, e->eax = a, e->ebx = b, e->ecx = c, e->edx = d;
}

static int setup(void **state)
{
	const char *why;

	(void)state;
	page = aligned_alloc(4096, sizeof(*page));
	memset(page, 0, sizeof(*page));
	hv = (struct snp_hv){ .vmgexit = vmgexit, .ghcb = page, .ghcb_gpa = 0x9000, .version = 2 };
	memset(&table, 0, sizeof(table));
	add(0x0, 0x10, 0x68747541, 0x444D4163, 0x69746E65);
	add(0x1, 0x00A00F11, 0x00000800, 0x76F8320B, 0x178BFBFF);
	add(0x80000000, 0x8000001F, 0, 0, 0);
	add(0x8000001F, 0x1007F, 0x173, 0x1FD, 0);
	assert_int_equal(snp_cpuid_init(&cpuid, &table, &why), SVSM_OK);
	env = (struct snp_vc_env){ .hv = &hv, .cpuid = &cpuid, .xcr0 = 1 };
	exits = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(page);
	return 0;
}

static void test_cpuid(void **state)
{
	static const uint8_t insn[] = { 0x0F, 0xA2 };
	struct vc_regs r = { .rax = 0xFFFFFFFF00000001ull, .rcx = 0xFFFF, .rip = 0x1000 };

	(void)state;
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_CPUID, &r, insn, sizeof(insn)), SVSM_OK);
	assert_int_equal(r.rip, 0x1002);
	assert_int_equal(r.rax, 0x00A00F11);
	assert_int_equal(r.rbx, 0x07000800); /* table value, APIC ID from the hypervisor */
	assert_int_equal(r.rcx, 0x76F8320B);
	assert_int_equal(r.rdx, 0x178BFBFF);
	assert_int_equal(exits, 1);
	/* A leaf without per-CPU values never reaches the hypervisor. */
	r = (struct vc_regs){ .rax = 0x8000001F, .rip = 0x1000 };
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_CPUID, &r, insn, sizeof(insn)), SVSM_OK);
	assert_int_equal(r.rbx, 0x173);
	assert_int_equal(exits, 1);
}

static void test_msr(void **state)
{
	static const uint8_t rd[] = { 0x0F, 0x32 }, wr[] = { 0x0F, 0x30 };
	struct vc_regs r = { .rax = ~0ull, .rcx = 0xC0000080, .rdx = ~0ull, .rip = 0x2000 };
	struct vc_regs before;

	(void)state;
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_MSR, &r, rd, 2), SVSM_OK);
	assert_int_equal(r.rax, 0xD01);
	assert_int_equal(r.rdx, 0x1);
	assert_int_equal(r.rip, 0x2002);
	r = (struct vc_regs){ .rax = 0xAAAAAAAA11111111ull, .rcx = 0x277,
			      .rdx = 0xBBBBBBBB22222222ull, .rip = 0x2000 };
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_MSR, &r, wr, 2), SVSM_OK);
	assert_int_equal(wr_msr, 0x277);
	assert_int_equal(wr_val, 0x2222222211111111ull); /* EDX:EAX, upper halves ignored */
	/* A missing MSR: #GP for the caller, registers and RIP untouched. */
	r = (struct vc_regs){ .rcx = 0x1234, .rip = 0x2000 };
	before = r;
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_MSR, &r, rd, 2), SVSM_EFAULT);
	assert_memory_equal(&r, &before, sizeof(r));
}

static void test_io(void **state)
{
	static const uint8_t out_dx_al[] = { 0xEE }, in_al_imm[] = { 0xE4, 0x71 };
	static const uint8_t in_eax_dx[] = { 0xED }, in_ax_dx[] = { 0x66, 0xED };
	struct vc_regs r = { .rax = 0x1234567841ull, .rdx = 0x3F8, .rip = 0x3000 };

	(void)state;
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_IOIO, &r, out_dx_al, 1), SVSM_OK);
	assert_int_equal(out_port, 0x3F8);
	assert_int_equal(out_val, 0x41);
	assert_int_equal(r.rip, 0x3001);
	r = (struct vc_regs){ .rax = 0xFFFFFFFFFFFFFFFFull, .rip = 0x3000 };
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_IOIO, &r, in_al_imm, 2), SVSM_OK);
	assert_int_equal(out_port, 0x71);
	assert_int_equal(r.rax, 0xFFFFFFFFFFFFFF78ull); /* only AL written */
	assert_int_equal(r.rip, 0x3002);
	r = (struct vc_regs){ .rax = 0xFFFFFFFFFFFFFFFFull, .rdx = 0xCFC, .rip = 0x3000 };
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_IOIO, &r, in_ax_dx, 2), SVSM_OK);
	assert_int_equal(r.rax, 0xFFFFFFFFFFFF5678ull);
	r = (struct vc_regs){ .rax = 0xFFFFFFFFFFFFFFFFull, .rdx = 0xCFC, .rip = 0x3000 };
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_IOIO, &r, in_eax_dx, 1), SVSM_OK);
	assert_int_equal(r.rax, 0x12345678); /* 32-bit write zero-extends */
}

static void test_refused(void **state)
{
	static const uint8_t outsb[] = { 0x6E }, cpuid_insn[] = { 0x0F, 0xA2 }, rd[] = { 0x0F, 0x32 };
	struct vc_regs r = { .rax = 1, .rdx = 0x3F8, .rip = 0x4000 };
	const struct vc_regs before = r;

	(void)state;
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_IOIO, &r, outsb, 1), SVSM_ENOTSUP);
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_RDTSC, &r, rd, 2), SVSM_ENOTSUP);
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_PAGE_NOT_VALIDATED, &r, rd, 2),
			 SVSM_ENOTSUP);
	/* The bytes do not match the exit code, or run out. */
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_MSR, &r, cpuid_insn, 2), SVSM_EINVAL);
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_CPUID, &r, cpuid_insn, 1), SVSM_ERANGE);
	assert_memory_equal(&r, &before, sizeof(r));
	assert_int_equal(exits, 0);
	/* The hypervisor failing: EIO, nothing changed. */
	hv.ghcb = NULL;
	r.rax = 1;
	assert_int_equal(snp_vc_emulate(&env, SVM_EXIT_CPUID, &r, cpuid_insn, 2), SVSM_EIO);
	assert_memory_equal(&r, &before, sizeof(r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cpuid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
