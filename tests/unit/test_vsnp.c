/* SPDX-License-Identifier: MIT */
/*
 * The portable parts of the vsnp backend: the nested page table derived
 * from the RMP model (npt.c), the hypervisor's GHCB MSR protocol
 * (hv_serve.c) and the guest's CPUID page (cpuid_build.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/ghcb.h"
#include "abi/snp.h"
#include "abi/vmcb.h"
#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"
#include "svsm/snp_cpuid.h"
#include "vsnp/vsnp.h"
#include "vsnp/vsnp_chip.h"
#include "vsnp/vsnp_cpuid.h"
#include "vsnp/vsnp_kvm.h"
#include "table_pool.h"

#define PAGE 4096ull
#define RAM_PAGES 1024 /* 4 MiB modelled: [0, 4 MiB) */
#define CBIT (1ull << 39)
#define SVSM_PAGE_PA 0x1000ull  /* a page the SVSM owns */
#define GUEST_PA 0x200000ull    /* guest RAM: [2 MiB, 4 MiB) */

static uint8_t pool_pages[64][4096] __attribute__((aligned(4096)));
static struct table_pool pool = { pool_pages, 64, 0 };

static struct rmp_entry entries[RAM_PAGES];
static struct rmp_model rmp;
static struct memmap guest_ram;
static struct vsnp_npt npt;

static int setup(void **state)
{
	(void)state;
	pool.used = 0;
	assert_int_equal(rmp_model_init(&rmp, entries, 0, RAM_PAGES), SVSM_OK);
	memmap_init(&guest_ram);
	assert_int_equal(memmap_add(&guest_ram, GUEST_PA, RAM_PAGES * PAGE), SVSM_OK);
	/* The SVSM's page: private, validated, VMPL0 only. Guest RAM: private, not validated. */
	assert_int_equal(rmp_model_set_private(&rmp, SVSM_PAGE_PA, false, true), SVSM_OK);
	assert_int_equal(rmp_model_pvalidate(&rmp, 0, SVSM_PAGE_PA, RMP_PG_SIZE_4K, true).code, 0);
	for (uint64_t pa = GUEST_PA; pa < RAM_PAGES * PAGE; pa += PAGE)
		assert_int_equal(rmp_model_set_private(&rmp, pa, false, true), SVSM_OK);
	assert_int_equal(vsnp_npt_init(&npt, &table_pool_ops, &pool, &rmp, &guest_ram, CBIT, 2), SVSM_OK);
	return 0;
}

static void validate_and_grant(uint64_t pa, uint64_t perms)
{
	assert_int_equal(rmp_model_pvalidate(&rmp, 0, pa, RMP_PG_SIZE_4K, true).code, 0);
	assert_int_equal(rmp_model_rmpadjust(&rmp, 0, pa, RMP_PG_SIZE_4K, 2 | perms).code, 0);
}

static bool mapped(uint64_t gpa, unsigned *flags)
{
	return pgt_lookup(&npt.pt, gpa, NULL, flags) == SVSM_OK;
}

static void npt_init_refuses_bad_shapes(void **state)
{
	struct vsnp_npt n;
	(void)state;

	assert_int_equal(vsnp_npt_init(&n, &table_pool_ops, &pool, &rmp, &guest_ram, 0, 2), SVSM_EINVAL);
	assert_int_equal(vsnp_npt_init(&n, &table_pool_ops, &pool, &rmp, &guest_ram, CBIT | 1, 2), SVSM_EINVAL);
	/* A C-bit inside the modelled RAM would alias private and shared pages. */
	assert_int_equal(vsnp_npt_init(&n, &table_pool_ops, &pool, &rmp, &guest_ram, 1ull << 21, 2), SVSM_EINVAL);
	assert_int_equal(vsnp_npt_init(&n, &table_pool_ops, &pool, &rmp, &guest_ram, 1ull << 51, 2), SVSM_EINVAL);
	assert_int_equal(vsnp_npt_init(&n, &table_pool_ops, &pool, &rmp, &guest_ram, CBIT, 4), SVSM_EINVAL);
	/* VMPL0 has a view of its own on the emulated machine (vsnp.img runs the SVSM there). */
	assert_int_equal(vsnp_npt_init(&n, &table_pool_ops, &pool, &rmp, &guest_ram, CBIT, 0), SVSM_OK);
	assert_null(n.backing);
	assert_false(n.paging_off);
	assert_null(n.next);
}

static void private_view_follows_the_rmp(void **state)
{
	const char *why;
	unsigned flags;
	uint64_t page = GUEST_PA + 5 * PAGE;
	(void)state;

	/* Not validated: #VC 0x404, nothing mapped. */
	assert_int_equal(vsnp_npt_fault(&npt, (page | CBIT) + 0x123, VMCB_NPF_USER, 0, &why),
			 VSNP_NPF_INJECT_VC_404);
	assert_false(mapped(page | CBIT, NULL));

	/* Validated but not granted to VMPL2: violation. */
	assert_int_equal(rmp_model_pvalidate(&rmp, 0, page, RMP_PG_SIZE_4K, true).code, 0);
	assert_int_equal(vsnp_npt_fault(&npt, page | CBIT, 0, 0, &why), VSNP_NPF_VIOLATION);
	assert_non_null(strstr(why, "permission"));
	assert_false(mapped(page | CBIT, NULL));

	/* Read only: a read maps it read-only and non-executable, a write is a violation. */
	assert_int_equal(rmp_model_rmpadjust(&rmp, 0, page, RMP_PG_SIZE_4K, 2 | RMP_PERM_READ).code, 0);
	assert_int_equal(vsnp_npt_fault(&npt, page | CBIT, 0, 0, &why), VSNP_NPF_MAPPED);
	assert_true(mapped(page | CBIT, &flags));
	assert_int_equal(flags & (PGT_WRITE | PGT_EXEC | PGT_USER), PGT_USER);
	assert_int_equal(vsnp_npt_fault(&npt, page | CBIT, VMCB_NPF_WRITE | VMCB_NPF_PRESENT, 0, &why),
			 VSNP_NPF_VIOLATION);
	assert_int_equal(vsnp_npt_fault(&npt, page | CBIT, VMCB_NPF_FETCH, 0, &why), VSNP_NPF_VIOLATION);

	/* Everything granted: the write widens the entry to W and X. */
	assert_int_equal(vsnp_npt_drop(&npt, page, PAGE), SVSM_OK);
	assert_int_equal(rmp_model_rmpadjust(&rmp, 0, page, RMP_PG_SIZE_4K, 2 | RMP_PERM_ALL).code, 0);
	assert_int_equal(vsnp_npt_fault(&npt, page | CBIT, VMCB_NPF_WRITE, 0, &why), VSNP_NPF_MAPPED);
	assert_true(mapped(page | CBIT, &flags));
	assert_int_equal(flags & (PGT_WRITE | PGT_EXEC), PGT_WRITE | PGT_EXEC);
	assert_int_equal(npt.faults, 2);

	/* An RMP change drops the mapping: the next access is judged again. */
	assert_int_equal(vsnp_npt_drop(&npt, page, PAGE), SVSM_OK);
	assert_false(mapped(page | CBIT, NULL));
	assert_int_equal(rmp_model_pvalidate(&rmp, 0, page, RMP_PG_SIZE_4K, false).code, 0);
	assert_int_equal(vsnp_npt_fault(&npt, page | CBIT, 0, 0, &why), VSNP_NPF_INJECT_VC_404);
}

