/* SPDX-License-Identifier: MIT */
/*
 * The SVSM core protocol on the fake backend (SVSM spec 58019: calling
 * convention, core protocol): every call's good path and each bad-input class,
 * with the exact result code and, after a failure, the RMP model and SVSM state
 * unchanged.
 *
 * Guest-physical layout (8 MiB, RMP-modelled):
 *   0x000000-0x1FFFFF  4 KiB RMP entries   boot VMSA 0x101000, boot CA 0x102000,
 *                                           spare pages from 0x110000
 *   0x200000-0x3FFFFF  one 2 MiB RMP entry
 *   0x400000-0x5FFFFF  4 KiB RMP entries   new VMSA 0x401000, new CA 0x402000
 *   0x600000-0x7FFFFF  SVSM memory
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/snp.h"
#include "abi/svsm_abi.h"
#include "abi/vmsa.h"
#include "guest_sim.h"
#include "protocols/svsm_vm.h"
#include "svsm/errno.h"
#include "svsm/platform_fake.h"
#include "../../protocols/core_internal.h"

#define MB 0x100000ull
#define RAM_END (6 * MB)
#define SIM_SIZE (8 * MB)
#define PAGES (SIM_SIZE / 4096)
#define BOOT_VMSA 0x101000ull
#define BOOT_CA 0x102000ull
#define SPARE 0x110000ull
#define BIG 0x200000ull
#define NEW_VMSA 0x401000ull
#define NEW_CA 0x402000ull
#define GUEST_VMPL 2
#define FEATURES (SEV_FEAT_SNP_ACTIVE | SEV_FEAT_RESTRICTED_INJ)
#define CALL(p, c) (((uint64_t)(p) << 32) | (c))

/* select.c starts on the native table; these tests always install the fake one. */
const struct platform_ops platform_native_ops = { .name = "native" };

static struct rmp_entry entries[PAGES], snapshot[PAGES];
static struct rmp_model rmp;
static struct platform_fake fake;
static struct guest_sim sim;
static struct svsm_vm vm, vm_before;

