/* SPDX-License-Identifier: MIT */
/*
 * Core calls 4 and 5 (SVSM spec §6.5, §6.6): the guest lends the SVSM
 * memory (DEPOSIT_MEM) and takes back what the SVSM does not use
 * (WITHDRAW_MEM). A lent page is SVSM-private: only VMPL0 may touch it,
 * and every call refuses it like SVSM memory (core_check_range).
 */
#include "abi/snp.h"
#include "abi/svsm_abi.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/guest_mem.h"
#include "svsm/platform.h"
#include "core_internal.h"

#define MB2 0x200000ull
#define PAGES_2M 512u

void svsm_vm_set_lent_pool(struct svsm_vm *vm, struct svsm_lent_pool *pool)
{
	write_lock(&vm->lock);
	memset(pool, 0, sizeof(*pool));
	vm->lent = pool;
	write_unlock(&vm->lock);
}

/* The index in p->sorted of the first page not below gpa (count if none). */
static unsigned sorted_lower_bound(const struct svsm_lent_pool *p, uint64_t gpa)
{
	unsigned lo = 0, hi = p->count;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (p->sorted[mid] < gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Every range check of every call asks this, so it is a binary search of
 * the sorted copy, not a scan of the pool: pages are 4 KiB aligned, so the
 * only page that can overlap [gpa, gpa + len) from below starts at the
 * page gpa lies in.
 */
bool core_lent_overlaps(const struct svsm_vm *vm, uint64_t gpa, uint64_t len)
{
	const struct svsm_lent_pool *p = vm->lent;

	if (p == NULL || len == 0)
		return false;
	unsigned i = sorted_lower_bound(p, gpa & ~(SVSM_PAGE - 1));

	return i < p->count && p->sorted[i] < gpa + len;
}

/* Adds gpa to the sorted copy (count not yet raised). */
static void sorted_insert(struct svsm_lent_pool *p, uint64_t gpa)
{
	unsigned i = sorted_lower_bound(p, gpa);

	memmove(&p->sorted[i + 1], &p->sorted[i], (p->count - i) * sizeof(p->sorted[0]));
	p->sorted[i] = gpa;
}

/* Drops gpa from the sorted copy (count not yet lowered). */
static void sorted_remove(struct svsm_lent_pool *p, uint64_t gpa)
{
	unsigned i = sorted_lower_bound(p, gpa);

	if (i < p->count && p->sorted[i] == gpa)
		memmove(&p->sorted[i], &p->sorted[i + 1], (p->count - i - 1) * sizeof(p->sorted[0]));
}

int svsm_lent_take(struct svsm_vm *vm, uint64_t *gpa)
{
	struct svsm_lent_pool *p = vm->lent;
	int err = SVSM_ENOMEM;

	write_lock(&vm->lock);
	if (p != NULL && p->free > 0) {
		/* Move the last free page into the in-use part, which starts at `free`. */
		*gpa = p->page[--p->free];
		err = SVSM_OK;
	}
	write_unlock(&vm->lock);
	return err;
}

int svsm_lent_release(struct svsm_vm *vm, uint64_t gpa)
{
	struct svsm_lent_pool *p = vm->lent;
	int err = SVSM_EINVAL;

	write_lock(&vm->lock);
	for (unsigned i = p != NULL ? p->free : 0; p != NULL && i < p->count; i++) {
		if (p->page[i] == gpa) {
			p->page[i] = p->page[p->free];
			p->page[p->free++] = gpa;
			err = SVSM_OK;
			break;
		}
	}
	write_unlock(&vm->lock);
	return err;
}

/* Adds a page to the free part (the caller checked the capacity). */
static void pool_add(struct svsm_lent_pool *p, uint64_t gpa)
{
	sorted_insert(p, gpa);
	p->page[p->count] = p->page[p->free]; /* first in-use page moves to the end */
	p->page[p->free++] = gpa;
	p->count++;
}

struct lend_entry {
	uint64_t gpa;
	paddr_t pa; /* gpa, once core_check_range passed it */
	unsigned size; /* RMP_PG_SIZE_* */
};

static svsm_rc decode(const struct svsm_vm *vm, uint64_t raw, uint64_t list_page,
		       struct lend_entry *e)
{
	uint64_t size = raw & SVSM_PVAL_SIZE_MASK, len;

	if ((raw & SVSM_DEPOSIT_RSVD_MASK) != 0 || size > 1)
		return SVSM_RC_INVALID_PARAMETER;
	e->gpa = raw & ~(SVSM_PAGE - 1);
	e->size = size == 1 ? RMP_PG_SIZE_2M : RMP_PG_SIZE_4K;
	len = size == 1 ? MB2 : SVSM_PAGE;
	if (size == 1 && (e->gpa & (MB2 - 1)) != 0)
		return SVSM_RC_INVALID_PARAMETER;
	if (e->gpa < list_page + SVSM_PAGE && list_page < e->gpa + len)
		return SVSM_RC_INVALID_ADDRESS; /* the list's own page */
	/* Not SVSM memory or already lent, not a VMSA or calling area (SVSM spec §6.5). */
	svsm_rc rc = core_check_range(vm, gpa_init(e->gpa), len, SVSM_PAGE, false, &e->pa);

	/* Memory the SVSM can use: each page readable, i.e. validated by the guest. */
	for (uint64_t off = 0; svsm_rc_ok(rc) && off < len; off += SVSM_PAGE) {
		uint8_t probe;

		if (copy_from_guest(&probe, gpa_init(e->gpa + off), 1, 1) != SVSM_OK)
			rc = SVSM_RC_INVALID_ADDRESS;
	}
	return rc;
}

/*
 * Takes one entry's pages: only VMPL0 keeps access, the contents are
 * wiped. Pages are taken one 4 KiB RMP entry at a time, because
 * WITHDRAW_MEM gives memory back as 4 KiB pages and a list holds at most
 * 511, never a whole 2 MiB RMP entry: a 2 MiB entry here must be backed
 * by 4 KiB RMP entries (RMPADJUST answers size mismatch otherwise, and the
 * deposit is refused with nothing changed).
 */
static svsm_rc deposit_one(struct svsm_vm *vm, const struct lend_entry *e)
{
	unsigned pages = e->size == RMP_PG_SIZE_2M ? PAGES_2M : 1;
	svsm_rc rc = SVSM_RC_SUCCESS;
	unsigned done = 0;

	if (vm->lent->count + pages > SVSM_LENT_MAX)
		return SVSM_RC_INVALID_REQUEST; /* the SVSM cannot keep track of more */
	for (; done < pages; done++) {
		insn_rc code = core_revoke(vm, pa_add(e->pa, done * SVSM_PAGE), RMP_PG_SIZE_4K);

		if (!insn_rc_ok(code)) {
			rc = insn_rc_eq(code, INSN_RC_FAIL_SIZEMISMATCH) ? SVSM_RC_INVALID_PARAMETER
									 : svsm_rc_from_insn(code);
			break;
		}
	}
	/* Guest data must not linger in SVSM memory. */
	if (svsm_rc_ok(rc) && core_zero_guest(gpa_init(e->gpa), (uint64_t)pages * SVSM_PAGE) != SVSM_OK)
		rc = SVSM_RC_INVALID_ADDRESS;
	if (!svsm_rc_ok(rc)) {
		while (done-- > 0)
			(void)core_grant(vm, pa_add(e->pa, done * SVSM_PAGE), RMP_PG_SIZE_4K);
		return rc;
	}
	for (unsigned i = 0; i < pages; i++)
		pool_add(vm->lent, e->gpa + i * SVSM_PAGE);
	return SVSM_RC_SUCCESS;
}

static uint64_t entry_len(const struct lend_entry *e)
{
	return e->size == RMP_PG_SIZE_2M ? MB2 : SVSM_PAGE;
}

static svsm_rc deposit(struct svsm_vm *vm, uint64_t gpa)
{
	/* Both under the VM lock's write side. */
	static struct core_list l;
	static struct lend_entry ent[SVSM_PVALIDATE_MAX_COUNT];
	svsm_rc rc = core_read_list(vm, gpa_init(gpa), &l);

	if (!svsm_rc_ok(rc))
		return rc;
	/* Every entry decoded and checked once, before any is taken; then taken in order. */
	for (unsigned i = 0; i < l.n; i++) {
		rc = decode(vm, l.raw[i], gpa_addr(l.page), &ent[i]);
		if (!svsm_rc_ok(rc))
			return rc;
		for (unsigned j = 0; j < i; j++) { /* two entries for the same memory */
			if (ent[j].gpa < ent[i].gpa + entry_len(&ent[i]) &&
			    ent[i].gpa < ent[j].gpa + entry_len(&ent[j]))
				return SVSM_RC_INVALID_ADDRESS;
		}
	}
	for (unsigned i = 0; i < l.n; i++) {
		rc = deposit_one(vm, &ent[i]);
		if (!svsm_rc_ok(rc)) {
			core_write_next(&l, l.first + i);
			return rc;
		}
	}
	core_write_next(&l, l.entries);
	return SVSM_RC_SUCCESS;
}

static svsm_rc withdraw(struct svsm_vm *vm, uint64_t gpa)
{
	struct svsm_lent_pool *p = vm->lent;
	struct svsm_withdraw_hdr hdr = { .entries = 0 };
	/* Every entry that fits in the guest's page: 511 for a list at page offset 0. */
	uint64_t list[SVSM_LIST_PAGE_ENTRIES];
	uint64_t off = gpa & (SVSM_PAGE - 1);
	svsm_rc rc;
	unsigned room, n = 0;
	uint8_t more;

	/* SVSM spec §6.6: no room for a single entry (the area at page offset 0xFF8) is a bad parameter. */
	if ((gpa & 7) != 0 || off + sizeof(hdr) + 8 > SVSM_PAGE)
		return SVSM_RC_INVALID_PARAMETER;
	room = (unsigned)((SVSM_PAGE - off - sizeof(hdr)) / 8); /* <= SVSM_LIST_PAGE_ENTRIES: off >= 0 */
	rc = core_check_range(vm, gpa_init(gpa & ~(SVSM_PAGE - 1)), SVSM_PAGE, SVSM_PAGE, true, NULL);
	if (svsm_rc_ok(rc) && core_ca_header_overlaps(vm, gpa_init(gpa), sizeof(hdr)))
		rc = SVSM_RC_INVALID_ADDRESS; /* the list would land on call_pending */
	if (!svsm_rc_ok(rc))
		return rc;
	/* Hand back free pages: full rights for VMPL1..guest again (SVSM spec §6.6). */
	while (n < room && p->free > 0) {
		uint64_t page = p->page[p->free - 1];

		if (!insn_rc_ok(core_grant(vm, pa_init(page), RMP_PG_SIZE_4K)))
			break;
		list[n++] = page;
		/* Remove it: the last in-use page fills its slot, the count shrinks. */
		sorted_remove(p, page);
		p->page[p->free - 1] = p->page[p->count - 1];
		p->free--, p->count--;
	}
	hdr.entries = (uint16_t)n;
	if (copy_to_guest(gpa_init(gpa), &hdr, sizeof(hdr), 8) != SVSM_OK ||
	    (n != 0 && copy_to_guest(gpa_init(gpa + sizeof(hdr)), list, 8ull * n, 8) != SVSM_OK)) {
		/* The guest will never learn of them: take them back. */
		for (unsigned i = 0; i < n; i++) {
			(void)core_revoke(vm, pa_init(list[i]), RMP_PG_SIZE_4K);
			pool_add(p, list[i]);
		}
		return SVSM_RC_INVALID_ADDRESS;
	}
	/* SVSM spec §6.6: the startup vCPU's calling area says whether more can be withdrawn. */
	more = p->free > 0;
	(void)copy_to_guest(gpa_add(vm->vcpu[0].ca_gpa, offsetof(struct svsm_ca, mem_available)), &more, 1, 1);
	return SVSM_RC_SUCCESS;
}

svsm_rc core_deposit_mem(struct svsm_vm *vm, struct svsm_regs *regs)
{
	svsm_rc rc;

	write_lock(&vm->lock);
	rc = vm->lent != NULL ? deposit(vm, regs->rcx) : SVSM_RC_UNSUPPORTED_CALL;
	write_unlock(&vm->lock);
	return rc;
}

svsm_rc core_withdraw_mem(struct svsm_vm *vm, struct svsm_regs *regs)
{
	svsm_rc rc;

	write_lock(&vm->lock);
	rc = vm->lent != NULL ? withdraw(vm, regs->rcx) : SVSM_RC_UNSUPPORTED_CALL;
	write_unlock(&vm->lock);
	return rc;
}