static void user_and_supervisor_execute(void **state)
{
	const char *why;
	unsigned flags;
	uint64_t page = GUEST_PA + 9 * PAGE;
	(void)state;

	/* Below VMPL0 a VMSA page is never written or executed, whatever rights the RMP entry carries... */
	assert_int_equal(rmp_model_pvalidate(&rmp, 0, page + PAGE, RMP_PG_SIZE_4K, true).code, 0);
	assert_int_equal(rmp_model_rmpadjust(&rmp, 0, page + PAGE, RMP_PG_SIZE_4K,
					     2 | RMP_PERM_ALL | RMPADJUST_VMSA).code, 0);
	assert_int_equal(vsnp_npt_fault(&npt, (page + PAGE) | CBIT, VMCB_NPF_WRITE, 0, &why), VSNP_NPF_VIOLATION);
	assert_non_null(strstr(why, "VMSA"));
	assert_int_equal(vsnp_npt_fault(&npt, (page + PAGE) | CBIT, VMCB_NPF_FETCH, 0, &why), VSNP_NPF_VIOLATION);
	assert_non_null(strstr(why, "VMSA"));
	assert_false(mapped((page + PAGE) | CBIT, NULL));
	/* ... but read where the RMP lets it (an SVSM lets the guest read the VMSAs it made): read-only. */
	assert_int_equal(vsnp_npt_fault(&npt, (page + PAGE) | CBIT, 0, 0, &why), VSNP_NPF_MAPPED);
	assert_true(mapped((page + PAGE) | CBIT, &flags));
	assert_int_equal(flags & (PGT_WRITE | PGT_EXEC), 0);
	assert_int_equal(vsnp_npt_drop(&npt, page + PAGE, PAGE), SVSM_OK);

	/* Write and execute without read: a nested entry would grant read too, so nothing is mapped. */
	validate_and_grant(page, RMP_PERM_WRITE | RMP_PERM_X_SUPER);
	assert_int_equal(vsnp_npt_fault(&npt, page | CBIT, VMCB_NPF_WRITE, 0, &why), VSNP_NPF_VIOLATION);
	assert_non_null(strstr(why, "not read"));
	assert_int_equal(vsnp_npt_fault(&npt, page | CBIT, VMCB_NPF_FETCH, 0, &why), VSNP_NPF_VIOLATION);
	assert_false(mapped(page | CBIT, NULL));

	assert_int_equal(rmp_model_rmpadjust(&rmp, 0, page, RMP_PG_SIZE_4K, 2 | RMP_PERM_READ | RMP_PERM_X_SUPER).code, 0);
	assert_int_equal(vsnp_npt_fault(&npt, page | CBIT, VMCB_NPF_FETCH, 3, &why), VSNP_NPF_VIOLATION);
	assert_int_equal(vsnp_npt_fault(&npt, page | CBIT, VMCB_NPF_FETCH, 0, &why), VSNP_NPF_MAPPED);
	assert_true(mapped(page | CBIT, &flags));
	assert_true(flags & PGT_EXEC);
}

static void svsm_memory_and_other_views(void **state)
{
	const char *why;
	uint64_t shared = GUEST_PA + 7 * PAGE;
	(void)state;

	/* The SVSM's own page: no view gives it to the guest. */
	assert_int_equal(vsnp_npt_fault(&npt, SVSM_PAGE_PA | CBIT, 0, 0, &why), VSNP_NPF_VIOLATION);
	assert_int_equal(vsnp_npt_fault(&npt, SVSM_PAGE_PA, 0, 0, &why), VSNP_NPF_NOT_RAM);
	/* Shared view: only pages in shared state, never executable. */
	assert_int_equal(vsnp_npt_fault(&npt, shared, VMCB_NPF_WRITE, 0, &why), VSNP_NPF_VIOLATION);
	assert_non_null(strstr(why, "shared access to a private page"));
	assert_int_equal(rmp_model_set_private(&rmp, shared, false, false), SVSM_OK);
	assert_int_equal(vsnp_npt_fault(&npt, shared, VMCB_NPF_FETCH, 0, &why), VSNP_NPF_VIOLATION);
	assert_int_equal(vsnp_npt_fault(&npt, shared, VMCB_NPF_WRITE, 0, &why), VSNP_NPF_MAPPED);
	unsigned flags;

	assert_true(mapped(shared, &flags));
	assert_int_equal(flags & (PGT_WRITE | PGT_EXEC), PGT_WRITE);
	/* The private view of a shared page is a violation (not assigned). */
	assert_int_equal(vsnp_npt_fault(&npt, shared | CBIT, 0, 0, &why), VSNP_NPF_VIOLATION);
	/*
	 * Outside the RMP: a shared data access is MMIO (#VC 0x400), and
	 * nothing is mapped; a private access, a fetch or a table walk there,
	 * or anything above the C-bit, is no RAM.
	 */
	assert_int_equal(vsnp_npt_fault(&npt, 0x40000000ull, 0, 0, &why), VSNP_NPF_MMIO);
	assert_int_equal(vsnp_npt_fault(&npt, 0x40000000ull, VMCB_NPF_WRITE, 3, &why), VSNP_NPF_MMIO);
	assert_false(mapped(0x40000000ull, &flags));
	assert_int_equal(vsnp_npt_fault(&npt, 0x40000000ull | CBIT, 0, 0, &why), VSNP_NPF_NOT_RAM);
	assert_int_equal(vsnp_npt_fault(&npt, 0x40000000ull, VMCB_NPF_FETCH, 0, &why), VSNP_NPF_NOT_RAM);
	assert_int_equal(vsnp_npt_fault(&npt, 0x40000000ull, VMCB_NPF_TABLE, 0, &why), VSNP_NPF_NOT_RAM);
	assert_int_equal(vsnp_npt_fault(&npt, 2 * CBIT, 0, 0, &why), VSNP_NPF_NOT_RAM);
	/* The SVSM's page stays no MMIO whatever the access: the RMP has it. */
	assert_int_equal(vsnp_npt_fault(&npt, SVSM_PAGE_PA, VMCB_NPF_WRITE, 0, &why), VSNP_NPF_NOT_RAM);
	/* drop: aligned, non-empty, below the C-bit. */
	assert_int_equal(vsnp_npt_drop(&npt, shared + 1, PAGE), SVSM_EINVAL);
	assert_int_equal(vsnp_npt_drop(&npt, shared, 0), SVSM_EINVAL);
	assert_int_equal(vsnp_npt_drop(&npt, CBIT, PAGE), SVSM_EINVAL);
	assert_int_equal(vsnp_npt_drop(&npt, shared, PAGE), SVSM_OK);
	assert_false(mapped(shared, NULL));
}

/*
 * 2 MiB nested pages: only over a 2 MiB RMP entry (the hardware faults a
 * nested page larger than its RMP entry), and a drop inside one splits it.
 */
