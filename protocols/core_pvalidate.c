/* SPDX-License-Identifier: MIT */
/*
 * Core call 1, PVALIDATE (SVSM spec 58019, core protocol): a list of 4 KiB / 2
 * MiB entries to validate or rescind for the guest.
 *
 * The whole list is copied once and every entry checked before any runs:
 * a malformed or forbidden entry refuses the list with nothing done and
 * `next` untouched. Then entries run in order from `next`; on a failure the
 * list stops with `next` at the failing entry, every earlier entry done.
 * Validating zeroes the page before the guest is granted access (the
 * hypervisor could have left data in it), then grants VMPL1..guest VMPL;
 * rescinding revokes every VMPL but VMPL0 first (SVSM spec §6.2).
 */
#include "abi/snp.h"
#include "abi/svsm_abi.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/guest_mem.h"
#include "svsm/platform.h"
#include "core_internal.h"

#define MB2 0x200000ull

struct pval_entry {
	uint64_t gpa;
	paddr_t pa; /* gpa, once core_check_range passed it */
	unsigned page_size; /* RMP_PG_SIZE_* */
	bool validate;
	bool ignore_cf;
};

static svsm_rc decode(const struct svsm_vm *vm, uint64_t raw, struct pval_entry *e)
{
	uint64_t size = raw & SVSM_PVAL_SIZE_MASK;

	if ((raw & SVSM_PVAL_RSVD_MASK) != 0 || size > 1)
		return SVSM_RC_INVALID_PARAMETER;
	e->gpa = raw & ~(SVSM_PAGE - 1);
	e->page_size = size == 1 ? RMP_PG_SIZE_2M : RMP_PG_SIZE_4K;
	e->validate = (raw & SVSM_PVAL_ACTION_VALIDATE) != 0;
	e->ignore_cf = (raw & SVSM_PVAL_IGNORE_CF) != 0;
	if (e->page_size == RMP_PG_SIZE_2M && (e->gpa & (MB2 - 1)) != 0)
		return SVSM_RC_INVALID_PARAMETER;
	/* Never SVSM memory, a VMSA or a calling area (A-svsm address_valid). */
	return core_check_range(vm, gpa_init(e->gpa), e->page_size == RMP_PG_SIZE_2M ? MB2 : SVSM_PAGE,
				SVSM_PAGE, false, &e->pa);
}

/* One entry, all or nothing (as far as the hardware lets: see the rescind comment). */
static svsm_rc run_entry(const struct svsm_vm *vm, const struct pval_entry *e)
{
	uint64_t len = e->page_size == RMP_PG_SIZE_2M ? MB2 : SVSM_PAGE;
	bool unchanged = false;
	insn_rc code;

	if (!e->validate) {
		/*
		 * Revoke first, so no lower VMPL can touch the page once it is
		 * no longer validated. A page that was not validated anyway
		 * (CF) stays revoked: it was unusable to the guest before too.
		 */
		code = core_revoke(vm, e->pa, e->page_size);
		if (!insn_rc_ok(code))
			return svsm_rc_from_insn(code);
	}
	code = platform_pvalidate(e->pa, e->page_size, e->validate, &unchanged);
	if (!insn_rc_ok(code)) {
		if (!e->validate)
			(void)core_grant(vm, e->pa, e->page_size); /* put the access back */
		return svsm_rc_from_insn(code);
	}
	if (unchanged && !e->ignore_cf)
		return SVSM_RC_PVALIDATE_FAIL_NO_CHANGE;
	if (!e->validate)
		return SVSM_RC_SUCCESS;
	/* Only a page that just became valid is zeroed: one already valid holds guest data. */
	if (!unchanged && core_zero_guest(gpa_init(e->gpa), len) != SVSM_OK) {
		(void)platform_pvalidate(e->pa, e->page_size, false, &unchanged);
		return SVSM_RC_INVALID_ADDRESS;
	}
	code = core_grant(vm, e->pa, e->page_size);
	if (!insn_rc_ok(code)) {
		if (!unchanged)
			(void)platform_pvalidate(e->pa, e->page_size, false, &unchanged);
		return svsm_rc_from_insn(code);
	}
	return SVSM_RC_SUCCESS;
}

static svsm_rc run_list(struct svsm_vm *vm, uint64_t gpa)
{
	struct core_list l; /* on the stack: readers run side by side */
	struct pval_entry e;
	svsm_rc rc = core_read_list(vm, gpa_init(gpa), &l);

	if (!svsm_rc_ok(rc))
		return rc;
	for (unsigned i = 0; i < l.n; i++) {
		rc = decode(vm, l.raw[i], &e);
		if (!svsm_rc_ok(rc))
			return rc; /* nothing done yet */
		/* Rescinding the list's own page would make writing `next` back fault. */
		uint64_t len = e.page_size == RMP_PG_SIZE_2M ? MB2 : SVSM_PAGE;

		if (e.gpa < gpa_addr(l.page) + SVSM_PAGE && gpa_addr(l.page) < e.gpa + len)
			return SVSM_RC_INVALID_ADDRESS;
	}
	for (unsigned i = 0; i < l.n; i++) {
		(void)decode(vm, l.raw[i], &e);
		rc = run_entry(vm, &e);
		if (!svsm_rc_ok(rc)) {
			core_write_next(&l, l.first + i);
			return rc;
		}
	}
	core_write_next(&l, l.entries);
	return SVSM_RC_SUCCESS;
}

svsm_rc core_pvalidate(struct svsm_vm *vm, struct svsm_regs *regs)
{
	svsm_rc rc;

	read_lock(&vm->lock);
	rc = run_list(vm, regs->rcx);
	read_unlock(&vm->lock);
	return rc;
}
