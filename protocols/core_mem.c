/* SPDX-License-Identifier: MIT */
/* Address checks and page helpers of the core protocol (protocols/core_internal.h). */
#include "abi/snp.h"
#include "svsm/errno.h"
#include "svsm/guest_mem.h"
#include "svsm/platform.h"
#include "abi/svsm_abi.h"
#include "core_internal.h"

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

svsm_rc core_check_range(const struct svsm_vm *vm, gpa_t guest, uint64_t len, uint64_t align,
			  bool allow_ca, paddr_t *pa)
{
	const uint64_t gpa = gpa_addr(guest);

	/* Not guest_range_check: that one also caps the length at one copy (1 MiB). */
	if (len == 0 || (gpa & (align - 1)) != 0 || gpa + len < gpa ||
	    !memmap_contains(vm->guest_ram, gpa, gpa + len) ||
	    memmap_intersects(vm->svsm_mem, gpa, gpa + len) || core_lent_overlaps(vm, gpa, len))
		return SVSM_RC_INVALID_ADDRESS;
	for (unsigned i = 0; i < SVSM_MAX_VCPUS; i++) {
		const struct svsm_vcpu *v = &vm->vcpu[i];

		if (!v->used)
			continue;
		if (overlaps(gpa, len, pa_addr(v->vmsa_pa), SVSM_PAGE))
			return SVSM_RC_INVALID_ADDRESS;
		if (!allow_ca && overlaps(gpa, len, gpa_addr(v->ca_gpa), SVSM_PAGE))
			return SVSM_RC_INVALID_ADDRESS;
	}
	if (pa != NULL)
		*pa = pa_from_checked_gpa(guest);
	return SVSM_RC_SUCCESS;
}

int core_find_vmsa(const struct svsm_vm *vm, gpa_t gpa)
{
	for (unsigned i = 0; i < SVSM_MAX_VCPUS; i++) {
		if (vm->vcpu[i].used && pa_addr(vm->vcpu[i].vmsa_pa) == gpa_addr(gpa))
			return (int)i;
	}
	return -1;
}

int core_zero_guest(gpa_t gpa, uint64_t len)
{
	static const uint8_t zeros[SVSM_PAGE];

	for (uint64_t off = 0; off < len; off += SVSM_PAGE) {
		int err = copy_to_guest(gpa_add(gpa, off), zeros, SVSM_PAGE, SVSM_PAGE);

		if (err != SVSM_OK)
			return err;
	}
	return SVSM_OK;
}

/*
 * SVSM spec 58019 §6.2/§6.4: a page given to the guest
 * gets full rights for the guest's VMPL and every more privileged one
 * (VMPL1..guest VMPL; VMPL0 always has them); taking a page away revokes
 * every VMPL but VMPL0.
 */
/*
 * RMPADJUST of a 2 MiB page whose RMP holds 4 KiB entries fails with
 * FAIL_SIZEMISMATCH (APM vol. 3 (24594), RMPADJUST), the same as PVALIDATE; a 2
 * MiB PVALIDATE that the platform did as 512 x 4 KiB leaves such entries. Then
 * the 512 pages are adjusted one by one, and on a failure the ones already
 * changed get `undo` (the rights they had: none before a grant, all before a
 * revoke).
 */
static insn_rc adjust(paddr_t pa, unsigned page_size, uint64_t attrs, uint64_t undo)
{
	insn_rc code = platform_rmpadjust(pa, page_size, attrs);

	if (!insn_rc_eq(code, INSN_RC_FAIL_SIZEMISMATCH) || page_size != RMP_PG_SIZE_2M)
		return code;
	for (unsigned i = 0; i < 512; i++) { /* 2 MiB / 4 KiB */
		code = platform_rmpadjust(pa_add(pa, i * SVSM_PAGE), RMP_PG_SIZE_4K, attrs);
		if (!insn_rc_ok(code)) {
			while (i-- > 0)
				(void)platform_rmpadjust(pa_add(pa, i * SVSM_PAGE), RMP_PG_SIZE_4K, undo);
			return code;
		}
	}
	return INSN_RC_SUCCESS;
}