static void large_nested_pages_follow_rmp_size(void **state)
{
	const char *why;
	unsigned flags;
	(void)state;

	/* One 2 MiB RMP entry, validated and granted as a whole: one fault maps all of it. */
	assert_int_equal(rmp_model_set_private(&rmp, GUEST_PA, true, true), SVSM_OK);
	assert_int_equal(vsnp_npt_fault(&npt, (GUEST_PA + 9 * PAGE) | CBIT, 0, 0, &why),
			 VSNP_NPF_INJECT_VC_404);
	assert_int_equal(rmp_model_pvalidate(&rmp, 0, GUEST_PA, RMP_PG_SIZE_2M, true).code, 0);
	assert_int_equal(rmp_model_rmpadjust(&rmp, 0, GUEST_PA, RMP_PG_SIZE_2M,
					     2 | RMP_PERM_READ | RMP_PERM_WRITE).code, 0);
	assert_int_equal(vsnp_npt_fault(&npt, (GUEST_PA + 9 * PAGE) | CBIT, 0, 0, &why), VSNP_NPF_MAPPED);
	assert_int_equal(npt.large_maps, 1);
	assert_true(mapped((GUEST_PA + 511 * PAGE) | CBIT, &flags));
	assert_int_equal(flags & (PGT_LARGE | PGT_WRITE | PGT_EXEC), PGT_LARGE | PGT_WRITE);
	/* Its rights are the RMP's: no execute anywhere in it. */
	assert_int_equal(vsnp_npt_fault(&npt, (GUEST_PA + 100 * PAGE) | CBIT,
					VMCB_NPF_FETCH | VMCB_NPF_PRESENT, 0, &why),
			 VSNP_NPF_VIOLATION);

	/* Dropping one 4 KiB page splits the 2 MiB page; its neighbours stay mapped. */
	assert_int_equal(vsnp_npt_drop(&npt, GUEST_PA + 9 * PAGE, PAGE), SVSM_OK);
	assert_false(mapped((GUEST_PA + 9 * PAGE) | CBIT, NULL));
	assert_true(mapped((GUEST_PA + 8 * PAGE) | CBIT, &flags));
	assert_int_equal(flags & (PGT_LARGE | PGT_WRITE), PGT_WRITE);
	assert_true(mapped((GUEST_PA + 10 * PAGE) | CBIT, NULL));
	/* Refaulting the hole maps 4 KiB there (the rest of the 2 MiB is mapped already). */
	assert_int_equal(vsnp_npt_fault(&npt, (GUEST_PA + 9 * PAGE) | CBIT, VMCB_NPF_WRITE, 0, &why),
			 VSNP_NPF_MAPPED);
	assert_int_equal(npt.large_maps, 1);
	assert_true(mapped((GUEST_PA + 9 * PAGE) | CBIT, &flags));
	assert_false(flags & PGT_LARGE);

	/* Unvalidated as a whole: every page of it faults again as #VC 0x404. */
	assert_int_equal(rmp_model_pvalidate(&rmp, 0, GUEST_PA, RMP_PG_SIZE_2M, false).code, 0);
	assert_int_equal(vsnp_npt_drop(&npt, GUEST_PA, 512 * PAGE), SVSM_OK);
	assert_false(mapped((GUEST_PA + 8 * PAGE) | CBIT, NULL));
	assert_int_equal(vsnp_npt_fault(&npt, (GUEST_PA + 8 * PAGE) | CBIT, 0, 0, &why),
			 VSNP_NPF_INJECT_VC_404);

	/*
	 * PSMASHed into 4 KiB RMP entries, all validated and granted: 4 KiB
	 * nested pages only, the fault's 64-page window around it at once.
	 */
	assert_int_equal(rmp_model_pvalidate(&rmp, 0, GUEST_PA, RMP_PG_SIZE_2M, true).code, 0);
	assert_int_equal(rmp_model_psmash(&rmp, GUEST_PA), SVSM_OK);
	assert_int_equal(vsnp_npt_drop(&npt, GUEST_PA, 512 * PAGE), SVSM_OK);
	assert_int_equal(vsnp_npt_fault(&npt, (GUEST_PA + 3 * PAGE) | CBIT, 0, 0, &why), VSNP_NPF_MAPPED);
	assert_true(mapped((GUEST_PA + 3 * PAGE) | CBIT, &flags));
	assert_int_equal(flags & (PGT_LARGE | PGT_WRITE), PGT_WRITE);
	assert_true(mapped((GUEST_PA + 63 * PAGE) | CBIT, &flags));
	assert_int_equal(flags & (PGT_LARGE | PGT_WRITE), PGT_WRITE);
	assert_false(mapped((GUEST_PA + 64 * PAGE) | CBIT, NULL));
	assert_int_equal(npt.large_maps, 1);
	assert_int_equal(npt.mapped_around, 63);
}

/*
 * Fault-around: a 4 KiB fault maps the other pages of its 64-page window
 * that a fault would map for a read, each with its own rights, and none
 * the RMP would refuse: not validated, not granted, a VMSA, no read.
 */
static void fault_around_maps_only_what_the_rmp_allows(void **state)
{
	const char *why;
	unsigned flags;
	uint64_t w = GUEST_PA + 64 * PAGE; /* a window: pages w .. w + 63 */
	(void)state;

	validate_and_grant(w, RMP_PERM_READ | RMP_PERM_WRITE);               /* the faulting page */
	validate_and_grant(w + 1 * PAGE, RMP_PERM_READ);                     /* read only */
	/* w + 2: not validated */
	validate_and_grant(w + 3 * PAGE, RMP_PERM_READ | RMPADJUST_VMSA);     /* a VMSA the guest may read */
	assert_int_equal(rmp_model_pvalidate(&rmp, 0, w + 4 * PAGE, RMP_PG_SIZE_4K, true).code, 0); /* not granted */
	validate_and_grant(w + 5 * PAGE, RMP_PERM_WRITE | RMP_PERM_X_SUPER); /* no read */
	validate_and_grant(w + 6 * PAGE, RMP_PERM_ALL);
	validate_and_grant(w + 6 * PAGE + 0x40000, RMP_PERM_ALL);            /* the next window */
	validate_and_grant(w + 7 * PAGE, RMP_PERM_ALL);                      /* then no longer validated */
	assert_int_equal(rmp_model_pvalidate(&rmp, 0, w + 7 * PAGE, RMP_PG_SIZE_4K, false).code, 0);

	/* A fetch without the C-bit is private too, but the window's data accesses there would be shared: none around. */
	assert_int_equal(vsnp_npt_fault(&npt, w, VMCB_NPF_FETCH, 0, &why), VSNP_NPF_VIOLATION); /* no execute */
	assert_int_equal(vsnp_npt_fault(&npt, w, VMCB_NPF_TABLE, 0, &why), VSNP_NPF_MAPPED);
	assert_false(mapped(w + 1 * PAGE, NULL));
	assert_false(mapped((w + 1 * PAGE) | CBIT, NULL));
	assert_int_equal(npt.mapped_around, 0);

	assert_int_equal(vsnp_npt_fault(&npt, (w + 0x123) | CBIT, VMCB_NPF_WRITE, 0, &why), VSNP_NPF_MAPPED);
	assert_true(mapped((w + 1 * PAGE) | CBIT, &flags));
	assert_int_equal(flags & (PGT_WRITE | PGT_EXEC | PGT_LARGE), 0);
	assert_false(mapped((w + 2 * PAGE) | CBIT, NULL));
	assert_false(mapped((w + 3 * PAGE) | CBIT, NULL));
	assert_false(mapped((w + 4 * PAGE) | CBIT, NULL));
	assert_false(mapped((w + 5 * PAGE) | CBIT, NULL));
	assert_true(mapped((w + 6 * PAGE) | CBIT, &flags));
	assert_int_equal(flags & (PGT_WRITE | PGT_EXEC), PGT_WRITE | PGT_EXEC);
	assert_false(mapped((w + 6 * PAGE + 0x40000) | CBIT, NULL));
	assert_false(mapped((w + 7 * PAGE) | CBIT, NULL));
	assert_int_equal(npt.mapped_around, 2);
	assert_int_equal(npt.faults, 2);

	/* Each page left out is judged by its own fault, as before. */
	assert_int_equal(vsnp_npt_fault(&npt, (w + 2 * PAGE) | CBIT, 0, 0, &why), VSNP_NPF_INJECT_VC_404);
	assert_int_equal(vsnp_npt_fault(&npt, (w + 3 * PAGE) | CBIT, VMCB_NPF_WRITE, 0, &why), VSNP_NPF_VIOLATION);
	assert_int_equal(vsnp_npt_fault(&npt, (w + 4 * PAGE) | CBIT, 0, 0, &why), VSNP_NPF_VIOLATION);
	assert_int_equal(vsnp_npt_fault(&npt, (w + 5 * PAGE) | CBIT, VMCB_NPF_WRITE, 0, &why), VSNP_NPF_VIOLATION);
	assert_int_equal(vsnp_npt_fault(&npt, (w + 7 * PAGE) | CBIT, 0, 0, &why), VSNP_NPF_INJECT_VC_404);
	/* A page mapped around goes with the RMP change like any other. */
	assert_int_equal(vsnp_npt_drop(&npt, w + 6 * PAGE, PAGE), SVSM_OK);
	assert_false(mapped((w + 6 * PAGE) | CBIT, NULL));

	/*
	 * The attack: a guest page beside the SVSM's own (VMPL0 only, as a
	 * lent page is). Its fault maps the guest page; the SVSM page in the
	 * same window stays unmapped, and faults as a violation.
	 */
	assert_int_equal(rmp_model_set_private(&rmp, SVSM_PAGE_PA + PAGE, false, true), SVSM_OK);
	validate_and_grant(SVSM_PAGE_PA + PAGE, RMP_PERM_ALL);
	assert_int_equal(vsnp_npt_fault(&npt, (SVSM_PAGE_PA + PAGE) | CBIT, VMCB_NPF_WRITE, 0, &why), VSNP_NPF_MAPPED);
	assert_false(mapped(SVSM_PAGE_PA | CBIT, NULL));
	assert_false(mapped(SVSM_PAGE_PA, NULL));
	assert_int_equal(vsnp_npt_fault(&npt, SVSM_PAGE_PA | CBIT, 0, 0, &why), VSNP_NPF_VIOLATION);
}

