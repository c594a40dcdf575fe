/* SPDX-License-Identifier: MIT */
/*
 * The SNP instructions as the emulated machine completes them on #UD
 * (vsnp/snp_insn.c), one table row per case, each against the result the
 * hardware documents (AMD APM vol.3 PVALIDATE, RMPADJUST, PSMASH,
 * RMPUPDATE, RMPREAD; vol.2 §15.36): EAX, CF, the other status flags
 * cleared, RIP past the 4 bytes, or an exception with RIP unchanged; and
 * every RMP change followed by a drop of the nested mappings it touches.
 * The vCPU's paging, exception injection and nested tables are stubs that
 * record what the emulation asked of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/snp.h"
#include "abi/x86.h"
#include "svsm/errno.h"
#include "vcpu.h"

#define RAM_PAGES 1024u             /* 4 MiB of guest RAM: two 2 MiB RMP entries */
#define VA_UNMAPPED 0x80000000ull  /* linear addresses from here have no translation */
#define RIP0 0x1000ull
#define RFLAGS_STATUS 0x8D5ull

static struct vsnp_machine m;
static struct rmp_entry entries[RAM_PAGES];
static struct vmcb vmcb;
static struct vsnp_vcpu c;
static uint8_t insn_bytes[4];
static bool insn_unreadable;
static uint64_t vmsa_running = ~0ull;
static struct {
	unsigned n;
	unsigned vector;
	bool has_error;
	uint32_t error;
} injected;
static struct {
	unsigned n;
	uint64_t pa, size;
} dropped;

/* ---- stubs: what snp_insn.c asks of the vCPU and the machine ---- */

int vsnp_guest_insn(struct vsnp_vcpu *v, uint8_t *buf, size_t len)
{
	(void)v;
	if (insn_unreadable || len > sizeof(insn_bytes))
		return SVSM_EFAULT;
	memcpy(buf, insn_bytes, len);
	return SVSM_OK;
}

/* Identity paging below VA_UNMAPPED, nothing above. */
int vsnp_guest_translate(struct vsnp_vcpu *v, uint64_t va, uint64_t *gpa, bool *priv)
{
	(void)v;
	if (va >= VA_UNMAPPED)
		return SVSM_EFAULT;
	*gpa = va;
	*priv = true;
	return SVSM_OK;
}

void vsnp_inject(struct vsnp_vcpu *v, unsigned vector, bool has_error, uint32_t error)
{
	(void)v;
	injected.n++;
	injected.vector = vector;
	injected.has_error = has_error;
	injected.error = error;
}

bool vsnp_vmsa_in_use(uint64_t gpa)
{
	return gpa == vmsa_running;
}

int vsnp_npt_drop(struct vsnp_npt *n, uint64_t pa, uint64_t size)
{
	(void)n;
	dropped.n++;
	dropped.pa = pa;
	dropped.size = size;
	return SVSM_OK;
}

/* ---- the machine for each case ---- */

enum insn { PVALIDATE, RMPADJUST, PSMASH, RMPUPDATE, RMPREAD, NOT_SNP };

static const uint8_t encodings[][4] = {
	[PVALIDATE] = { 0xF2, 0x0F, 0x01, 0xFF }, [RMPADJUST] = { 0xF3, 0x0F, 0x01, 0xFE },
	[PSMASH] = { 0xF3, 0x0F, 0x01, 0xFF },    [RMPUPDATE] = { 0xF2, 0x0F, 0x01, 0xFE },
	[RMPREAD] = { 0xF2, 0x0F, 0x01, 0xFD },   [NOT_SNP] = { 0x0F, 0x0B, 0x90, 0x90 },
};

/*
 * RAM [0, 4 MiB): the first 2 MiB private in 4 KiB entries, page 1
 * validated with all of VMPL2's rights, page 4 validated with VMPL2
 * read only; the second 2 MiB private in one 2 MiB entry, not validated.
 * Page 2 is shared (not assigned).
 */
