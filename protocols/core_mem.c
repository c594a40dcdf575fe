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

uint64_t core_check_range(const struct svsm_vm *vm, uint64_t gpa, uint64_t len, uint64_t align,
			  bool allow_ca)
{
	/* Not guest_range_check: that one also caps the length at one copy (1 MiB). */
	if (len == 0 || (gpa & (align - 1)) != 0 || gpa + len < gpa ||
	    !memmap_contains(vm->guest_ram, gpa, gpa + len) ||
	    memmap_intersects(vm->svsm_mem, gpa, gpa + len))
		return SVSM_ERR_INVALID_ADDRESS;
	for (unsigned i = 0; i < SVSM_MAX_VCPUS; i++) {
		const struct svsm_vcpu *v = &vm->vcpu[i];

		if (!v->used)
			continue;
		if (overlaps(gpa, len, v->vmsa_gpa, SVSM_PAGE))
			return SVSM_ERR_INVALID_ADDRESS;
		if (!allow_ca && overlaps(gpa, len, v->ca_gpa, SVSM_PAGE))
			return SVSM_ERR_INVALID_ADDRESS;
	}
	return SVSM_SUCCESS;
}

int core_find_vmsa(const struct svsm_vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < SVSM_MAX_VCPUS; i++) {
		if (vm->vcpu[i].used && vm->vcpu[i].vmsa_gpa == gpa)
			return (int)i;
	}
	return -1;
}

int core_zero_guest(uint64_t gpa, uint64_t len)
{
	static const uint8_t zeros[SVSM_PAGE];

	for (uint64_t off = 0; off < len; off += SVSM_PAGE) {
		int err = copy_to_guest(gpa + off, zeros, SVSM_PAGE, SVSM_PAGE);

		if (err != SVSM_OK)
			return err;
	}
	return SVSM_OK;
}

/*
 * SVSM spec §6.2/§6.4 (snp-svsm-abi.md §5.6): a page given to the guest
 * gets full rights for the guest's VMPL and every more privileged one
 * (VMPL1..guest VMPL; VMPL0 always has them); taking a page away revokes
 * every VMPL but VMPL0.
 */
int core_grant(const struct svsm_vm *vm, uint64_t gpa, unsigned page_size)
{
	for (unsigned v = 1; v <= vm->guest_vmpl; v++) {
		int code = platform_rmpadjust(gpa, page_size, v | RMP_PERM_ALL);

		if (code != RMPADJUST_SUCCESS)
			return code;
	}
	return RMPADJUST_SUCCESS;
}

int core_revoke(const struct svsm_vm *vm, uint64_t gpa, unsigned page_size)
{
	(void)vm;
	for (unsigned v = 1; v < SNP_VMPL_COUNT; v++) {
		int code = platform_rmpadjust(gpa, page_size, v);

		if (code != RMPADJUST_SUCCESS)
			return code;
	}
	return RMPADJUST_SUCCESS;
}