/* A backing that puts guest page gpa at machine address gpa + MACHINE_OFFSET. */
#define MACHINE_OFFSET 0x40000000ull
static unsigned large_calls;

static int offset_backing(void *ctx, uint64_t gpa, uint64_t *hpa)
{
	(void)ctx;
	*hpa = gpa + MACHINE_OFFSET;
	return SVSM_OK;
}

static int offset_backing_large(void *ctx, uint64_t gpa, uint64_t *hpa)
{
	large_calls++;
	*hpa = gpa + MACHINE_OFFSET + (ctx != NULL ? PAGE : 0); /* ctx set: a block that is not 2 MiB aligned */
	return SVSM_OK;
}

static int no_block(void *ctx, uint64_t gpa, uint64_t *hpa)
{
	(void)ctx, (void)gpa, (void)hpa;
	large_calls++;
	return SVSM_ENOENT;
}

/* With a backing, a 2 MiB nested page needs one aligned machine block behind the 2 MiB, at its address. */
static void large_pages_need_one_machine_block(void **state)
{
	static const struct {
		int (*large)(void *ctx, uint64_t gpa, uint64_t *hpa);
		void *ctx;
		bool one_page;
	} cases[] = {
		{ offset_backing_large, NULL, true }, { NULL, NULL, false }, { no_block, NULL, false },
		{ offset_backing_large, &large_calls, false },
	};
	(void)state;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why;
		uint64_t pa;
		unsigned flags;

		assert_int_equal(setup(NULL), 0);
		npt.backing = offset_backing;
		npt.backing_large = cases[i].large;
		npt.backing_ctx = cases[i].ctx;
		large_calls = 0;
		assert_int_equal(rmp_model_set_private(&rmp, GUEST_PA, true, true), SVSM_OK);
		assert_int_equal(rmp_model_pvalidate(&rmp, 0, GUEST_PA, RMP_PG_SIZE_2M, true).code, 0);
		assert_int_equal(rmp_model_rmpadjust(&rmp, 0, GUEST_PA, RMP_PG_SIZE_2M, 2 | RMP_PERM_ALL).code, 0);
		assert_int_equal(vsnp_npt_fault(&npt, (GUEST_PA + 9 * PAGE) | CBIT, 0, 0, &why), VSNP_NPF_MAPPED);
		assert_int_equal(pgt_lookup(&npt.pt, (GUEST_PA + 9 * PAGE) | CBIT, &pa, &flags), SVSM_OK);
		assert_int_equal(pa, GUEST_PA + 9 * PAGE + MACHINE_OFFSET);
		assert_int_equal(npt.large_maps, cases[i].one_page ? 1 : 0);
		assert_int_equal(!!(flags & PGT_LARGE), cases[i].one_page);
		assert_int_equal(large_calls, cases[i].large != NULL ? 1 : 0);
		/* Either way every page of it reads its own machine page. */
		assert_int_equal(pgt_lookup(&npt.pt, (GUEST_PA + 10 * PAGE) | CBIT, &pa, NULL), SVSM_OK);
		assert_int_equal(pa, GUEST_PA + 10 * PAGE + MACHINE_OFFSET);
	}
}

static unsigned quiesces, quiesces_with_tables;

static void count_quiesce(void *ctx, bool tables)
{
	(void)ctx;
	quiesces++;
	quiesces_with_tables += tables;
}

/*
 * Every drop tells the machine (a VMSA may have gone), but only a drop
 * that meets a mapping, in either alias, makes the other CPUs leave their
 * guests; and nothing mapped outside the range goes.
 */
static void drop_quiesces_cpus_only_for_mapped_pages(void **state)
{
	const char *why;
	uint64_t page = GUEST_PA + 200 * PAGE, shared = GUEST_PA + 300 * PAGE;
	(void)state;

	npt.quiesce = count_quiesce;
	quiesces = quiesces_with_tables = 0;
	validate_and_grant(page, RMP_PERM_READ);
	assert_int_equal(vsnp_npt_drop(&npt, page, PAGE), SVSM_OK);
	assert_int_equal(quiesces, 1);
	assert_int_equal(quiesces_with_tables, 0);

	assert_int_equal(vsnp_npt_fault(&npt, page | CBIT, 0, 0, &why), VSNP_NPF_MAPPED);
	assert_int_equal(vsnp_npt_drop(&npt, page + PAGE, PAGE), SVSM_OK); /* its neighbour: not mapped */
	assert_int_equal(quiesces_with_tables, 0);
	assert_int_equal(vsnp_npt_drop(&npt, GUEST_PA, 512 * PAGE), SVSM_OK);
	assert_int_equal(quiesces, 3);
	assert_int_equal(quiesces_with_tables, 1);
	assert_false(mapped(page | CBIT, NULL));

	assert_int_equal(rmp_model_set_private(&rmp, shared, false, false), SVSM_OK);
	assert_int_equal(vsnp_npt_fault(&npt, shared, VMCB_NPF_WRITE, 0, &why), VSNP_NPF_MAPPED);
	assert_int_equal(vsnp_npt_drop(&npt, shared, PAGE), SVSM_OK);
	assert_int_equal(quiesces_with_tables, 2);
	assert_false(mapped(shared, NULL));
}

/* ---- hv_serve ---- */

static int fake_cpuid(void *ctx, uint32_t apic_id, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	(void)ctx, (void)apic_id;
	out[0] = leaf, out[1] = leaf + 1, out[2] = leaf + 2 + subleaf, out[3] = leaf + 3;
	return SVSM_OK;
}

static struct vsnp_hv hv_of(void)
{
	return (struct vsnp_hv){ .rmp = &rmp, .npt = &npt, .guest_ram = &guest_ram, .cbit_pos = 39,
				 .features = 0x23, .cpuid = fake_cpuid };
}

static void msr_protocol_answers(void **state)
{
	struct vsnp_hv hv = hv_of();
	struct vsnp_hv_vcpu v = { 0 };
	(void)state;

	v.ghcb_msr = GHCB_MSR_SEV_INFO_REQ;
	assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_RESUME);
	assert_int_equal(v.ghcb_msr, 0x0002000227000001ull); /* max 2, min 2, C-bit 39, 0x001 */

	v.ghcb_msr = GHCB_MSR_CPUID_REQ | (2ull << 30) | (0x8000001Full << 32);
	assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_RESUME);
	assert_int_equal(v.ghcb_msr, GHCB_MSR_CPUID_RESP | (2ull << 30) | ((0x8000001Full + 2) << 32));

	v.ghcb_msr = GHCB_MSR_HV_FEATURES_REQ;
	assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_RESUME);
	assert_int_equal(v.ghcb_msr, GHCB_MSR_HV_FEATURES_RESP | (0x23ull << 12));

	v.ghcb_msr = GHCB_MSR_PREF_GPA_REQ;
	assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_RESUME);
	assert_int_equal(v.ghcb_msr, GHCB_MSR_PREF_GPA_RESP | (0xFFFFFFFFFFFFFull << 12));

	/* GHCB registration: guest RAM only; a refusal answers GFN all-ones and keeps the old one. */
	v.ghcb_msr = GHCB_MSR_REG_GPA_REQ | GUEST_PA;
	assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_RESUME);
	assert_int_equal(v.ghcb_msr, GHCB_MSR_REG_GPA_RESP | GUEST_PA);
	assert_int_equal(v.ghcb_gpa, GUEST_PA);
	v.ghcb_msr = GHCB_MSR_REG_GPA_REQ | SVSM_PAGE_PA;
	assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_RESUME);
	assert_int_equal(v.ghcb_msr, GHCB_MSR_REG_GPA_RESP | (0xFFFFFFFFFFFFFull << 12));
	assert_int_equal(v.ghcb_gpa, GUEST_PA);

	v.ghcb_msr = GHCB_MSR_TERM_REQ | (0xEull << 12) | (0x42ull << 16);
	assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_TERMINATE);
	assert_int_equal(v.term_set, 0xE);
	assert_int_equal(v.term_code, 0x42);

	v.ghcb_msr = GUEST_PA; /* GHCBInfo 0: a GHCB page request */
	assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_BAD);
	assert_non_null(strstr(v.why, "GHCB page"));
	v.ghcb_msr = 0xFFF;
	assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_BAD);
}