static int setup(void **state)
{
	(void)state;
	memset(&m, 0, sizeof(m));
	memset(&vmcb, 0, sizeof(vmcb));
	memset(&c, 0, sizeof(c));
	memset(&injected, 0, sizeof(injected));
	memset(&dropped, 0, sizeof(dropped));
	insn_unreadable = false;
	vmsa_running = ~0ull;
	assert_int_equal(rmp_model_init(&m.rmp, entries, 0, RAM_PAGES), SVSM_OK);
	for (uint64_t pa = 0; pa < 0x200000; pa += 0x1000)
		if (pa != 0x2000)
			assert_int_equal(rmp_model_set_private(&m.rmp, pa, false, true), SVSM_OK);
	assert_int_equal(rmp_model_set_private(&m.rmp, 0x200000, true, true), SVSM_OK);
	assert_int_equal(rmp_model_pvalidate(&m.rmp, 0, 0x1000, RMP_PG_SIZE_4K, true).code, 0);
	assert_int_equal(rmp_model_rmpadjust(&m.rmp, 0, 0x1000, RMP_PG_SIZE_4K, 2 | RMP_PERM_ALL).code, 0);
	assert_int_equal(rmp_model_pvalidate(&m.rmp, 0, 0x4000, RMP_PG_SIZE_4K, true).code, 0);
	assert_int_equal(rmp_model_rmpadjust(&m.rmp, 0, 0x4000, RMP_PG_SIZE_4K, 2 | RMP_PERM_READ).code, 0);
	c.m = &m;
	c.vmcb = &vmcb;
	vmcb.save.rip = RIP0;
	vmcb.save.efer = EFER_LMA | EFER_LME;
	vmcb.save.cs.attrib = VMSA_SEG_ATTR_L;
	vmcb.save.rflags = 0x2 | RFLAGS_STATUS; /* every status flag set: the instruction clears them */
	return 0;
}

struct row {
	const char *what;
	enum insn insn;
	unsigned vmpl, cpl;
	uint64_t rax, rcx, rdx;
	enum vsnp_insn_result want;
	uint32_t eax;          /* DONE: the result code */
	bool cf;               /* DONE: CF */
	int vector;            /* FAULTED: the exception (-1 none) */
	bool drops;            /* DONE: an RMP change, so a nested drop */
};

static void run_row(const struct row *r)
{
	const char *why = NULL;

	memcpy(insn_bytes, encodings[r->insn], 4);
	c.vmpl = r->vmpl;
	vmcb.save.cpl = (uint8_t)r->cpl;
	vmcb.save.rax = r->rax;
	c.g.rcx = r->rcx;
	c.g.rdx = r->rdx;

	enum vsnp_insn_result got = vsnp_snp_insn(&c, &why);

	print_message("%s: result %d, EAX 0x%llx, RFLAGS 0x%llx, RIP 0x%llx, injected %u (vector %u)\n", r->what,
		      got, (unsigned long long)vmcb.save.rax, (unsigned long long)vmcb.save.rflags,
		      (unsigned long long)vmcb.save.rip, injected.n, injected.vector);
	assert_int_equal(got, r->want);
	if (r->want == VSNP_INSN_DONE) {
		assert_int_equal(vmcb.save.rax, r->eax); /* a 32-bit result zero-extends into RAX */
		assert_int_equal(vmcb.save.rflags & RFLAGS_STATUS, r->cf ? 1 : 0);
		assert_int_equal(vmcb.save.rip, RIP0 + 4);
		assert_int_equal(injected.n, 0);
		assert_int_equal(dropped.n, r->drops ? 1 : 0);
	} else {
		assert_int_equal(vmcb.save.rip, RIP0); /* a fault, or not an SNP instruction: RIP stays */
		assert_int_equal(dropped.n, 0);
		if (r->vector >= 0) {
			assert_int_equal(injected.n, 1);
			assert_int_equal(injected.vector, (unsigned)r->vector);
			assert_true(injected.has_error);
			assert_int_equal(injected.error, 0);
		} else {
			assert_int_equal(injected.n, 0);
		}
	}
}