/* What the guest would have done before calling: validated and owned pages. */
static void guest_owns(uint64_t gpa)
{
	assert_int_equal(rmp_model_pvalidate(&rmp, 0, gpa, RMP_PG_SIZE_4K, true).code, 0);
	/* As the SVSM grants it: the guest's VMPL and every more privileged one. */
	for (unsigned v = 1; v <= GUEST_VMPL; v++)
		assert_int_equal(rmp_model_rmpadjust(&rmp, 0, gpa, RMP_PG_SIZE_4K, v | RMP_PERM_ALL).code,
				 0);
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(rmp_model_init(&rmp, entries, 0, PAGES), SVSM_OK);
	for (uint64_t p = 0; p < 2 * MB; p += 4096)
		assert_int_equal(rmp_model_set_private(&rmp, p, false, true), SVSM_OK);
	assert_int_equal(rmp_model_set_private(&rmp, BIG, true, true), SVSM_OK);
	for (uint64_t p = 4 * MB; p < SIM_SIZE; p += 4096)
		assert_int_equal(rmp_model_set_private(&rmp, p, false, true), SVSM_OK);
	memset(&fake, 0, sizeof(fake));
	fake.rmp = &rmp;
	platform_fake_install(&fake);

	sim.size = SIM_SIZE;
	sim.mem = calloc(1, SIM_SIZE);
	memset(sim.mem, 0xAA, SIM_SIZE); /* stale data the SVSM must zero */
	memmap_init(&sim.guest_ram);
	memmap_init(&sim.svsm_mem);
	assert_int_equal(memmap_add(&sim.guest_ram, 0, RAM_END), SVSM_OK);
	assert_int_equal(memmap_add(&sim.svsm_mem, RAM_END, SIM_SIZE), SVSM_OK);
	sim.rmp = &rmp;
	guest_sim_use(&sim);

	guest_owns(BOOT_VMSA);
	guest_owns(BOOT_CA);
	guest_owns(NEW_VMSA);
	guest_owns(NEW_CA);
	for (uint64_t p = RAM_END; p < SIM_SIZE; p += 4096) /* the SVSM's own pages */
		assert_int_equal(rmp_model_pvalidate(&rmp, 0, p, RMP_PG_SIZE_4K, true).code, 0);
	assert_int_equal(svsm_vm_init(&vm, GUEST_VMPL, FEATURES, &sim.guest_ram, &sim.svsm_mem,
				      pa_init(BOOT_VMSA), gpa_init(BOOT_CA), 0),
			 SVSM_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(sim.mem);
	return 0;
}

static void snap(void)
{
	memcpy(snapshot, entries, sizeof(entries));
	memcpy(&vm_before, &vm, sizeof(vm));
}

static void assert_unchanged(void)
{
	assert_memory_equal(snapshot, entries, sizeof(entries));
	assert_memory_equal(&vm_before, &vm, sizeof(vm));
}

static uint64_t call(uint64_t rax, uint64_t rcx, uint64_t rdx, uint64_t r8, struct svsm_regs *out)
{
	struct svsm_regs r = { rax, rcx, rdx, r8, 0 };

	svsm_dispatch(&vm, 0, &r);
	if (out != NULL)
		*out = r;
	return r.rax;
}

/* ---- dispatcher, QUERY_PROTOCOL, CONFIGURE_VTOM ---- */

static void test_query_protocol(void **state)
{
	struct svsm_regs r;

	(void)state;
	assert_int_equal(call(CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(0, 1), 0, 0, &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, CALL(1, 1));
	/* Versions out of range and protocols not offered: RCX 0, still success (SVSM spec, core protocol). */
	assert_int_equal(call(CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(0, 2), 0, 0, &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(call(CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(0, 0), 0, 0, &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(call(CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(1, 1), 0, 0, &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(call(CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(0xFFFFFFFFu, 1), 0, 0, &r),
			 SVSM_SUCCESS);
	assert_int_equal(r.rcx, 0);
}

/*
 * Every call below SVSM_CORE_CALLS is served (with a misaligned address in
 * every argument, so each is refused or is a query, and nothing changes;
 * a lent pool, without which DEPOSIT_MEM and WITHDRAW_MEM are refused as
 * unsupported), and the count the fuzz target draws from is the
 * dispatcher's: a call added to the dispatcher without its count fails here.
 */
static void test_call_count(void **state)
{
	static struct svsm_lent_pool empty_pool;
	const uint64_t bad = 0xFFFFFFFFFFFFFFFFull;

	(void)state;
	svsm_vm_set_lent_pool(&vm, &empty_pool);
	snap();
	assert_int_equal(svsm_protocol_calls(SVSM_CORE_PROTOCOL), SVSM_CORE_CALLS);
	assert_int_equal(svsm_protocol_calls(SVSM_ATTEST_PROTOCOL), SVSM_ATTEST_CALLS);
	assert_int_equal(svsm_protocol_calls(SVSM_VTPM_PROTOCOL), SVSM_VTPM_CALLS);
	assert_int_equal(svsm_protocol_calls(SVSM_PROTOCOLS), 0);
	for (uint32_t c = 0; c < SVSM_CORE_CALLS; c++)
		assert_int_not_equal(call(CALL(0, c), bad, bad, bad, NULL), SVSM_ERR_UNSUPPORTED_CALL);
	assert_int_equal(call(CALL(0, SVSM_CORE_CALLS), bad, bad, bad, NULL), SVSM_ERR_UNSUPPORTED_CALL);
	assert_unchanged();
}

static void test_unknown(void **state)
{
	(void)state;
	snap();
	assert_int_equal(call(CALL(1, 0), 0, 0, 0, NULL), SVSM_ERR_UNSUPPORTED_PROTOCOL);
	assert_int_equal(call(CALL(2, 1), 0, 0, 0, NULL), SVSM_ERR_UNSUPPORTED_PROTOCOL);
	assert_int_equal(call(CALL(0xFFFFFFFFu, 0), 0, 0, 0, NULL), SVSM_ERR_UNSUPPORTED_PROTOCOL);
	assert_int_equal(call(CALL(0, SVSM_CORE_CALLS), 0, 0, 0, NULL), SVSM_ERR_UNSUPPORTED_CALL);
	assert_int_equal(call(CALL(0, 0xFFFFFFFFu), 0, 0, 0, NULL), SVSM_ERR_UNSUPPORTED_CALL);
	assert_unchanged();
	/* A vCPU index the SVSM does not know. */
	struct svsm_regs r = { CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(0, 1), 0, 0, 0 };

	svsm_dispatch(&vm, 5, &r);
	assert_int_equal(r.rax, SVSM_ERR_INVALID_REQUEST);
	r.rax = CALL(0, SVSM_CORE_QUERY_PROTOCOL);
	svsm_dispatch(&vm, SVSM_MAX_VCPUS, &r);
	assert_int_equal(r.rax, SVSM_ERR_INVALID_REQUEST);
}

static void test_configure_vtom(void **state)
{
	struct svsm_regs r;

	(void)state;
	assert_int_equal(call(CALL(0, SVSM_CORE_CONFIGURE_VTOM), 1, 0, 0, &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(call(CALL(0, SVSM_CORE_CONFIGURE_VTOM), 0x40000000, 0, 0, &r),
			 SVSM_ERR_INVALID_REQUEST);
}

static void test_call_pending(void **state)
{
	struct svsm_regs r = { CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(0, 1), 0, 0, 0 };

	(void)state;
	sim.mem[BOOT_CA] = 0; /* not a call: nothing happens */
	assert_false(svsm_handle_call(&vm, 0, &r));
	assert_int_equal(r.rax, CALL(0, SVSM_CORE_QUERY_PROTOCOL));
	sim.mem[BOOT_CA] = 1;
	assert_true(svsm_handle_call(&vm, 0, &r));
	assert_int_equal(r.rax, SVSM_SUCCESS);
	assert_int_equal(r.rcx, CALL(1, 1));
	assert_int_equal(sim.mem[BOOT_CA], 0); /* cleared by the SVSM */
	assert_false(svsm_handle_call(&vm, 9, &r));
}

/* ---- PVALIDATE ---- */

static uint64_t entry(uint64_t gpa, bool big, bool validate, bool ignore_cf)
{
	return gpa | (big ? 1 : 0) | (validate ? SVSM_PVAL_ACTION_VALIDATE : 0) |
	       (ignore_cf ? SVSM_PVAL_IGNORE_CF : 0);
}

/* Writes a list at gpa (the CA buffer by default) and issues the call. */
static uint64_t pvalidate_at(uint64_t gpa, uint16_t n, uint16_t next, const uint64_t *e)
{
	struct svsm_pvalidate_hdr h = { n, next, 0 };

	memcpy(sim.mem + gpa, &h, sizeof(h));
	if (e != NULL)
		memcpy(sim.mem + gpa + 8, e, 8ull * n);
	return call(CALL(0, SVSM_CORE_PVALIDATE), gpa, 0, 0, NULL);
}

static uint16_t next_at(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, sim.mem + gpa + 2, 2);
	return v;
}

static const struct rmp_entry *rmp_at(uint64_t gpa)
{
	return rmp_model_entry(&rmp, gpa);
}

static void test_pvalidate_good(void **state)
{
	const uint64_t list = BOOT_CA + 8;
	uint64_t e[3] = { entry(SPARE, false, true, false), entry(SPARE + 0x1000, false, true, true),
			  entry(BIG, true, true, false) };

	(void)state;
	assert_int_equal(pvalidate_at(list, 3, 0, e), SVSM_SUCCESS);
	assert_int_equal(next_at(list), 3);
	for (unsigned i = 0; i < 2; i++) {
		const struct rmp_entry *x = rmp_at(SPARE + i * 0x1000ull);

		assert_true(x->validated);
		assert_int_equal(x->perms[GUEST_VMPL], RMP_PERM_ALL >> 8);
		assert_int_equal(x->perms[1], RMP_PERM_ALL >> 8); /* and the more privileged VMPL1 */
		assert_int_equal(x->perms[3], 0);                  /* not the less privileged VMPL3 */
		assert_int_equal(sim.mem[SPARE + i * 0x1000ull + 77], 0); /* zeroed */
	}
	assert_true(rmp_at(BIG + 0x1FF000)->validated);
	assert_int_equal(rmp_at(BIG + 0x1FF000)->perms[GUEST_VMPL], RMP_PERM_ALL >> 8);
	assert_int_equal(sim.mem[BIG + 0x1FFFFF], 0);

	/* Rescind: access revoked, page no longer validated. */
	e[0] = entry(SPARE, false, false, false);
	assert_int_equal(pvalidate_at(list, 1, 0, e), SVSM_SUCCESS);
	assert_false(rmp_at(SPARE)->validated);
	assert_int_equal(rmp_at(SPARE)->perms[GUEST_VMPL], 0);
	assert_int_equal(rmp_at(SPARE)->perms[1], 0);
	/* The list may also sit in an ordinary guest page, and resume from `next`. */
	e[0] = entry(SPARE, false, true, false);
	e[1] = entry(SPARE + 0x3000, false, true, false);
	guest_owns(SPARE + 0x5000);
	assert_int_equal(pvalidate_at(SPARE + 0x5000, 2, 1, e), SVSM_SUCCESS);
	assert_false(rmp_at(SPARE)->validated); /* entry 0 was skipped */
	assert_true(rmp_at(SPARE + 0x3000)->validated);
}

static void test_pvalidate_double(void **state)
{
	const uint64_t list = BOOT_CA + 8;
	uint64_t e[2] = { entry(SPARE, false, true, false), entry(SPARE, false, true, false) };

	(void)state;
	assert_int_equal(pvalidate_at(list, 1, 0, e), SVSM_SUCCESS);
	sim.mem[SPARE + 5] = 0x5A; /* guest data */
	snap();
	/* Validating again: the CF "no change" code, `next` at the entry, no zeroing. */
	assert_int_equal(pvalidate_at(list, 1, 0, e), SVSM_ERR_PVALIDATE_FAIL_NO_CHANGE);
	assert_int_equal(next_at(list), 0);
	assert_int_equal(sim.mem[SPARE + 5], 0x5A);
	assert_unchanged();
	/* The same page twice in one list: the second stops the list. */
	assert_int_equal(pvalidate_at(list, 2, 0, e), SVSM_ERR_PVALIDATE_FAIL_NO_CHANGE);
	/* With ignore_cf it is a success and the data stays. */
	e[0] = entry(SPARE, false, true, true);
	assert_int_equal(pvalidate_at(list, 1, 0, e), SVSM_SUCCESS);
	assert_int_equal(sim.mem[SPARE + 5], 0x5A);
	/* Rescinding twice: the second one reports no change. */
	e[0] = entry(SPARE, false, false, false);
	assert_int_equal(pvalidate_at(list, 1, 0, e), SVSM_SUCCESS);
	assert_int_equal(pvalidate_at(list, 1, 0, e), SVSM_ERR_PVALIDATE_FAIL_NO_CHANGE);
}

static void test_pvalidate_partial(void **state)
{
	const uint64_t list = BOOT_CA + 8;
	/* 4 KiB inside the 2 MiB RMP entry fails with size mismatch; 2 MiB over 4 KiB entries too. */
	uint64_t e[3] = { entry(SPARE, false, true, false), entry(BIG + 0x1000, false, true, false),
			  entry(SPARE + 0x1000, false, true, false) };

	(void)state;
	assert_int_equal(pvalidate_at(list, 3, 0, e), SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH);
	assert_int_equal(next_at(list), 1);
	assert_true(rmp_at(SPARE)->validated);
	assert_false(rmp_at(SPARE + 0x1000)->validated);
	e[0] = entry(4 * MB, true, true, false);
	assert_int_equal(pvalidate_at(list, 1, 0, e), SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH);
	/* A page the hypervisor made shared: FAIL_INPUT. */
	assert_int_equal(rmp_model_set_private(&rmp, SPARE + 0x7000, false, false), SVSM_OK);
	e[0] = entry(SPARE + 0x7000, false, true, false);
	snap();
	assert_int_equal(pvalidate_at(list, 1, 0, e), SVSM_ERR_PVALIDATE_FAIL_INPUT);
	assert_unchanged();
}

struct bad_list {
	const char *what;
	uint64_t gpa;  /* where the list is */
	uint16_t n, next;
	uint64_t e0;   /* first entry */
	uint64_t rc;
};

static void test_pvalidate_bad(void **state)
{
	const uint64_t ca = BOOT_CA + 8;
	const struct bad_list bad[] = {
		{ "misaligned list", BOOT_CA + 12, 1, 0, entry(SPARE, false, true, false),
		  SVSM_ERR_INVALID_PARAMETER },
		{ "no entries", ca, 0, 0, entry(SPARE, false, true, false),
		  SVSM_ERR_INVALID_PARAMETER },
		{ "next past the end", ca, 1, 1, entry(SPARE, false, true, false),
		  SVSM_ERR_INVALID_PARAMETER },
		{ "oversized list", ca, SVSM_PVALIDATE_MAX_COUNT + 1, 0,
		  entry(SPARE, false, true, false), SVSM_ERR_INVALID_PARAMETER },
		{ "list crossing its page", BOOT_CA + 0xFF0, 2, 0, entry(SPARE, false, true, false),
		  SVSM_ERR_INVALID_PARAMETER },
		{ "header truncated at the page end", BOOT_CA + 0xFFC, 1, 0, 0,
		  SVSM_ERR_INVALID_PARAMETER },
		{ "list in SVSM memory", RAM_END + 8, 1, 0, entry(SPARE, false, true, false),
		  SVSM_ERR_INVALID_ADDRESS },
		{ "list in a VMSA", BOOT_VMSA + 8, 1, 0, entry(SPARE, false, true, false),
		  SVSM_ERR_INVALID_ADDRESS },
		{ "list in unvalidated memory", SPARE + 0x9000, 1, 0, entry(SPARE, false, true, false),
		  SVSM_ERR_INVALID_ADDRESS },
		{ "reserved bits", ca, 1, 0, entry(SPARE, false, true, false) | 0x10,
		  SVSM_ERR_INVALID_PARAMETER },
		{ "page size 2", ca, 1, 0, SPARE | 2, SVSM_ERR_INVALID_PARAMETER },
		{ "page size 3", ca, 1, 0, SPARE | 3, SVSM_ERR_INVALID_PARAMETER },
		{ "misaligned 2 MiB", ca, 1, 0, entry(BIG + 0x1000, true, true, false),
		  SVSM_ERR_INVALID_PARAMETER },
		{ "SVSM memory", ca, 1, 0, entry(RAM_END, false, true, false),
		  SVSM_ERR_INVALID_ADDRESS },
		{ "2 MiB of SVSM memory", ca, 1, 0, entry(RAM_END, true, true, false),
		  SVSM_ERR_INVALID_ADDRESS },
		{ "a VMSA page", ca, 1, 0, entry(BOOT_VMSA, false, false, false),
		  SVSM_ERR_INVALID_ADDRESS },
		{ "a calling area", ca, 1, 0, entry(BOOT_CA, false, false, false),
		  SVSM_ERR_INVALID_ADDRESS },
		{ "2 MiB covering a VMSA", ca, 1, 0, entry(0, true, true, false),
		  SVSM_ERR_INVALID_ADDRESS },
		{ "beyond RAM", ca, 1, 0, entry(0x40000000, false, true, false),
		  SVSM_ERR_INVALID_ADDRESS },
		{ "the list's own page", SPARE + 0x8000, 1, 0, entry(SPARE + 0x8000, false, false, false),
		  SVSM_ERR_INVALID_ADDRESS },
	};

	(void)state;
	guest_owns(SPARE + 0x8000);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t page_before[4096];
		uint64_t page = bad[i].gpa & ~0xFFFull;

		print_message("bad list: %s\n", bad[i].what);
		if (bad[i].gpa < RAM_END) {
			struct svsm_pvalidate_hdr h = { bad[i].n, bad[i].next, 0 };

			if ((bad[i].gpa & 0xFFF) <= 0xFF8)
				memcpy(sim.mem + bad[i].gpa, &h, sizeof(h));
			if ((bad[i].gpa & 0xFFF) <= 0xFF0)
				memcpy(sim.mem + bad[i].gpa + 8, &bad[i].e0, 8);
		}
		memcpy(page_before, sim.mem + page, sizeof(page_before));
		snap();
		assert_int_equal(call(CALL(0, SVSM_CORE_PVALIDATE), bad[i].gpa, 0, 0, NULL), bad[i].rc);
		assert_unchanged();
		assert_memory_equal(page_before, sim.mem + page, sizeof(page_before)); /* next untouched */
	}
}

/* ---- CREATE_VCPU / DELETE_VCPU ---- */

static void write_vmsa(uint64_t gpa, uint8_t vmpl, uint64_t efer, uint64_t features)
{
	struct vmsa v;

	memset(&v, 0, sizeof(v));
	v.vmpl = vmpl;
	v.efer = efer;
	v.sev_features = features;
	memcpy(sim.mem + gpa, &v, sizeof(v));
}

static uint64_t create(uint64_t vmsa, uint64_t ca, uint32_t apic)
{
	return call(CALL(0, SVSM_CORE_CREATE_VCPU), vmsa, ca, apic, NULL);
}

static void test_create_delete(void **state)
{
	(void)state;
	write_vmsa(NEW_VMSA, GUEST_VMPL, VMSA_EFER_SVME | 0x500, FEATURES);
	assert_int_equal(create(NEW_VMSA, NEW_CA, 1), SVSM_SUCCESS);
	assert_true(rmp_at(NEW_VMSA)->vmsa);
	assert_int_equal(rmp_at(NEW_VMSA)->perms[GUEST_VMPL], RMP_ACCESS_READ); /* the guest may only read it now */
	assert_int_equal(rmp_at(NEW_VMSA)->perms[1], 0);
	assert_true(vm.vcpu[1].used);
	assert_int_equal(pa_addr(vm.vcpu[1].vmsa_pa), NEW_VMSA);
	assert_int_equal(gpa_addr(vm.vcpu[1].ca_gpa), NEW_CA);
	/* Now it is a VMSA and a calling area: PVALIDATE and a second CREATE refuse them. */
	uint64_t e = entry(NEW_VMSA, false, false, false);

	assert_int_equal(pvalidate_at(BOOT_CA + 8, 1, 0, &e), SVSM_ERR_INVALID_ADDRESS);
	e = entry(NEW_CA, false, false, false);
	assert_int_equal(pvalidate_at(BOOT_CA + 8, 1, 0, &e), SVSM_ERR_INVALID_ADDRESS);
	snap();
	assert_int_equal(create(NEW_VMSA, SPARE, 2), SVSM_ERR_INVALID_ADDRESS);
	assert_unchanged();

	/* Delete: the page is the guest's again. */
	assert_int_equal(call(CALL(0, SVSM_CORE_DELETE_VCPU), NEW_VMSA, 0, 0, NULL), SVSM_SUCCESS);
	assert_false(rmp_at(NEW_VMSA)->vmsa);
	assert_int_equal(rmp_at(NEW_VMSA)->perms[GUEST_VMPL], RMP_PERM_ALL >> 8);
	assert_int_equal(rmp_at(NEW_VMSA)->perms[1], RMP_PERM_ALL >> 8);
	assert_false(vm.vcpu[1].used);
	/* Deleting again, or something never created, or the running boot vCPU. */
	snap();
	assert_int_equal(call(CALL(0, SVSM_CORE_DELETE_VCPU), NEW_VMSA, 0, 0, NULL),
			 SVSM_ERR_INVALID_PARAMETER);
	assert_int_equal(call(CALL(0, SVSM_CORE_DELETE_VCPU), SPARE, 0, 0, NULL),
			 SVSM_ERR_INVALID_PARAMETER);
	/* The startup vCPU is never deleted (SVSM spec §6.4). */
	assert_int_equal(call(CALL(0, SVSM_CORE_DELETE_VCPU), BOOT_VMSA, 0, 0, NULL),
			 SVSM_ERR_INVALID_PARAMETER);
	assert_unchanged();
	/* A vCPU the hypervisor is running: FAIL_INUSE, nothing changes. */
	assert_int_equal(create(NEW_VMSA, NEW_CA, 1), SVSM_SUCCESS);
	vm.vcpu[1].running = true;
	snap();
	assert_int_equal(call(CALL(0, SVSM_CORE_DELETE_VCPU), NEW_VMSA, 0, 0, NULL),
			 SVSM_ERR_FAIL_INUSE);
	assert_unchanged();
	/*
	 * A VMSA for a less privileged VMPL (3) is refused: only the guest's
	 * VMPL runs (core_vcpu.c says why), so no vCPU gets rights it was not
	 * meant to have. The page is the guest's again.
	 */
	vm.vcpu[1].running = false;
	assert_int_equal(call(CALL(0, SVSM_CORE_DELETE_VCPU), NEW_VMSA, 0, 0, NULL), SVSM_SUCCESS);
	write_vmsa(NEW_VMSA, 3, VMSA_EFER_SVME, FEATURES);
	snap();
	assert_int_equal(create(NEW_VMSA, NEW_CA, 1), SVSM_ERR_INVALID_PARAMETER);
	assert_unchanged();
	assert_false(vm.vcpu[1].used);
	/* And should a vCPU at another VMPL exist, its calls are served with no rights at all. */
	write_vmsa(NEW_VMSA, GUEST_VMPL, VMSA_EFER_SVME, FEATURES);
	assert_int_equal(create(NEW_VMSA, NEW_CA, 1), SVSM_SUCCESS);
	vm.vcpu[1].vmpl = 3;
	struct svsm_regs r = { CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(0, 1), 0, 0, 0 };

	svsm_dispatch(&vm, 1, &r);
	assert_int_equal(r.rax, SVSM_ERR_INVALID_REQUEST);
	vm.vcpu[1].vmpl = GUEST_VMPL;
	r = (struct svsm_regs){ CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(0, 1), 0, 0, 0 };
	svsm_dispatch(&vm, 1, &r);
	assert_int_equal(r.rax, SVSM_SUCCESS);
}

/*
 * A CPU's next VMSA before its last is deleted (Linux bringing a CPU
 * online again; OVMF's DXE after its PEI): both stay VMSAs the guest
 * cannot write, the newest is the one that runs for the APIC ID, and
 * deleting either leaves the other as it was.
 */
static void test_next_vmsa_same_apic_id(void **state)
{
	const uint64_t vmsa2 = SPARE + 0x4000, ca2 = SPARE + 0x5000;

	(void)state;
	guest_owns(vmsa2);
	guest_owns(ca2);
	write_vmsa(NEW_VMSA, GUEST_VMPL, VMSA_EFER_SVME, FEATURES);
	write_vmsa(vmsa2, GUEST_VMPL, VMSA_EFER_SVME, FEATURES);
	assert_int_equal(svsm_vcpu_current(&vm, 1), -1);
	assert_int_equal(create(NEW_VMSA, NEW_CA, 1), SVSM_SUCCESS);
	int first = svsm_vcpu_current(&vm, 1);

	assert_true(first > 0 && pa_addr(vm.vcpu[first].vmsa_pa) == NEW_VMSA);
	assert_int_equal(create(vmsa2, ca2, 1), SVSM_SUCCESS);
	int second = svsm_vcpu_current(&vm, 1);

	assert_true(second > 0 && second != first && pa_addr(vm.vcpu[second].vmsa_pa) == vmsa2);
	assert_true(rmp_at(NEW_VMSA)->vmsa && rmp_at(vmsa2)->vmsa);
	assert_int_equal(rmp_at(NEW_VMSA)->perms[GUEST_VMPL], RMP_ACCESS_READ);
	assert_int_equal(rmp_at(vmsa2)->perms[GUEST_VMPL], RMP_ACCESS_READ);
	assert_int_equal(svsm_vcpu_current(&vm, 2), -1); /* other APIC IDs: none */
	assert_int_equal(svsm_vcpu_current(&vm, 0), -1); /* the boot vCPU is not an AP's */
	/* The older one deleted: the newer still runs, its page still a VMSA. */
	assert_int_equal(call(CALL(0, SVSM_CORE_DELETE_VCPU), NEW_VMSA, 0, 0, NULL), SVSM_SUCCESS);
	assert_false(rmp_at(NEW_VMSA)->vmsa);
	assert_int_equal(svsm_vcpu_current(&vm, 1), second);
	assert_true(rmp_at(vmsa2)->vmsa);
	/* A third, made after the second and in the first's slot: the third runs. */
	assert_int_equal(create(NEW_VMSA, NEW_CA, 1), SVSM_SUCCESS);
	assert_int_equal(pa_addr(vm.vcpu[svsm_vcpu_current(&vm, 1)].vmsa_pa), NEW_VMSA);
	/* The newest deleted: the one before it runs again. */
	assert_int_equal(call(CALL(0, SVSM_CORE_DELETE_VCPU), NEW_VMSA, 0, 0, NULL), SVSM_SUCCESS);
	assert_int_equal(svsm_vcpu_current(&vm, 1), second);
	assert_int_equal(call(CALL(0, SVSM_CORE_DELETE_VCPU), vmsa2, 0, 0, NULL), SVSM_SUCCESS);
	assert_int_equal(svsm_vcpu_current(&vm, 1), -1);
}

struct bad_vcpu {
	const char *what;
	uint64_t vmsa, ca;
	uint32_t apic;
	uint8_t vmpl;
	uint64_t efer, features;
	uint64_t rc;
};

static void test_create_bad(void **state)
{
	const uint64_t svme = VMSA_EFER_SVME;
	const struct bad_vcpu bad[18] = {
		{ "misaligned VMSA", NEW_VMSA + 8, NEW_CA, 1, GUEST_VMPL, svme, FEATURES,
		  SVSM_ERR_INVALID_ADDRESS },
		{ "misaligned CA", NEW_VMSA, NEW_CA + 8, 1, GUEST_VMPL, svme, FEATURES,
		  SVSM_ERR_INVALID_ADDRESS },
		{ "2 MiB-aligned VMSA", 4 * MB, NEW_CA, 1, GUEST_VMPL, svme, FEATURES,
		  SVSM_ERR_INVALID_ADDRESS },
		{ "VMSA and CA the same page", NEW_VMSA, NEW_VMSA, 1, GUEST_VMPL, svme, FEATURES,
		  SVSM_ERR_INVALID_ADDRESS },
		{ "VMSA in SVSM memory", RAM_END + 0x1000, NEW_CA, 1, GUEST_VMPL, svme, FEATURES,
		  SVSM_ERR_INVALID_ADDRESS },
		{ "CA in SVSM memory", NEW_VMSA, RAM_END + 0x1000, 1, GUEST_VMPL, svme, FEATURES,
		  SVSM_ERR_INVALID_ADDRESS },
		{ "VMSA beyond RAM", 0x40001000, NEW_CA, 1, GUEST_VMPL, svme, FEATURES,
		  SVSM_ERR_INVALID_ADDRESS },
		{ "VMSA is the boot VMSA", BOOT_VMSA, NEW_CA, 1, GUEST_VMPL, svme, FEATURES,
		  SVSM_ERR_INVALID_ADDRESS },
		{ "CA is the boot CA", NEW_VMSA, BOOT_CA, 1, GUEST_VMPL, svme, FEATURES,
		  SVSM_ERR_INVALID_ADDRESS },
		{ "VMSA is the boot CA", BOOT_CA, NEW_CA, 1, GUEST_VMPL, svme, FEATURES,
		  SVSM_ERR_INVALID_ADDRESS },
		{ "wrong VMPL", NEW_VMSA, NEW_CA, 1, 1, svme, FEATURES, SVSM_ERR_INVALID_PARAMETER },
		{ "VMPL0", NEW_VMSA, NEW_CA, 1, 0, svme, FEATURES, SVSM_ERR_INVALID_PARAMETER },
		{ "VMPL 3, below the guest's", NEW_VMSA, NEW_CA, 1, 3, svme, FEATURES, SVSM_ERR_INVALID_PARAMETER },
		{ "VMPL 4", NEW_VMSA, NEW_CA, 1, 4, svme, FEATURES, SVSM_ERR_INVALID_PARAMETER },
		{ "EFER.SVME clear", NEW_VMSA, NEW_CA, 1, GUEST_VMPL, 0x500, FEATURES,
		  SVSM_ERR_INVALID_PARAMETER },
		{ "other SEV features", NEW_VMSA, NEW_CA, 1, GUEST_VMPL, svme,
		  FEATURES | SEV_FEAT_DEBUG_SWAP, SVSM_ERR_INVALID_PARAMETER },
		{ "the startup vCPU's APIC ID", NEW_VMSA, NEW_CA, 0, GUEST_VMPL, svme, FEATURES,
		  SVSM_ERR_INVALID_PARAMETER },
		{ "VMSA not validated", SPARE + 0x2000, NEW_CA, 1, GUEST_VMPL, svme, FEATURES,
		  SVSM_ERR_INVALID_ADDRESS },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("bad vCPU: %s\n", bad[i].what);
		if (bad[i].vmsa + 4096 <= RAM_END)
			write_vmsa(bad[i].vmsa & ~0xFFFull, bad[i].vmpl, bad[i].efer, bad[i].features);
		snap();
		assert_int_equal(create(bad[i].vmsa, bad[i].ca, bad[i].apic), bad[i].rc);
		assert_unchanged();
	}
}

/* ---- REMAP_CA ---- */

static void test_remap_ca(void **state)
{
	struct svsm_regs r = { CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(0, 1), 0, 0, 0 };

	(void)state;
	snap();
	assert_int_equal(call(CALL(0, SVSM_CORE_REMAP_CA), NEW_CA + 4, 0, 0, NULL),
			 SVSM_ERR_INVALID_ADDRESS);
	assert_int_equal(call(CALL(0, SVSM_CORE_REMAP_CA), RAM_END, 0, 0, NULL),
			 SVSM_ERR_INVALID_ADDRESS);
	assert_int_equal(call(CALL(0, SVSM_CORE_REMAP_CA), BOOT_VMSA, 0, 0, NULL),
			 SVSM_ERR_INVALID_ADDRESS);
	assert_int_equal(call(CALL(0, SVSM_CORE_REMAP_CA), SPARE + 0x2000, 0, 0, NULL),
			 SVSM_ERR_INVALID_ADDRESS); /* not validated */
	assert_int_equal(call(CALL(0, SVSM_CORE_REMAP_CA), 0x40000000, 0, 0, NULL),
			 SVSM_ERR_INVALID_ADDRESS);
	assert_unchanged();
	assert_int_equal(call(CALL(0, SVSM_CORE_REMAP_CA), NEW_CA, 0, 0, NULL), SVSM_SUCCESS);
	assert_int_equal(gpa_addr(vm.vcpu[0].ca_gpa), NEW_CA);
	assert_int_equal(sim.mem[NEW_CA + 100], 0); /* zeroed */
	/* Calls now come through the new calling area; the old one is plain guest memory. */
	sim.mem[BOOT_CA] = 1;
	assert_false(svsm_handle_call(&vm, 0, &r));
	sim.mem[NEW_CA] = 1;
	assert_true(svsm_handle_call(&vm, 0, &r));
	assert_int_equal(r.rcx, CALL(1, 1));
	uint64_t e = entry(BOOT_CA, false, false, false);

	assert_int_equal(pvalidate_at(NEW_CA + 8, 1, 0, &e), SVSM_SUCCESS);
}

static void test_vm_init(void **state)
{
	struct svsm_vm v;

	(void)state;
	assert_int_equal(svsm_vm_init(&v, 0, 0, &sim.guest_ram, &sim.svsm_mem, pa_init(BOOT_VMSA), gpa_init(BOOT_CA), 0),
			 SVSM_EINVAL);
	assert_int_equal(svsm_vm_init(&v, 4, 0, &sim.guest_ram, &sim.svsm_mem, pa_init(BOOT_VMSA), gpa_init(BOOT_CA), 0),
			 SVSM_EINVAL);
	assert_int_equal(svsm_vm_init(&v, 2, 0, &sim.guest_ram, &sim.svsm_mem, pa_init(BOOT_VMSA + 1), gpa_init(BOOT_CA),
				      0),
			 SVSM_EINVAL);
	assert_int_equal(svsm_vm_init(&v, 2, 0, &sim.guest_ram, &sim.svsm_mem, pa_init(BOOT_CA), gpa_init(BOOT_CA), 0),
			 SVSM_EINVAL);
}

/* ---- DEPOSIT_MEM / WITHDRAW_MEM (SVSM spec §6.5, §6.6) ---- */

static struct svsm_lent_pool pool;

static uint64_t withdraw_at(uint64_t gpa, uint16_t *n, uint64_t *first)
{
	uint64_t rc = call(CALL(0, SVSM_CORE_WITHDRAW_MEM), gpa, 0, 0, NULL);

	memcpy(n, sim.mem + gpa, 2);
	memcpy(first, sim.mem + gpa + 8, 8);
	return rc;
}

static uint64_t deposit_at(uint64_t gpa, uint16_t n, const uint64_t *e)
{
	struct svsm_pvalidate_hdr h = { n, 0, 0 };

	memcpy(sim.mem + gpa, &h, sizeof(h));
	memcpy(sim.mem + gpa + 8, e, 8ull * n);
	return call(CALL(0, SVSM_CORE_DEPOSIT_MEM), gpa, 0, 0, NULL);
}

/* The guest validates what it is about to lend. */
static void validate(uint64_t gpa, bool big)
{
	uint64_t e = entry(gpa, big, true, false);

	assert_int_equal(pvalidate_at(BOOT_CA + 8, 1, 0, &e), SVSM_SUCCESS);
}

/* The 2 MiB at 4 MiB: 4 KiB RMP entries, all validated and the guest's. */
static void own_4m(void)
{
	for (uint64_t p = 4 * MB; p < 6 * MB; p += 4096) {
		if (p != NEW_VMSA && p != NEW_CA)
			guest_owns(p);
	}
}

static void test_deposit_withdraw(void **state)
{
	const uint64_t big4k = 4 * MB; /* a 2 MiB range of 4 KiB RMP entries */
	uint64_t e[2] = { SPARE, big4k | 1 };
	uint64_t taken = 0, first = 0;
	uint16_t n = 0;

	(void)state;
	/* No pool: the calls are refused, not faked. */
	assert_int_equal(deposit_at(BOOT_CA + 8, 2, e), SVSM_ERR_UNSUPPORTED_CALL);
	svsm_vm_set_lent_pool(&vm, &pool);
	validate(SPARE, false);
	own_4m();
	sim.mem[SPARE + 9] = 0x77;
	assert_int_equal(deposit_at(BOOT_CA + 8, 2, e), SVSM_SUCCESS);
	assert_int_equal(next_at(BOOT_CA + 8), 2);
	assert_int_equal(pool.count, 513);
	assert_int_equal(pool.free, 513);
	/* SVSM-private now: only VMPL0, contents wiped, refused by every other call. */
	assert_int_equal(rmp_at(SPARE)->perms[1] | rmp_at(SPARE)->perms[2], 0);
	assert_int_equal(rmp_at(big4k + 0x5000)->perms[2], 0);
	assert_int_equal(sim.mem[SPARE + 9], 0);
	uint64_t pv = entry(SPARE, false, false, false);

	assert_int_equal(pvalidate_at(BOOT_CA + 8, 1, 0, &pv), SVSM_ERR_INVALID_ADDRESS);
	assert_int_equal(call(CALL(0, SVSM_CORE_REMAP_CA), big4k + 0x3000, 0, 0, NULL),
			 SVSM_ERR_INVALID_ADDRESS);
	snap();
	assert_int_equal(deposit_at(BOOT_CA + 8, 1, e), SVSM_ERR_INVALID_ADDRESS); /* already lent */
	assert_unchanged();

	/* The SVSM uses one page; the guest takes back what is free, 510 at a time. */
	assert_int_equal(svsm_lent_take(&vm, &taken), SVSM_OK);
	assert_int_equal(withdraw_at(BOOT_CA + 8, &n, &first), SVSM_SUCCESS);
	assert_int_equal(n, 510);
	assert_int_equal(sim.mem[BOOT_CA + 1], 1); /* SVSM_MEM_AVAILABLE: more to take */
	assert_int_equal(rmp_at(first)->perms[GUEST_VMPL], RMP_PERM_ALL >> 8);
	assert_int_equal(rmp_at(first)->perms[1], RMP_PERM_ALL >> 8);
	assert_int_equal(withdraw_at(BOOT_CA + 8, &n, &first), SVSM_SUCCESS);
	assert_int_equal(n, 2);
	assert_int_equal(sim.mem[BOOT_CA + 1], 0);
	assert_int_equal(withdraw_at(BOOT_CA + 8, &n, &first), SVSM_SUCCESS);
	assert_int_equal(n, 0);
	assert_int_equal(pool.count, 1); /* the page in use stays */
	assert_int_equal(rmp_at(taken)->perms[GUEST_VMPL], 0);
	assert_int_equal(svsm_lent_release(&vm, taken), SVSM_OK);
	assert_int_equal(svsm_lent_release(&vm, taken), SVSM_EINVAL); /* not in use any more */
	assert_int_equal(withdraw_at(BOOT_CA + 0xFF0, &n, &first), SVSM_SUCCESS); /* room for one */
	assert_int_equal(n, 1);
	assert_int_equal(first, taken);
	assert_int_equal(pool.count, 0);
	assert_int_equal(svsm_lent_take(&vm, &taken), SVSM_ENOMEM);
}

/*
 * WITHDRAW_MEM into a list of its own page (offset 0, not a calling
 * area): 511 entries fit and are filled, every one a lent page handed
 * back; the bytes after the page untouched. (It once filled a 510-entry
 * array up to 511: a stack overflow ASan reports.)
 */
static void test_withdraw_a_full_page(void **state)
{
	const uint64_t list = SPARE + 0x4000;
	uint64_t e[2] = { SPARE, 4 * MB | 1 };
	uint64_t got[SVSM_LIST_PAGE_ENTRIES];
	uint16_t n = 0;
	uint64_t first;

	(void)state;
	svsm_vm_set_lent_pool(&vm, &pool);
	validate(SPARE, false);
	own_4m();
	guest_owns(list);
	assert_int_equal(deposit_at(BOOT_CA + 8, 2, e), SVSM_SUCCESS);
	assert_int_equal(pool.count, 513);
	memset(sim.mem + list + 4096, 0x3C, 16);
	assert_int_equal(withdraw_at(list, &n, &first), SVSM_SUCCESS);
	assert_int_equal(n, SVSM_LIST_PAGE_ENTRIES);
	assert_int_equal(pool.count, 513 - SVSM_LIST_PAGE_ENTRIES);
	memcpy(got, sim.mem + list + 8, sizeof(got));
	for (unsigned i = 0; i < SVSM_LIST_PAGE_ENTRIES; i++) {
		assert_true(got[i] == SPARE || (got[i] >= 4 * MB && got[i] < 6 * MB && (got[i] & 0xFFF) == 0));
		assert_int_equal(rmp_at(got[i])->perms[GUEST_VMPL], RMP_PERM_ALL >> 8);
		assert_false(core_lent_overlaps(&vm, got[i], 4096));
	}
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(sim.mem[list + 4096 + i], 0x3C);
	assert_int_equal(withdraw_at(list, &n, &first), SVSM_SUCCESS);
	assert_int_equal(n, 2);
	assert_int_equal(pool.count, 0);
}

/* What core_lent_overlaps answers, by a plain scan of the pool. */
static bool lent_scan(uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < pool.count; i++) {
		if (pool.page[i] < gpa + len && gpa < pool.page[i] + 4096)
			return true;
	}
	return false;
}

static void check_lent_ranges(uint64_t *seed)
{
	for (unsigned i = 1; i < pool.count; i++)
		assert_true(pool.sorted[i - 1] < pool.sorted[i]);
	for (unsigned i = 0; i < pool.count; i++) { /* the same pages as the pool */
		bool found = false;

		for (unsigned j = 0; j < pool.count; j++)
			found |= pool.sorted[j] == pool.page[i];
		assert_true(found);
	}
	for (unsigned k = 0; k < 4000; k++) {
		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t gpa = 4 * MB - 8192 + (*seed >> 20) % (2 * MB + 16384);
		uint64_t len = 1 + (*seed >> 8) % (3 * 4096);

		if (k % 4 == 0)
			gpa &= ~4095ull, len = 4096; /* whole pages, the common case */
		if (core_lent_overlaps(&vm, gpa, len) != lent_scan(gpa, len))
			fail_msg("range 0x%llx+0x%llx: %d, the scan says %d", (unsigned long long)gpa,
				 (unsigned long long)len, core_lent_overlaps(&vm, gpa, len), lent_scan(gpa, len));
	}
}

/*
 * Range checks ask the pool's sorted copy (a binary search); it must
 * answer as a scan of the pool does, for pages lent in any order, any
 * range (unaligned, spanning pages, just below and above a lent page),
 * and after pages are withdrawn.
 */
static void test_lent_ranges_match_a_scan(void **state)
{
	uint64_t e[40], seed = 12345;
	uint16_t n = 0;
	uint64_t first = 0;

	(void)state;
	svsm_vm_set_lent_pool(&vm, &pool);
	own_4m();
	for (unsigned i = 0; i < 40; i++) /* scattered, in no order: page (i * 37) % 512 */
		e[i] = 4 * MB + ((i * 37 + 5) % 512) * 4096ull;
	assert_int_equal(deposit_at(BOOT_CA + 8, 40, e), SVSM_SUCCESS);
	assert_int_equal(pool.count, 40);
	check_lent_ranges(&seed);
	/* Next to a lent page, not on it: no overlap; one byte into it: overlap. */
	assert_false(core_lent_overlaps(&vm, e[0] - 4096, 4096));
	assert_true(core_lent_overlaps(&vm, e[0] - 4096, 4097));
	assert_true(core_lent_overlaps(&vm, e[0] + 4095, 1));
	assert_int_equal(core_lent_overlaps(&vm, e[0] + 4096, 1), lent_scan(e[0] + 4096, 1));
	assert_false(core_lent_overlaps(&vm, e[0], 0));
	assert_int_equal(withdraw_at(BOOT_CA + 0xF00, &n, &first), SVSM_SUCCESS); /* room for 31 */
	assert_int_equal(n, 31);
	assert_int_equal(pool.count, 9);
	assert_false(core_lent_overlaps(&vm, first, 4096));
	check_lent_ranges(&seed);
	assert_int_equal(withdraw_at(BOOT_CA + 8, &n, &first), SVSM_SUCCESS);
	assert_int_equal(pool.count, 0);
	check_lent_ranges(&seed);
	assert_false(core_lent_overlaps(&vm, 4 * MB, 2 * MB));
}

/*
 * Found by fuzz_core: WITHDRAW_MEM with its list at a calling area's
 * offset 0 wrote the entry count over call_pending, so the guest would
 * read its call as never served. Lists (which the SVSM writes back) may
 * use the buffer, never the header: PVALIDATE, DEPOSIT_MEM and
 * WITHDRAW_MEM at a CA's offset 0 are refused, nothing written.
 */
static void test_lists_over_a_ca_header_refused(void **state)
{
	uint64_t e = entry(SPARE, false, true, false), first = 0;
	uint8_t hdr[8];
	uint16_t n = 0;

	(void)state;
	svsm_vm_set_lent_pool(&vm, &pool);
	validate(SPARE, false);
	assert_int_equal(deposit_at(BOOT_CA + 8, 1, &(uint64_t){ SPARE }), SVSM_SUCCESS); /* one to withdraw */
	snap();
	/* PVALIDATE and DEPOSIT_MEM would write the header's `next` back into the CA header. */
	struct svsm_pvalidate_hdr h = { 1, 0, 0 };

	memcpy(sim.mem + BOOT_CA, &h, sizeof(h));
	memcpy(sim.mem + BOOT_CA + 8, &e, 8);
	memcpy(hdr, sim.mem + BOOT_CA, 8);
	assert_int_equal(call(CALL(0, SVSM_CORE_PVALIDATE), BOOT_CA, 0, 0, NULL), SVSM_ERR_INVALID_ADDRESS);
	assert_int_equal(call(CALL(0, SVSM_CORE_DEPOSIT_MEM), BOOT_CA, 0, 0, NULL), SVSM_ERR_INVALID_ADDRESS);
	assert_memory_equal(sim.mem + BOOT_CA, hdr, 8);
	/* WITHDRAW_MEM would write its count where call_pending is. */
	memset(sim.mem + BOOT_CA, 0, 8);
	assert_int_equal(withdraw_at(BOOT_CA, &n, &first), SVSM_ERR_INVALID_ADDRESS);
	assert_int_equal(n, 0);
	assert_unchanged();
	assert_int_equal(pool.count, 1); /* still lent */
	/* The buffer is fine. */
	assert_int_equal(withdraw_at(BOOT_CA + 8, &n, &first), SVSM_SUCCESS);
	assert_int_equal(n, 1);
	assert_int_equal(first, SPARE);
}

static void test_deposit_bad(void **state)
{
	const uint64_t ca = BOOT_CA + 8;
	const struct {
		const char *what;
		uint64_t e0, e1;
		uint16_t n;
		uint64_t rc;
	} bad[] = {
		{ "reserved bits", SPARE | 0x10, 0, 1, SVSM_ERR_INVALID_PARAMETER },
		{ "size 2", SPARE | 2, 0, 1, SVSM_ERR_INVALID_PARAMETER },
		{ "misaligned 2 MiB", (BIG + 0x1000) | 1, 0, 1, SVSM_ERR_INVALID_PARAMETER },
		{ "SVSM memory", RAM_END, 0, 1, SVSM_ERR_INVALID_ADDRESS },
		{ "a VMSA", BOOT_VMSA, 0, 1, SVSM_ERR_INVALID_ADDRESS },
		{ "a calling area", BOOT_CA, 0, 1, SVSM_ERR_INVALID_ADDRESS },
		{ "not validated", SPARE + 0x9000, 0, 1, SVSM_ERR_INVALID_ADDRESS },
		{ "beyond RAM", 0x40000000, 0, 1, SVSM_ERR_INVALID_ADDRESS },
		{ "the same page twice", SPARE, SPARE, 2, SVSM_ERR_INVALID_ADDRESS },
		{ "a page inside a 2 MiB entry", BIG | 1, BIG + 0x4000, 2, SVSM_ERR_INVALID_ADDRESS },
		{ "a good entry, then a bad one", SPARE, RAM_END, 2, SVSM_ERR_INVALID_ADDRESS },
	};
	uint64_t whole = BIG | 1;

	(void)state;
	svsm_vm_set_lent_pool(&vm, &pool);
	validate(SPARE, false);
	validate(BIG, true);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t e[2] = { bad[i].e0, bad[i].e1 };

		print_message("bad deposit: %s\n", bad[i].what);
		snap();
		assert_int_equal(deposit_at(ca, bad[i].n, e), bad[i].rc);
		assert_unchanged();
		assert_int_equal(next_at(ca), 0); /* nothing done */
		assert_int_equal(pool.count, 0);
	}
	/*
	 * A 2 MiB RMP entry could never be withdrawn as 4 KiB pages: refused
	 * when the first RMPADJUST says size mismatch, nothing changed.
	 */
	snap();
	assert_int_equal(deposit_at(ca, 1, &whole), SVSM_ERR_INVALID_PARAMETER);
	assert_unchanged();
	assert_int_equal(pool.count, 0);
	/* The list's own page, a list crossing its page, no entries. */
	uint64_t own = SPARE;

	assert_int_equal(deposit_at(SPARE + 0x10, 1, &own), SVSM_ERR_INVALID_ADDRESS);
	assert_int_equal(deposit_at(BOOT_CA + 0xFF8, 1, &own), SVSM_ERR_INVALID_PARAMETER);
	assert_int_equal(deposit_at(ca, 0, &own), SVSM_ERR_INVALID_PARAMETER);
	/* Withdraw into no room, SVSM memory, unvalidated memory, or misaligned. */
	uint16_t n;
	uint64_t first;

	assert_int_equal(withdraw_at(BOOT_CA + 0xFF8, &n, &first), SVSM_ERR_INVALID_PARAMETER);
	assert_int_equal(call(CALL(0, SVSM_CORE_WITHDRAW_MEM), RAM_END, 0, 0, NULL),
			 SVSM_ERR_INVALID_ADDRESS);
	assert_int_equal(call(CALL(0, SVSM_CORE_WITHDRAW_MEM), BOOT_CA + 4, 0, 0, NULL),
			 SVSM_ERR_INVALID_PARAMETER);
	assert_int_equal(deposit_at(ca, 1, &own), SVSM_SUCCESS);
	snap();
	assert_int_equal(call(CALL(0, SVSM_CORE_WITHDRAW_MEM), SPARE + 0x9000, 0, 0, NULL),
			 SVSM_ERR_INVALID_ADDRESS);
	assert_unchanged();
	assert_int_equal(pool.free, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_query_protocol, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configure_vtom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pvalidate_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pvalidate_double, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pvalidate_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pvalidate_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_vmsa_same_apic_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remap_ca, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deposit_withdraw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_withdraw_a_full_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deposit_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lent_ranges_match_a_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lists_over_a_ca_header_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