static void run_vmpl_only_to_vmpl0(void **state)
{
	struct vsnp_hv hv = hv_of();
	struct vsnp_hv_vcpu v = { 0 };
	(void)state;

	v.ghcb_msr = GHCB_MSR_RUN_VMPL_REQ;
	assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_SVSM_CALL);
	assert_int_equal(v.ghcb_msr, GHCB_MSR_RUN_VMPL_RESP);
	const uint64_t bad[] = {
		GHCB_MSR_RUN_VMPL_REQ | (1ull << 32),     /* VMPL1 */
		GHCB_MSR_RUN_VMPL_REQ | (1ull << 45),     /* bits above the VMPL field */
		GHCB_MSR_RUN_VMPL_REQ | (1ull << 20),     /* bits below it */
	};
	for (unsigned i = 0; i < 3; i++) {
		v.ghcb_msr = bad[i];
		assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_RESUME);
		assert_int_equal(v.ghcb_msr, GHCB_MSR_RUN_VMPL_RESP | (1ull << 32));
	}
}

static void page_state_changes(void **state)
{
	struct vsnp_hv hv = hv_of();
	struct vsnp_hv_vcpu v = { 0 };
	const char *why;
	uint64_t page = GUEST_PA + 3 * PAGE;
	(void)state;

	validate_and_grant(page, RMP_PERM_ALL);
	assert_int_equal(vsnp_npt_fault(&npt, page | CBIT, 0, 0, &why), VSNP_NPF_MAPPED);
	/* Private -> shared: the RMP entry is unassigned and the private mapping gone. */
	v.ghcb_msr = GHCB_MSR_PSC_REQ | page | ((uint64_t)GHCB_PSC_OP_SHARED << 52);
	assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_RESUME);
	assert_int_equal(v.ghcb_msr, GHCB_MSR_PSC_RESP);
	assert_false(rmp_model_entry(&rmp, page)->assigned);
	assert_false(mapped(page | CBIT, NULL));
	/* And back: private, not validated. */
	v.ghcb_msr = GHCB_MSR_PSC_REQ | page | ((uint64_t)GHCB_PSC_OP_PRIVATE << 52);
	assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_RESUME);
	assert_int_equal(v.ghcb_msr, GHCB_MSR_PSC_RESP);
	assert_true(rmp_model_entry(&rmp, page)->assigned);
	assert_false(rmp_model_entry(&rmp, page)->validated);

	/* Refused, RMP unchanged: SVSM memory, outside the model, a bad operation, a VMSA. */
	struct rmp_entry before[RAM_PAGES];

	validate_and_grant(page, RMP_PERM_ALL);
	assert_int_equal(rmp_model_rmpadjust(&rmp, 0, page, RMP_PG_SIZE_4K, 1 | RMPADJUST_VMSA).code, 0);
	memcpy(before, entries, sizeof(before));
	const uint64_t bad[] = {
		GHCB_MSR_PSC_REQ | SVSM_PAGE_PA | ((uint64_t)GHCB_PSC_OP_SHARED << 52),
		GHCB_MSR_PSC_REQ | 0x40000000ull | ((uint64_t)GHCB_PSC_OP_SHARED << 52),
		GHCB_MSR_PSC_REQ | (GUEST_PA + PAGE) | ((uint64_t)GHCB_PSC_OP_PSMASH << 52),
		GHCB_MSR_PSC_REQ | (GUEST_PA + PAGE) | (0ull << 52),
		GHCB_MSR_PSC_REQ | page | ((uint64_t)GHCB_PSC_OP_SHARED << 52),
	};
	for (unsigned i = 0; i < 5; i++) {
		v.ghcb_msr = bad[i];
		assert_int_equal(vsnp_hv_msr_exit(&hv, &v), VSNP_HV_RESUME);
		assert_int_equal(v.ghcb_msr, GHCB_MSR_PSC_RESP | (1ull << 32));
	}
	assert_memory_equal(before, entries, sizeof(before));
}

/* ---- the GHCB page protocol ---- */

static struct ghcb g;

static void ghcb_request(uint64_t code, uint64_t info1, uint64_t info2)
{
	memset(&g, 0, sizeof(g));
	GHCB_SET(&g, sw_exit_code, code);
	GHCB_SET(&g, sw_exit_info_1, info1);
	GHCB_SET(&g, sw_exit_info_2, info2);
	g.protocol_version = 2;
}