/* Each row on a fresh machine. */
static void documented_results(void **state)
{
	static const struct row rows[] = {
		{ "PVALIDATE 4K validate", PVALIDATE, 0, 0, 0x3000, 0, 1, VSNP_INSN_DONE, 0, false, -1, true },
		{ "PVALIDATE 4K rescind", PVALIDATE, 0, 0, 0x1000, 0, 0, VSNP_INSN_DONE, 0, false, -1, true },
		{ "PVALIDATE already validated: CF", PVALIDATE, 0, 0, 0x1000, 0, 1, VSNP_INSN_DONE, 0, true, -1, false },
		{ "PVALIDATE of a shared page", PVALIDATE, 0, 0, 0x2000, 0, 1, VSNP_INSN_DONE, PVALIDATE_FAIL_INPUT,
		  false, -1, false },
		{ "PVALIDATE 2M unaligned", PVALIDATE, 0, 0, 0x201000, 1, 1, VSNP_INSN_DONE, PVALIDATE_FAIL_INPUT,
		  false, -1, false },
		{ "PVALIDATE 2M over 4K entries", PVALIDATE, 0, 0, 0, 1, 1, VSNP_INSN_DONE, PVALIDATE_FAIL_SIZEMISMATCH,
		  false, -1, false },
		{ "PVALIDATE 2M over a 2M entry", PVALIDATE, 0, 0, 0x200000, 1, 1, VSNP_INSN_DONE, 0, false, -1, true },
		{ "PVALIDATE 4K in a 2M entry: split, then done", PVALIDATE, 0, 0, 0x203000, 0, 1, VSNP_INSN_DONE, 0,
		  false, -1, true },
		{ "PVALIDATE outside RAM", PVALIDATE, 0, 0, 0x400000, 0, 1, VSNP_INSN_DONE, PVALIDATE_FAIL_INPUT,
		  false, -1, false },
		{ "PVALIDATE at VMPL2: #GP(0)", PVALIDATE, 2, 0, 0x3000, 0, 1, VSNP_INSN_FAULTED, 0, false, X86_EXC_GP,
		  false },
		{ "PVALIDATE at CPL3: #GP(0)", PVALIDATE, 0, 3, 0x3000, 0, 1, VSNP_INSN_FAULTED, 0, false, X86_EXC_GP,
		  false },
		{ "PVALIDATE of an unmapped address: #PF", PVALIDATE, 0, 0, VA_UNMAPPED, 0, 1, VSNP_INSN_FAULTED, 0,
		  false, X86_EXC_PF, false },
		{ "RMPADJUST grants VMPL2 read", RMPADJUST, 0, 0, 0x1000, 0, 2 | RMP_PERM_READ, VSNP_INSN_DONE, 0,
		  false, -1, true },
		{ "RMPADJUST by VMPL2 of VMPL1's rights", RMPADJUST, 2, 0, 0x1000, 0, 1 | RMP_PERM_READ, VSNP_INSN_DONE,
		  RMPADJUST_FAIL_PERMISSION, false, -1, false },
		{ "RMPADJUST by VMPL2 for VMPL3 within its own rights", RMPADJUST, 2, 0, 0x1000, 0, 3 | RMP_PERM_ALL,
		  VSNP_INSN_DONE, 0, false, -1, true },
		{ "RMPADJUST by VMPL2 of more rights than its own", RMPADJUST, 2, 0, 0x4000, 0, 3 | RMP_PERM_ALL,
		  VSNP_INSN_DONE, RMPADJUST_FAIL_PERMISSION, false, -1, false },
		{ "RMPADJUST 2M over 4K entries", RMPADJUST, 0, 0, 0, 1, 2 | RMP_PERM_READ, VSNP_INSN_DONE,
		  RMPADJUST_FAIL_SIZEMISMATCH, false, -1, false },
		{ "RMPADJUST with reserved attribute bits", RMPADJUST, 0, 0, 0x1000, 0, 2 | (1ull << 40), VSNP_INSN_DONE,
		  RMPADJUST_FAIL_INPUT, false, -1, false },
		{ "RMPADJUST at CPL3: #GP(0)", RMPADJUST, 0, 3, 0x1000, 0, 2, VSNP_INSN_FAULTED, 0, false, X86_EXC_GP,
		  false },
		{ "PSMASH in a guest", PSMASH, 0, 0, 0x200000, 0, 0, VSNP_INSN_DONE, 2, false, -1, false },
		{ "RMPUPDATE in a guest", RMPUPDATE, 0, 0, 0x1000, 0, 0, VSNP_INSN_DONE, 2, false, -1, false },
		{ "RMPREAD in a guest", RMPREAD, 0, 0, 0x1000, 0, 0, VSNP_INSN_DONE, 2, false, -1, false },
		{ "RMPUPDATE at CPL3: #GP(0)", RMPUPDATE, 0, 3, 0x1000, 0, 0, VSNP_INSN_FAULTED, 0, false, X86_EXC_GP,
		  false },
		{ "UD2 is not an SNP instruction", NOT_SNP, 0, 0, 0x1000, 0, 0, VSNP_INSN_NOT_SNP, 0, false, -1, false },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		setup(NULL);
		run_row(&rows[i]);
	}
}