insn_rc core_grant(const struct svsm_vm *vm, paddr_t pa, unsigned page_size)
{
	for (unsigned v = 1; v <= vm->guest_vmpl; v++) {
		insn_rc code = adjust(pa, page_size, v | RMP_PERM_ALL, v);

		if (!insn_rc_ok(code))
			return code;
	}
	return INSN_RC_SUCCESS;
}

insn_rc core_revoke(const struct svsm_vm *vm, paddr_t pa, unsigned page_size)
{
	(void)vm;
	for (unsigned v = 1; v < SNP_VMPL_COUNT; v++) {
		insn_rc code = adjust(pa, page_size, v, v | RMP_PERM_ALL);

		if (!insn_rc_ok(code))
			return code;
	}
	return INSN_RC_SUCCESS;
}

bool core_ca_header_overlaps(const struct svsm_vm *vm, gpa_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < SVSM_MAX_VCPUS; i++) {
		if (vm->vcpu[i].used && overlaps(gpa_addr(gpa), len, gpa_addr(vm->vcpu[i].ca_gpa),
						 offsetof(struct svsm_ca, buffer)))
			return true;
	}
	return false;
}

svsm_rc core_read_list(const struct svsm_vm *vm, gpa_t list, struct core_list *l)
{
	struct svsm_pvalidate_hdr hdr;
	const uint64_t gpa = gpa_addr(list);
	const uint64_t off = gpa & (SVSM_PAGE - 1);
	/* The list must not cross its page (SVSM spec §6.2, §6.5): at most this many entries fit. */
	unsigned max;
	svsm_rc rc;

	if ((gpa & 7) != 0 || off > SVSM_PAGE - sizeof(hdr))
		return SVSM_RC_INVALID_PARAMETER;
	max = (unsigned)((SVSM_PAGE - off - sizeof(hdr)) / 8);
	if (max > SVSM_PVALIDATE_MAX_COUNT)
		max = SVSM_PVALIDATE_MAX_COUNT;
	/*
	 * The request may sit in the calling area's buffer, never over its
	 * header (the SVSM writes the list's `next` back, and call_pending is
	 * what tells the guest the call was served), in a VMSA or SVSM memory.
	 */
	rc = core_check_range(vm, gpa_init(gpa - off), SVSM_PAGE, SVSM_PAGE, true, NULL);
	if (svsm_rc_ok(rc) && core_ca_header_overlaps(vm, list, sizeof(hdr)))
		rc = SVSM_RC_INVALID_ADDRESS;
	if (!svsm_rc_ok(rc))
		return rc;
	if (copy_from_guest(&hdr, list, sizeof(hdr), 8) != SVSM_OK)
		return SVSM_RC_INVALID_ADDRESS;
	if (hdr.entries == 0 || hdr.entries > max || hdr.next >= hdr.entries)
		return SVSM_RC_INVALID_PARAMETER;
	l->gpa = list;
	l->page = gpa_init(gpa - off);
	l->entries = hdr.entries;
	l->first = hdr.next;
	l->n = hdr.entries - hdr.next;
	if (copy_from_guest(l->raw, gpa_add(list, sizeof(hdr) + 8ull * l->first), 8ull * l->n, 8) != SVSM_OK)
		return SVSM_RC_INVALID_ADDRESS;
	return SVSM_RC_SUCCESS;
}

void core_write_next(const struct core_list *l, unsigned next)
{
	uint16_t v = (uint16_t)next;

	/* Best effort: the list page was readable a moment ago and the SVSM never takes it away. */
	(void)copy_to_guest(gpa_add(l->gpa, offsetof(struct svsm_pvalidate_hdr, next)), &v, sizeof(v), 2);
}