static void ghcb_page_protocol(void **state)
{
	struct vsnp_hv hv = hv_of();
	struct vsnp_hv_vcpu v = { .ghcb_gpa = GUEST_PA + 10 * PAGE };
	(void)state;

	/* Run VMPL0 is the SVSM call; other VMPLs and junk bits are refused. */
	ghcb_request(SVM_VMGEXIT_SNP_RUN_VMPL, 0, 0);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_SVSM_CALL);
	assert_true(GHCB_VALID(&g, sw_exit_info_1) && g.sw_exit_info_1 == GHCB_RESULT_OK);
	for (uint64_t bad = 1; bad <= 0x100; bad <<= 8) {
		ghcb_request(SVM_VMGEXIT_SNP_RUN_VMPL, bad, 0);
		assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
		assert_int_equal(g.sw_exit_info_1, GHCB_RESULT_ERROR);
		assert_int_equal(g.sw_exit_info_2, GHCB_ERR_INVALID_INPUT);
	}
	ghcb_request(SVM_VMGEXIT_HV_FEATURES, 0, 0);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_true(g.sw_exit_info_1 == 0 && g.sw_exit_info_2 == 0x23 && GHCB_VALID(&g, sw_exit_info_2));
	ghcb_request(SVM_VMGEXIT_TERM_REQUEST, 0xE | (5 << 4), 0);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_TERMINATE);
	assert_true(v.term_set == 0xE && v.term_code == 5);
	/* Guest requests: two distinct page-aligned guest pages, or an error. */
	ghcb_request(SVM_VMGEXIT_GUEST_REQUEST, GUEST_PA + PAGE, GUEST_PA + 2 * PAGE);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_GUEST_REQUEST);
	const uint64_t bad_req[][2] = { { GUEST_PA + PAGE, GUEST_PA + PAGE }, { GUEST_PA + 8, GUEST_PA + 2 * PAGE },
					{ SVSM_PAGE_PA, GUEST_PA + PAGE }, { GUEST_PA + PAGE, 0x40000000ull } };
	for (unsigned i = 0; i < 4; i++) {
		ghcb_request(SVM_VMGEXIT_GUEST_REQUEST, bad_req[i][0], bad_req[i][1]);
		assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
		assert_int_equal(g.sw_exit_info_2, GHCB_ERR_INVALID_INPUT);
	}
	/* The extended request: the same, and a certificate buffer of at least a page in guest RAM. */
	ghcb_request(SVM_VMGEXIT_EXT_GUEST_REQUEST, GUEST_PA + PAGE, GUEST_PA + 2 * PAGE);
	GHCB_SET(&g, rax, GUEST_PA + 3 * PAGE);
	GHCB_SET(&g, rbx, 1);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_GUEST_REQUEST);
	const uint64_t bad_certs[][2] = { { GUEST_PA + 3 * PAGE + 8, 1 }, { GUEST_PA + 3 * PAGE, 0 },
					  { SVSM_PAGE_PA, 1 }, { 0x40000000ull, 1 } };
	for (unsigned i = 0; i < 4; i++) {
		ghcb_request(SVM_VMGEXIT_EXT_GUEST_REQUEST, GUEST_PA + PAGE, GUEST_PA + 2 * PAGE);
		GHCB_SET(&g, rax, bad_certs[i][0]);
		GHCB_SET(&g, rbx, bad_certs[i][1]);
		assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
		assert_int_equal(g.sw_exit_info_2, GHCB_ERR_INVALID_INPUT);
	}
	ghcb_request(SVM_VMGEXIT_EXT_GUEST_REQUEST, GUEST_PA + PAGE, GUEST_PA + 2 * PAGE); /* RAX, RBX not valid */
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_int_equal(g.sw_exit_info_2, GHCB_ERR_INVALID_INPUT);
	/* AP creation: checked here, carried out by the kernel; bad requests refused. */
	ghcb_request(SVM_VMGEXIT_AP_CREATION, SVM_AP_CREATE | (2ull << 16) | (7ull << 32), GUEST_PA + PAGE);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_AP_CREATE);
	assert_true(v.ap_request == SVM_AP_CREATE && v.ap_vmpl == 2 && v.ap_apic_id == 7 &&
		    v.ap_vmsa == GUEST_PA + PAGE);
	ghcb_request(SVM_VMGEXIT_AP_CREATION, SVM_AP_DESTROY | (2ull << 16) | (7ull << 32), 0);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_AP_CREATE);
	/* A VMPL0 VMSA (the SVSM's own APs): well-formed here; only VMPL0 may ask (the kernel's rule, vsnp/cpu.c). */
	ghcb_request(SVM_VMGEXIT_AP_CREATION, SVM_AP_CREATE | (0ull << 16) | (1ull << 32), GUEST_PA + PAGE);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_AP_CREATE);
	assert_true(v.ap_vmpl == 0 && v.ap_apic_id == 1);
	const uint64_t bad_ap[][2] = {
		{ SVM_AP_CREATE_ON_INIT | (2ull << 16), GUEST_PA + PAGE }, /* no INIT here */
		{ 3 | (2ull << 16), GUEST_PA + PAGE },                    /* unknown request */
		{ SVM_AP_CREATE | (4ull << 16), GUEST_PA + PAGE },        /* no VMPL4 */
		{ SVM_AP_DESTROY | (9ull << 16), 0 },                     /* nor VMPL9 */
		{ SVM_AP_CREATE | (2ull << 16) | (1ull << 24), GUEST_PA + PAGE }, /* reserved bits */
		{ SVM_AP_CREATE | (2ull << 16), GUEST_PA + 8 },           /* VMSA misaligned */
		{ SVM_AP_CREATE | (2ull << 16), SVSM_PAGE_PA },           /* VMSA not guest RAM */
	};
	for (unsigned i = 0; i < sizeof(bad_ap) / sizeof(bad_ap[0]); i++) {
		ghcb_request(SVM_VMGEXIT_AP_CREATION, bad_ap[i][0], bad_ap[i][1]);
		assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
		assert_true(g.sw_exit_info_1 == GHCB_RESULT_ERROR && g.sw_exit_info_2 == GHCB_ERR_INVALID_INPUT);
	}
	/* Unknown codes: not served; usage and missing inputs: their errors. */
	ghcb_request(SVM_VMGEXIT_GET_APIC_IDS, 0, 0); /* RAX not valid */
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_true(g.sw_exit_info_1 == GHCB_RESULT_ERROR && g.sw_exit_info_2 == GHCB_ERR_MISSING_INPUT);
	ghcb_request(0x12345678, 0, 0);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_int_equal(g.sw_exit_info_1, GHCB_RESULT_ERROR);
	ghcb_request(SVM_VMGEXIT_HV_FEATURES, 0, 0);
	g.ghcb_usage = 1;
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_true(g.sw_exit_info_1 == GHCB_RESULT_ERROR && g.sw_exit_info_2 == GHCB_ERR_INVALID_USAGE);
	memset(&g, 0, sizeof(g));
	g.sw_exit_code = SVM_VMGEXIT_HV_FEATURES; /* not marked valid */
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_true(g.sw_exit_info_1 == GHCB_RESULT_ERROR && g.sw_exit_info_2 == GHCB_ERR_MISSING_INPUT);
}

/* Get APIC IDs: the size query, then the list only into shared guest RAM of the size it needs. */
static void apic_id_list(void **state)
{
	struct vsnp_hv hv = hv_of();
	struct vsnp_hv_vcpu v = { .ghcb_gpa = GUEST_PA + 10 * PAGE };
	const uint64_t buf = GUEST_PA + 20 * PAGE;
	(void)state;

	hv.ncpus = 4;
	/* OVMF's first call: RAX 0 pages, no buffer; the answer is RAX = 1 page, nothing else. */
	ghcb_request(SVM_VMGEXIT_GET_APIC_IDS, 0, 0);
	GHCB_SET(&g, rax, 0);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_true(g.sw_exit_info_1 == 0 && g.sw_exit_info_2 == 0 && GHCB_VALID(&g, rax) && g.rax == 1);
	/* 1024 vCPUs need 4 + 4096 bytes: two pages. */
	hv.ncpus = 1024;
	ghcb_request(SVM_VMGEXIT_GET_APIC_IDS, buf, 0);
	GHCB_SET(&g, rax, 1);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_true(g.sw_exit_info_1 == 0 && g.rax == 2);
	hv.ncpus = 4;

	/* The buffer is private guest memory: refused (a hypervisor cannot write it). */
	ghcb_request(SVM_VMGEXIT_GET_APIC_IDS, buf, 0);
	GHCB_SET(&g, rax, 1);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_true(g.sw_exit_info_1 == GHCB_RESULT_ERROR && g.sw_exit_info_2 == GHCB_ERR_INVALID_INPUT);
	/* Shared now: the kernel is told where and how much (a count and four IDs), RAX as asked. */
	assert_int_equal(rmp_model_set_private(&rmp, buf, false, false), SVSM_OK);
	memset(&v, 0, sizeof(v));
	ghcb_request(SVM_VMGEXIT_GET_APIC_IDS, buf, 0);
	GHCB_SET(&g, rax, 1);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_APIC_IDS);
	assert_true(g.sw_exit_info_1 == 0 && g.sw_exit_info_2 == 0 && g.rax == 1);
	assert_true(v.apic_ids_gpa == buf && v.apic_ids_len == 20);
	/* More pages than needed: only what the list fills must be shared (OVMF passes what it was told). */
	ghcb_request(SVM_VMGEXIT_GET_APIC_IDS, buf, 0);
	GHCB_SET(&g, rax, 3);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_APIC_IDS);
	assert_true(g.rax == 3 && v.apic_ids_len == 20);

	/* Misaligned, outside guest RAM, the SVSM's page, wrapping: refused, nothing for the kernel to do. */
	const uint64_t bad[] = { buf + 8, 0x40000000ull, SVSM_PAGE_PA, ~0ull & ~(PAGE - 1), RAM_PAGES * PAGE };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&v, 0, sizeof(v));
		ghcb_request(SVM_VMGEXIT_GET_APIC_IDS, bad[i], 0);
		GHCB_SET(&g, rax, 1);
		assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
		assert_true(g.sw_exit_info_1 == GHCB_RESULT_ERROR && g.sw_exit_info_2 == GHCB_ERR_INVALID_INPUT);
		assert_true(v.apic_ids_gpa == 0 && v.apic_ids_len == 0);
	}
	/* A machine that does not know its vCPUs lists nothing. */
	hv.ncpus = 0;
	ghcb_request(SVM_VMGEXIT_GET_APIC_IDS, buf, 0);
	GHCB_SET(&g, rax, 1);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_int_equal(g.sw_exit_info_2, GHCB_ERR_INVALID_INPUT);
}

