/* SPDX-License-Identifier: MIT */
/* Shared by the core-protocol files (protocols/core_*.c). */
#pragma once

#include <stdint.h>

#include "abi/svsm_abi.h"
#include "protocols/svsm_rc.h"
#include "protocols/svsm_vm.h"

/*
 * SVSM_RC_SUCCESS if [gpa, gpa + len) (any length, 2 MiB pages included) is
 * guest RAM the guest may hand to the SVSM: aligned to align (a power of
 * two), outside SVSM memory and pages lent to it, and (unless allow_ca)
 * touching no registered calling area; never a registered VMSA page.
 * SVSM_RC_INVALID_ADDRESS otherwise. On success *pa (unless NULL) is the
 * range's physical address: the protocols' one way from a guest address
 * to one the RMP operations take.
 */
svsm_rc core_check_range(const struct svsm_vm *vm, gpa_t gpa, uint64_t len, uint64_t align,
			  bool allow_ca, paddr_t *pa);
/* The vCPU whose VMSA is at gpa, or -1. */
int core_find_vmsa(const struct svsm_vm *vm, gpa_t gpa);
/* Writes zeros over [gpa, gpa + len) of guest memory; SVSM_OK or the copy's error. */
int core_zero_guest(gpa_t gpa, uint64_t len);
/*
 * RMPADJUST of a checked page (core_check_range's pa): R/W/Xu/Xs for
 * VMPL1..guest VMPL (grant), or nothing for VMPL1..3 (revoke).
 */
insn_rc core_grant(const struct svsm_vm *vm, paddr_t pa, unsigned page_size);
insn_rc core_revoke(const struct svsm_vm *vm, paddr_t pa, unsigned page_size);

/* True if the range touches a page lent to the SVSM (protocols/core_lend.c). */
bool core_lent_overlaps(const struct svsm_vm *vm, uint64_t gpa, uint64_t len);
svsm_rc core_deposit_mem(struct svsm_vm *vm, struct svsm_regs *regs);
svsm_rc core_withdraw_mem(struct svsm_vm *vm, struct svsm_regs *regs);
/* A PVALIDATE-format list (SVSM spec §6.2, §6.5) as the SVSM copied it. */
struct core_list {
	gpa_t gpa, page;        /* the list and its page */
	unsigned entries;       /* the header's count */
	unsigned first, n;      /* raw[0..n) are entries first..entries-1 */
	uint64_t raw[SVSM_PVALIDATE_MAX_COUNT];
};
/*
 * Whether [gpa, gpa + len) touches a calling area's header (call_pending,
 * mem_available, reserved: the bytes before its buffer). Arguments the
 * SVSM writes back may use a calling area's buffer, never its header.
 */
bool core_ca_header_overlaps(const struct svsm_vm *vm, gpa_t gpa, uint64_t len);
/*
 * Reads the list at gpa once: header checked (8-byte aligned, inside one
 * page, 1..max entries, next < entries), entries from `next` copied.
 * SVSM_RC_SUCCESS or the result code.
 */
svsm_rc core_read_list(const struct svsm_vm *vm, gpa_t gpa, struct core_list *l);
/* Writes the header's `next` (entries done so far). */
void core_write_next(const struct core_list *l, unsigned next);

svsm_rc core_pvalidate(struct svsm_vm *vm, struct svsm_regs *regs);
svsm_rc core_create_vcpu(struct svsm_vm *vm, struct svsm_regs *regs);
svsm_rc core_delete_vcpu(struct svsm_vm *vm, struct svsm_regs *regs);
/* Protocol 2 (protocols/vtpm.c); only called with a back end connected. */
svsm_rc vtpm_call(struct svsm_vm *vm, uint32_t call, struct svsm_regs *regs);
svsm_rc core_remap_ca(struct svsm_vm *vm, unsigned vcpu, struct svsm_regs *regs);
