/* SPDX-License-Identifier: MIT */
/*
 * Core calls 0, 2 and 3 (SVSM spec 58019, core protocol): REMAP_CA, CREATE_VCPU
 * and DELETE_VCPU. They change which pages are VMSAs and calling areas, so they
 * hold the VM lock for writing (PVALIDATE checks lists against them).
 */
#include "abi/snp.h"
#include "abi/svsm_abi.h"
#include "abi/vmsa.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/guest_mem.h"
#include "svsm/platform.h"
#include "core_internal.h"

#define MB2 0x200000ull

static int free_slot(const struct svsm_vm *vm)
{
	for (unsigned i = 0; i < SVSM_MAX_VCPUS; i++) {
		if (!vm->vcpu[i].used)
			return (int)i;
	}
	return -1;
}

/*
 * The VMSA checks of CREATE_VCPU on the SVSM's own copy (SVSM spec §6.3
 * lets the SVSM refuse a VMSA it will not run): the VMPL is the guest's
 * own, EFER.SVME set, SEV_FEATURES equal to the startup vCPU's.
 *
 * Only the guest's VMPL, not "the caller's or a less privileged one", as
 * COCONUT-SVSM also has it: every vCPU then has the same rights, so the one set
 * of RMP grants (core_grant gives VMPL1..guest VMPL), one nested view per VMPL
 * on the machine and a dispatcher that serves every call with the guest's
 * rights are exact. A VMPL3 vCPU would need its own view and its own call
 * rights (a VMPL3 caller must not PVALIDATE or lend VMPL2's pages); no client
 * needs one (Linux and OVMF each run at one VMPL).
 */
static bool vmsa_acceptable(const struct svsm_vm *vm, const struct vmsa *v)
{
	return v->vmpl == vm->guest_vmpl && (v->efer & VMSA_EFER_SVME) != 0 &&
	       v->sev_features == vm->sev_features;
}

static svsm_rc create(struct svsm_vm *vm, gpa_t vmsa, gpa_t ca, uint32_t apic_id)
{
	static struct vmsa copy; /* under the write lock: one user at a time */
	const uint64_t vmsa_gpa = gpa_addr(vmsa), ca_gpa = gpa_addr(ca);
	paddr_t pa;
	svsm_rc rc;
	int slot;

	/* Page aligned; the VMSA not 2 MiB aligned (erratum, APM vol. 3, RMPADJUST); two different pages. */
	if (((vmsa_gpa | ca_gpa) & (SVSM_PAGE - 1)) != 0 || (vmsa_gpa & (MB2 - 1)) == 0 ||
	    vmsa_gpa == ca_gpa)
		return SVSM_RC_INVALID_ADDRESS;
	/* Guest RAM, not SVSM memory, not another vCPU's VMSA or calling area. */
	rc = core_check_range(vm, vmsa, SVSM_PAGE, SVSM_PAGE, false, &pa);
	if (svsm_rc_ok(rc))
		rc = core_check_range(vm, ca, SVSM_PAGE, SVSM_PAGE, false, NULL);
	if (!svsm_rc_ok(rc))
		return rc;
	/*
	 * The boot vCPU's APIC ID is refused: its context runs on the boot CPU
	 * for good (SVSM spec §6.3 lets the SVSM refuse a VMSA it will not
	 * run). Another APIC ID may already have VMSAs: the new one is its
	 * vCPU from now on (svsm_vcpu_current), the older ones stay VMSAs
	 * until DELETE_VCPU, as COCONUT-SVSM has it. Linux makes a CPU's next
	 * VMSA before it deletes the last, and OVMF's DXE makes its own while
	 * the VMSAs its PEI made stay; refusing would leave their CPUs off.
	 */
	if (vm->vcpu[0].used && vm->vcpu[0].apic_id == apic_id)
		return SVSM_RC_INVALID_PARAMETER;
	slot = free_slot(vm);
	if (slot < 0)
		return SVSM_RC_BUSY;

	/* A page the SVSM cannot read (not validated) is refused before the RMP is touched. */
	if (copy_from_guest(&copy, vmsa, sizeof(copy), SVSM_PAGE) != SVSM_OK)
		return SVSM_RC_INVALID_ADDRESS;
	/* Take the page from the guest, then read it again: the checked copy is what will run. */
	if (!insn_rc_ok(core_revoke(vm, pa, RMP_PG_SIZE_4K)))
		return SVSM_RC_INVALID_ADDRESS;
	if (copy_from_guest(&copy, vmsa, sizeof(copy), SVSM_PAGE) != SVSM_OK) {
		(void)core_grant(vm, pa, RMP_PG_SIZE_4K);
		return SVSM_RC_INVALID_ADDRESS;
	}
	if (!vmsa_acceptable(vm, &copy)) {
		(void)core_grant(vm, pa, RMP_PG_SIZE_4K);
		return SVSM_RC_INVALID_PARAMETER;
	}
	/*
	 * APM vol. 3, RMPADJUST: set the VMSA bit targeting VMPL1, the level that always takes
	 * it from VMPL0; then give the guest's VMPL read access back (every
	 * RMPADJUST from VMPL0 writes the VMSA bit, so it is given again). A
	 * guest reads what it wrote into its new vCPU's VMSA (Linux reads
	 * SEV_FEATURES for the AP creation event after this call); it can
	 * never write it, and a running vCPU's state is not in the page.
	 */
	if (!insn_rc_ok(platform_rmpadjust(pa, RMP_PG_SIZE_4K, 1 | RMPADJUST_VMSA)) ||
	    !insn_rc_ok(platform_rmpadjust(pa, RMP_PG_SIZE_4K,
					   vm->guest_vmpl | RMP_PERM_READ | RMPADJUST_VMSA))) {
		(void)platform_rmpadjust(pa, RMP_PG_SIZE_4K, 1);
		(void)core_grant(vm, pa, RMP_PG_SIZE_4K);
		return SVSM_RC_INVALID_PARAMETER;
	}
	vm->vcpu[slot] = (struct svsm_vcpu){ .used = true, .running = false, .apic_id = apic_id,
					     .vmpl = copy.vmpl, .vmsa_pa = pa, .ca_gpa = ca,
					     .made = ++vm->vcpus_made };
	return SVSM_RC_SUCCESS;
}