static void ghcb_page_state_changes(void **state)
{
	struct vsnp_hv hv = hv_of();
	struct vsnp_hv_vcpu v = { .ghcb_gpa = GUEST_PA + 10 * PAGE };
	struct psc_desc *d = (struct psc_desc *)g.shared_buffer;
	static struct rmp_entry before[RAM_PAGES];
	(void)state;

	/* Two pages to shared, then one back: cur_entry runs past end_entry. */
	ghcb_request(SVM_VMGEXIT_PSC, 0, 0);
	GHCB_SET(&g, sw_scratch, v.ghcb_gpa + 0x800);
	d->hdr.end_entry = 1;
	d->entries[0] = ((GUEST_PA + 4 * PAGE) >> 12 << PSC_ENTRY_GFN_SHIFT) | ((uint64_t)GHCB_PSC_OP_SHARED << PSC_ENTRY_OP_SHIFT);
	d->entries[1] = ((GUEST_PA + 5 * PAGE) >> 12 << PSC_ENTRY_GFN_SHIFT) | ((uint64_t)GHCB_PSC_OP_SHARED << PSC_ENTRY_OP_SHIFT);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_true(g.sw_exit_info_1 == 0 && g.sw_exit_info_2 == 0 && d->hdr.cur_entry == 2);
	assert_false(rmp_model_entry(&rmp, GUEST_PA + 4 * PAGE)->assigned);
	assert_false(rmp_model_entry(&rmp, GUEST_PA + 5 * PAGE)->assigned);

	/* A bad second entry: the first is done, cur_entry stops at the bad one, SW_EXITINFO2 != 0. */
	memcpy(before, entries, sizeof(before));
	ghcb_request(SVM_VMGEXIT_PSC, 0, 0);
	GHCB_SET(&g, sw_scratch, v.ghcb_gpa + 0x800);
	d->hdr.end_entry = 1;
	d->entries[0] = ((GUEST_PA + 4 * PAGE) >> 12 << PSC_ENTRY_GFN_SHIFT) | ((uint64_t)GHCB_PSC_OP_PRIVATE << PSC_ENTRY_OP_SHIFT);
	d->entries[1] = (SVSM_PAGE_PA >> 12 << PSC_ENTRY_GFN_SHIFT) | ((uint64_t)GHCB_PSC_OP_SHARED << PSC_ENTRY_OP_SHIFT);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_true(g.sw_exit_info_2 != 0 && d->hdr.cur_entry == 1);
	assert_true(rmp_model_entry(&rmp, GUEST_PA + 4 * PAGE)->assigned);
	assert_true(rmp_model_entry(&rmp, SVSM_PAGE_PA)->assigned);

	/* Refused whole: SW_SCRATCH elsewhere, a header out of range; nothing changes. */
	memcpy(before, entries, sizeof(before));
	ghcb_request(SVM_VMGEXIT_PSC, 0, 0);
	GHCB_SET(&g, sw_scratch, v.ghcb_gpa + 0x900);
	d->entries[0] = ((GUEST_PA + 5 * PAGE) >> 12 << PSC_ENTRY_GFN_SHIFT) | ((uint64_t)GHCB_PSC_OP_PRIVATE << PSC_ENTRY_OP_SHIFT);
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_true(g.sw_exit_info_1 == GHCB_RESULT_ERROR && g.sw_exit_info_2 == GHCB_ERR_INVALID_SCRATCH);
	ghcb_request(SVM_VMGEXIT_PSC, 0, 0);
	GHCB_SET(&g, sw_scratch, v.ghcb_gpa + 0x800);
	d->hdr.end_entry = PSC_MAX_ENTRIES;
	assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
	assert_int_equal(g.sw_exit_info_2, GHCB_ERR_INVALID_INPUT);
	/* A misaligned 2 MiB entry and a reserved bit: the entry fails, the RMP is unchanged. */
	const uint64_t bad[] = {
		((GUEST_PA + PAGE) >> 12 << PSC_ENTRY_GFN_SHIFT) | PSC_ENTRY_2M | ((uint64_t)GHCB_PSC_OP_SHARED << PSC_ENTRY_OP_SHIFT),
		((GUEST_PA + PAGE) >> 12 << PSC_ENTRY_GFN_SHIFT) | (1ull << 60) | ((uint64_t)GHCB_PSC_OP_SHARED << PSC_ENTRY_OP_SHIFT),
		((GUEST_PA + PAGE) >> 12 << PSC_ENTRY_GFN_SHIFT) | ((uint64_t)GHCB_PSC_OP_PSMASH << PSC_ENTRY_OP_SHIFT),
	};
	for (unsigned i = 0; i < 3; i++) {
		ghcb_request(SVM_VMGEXIT_PSC, 0, 0);
		GHCB_SET(&g, sw_scratch, v.ghcb_gpa + 0x800);
		d->entries[0] = bad[i];
		assert_int_equal(vsnp_hv_ghcb_exit(&hv, &v, &g), VSNP_HV_RESUME);
		assert_true(g.sw_exit_info_2 != 0 && d->hdr.cur_entry == 0);
	}
	assert_memory_equal(before, entries, sizeof(before));
}

/* ---- cpuid_build ---- */

static unsigned fake_leaves; /* 0: an EPYC-like CPU; 1: one with too many leaves */
static bool fake_xsavec;     /* leaf 0xD.1 offers XSAVEC (SNP hardware does; QEMU's TCG does not) */

static struct cpuid_regs fake_cpu(void *ctx, uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };

	(void)ctx;
	if (fake_leaves == 1) {
		if (leaf == 0)
			r.eax = 0x1F;
		else if (leaf < 0x20 || leaf == 0x80000000)
			r = (struct cpuid_regs){ leaf == 0x80000000 ? 0x80000040 : 0xB, 2, 3, 4 }; /* 0xD.1: XSAVEC */
		else if (leaf > 0x80000000 && leaf <= 0x80000040)
			r = (struct cpuid_regs){ 1, 2, 3, 4 };
		return r;
	}
	switch (leaf) {
	case 0: r.eax = 0xD; break;
	case 1: r = (struct cpuid_regs){ 0x830F10, 0x800, 0x80000008 /* MONITOR */, 0x178BFBFF }; break;
	case 4: if (sub < 3) r.eax = 0x121 + sub; break; /* three caches */
	case 7: if (sub == 0) r.ebx = 0x219C91A9, r.ecx = 1u << 22 /* RDPID */; break;
	case 0xD:
		if (sub == 0) r = (struct cpuid_regs){ 0x7, 0x340, 0x340, 0 };
		else if (sub == 1) r.eax = fake_xsavec ? 0xB : 1; /* XSAVEOPT (and XSAVEC, XGETBV1) */
		else if (sub == 2) r = (struct cpuid_regs){ 0x100, 0x240, 0, 0 };
		break;
	case 0x80000000: r.eax = 0x8000001E; break;
	case 0x80000001: r.ecx = 0x75; break;
	case 0x80000008: r.eax = 0x3028; break;
	}
	return r;
}

static const struct snp_cpuid_entry *find(const struct snp_cpuid_table *t, uint32_t leaf, uint32_t sub)
{
	for (unsigned i = 0; i < t->count; i++)
		if (t->e[i].eax_in == leaf && t->e[i].ecx_in == sub)
			return &t->e[i];
	return NULL;
}

