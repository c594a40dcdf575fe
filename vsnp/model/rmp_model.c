/* SPDX-License-Identifier: MIT */
/* The RMP model (include/vsnp/rmp_model.h); rule names R-* match the host tests. */
#include "vsnp/rmp_model.h"

#include "lib/string.h"
#include "svsm/errno.h"

#define PAGE 0x1000ull
#define PAGES_2M 512ull
#define PERM_ALL ((uint8_t)(RMP_PERM_ALL >> 8))

_Static_assert(PVALIDATE_FAIL_INPUT == RMPADJUST_FAIL_INPUT, "operand_check returns one code for both");
_Static_assert(RMP_ACCESS_READ == (RMP_PERM_READ >> 8) && RMP_ACCESS_EXEC_SUPER == (RMP_PERM_X_SUPER >> 8),
	       "access bits line up with RMPADJUST permission bits");

static bool shape_ok(uint64_t base, uint64_t pages)
{
	return base % (PAGE * PAGES_2M) == 0 && pages != 0 && pages % PAGES_2M == 0 && base + pages * PAGE > base;
}

static void entries_init(struct rmp_entry *entries, uint64_t pages)
{
	memset(entries, 0, pages * sizeof(*entries));
	for (uint64_t i = 0; i < pages; i++)
		entries[i].perms[0] = PERM_ALL;
}

int rmp_model_init(struct rmp_model *m, struct rmp_entry *entries, uint64_t base, uint64_t pages)
{
	if (!shape_ok(base, pages))
		return SVSM_EINVAL;
	memset(m, 0, sizeof(*m));
	m->base = base;
	m->pages = pages;
	m->e = entries;
	entries_init(entries, pages);
	return SVSM_OK;
}

int rmp_model_add_window(struct rmp_model *m, struct rmp_entry *entries, uint64_t base, uint64_t pages)
{
	if (!shape_ok(base, pages) || m->win_pages != 0 ||
	    (base < m->base + m->pages * PAGE && m->base < base + pages * PAGE))
		return SVSM_EINVAL;
	m->win_base = base;
	m->win_pages = pages;
	m->win_e = entries;
	entries_init(entries, pages);
	return SVSM_OK;
}

/*
 * Index of gpa's entry (the second window's follow the first's), or -1
 * when outside or not aligned to the operation's size. Both windows are
 * 2 MiB aligned and whole 2 MiB entries, so a 2 MiB operation's 512
 * entries lie in one window.
 */
static int64_t index_of(const struct rmp_model *m, uint64_t gpa, bool large)
{
	uint64_t align = large ? PAGE * PAGES_2M : PAGE;

	if (gpa % align != 0)
		return -1;
	if (gpa >= m->base && (gpa - m->base) / PAGE < m->pages)
		return (int64_t)((gpa - m->base) / PAGE);
	if (m->win_pages != 0 && gpa >= m->win_base && (gpa - m->win_base) / PAGE < m->win_pages)
		return (int64_t)(m->pages + (gpa - m->win_base) / PAGE);
	return -1;
}

/* The entry at an index index_of gave. */
static struct rmp_entry *ent(const struct rmp_model *m, int64_t i)
{
	return (uint64_t)i < m->pages ? &m->e[i] : &m->win_e[(uint64_t)i - m->pages];
}

const struct rmp_entry *rmp_model_entry(const struct rmp_model *m, uint64_t gpa)
{
	int64_t i = index_of(m, gpa & ~(PAGE - 1), false);

	return i < 0 ? NULL : ent(m, i);
}

/* ---- hypervisor side ---- */

int rmp_model_set_private(struct rmp_model *m, uint64_t gpa, bool large, bool private_)
{
	int64_t i = index_of(m, gpa, large);
	uint64_t n = large ? PAGES_2M : 1;

	if (i < 0)
		return SVSM_EINVAL;
	for (uint64_t k = 0; k < n; k++) {
		/* Immutable pages belong to the firmware; a 4 KiB update inside a 2 MiB entry needs PSMASH. */
		if (ent(m, i + k)->immutable || (!large && ent(m, i + k)->large))
			return SVSM_EINVAL;
	}
	for (uint64_t k = 0; k < n; k++) {
		struct rmp_entry *e = ent(m, i + k);

		memset(e, 0, sizeof(*e));
		e->perms[0] = PERM_ALL;
		e->assigned = private_;
		e->large = private_ && large;
	}
	return SVSM_OK;
}

int rmp_model_psmash(struct rmp_model *m, uint64_t gpa)
{
	int64_t i = index_of(m, gpa & ~(PAGE * PAGES_2M - 1), true);

	if (i < 0 || !ent(m, i)->large)
		return SVSM_EINVAL;
	for (uint64_t k = 0; k < PAGES_2M; k++)
		ent(m, i + k)->large = 0;
	return SVSM_OK;
}

int rmp_model_set_immutable(struct rmp_model *m, uint64_t gpa, bool immutable)
{
	int64_t i = index_of(m, gpa, false);

	if (i < 0)
		return SVSM_EINVAL;
	ent(m, i)->immutable = immutable;
	return SVSM_OK;
}

/* ---- guest instructions ---- */

static struct rmp_result result(int code)
{
	struct rmp_result r = { code, false };

	return r;
}

/*
 * Common operand checks: R-*-SIZE-ARG (size 0 or 1), R-*-ALIGN (aligned,
 * inside the model), R-*-ASSIGNED (model choice: the page must be private to
 * the guest), R-*-SIZEMISMATCH (the RMP entry's size must match the operand:
 * APM vol. 3, PVALIDATE and RMPADJUST FAIL_SIZEMISMATCH). *first gets the first entry's index.
 */