int svsm_vcpu_current(const struct svsm_vm *vm, uint32_t apic_id)
{
	int found = -1;

	for (unsigned i = 1; i < SVSM_MAX_VCPUS; i++) {
		if (vm->vcpu[i].used && vm->vcpu[i].apic_id == apic_id &&
		    (found < 0 || vm->vcpu[i].made > vm->vcpu[found].made))
			found = (int)i;
	}
	return found;
}

svsm_rc core_create_vcpu(struct svsm_vm *vm, struct svsm_regs *regs)
{
	svsm_rc rc;

	write_lock(&vm->lock);
	rc = create(vm, gpa_init(regs->rcx), gpa_init(regs->rdx), (uint32_t)regs->r8);
	write_unlock(&vm->lock);
	return rc;
}

static svsm_rc delete(struct svsm_vm *vm, gpa_t vmsa)
{
	int slot = core_find_vmsa(vm, vmsa);

	/* SVSM spec §6.4: unknown VMSAs, the startup vCPU and more privileged vCPUs are refused. */
	if (slot <= 0 || vm->vcpu[slot].vmpl < vm->guest_vmpl)
		return SVSM_RC_INVALID_PARAMETER;
	if (vm->vcpu[slot].running)
		return SVSM_RC_FAIL_INUSE; /* EFER.SVME cannot be cleared while it runs */
	/*
	 * Clear the VMSA bit (same target as setting it), then give the page
	 * back. Under SNP only the hardware knows whether the vCPU runs it: an
	 * in-use VMSA fails RMPADJUST with FAIL_INUSE, and so does the call.
	 */
	paddr_t pa = vm->vcpu[slot].vmsa_pa;
	insn_rc code = platform_rmpadjust(pa, RMP_PG_SIZE_4K, 1);

	if (insn_rc_eq(code, INSN_RC_FAIL_INUSE))
		return SVSM_RC_FAIL_INUSE;
	if (!insn_rc_ok(code) || !insn_rc_ok(core_grant(vm, pa, RMP_PG_SIZE_4K)))
		return SVSM_RC_INVALID_PARAMETER;
	vm->vcpu[slot] = (struct svsm_vcpu){ .used = false };
	return SVSM_RC_SUCCESS;
}

svsm_rc core_delete_vcpu(struct svsm_vm *vm, struct svsm_regs *regs)
{
	svsm_rc rc;

	write_lock(&vm->lock);
	rc = delete(vm, gpa_init(regs->rcx));
	write_unlock(&vm->lock);
	return rc;
}

static svsm_rc remap_ca(struct svsm_vm *vm, unsigned vcpu, gpa_t ca_gpa)
{
	gpa_t old = vm->vcpu[vcpu].ca_gpa;
	svsm_rc rc;

	if ((gpa_addr(ca_gpa) & (SVSM_PAGE - 1)) != 0)
		return SVSM_RC_INVALID_ADDRESS;
	if (gpa_addr(ca_gpa) == gpa_addr(old))
		return SVSM_RC_SUCCESS;
	rc = core_check_range(vm, ca_gpa, SVSM_PAGE, SVSM_PAGE, false, NULL);
	if (!svsm_rc_ok(rc))
		return rc;
	/* COCONUT zeroes the new calling area: no stale call_pending survives the move. */
	if (core_zero_guest(ca_gpa, SVSM_PAGE) != SVSM_OK)
		return SVSM_RC_INVALID_ADDRESS;
	vm->vcpu[vcpu].ca_gpa = ca_gpa;
	return SVSM_RC_SUCCESS;
}

svsm_rc core_remap_ca(struct svsm_vm *vm, unsigned vcpu, struct svsm_regs *regs)
{
	svsm_rc rc;

	write_lock(&vm->lock);
	rc = remap_ca(vm, vcpu, gpa_init(regs->rcx));
	write_unlock(&vm->lock);
	return rc;
}