static void cpuid_page_built(void **state)
{
	static struct snp_cpuid_table t;
	static struct snp_cpuid checked;
	struct vsnp_cpuid_src src = { fake_cpu, NULL };
	const char *why;
	(void)state;

	fake_leaves = 0;
	fake_xsavec = true;
	assert_int_equal(vsnp_cpuid_page_build(&t, &src, 39, &why), SVSM_OK);
	assert_int_equal(snp_cpuid_init(&checked, &t, &why), SVSM_OK); /* what the guest's checks see */
	assert_int_equal(find(&t, 0, 0)->eax, 0xD);
	assert_non_null(find(&t, 1, 0));
	assert_null(find(&t, 2, 0)); /* all zero: left out */
	assert_non_null(find(&t, 4, 2));
	assert_null(find(&t, 4, 3));    /* cache type 0: the list ends */
	assert_non_null(find(&t, 0xD, 2));
	assert_null(find(&t, 0xD, 3)); /* component not in XCR0's supported set */
	assert_int_equal(find(&t, 7, 0)->ebx, 0x219C91A9);
	assert_int_equal(find(&t, 7, 0)->ecx, 0); /* RDPID reads a TSC_AUX the machine cannot give the guest */
	/* KVM's signature, its kvmclock features and PV EOI, nothing else (include/vsnp/vsnp_kvm.h). */
	assert_int_equal(find(&t, KVM_CPUID_SIGNATURE, 0)->eax, KVM_CPUID_FEATURES);
	assert_int_equal(find(&t, KVM_CPUID_SIGNATURE, 0)->ebx, KVM_SIGNATURE_EBX);
	assert_int_equal(find(&t, KVM_CPUID_FEATURES, 0)->eax,
			 KVM_FEATURE_CLOCKSOURCE2 | KVM_FEATURE_CLOCKSOURCE_STABLE_BIT | KVM_FEATURE_PV_EOI);

	/*
	 * Without XSAVEC or XSAVES (QEMU's TCG) an SNP guest refuses leaf 0xD:
	 * the chip has no XSAVE then, and nothing that needs it (AVX2 here).
	 */
	fake_xsavec = false;
	assert_int_equal(vsnp_cpuid_page_build(&t, &src, 39, &why), SVSM_OK);
	assert_int_equal(snp_cpuid_init(&checked, &t, &why), SVSM_OK);
	assert_int_equal(find(&t, 0, 0)->eax, 0xC);
	assert_null(find(&t, 0xD, 0));
	assert_null(find(&t, 0xD, 1));
	assert_int_equal(find(&t, 7, 0)->ebx, 0x219C91A9 & ~(1u << 5));
	assert_int_equal(find(&t, 0x80000000, 0)->eax, 0x8000001F); /* raised to the SEV leaf */
	/* The emulated chip's signature, an SNP-capable family (19h), whatever the host CPU says. */
	assert_int_equal(find(&t, 1, 0)->eax, 0x00A00F11);
	assert_int_equal(find(&t, 1, 0)->eax, VSNP_CHIP_CPUID_1_EAX);
	assert_int_equal(find(&t, 1, 0)->edx, 0x178BFBFF & ~0x4080u); /* the CPU's, without MCE and MCA */
	/* x2APIC and TSC-Deadline: the hypervisor's APIC offers them, whatever the CPU has; MONITOR never (as KVM). */
	assert_int_equal(find(&t, 1, 0)->ecx, 0x80000000u | (1u << 21) | (1u << 24));
	assert_int_equal(find(&t, 0x80000001, 0)->eax, VSNP_CHIP_CPUID_1_EAX);
	assert_int_equal(find(&t, 0x80000001, 0)->ecx, 0x71); /* SVM (bit 2) not offered */

	const struct snp_cpuid_entry *sev = find(&t, 0x8000001F, 0);

	assert_non_null(sev);
	assert_int_equal(sev->eax, 0x3A);          /* SEV, SEV-ES, SNP, VMPL */
	assert_int_equal(sev->ebx & 0x3F, 39);     /* C-bit */
	assert_int_equal((sev->ebx >> 6) & 0x3F, 1);
	assert_int_equal((sev->ebx >> 12) & 0xF, 4);

	assert_int_equal(vsnp_cpuid_page_build(&t, &src, 31, &why), SVSM_EINVAL);
	assert_int_equal(vsnp_cpuid_page_build(&t, &src, 52, &why), SVSM_EINVAL);
	fake_leaves = 1;
	assert_int_equal(vsnp_cpuid_page_build(&t, &src, 39, &why), SVSM_ENOSPC);
	assert_non_null(strstr(why, "64"));
}

/* EXITINTINFO to inject again: an exception as it was, QEMU's "exception" for an NMI as an NMI, an interrupt not at all. */
static void events_injected_again(void **state)
{
	(void)state;
	/* A page fault with its error code, #VC 29: as they were. */
	uint64_t pf = 14 | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID | VMCB_EVENT_ERROR_VALID | (0x6ull << 32);

	assert_int_equal(vsnp_event_again(pf), pf);
	assert_int_equal(vsnp_event_again(29 | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID),
			 29 | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID);
	/* A software interrupt (INT 0x80, INT3, INTO): nothing injected, the instruction runs again. */
	assert_int_equal(vsnp_event_again(0x80 | VMCB_EVENT_TYPE_SOFT | VMCB_EVENT_VALID), 0);
	assert_int_equal(vsnp_event_again(3 | VMCB_EVENT_TYPE_SOFT | VMCB_EVENT_VALID), 0);
	assert_int_equal(vsnp_event_again(4 | VMCB_EVENT_TYPE_SOFT | VMCB_EVENT_VALID), 0);
	assert_int_equal(vsnp_event_again(31 | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID),
			 31 | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID);
	/*
	 * The SVSM's timer vector and the guest's, written as exceptions or as interrupts: not injected
	 * (the APIC still requests them as V_IRQ); exceptions and software interrupts are no interrupts.
	 */
	assert_int_equal(vsnp_event_again(0x40 | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID), 0);
	assert_int_equal(vsnp_event_again(0xFF | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID | VMCB_EVENT_ERROR_VALID |
					  (1ull << 32)), 0);
	assert_int_equal(vsnp_event_again(0xEC | VMCB_EVENT_TYPE_INTR | VMCB_EVENT_VALID), 0);
	assert_true(vsnp_event_is_interrupt(0x20 | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID));
	assert_true(vsnp_event_is_interrupt(0xEC | VMCB_EVENT_TYPE_INTR | VMCB_EVENT_VALID));
	assert_false(vsnp_event_is_interrupt(pf));
	assert_false(vsnp_event_is_interrupt(31 | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID));
	assert_false(vsnp_event_is_interrupt(0x80 | VMCB_EVENT_TYPE_SOFT | VMCB_EVENT_VALID));
	assert_false(vsnp_event_is_interrupt(2 | VMCB_EVENT_TYPE_NMI | VMCB_EVENT_VALID));
	/* Vector 2 is only ever an NMI. */
	assert_int_equal(vsnp_event_again(2 | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID),
			 2 | VMCB_EVENT_TYPE_NMI | VMCB_EVENT_VALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(npt_init_refuses_bad_shapes, setup),
		cmocka_unit_test_setup(private_view_follows_the_rmp, setup),
		cmocka_unit_test_setup(user_and_supervisor_execute, setup),
		cmocka_unit_test_setup(svsm_memory_and_other_views, setup),
		cmocka_unit_test_setup(large_nested_pages_follow_rmp_size, setup),
		cmocka_unit_test_setup(fault_around_maps_only_what_the_rmp_allows, setup),
		cmocka_unit_test(large_pages_need_one_machine_block),
		cmocka_unit_test_setup(drop_quiesces_cpus_only_for_mapped_pages, setup),
		cmocka_unit_test_setup(msr_protocol_answers, setup),
		cmocka_unit_test_setup(run_vmpl_only_to_vmpl0, setup),
		cmocka_unit_test_setup(page_state_changes, setup),
		cmocka_unit_test_setup(ghcb_page_protocol, setup),
		cmocka_unit_test_setup(ghcb_page_state_changes, setup),
		cmocka_unit_test_setup(apic_id_list, setup),
		cmocka_unit_test(cpuid_page_built),
		cmocka_unit_test(events_injected_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