/* The RMP after the rows that change it, and what a drop covered. */
static void rmp_changes_and_drops(void **state)
{
	const char *why;
	(void)state;

	memcpy(insn_bytes, encodings[PVALIDATE], 4);
	vmcb.save.rax = 0x203000;
	c.g.rcx = RMP_PG_SIZE_4K;
	c.g.rdx = 1;
	assert_int_equal(vsnp_snp_insn(&c, &why), VSNP_INSN_DONE);
	assert_false(rmp_model_entry(&m.rmp, 0x203000)->large); /* split to 4 KiB entries */
	assert_true(rmp_model_entry(&m.rmp, 0x203000)->validated);
	assert_false(rmp_model_entry(&m.rmp, 0x204000)->validated);
	assert_int_equal(dropped.pa, 0x203000);
	assert_int_equal(dropped.size, 0x1000);

	setup(NULL);
	memcpy(insn_bytes, encodings[PVALIDATE], 4);
	vmcb.save.rax = 0x200000;
	c.g.rcx = RMP_PG_SIZE_2M;
	c.g.rdx = 1;
	assert_int_equal(vsnp_snp_insn(&c, &why), VSNP_INSN_DONE);
	assert_true(rmp_model_entry(&m.rmp, 0x3FF000)->validated);
	assert_int_equal(dropped.pa, 0x200000);
	assert_int_equal(dropped.size, 0x200000);
}

/* Outside 64-bit mode the address is EAX: RAX's upper half is ignored. */
static void address_size_follows_the_mode(void **state)
{
	const char *why;
	(void)state;

	memcpy(insn_bytes, encodings[PVALIDATE], 4);
	vmcb.save.cs.attrib = 0; /* compatibility mode */
	vmcb.save.rax = 0xFFFFFFFF00003000ull;
	c.g.rdx = 1;
	assert_int_equal(vsnp_snp_insn(&c, &why), VSNP_INSN_DONE);
	assert_int_equal(vmcb.save.rax, 0);
	assert_true(rmp_model_entry(&m.rmp, 0x3000)->validated);
}

/* RMPADJUST of the VMSA a vCPU runs: FAIL_INUSE, nothing changed. */
static void rmpadjust_of_a_running_vmsa(void **state)
{
	const char *why;
	struct rmp_entry before;
	(void)state;

	vmsa_running = 0x1000;
	memcpy(&before, rmp_model_entry(&m.rmp, 0x1000), sizeof(before));
	memcpy(insn_bytes, encodings[RMPADJUST], 4);
	vmcb.save.rax = 0x1000;
	c.g.rdx = 2 | RMPADJUST_VMSA;
	assert_int_equal(vsnp_snp_insn(&c, &why), VSNP_INSN_DONE);
	assert_int_equal(vmcb.save.rax, RMPADJUST_FAIL_INUSE);
	assert_memory_equal(&before, rmp_model_entry(&m.rmp, 0x1000), sizeof(before));
	assert_int_equal(dropped.n, 0);
}

/* Instruction bytes that cannot be read: not taken for an SNP instruction (the #UD stands). */
static void unreadable_instruction(void **state)
{
	const char *why;
	(void)state;

	insn_unreadable = true;
	assert_int_equal(vsnp_snp_insn(&c, &why), VSNP_INSN_NOT_SNP);
	assert_int_equal(vmcb.save.rip, RIP0);
	assert_int_equal(injected.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(documented_results),
		cmocka_unit_test_setup(rmp_changes_and_drops, setup),
		cmocka_unit_test_setup(address_size_follows_the_mode, setup),
		cmocka_unit_test_setup(rmpadjust_of_a_running_vmsa, setup),
		cmocka_unit_test_setup(unreadable_instruction, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