static int operand_check(const struct rmp_model *m, uint64_t gpa, unsigned page_size,
			 int64_t *first, int size_mismatch_code)
{
	if (page_size != RMP_PG_SIZE_4K && page_size != RMP_PG_SIZE_2M)
		return PVALIDATE_FAIL_INPUT;

	bool large = page_size == RMP_PG_SIZE_2M;
	int64_t i = index_of(m, gpa, large);

	if (i < 0 || !ent(m, i)->assigned)
		return PVALIDATE_FAIL_INPUT;
	/* The hardware reads the entry at the operand's address: its size decides before the rest of the range. */
	if (ent(m, i)->large != large)
		return size_mismatch_code;
	for (uint64_t k = 0; k < (large ? PAGES_2M : 1); k++) {
		if (!ent(m, i + k)->assigned)
			return PVALIDATE_FAIL_INPUT;
	}
	*first = i;
	return 0;
}

struct rmp_result rmp_model_pvalidate(struct rmp_model *m, unsigned caller_vmpl, uint64_t gpa,
				      unsigned page_size, bool validate)
{
	int64_t i;

	/* R-PV-VMPL0: "PVALIDATE can only be performed at VMPL0" (APM vol. 3, PVALIDATE). */
	if (caller_vmpl != 0)
		return result(RMP_MODEL_FAULT);

	int code = operand_check(m, gpa, page_size, &i, PVALIDATE_FAIL_SIZEMISMATCH);

	if (code != 0)
		return result(code);

	uint64_t n = page_size == RMP_PG_SIZE_2M ? PAGES_2M : 1;

	/* R-PV-NOUPDATE: EAX = 0 and CF = 1 when the Validated bit already has that value (APM vol. 3, PVALIDATE). */
	if (ent(m, i)->validated == validate) {
		struct rmp_result r = { PVALIDATE_SUCCESS, true };

		return r;
	}
	for (uint64_t k = 0; k < n; k++)
		ent(m, i + k)->validated = validate;
	return result(PVALIDATE_SUCCESS);
}

struct rmp_result rmp_model_rmpadjust(struct rmp_model *m, unsigned caller_vmpl, uint64_t gpa,
				      unsigned page_size, uint64_t attrs)
{
	unsigned target = (unsigned)(attrs & RMPADJUST_TARGET_VMPL_MASK);
	uint8_t perms = (uint8_t)((attrs & RMP_PERM_MASK) >> 8);
	bool vmsa = (attrs & RMPADJUST_VMSA) != 0;
	int64_t i;

	/* R-RA-RSVD: bits 15:12 and 63:17 are reserved (APM vol. 3, RMPADJUST); model choice: set means FAIL_INPUT. */
	if (caller_vmpl >= SNP_VMPL_COUNT || (attrs & RMPADJUST_RSVD_MASK) != 0 ||
	    target >= SNP_VMPL_COUNT)
		return result(RMPADJUST_FAIL_INPUT);
	/* R-RA-TARGET: only a numerically higher (less privileged) VMPL may be adjusted (APM vol. 3, RMPADJUST). */
	if (target <= caller_vmpl)
		return result(RMPADJUST_FAIL_PERMISSION);

	int code = operand_check(m, gpa, page_size, &i, RMPADJUST_FAIL_SIZEMISMATCH);

	if (code != 0)
		return result(code);
	/* R-RA-VMSA-VMPL0: the VMSA bit is ignored when the caller is not VMPL0 (APM vol. 3, RMPADJUST; Microsoft's __rmpadjust intrinsic documentation). */
	if (caller_vmpl != 0)
		vmsa = false;
	/* R-RA-VMSA-4K (model choice): a VMSA is one 4 KiB page (APM vol. 2 appendix B, the VMSA), never a 2 MiB entry. */
	if (vmsa && page_size == RMP_PG_SIZE_2M)
		return result(RMPADJUST_FAIL_INPUT);

	uint64_t n = page_size == RMP_PG_SIZE_2M ? PAGES_2M : 1;

	/* R-RA-SUBSET: a VMPL cannot grant rights it does not hold (FAIL_PERMISSION, APM vol. 3, RMPADJUST). */
	for (uint64_t k = 0; k < n; k++) {
		if ((perms & ~ent(m, i + k)->perms[caller_vmpl]) != 0)
			return result(RMPADJUST_FAIL_PERMISSION);
	}
	for (uint64_t k = 0; k < n; k++) {
		ent(m, i + k)->perms[target] = perms;
		if (caller_vmpl == 0)
			ent(m, i + k)->vmsa = vmsa;
	}
	return result(RMPADJUST_SUCCESS);
}

/* ---- access check ---- */

enum rmp_verdict rmp_model_access(const struct rmp_model *m, uint64_t gpa, unsigned vmpl,
				  unsigned access)
{
	const struct rmp_entry *e = rmp_model_entry(m, gpa);

	if (e == NULL || vmpl >= SNP_VMPL_COUNT)
		return RMP_OUT_OF_RANGE;
	if (!e->assigned)
		return RMP_NOT_ASSIGNED;
	/* R-ACC-VALIDATED: a private access to an unvalidated page is #VC 0x404 (APM vol. 2 §15.36, #VC 0x404). */
	if (!e->validated)
		return RMP_NOT_VALIDATED;
	/* R-ACC-PERMS: VMPL0 has every right (APM vol. 2 §15.36); others need each requested bit. */
	if (vmpl != 0 && (access & ~(unsigned)e->perms[vmpl]) != 0)
		return RMP_NO_PERMISSION;
	return RMP_OK;
}
