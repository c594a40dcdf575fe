/* SPDX-License-Identifier: MIT */
/*
 * SVSM call entry and the dispatcher (SVSM spec 58019: calling convention, core
 * protocol): protocol and call from RAX, arguments in RCX/RDX/R8/R9, result
 * code in RAX. QUERY_PROTOCOL and CONFIGURE_VTOM are answered here; the other
 * core calls live in core_*.c.
 */
#include "protocols/svsm_vm.h"

#include "abi/svsm_abi.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/guest_mem.h"
#include "core_internal.h"
#include "protocols/attest.h"

/* SVSM spec, protocols: version 1 of each protocol. */
#define ATTEST_VERSION_MIN 1u
#define ATTEST_VERSION_MAX 1u
#define CORE_VERSION_MIN 1u
#define CORE_VERSION_MAX 1u
#define VTPM_VERSION_MIN 1u
#define VTPM_VERSION_MAX 1u
/* SVSM spec, core protocol CONFIGURE_VTOM: RCX bit 0 asks whether vTOM can be configured. */
#define VTOM_QUERY 1ull

int svsm_vm_init(struct svsm_vm *vm, unsigned guest_vmpl, uint64_t sev_features,
		 const struct memmap *guest_ram, const struct memmap *svsm_mem, paddr_t vmsa_pa,
		 gpa_t ca_gpa, uint32_t apic_id)
{
	if (guest_vmpl < 1 || guest_vmpl > 3 || ((pa_addr(vmsa_pa) | gpa_addr(ca_gpa)) & (SVSM_PAGE - 1)) != 0 ||
	    pa_addr(vmsa_pa) == gpa_addr(ca_gpa))
		return SVSM_EINVAL;
	memset(vm, 0, sizeof(*vm));
	vm->guest_vmpl = guest_vmpl;
	vm->sev_features = sev_features;
	vm->guest_ram = guest_ram;
	vm->svsm_mem = svsm_mem;
	vm->vcpu[0] = (struct svsm_vcpu){ .used = true, .running = true, .apic_id = apic_id,
					  .vmpl = (uint8_t)guest_vmpl, .vmsa_pa = vmsa_pa,
					  .ca_gpa = ca_gpa };
	return SVSM_OK;
}

static svsm_rc query_protocol(const struct svsm_vm *vm, struct svsm_regs *regs)
{
	uint32_t protocol = (uint32_t)(regs->rcx >> 32);
	uint32_t version = (uint32_t)regs->rcx;
	uint32_t min = 0, max = 0;

	if (protocol == SVSM_CORE_PROTOCOL)
		min = CORE_VERSION_MIN, max = CORE_VERSION_MAX;
	else if (protocol == SVSM_ATTEST_PROTOCOL && __atomic_load_n(&vm->attest, __ATOMIC_ACQUIRE))
		min = ATTEST_VERSION_MIN, max = ATTEST_VERSION_MAX;
	else if (protocol == SVSM_VTPM_PROTOCOL && __atomic_load_n(&vm->vtpm, __ATOMIC_ACQUIRE))
		min = VTPM_VERSION_MIN, max = VTPM_VERSION_MAX;
	/* SVSM spec, core protocol: RCX = max << 32 | min when the version is in range, else 0; RAX success either way. */
	if (max != 0 && version >= min && version <= max)
		regs->rcx = ((uint64_t)max << 32) | min;
	else
		regs->rcx = 0;
	return SVSM_RC_SUCCESS;
}

static svsm_rc configure_vtom(struct svsm_regs *regs)
{
	/* SVSM spec, core protocol: the SVSM does not support vTOM: the query says so, a request is refused. */
	if (regs->rcx & VTOM_QUERY) {
		regs->rcx = 0;
		return SVSM_RC_SUCCESS;
	}
	return SVSM_RC_INVALID_REQUEST;
}

static svsm_rc core_call(struct svsm_vm *vm, unsigned vcpu, uint32_t call, struct svsm_regs *regs)
{
	switch (call) {
	case SVSM_CORE_REMAP_CA:
		return core_remap_ca(vm, vcpu, regs);
	case SVSM_CORE_PVALIDATE:
		return core_pvalidate(vm, regs);
	case SVSM_CORE_CREATE_VCPU:
		return core_create_vcpu(vm, regs);
	case SVSM_CORE_DELETE_VCPU:
		return core_delete_vcpu(vm, regs);
	case SVSM_CORE_DEPOSIT_MEM:
		return core_deposit_mem(vm, regs);
	case SVSM_CORE_WITHDRAW_MEM:
		return core_withdraw_mem(vm, regs);
	case SVSM_CORE_QUERY_PROTOCOL:
		return query_protocol(vm, regs);
	case SVSM_CORE_CONFIGURE_VTOM:
		return configure_vtom(regs);
	default:
		return SVSM_RC_UNSUPPORTED_CALL;
	}
}

uint32_t svsm_protocol_calls(uint32_t protocol)
{
	switch (protocol) {
	case SVSM_CORE_PROTOCOL:
		return SVSM_CORE_CALLS;
	case SVSM_ATTEST_PROTOCOL:
		return SVSM_ATTEST_CALLS;
	case SVSM_VTPM_PROTOCOL:
		return SVSM_VTPM_CALLS;
	default:
		return 0;
	}
}

void svsm_dispatch(struct svsm_vm *vm, unsigned vcpu, struct svsm_regs *regs)
{
	uint32_t protocol = (uint32_t)(regs->rax >> SVSM_PROTOCOL_SHIFT);
	uint32_t call = (uint32_t)(regs->rax & SVSM_CALL_MASK);
	struct svsm_attest *attest = __atomic_load_n(&vm->attest, __ATOMIC_ACQUIRE);

	/*
	 * Every call is served with the guest's rights (grants to VMPL1..guest
	 * VMPL, its pages), so the caller must be a vCPU at the guest's VMPL;
	 * CREATE_VCPU makes no other, and a caller at any other VMPL gets none.
	 */
	svsm_rc rc;

	if (vcpu >= SVSM_MAX_VCPUS || !vm->vcpu[vcpu].used || vm->vcpu[vcpu].vmpl != vm->guest_vmpl)
		rc = SVSM_RC_INVALID_REQUEST;
	else if (protocol == SVSM_CORE_PROTOCOL)
		rc = core_call(vm, vcpu, call, regs);
	else if (protocol == SVSM_ATTEST_PROTOCOL && attest != NULL)
		rc = attest->handle(vm, call, regs);
	else if (protocol == SVSM_VTPM_PROTOCOL && __atomic_load_n(&vm->vtpm, __ATOMIC_ACQUIRE))
		rc = vtpm_call(vm, call, regs);
	else
		rc = SVSM_RC_UNSUPPORTED_PROTOCOL;
	regs->rax = rc.code; /* the one place a protocol result becomes RAX */
}

bool svsm_handle_call(struct svsm_vm *vm, unsigned vcpu, struct svsm_regs *regs)
{
	static const uint8_t zero;
	uint8_t pending = 0;

	if (vcpu >= SVSM_MAX_VCPUS || !vm->vcpu[vcpu].used)
		return false;

	gpa_t ca = vm->vcpu[vcpu].ca_gpa;

	/* SVSM spec, calling convention: a call only if call_pending is set; cleared before the call runs. */
	if (copy_from_guest(&pending, ca, 1, 1) != SVSM_OK || pending == 0)
		return false;
	if (copy_to_guest(ca, &zero, 1, 1) != SVSM_OK)
		return false;
	svsm_dispatch(vm, vcpu, regs);
	return true;
}
