/* SPDX-License-Identifier: MIT */
/*
 * Running a vsnp guest vCPU: its VMSA loaded into a VMCB when it starts and
 * written back when it stops, VMRUN, and every exit served as the SNP
 * hardware and hypervisor would serve it:
 *
 *   VMMCALL from `rep vmmcall`  VMGEXIT: the GHCB MSR protocol (hv_serve.c);
 *                               Run VMPL0 is an SVSM call (protocols/)
 *   MSR 0xC0010130 / 0xC0010131 the GHCB MSR / SEV_STATUS (SNP active)
 *   CPUID                       from the guest's CPUID page
 *   nested page fault           the RMP model (npt.c): map, #VC 0x404, or stop
 *   HLT, shutdown, VMRUN...     stop or #UD, as the table in handle_exit says
 *
 * QEMU TCG saves no next RIP (qemu-tcg-svm-facts.md): RIP is advanced here
 * by the length of the instruction that exited.
 */
#include "abi/ghcb.h"
#include "abi/vmcb.h"
#include "abi/vmsa.h"
#include "abi/x86.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "protocols/svsm_vm.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"
#include "svsm/guest_mem.h"
#include "svsm/lapic.h"
#include "svsm/mm.h"
#include "svsm/panic.h"
#include "svsm/percpu.h"
#include "svsm/platform_vsnp.h"
#include "svsm/rmp_model.h"
#include "svsm/tsc.h"
#include "svsm/vsnp.h"
#include "vsnp_internal.h"

#define VC_VECTOR 29
#define UD_VECTOR 6
#define GP_VECTOR 13
#define VC_ERR_NOT_VALIDATED 0x404 /* snp-svsm-abi.md §3.3 */
/* SEV_STATUS as an SNP guest reads it: SEV, SEV-ES, SNP enabled (APM vol.2 §15.34.10). */
#define GUEST_SEV_STATUS 0x7ull
#define GUEST_ASID 1

/* vCPUs vsnp can run (svsm_vm slots 0..VSNP_RUN_VCPUS-1), taking turns on this CPU. */
#define VSNP_RUN_VCPUS 8

enum vsnp_vcpu_state {
	VCPU_OFF,      /* not started, or destroyed / stopped; its VMSA holds its state */
	VCPU_RUNNABLE, /* in the rotation */
};

struct vsnp_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
	struct svm_gprs g;
	struct vsnp_hv_vcpu hv;
	enum vsnp_vcpu_state state;
	unsigned cpu; /* the physical CPU that runs it */
	/* AP destroy from a vCPU on another CPU: its own CPU stops it, after VMRUN (vcpu_stop_requested). */
	bool stop_requested;
	uint8_t fpu[512] __attribute__((aligned(16))); /* FXSAVE image of the guest's x87/SSE state */
};

static struct vsnp_vcpu vcpus[VSNP_RUN_VCPUS];

/* ---- VMSA <-> VMCB ---- */

static void vmcb_controls(struct vmcb *v)
{
	v->ctl.intercept_exc = 0;
	v->ctl.intercept_misc1 = (1u << VMCB_INTERCEPT_INTR) | (1u << VMCB_INTERCEPT_CPUID) |
				 (1u << VMCB_INTERCEPT_HLT) | (1u << VMCB_INTERCEPT_INVLPGA) |
				 (1u << VMCB_INTERCEPT_IOIO) | (1u << VMCB_INTERCEPT_MSR) |
				 (1u << VMCB_INTERCEPT_SHUTDOWN) | (1u << VMCB_INTERCEPT_TASK_SWITCH) |
				 (1u << VMCB_INTERCEPT_INIT) | (1u << VMCB_INTERCEPT_INVD) |
				 (1u << VMCB_INTERCEPT_RDPMC);
	/*
	 * INVD would drop dirty cache lines that are not the guest's, WBINVD,
	 * MONITOR and MWAIT act on the machine: a hypervisor takes them all
	 * (exit_machine_insn), as it takes RDPMC (no PMU is offered).
	 */
	v->ctl.intercept_misc2 = (1u << VMCB_INTERCEPT_VMRUN) | (1u << VMCB_INTERCEPT_VMMCALL) |
				 (1u << VMCB_INTERCEPT_VMLOAD) | (1u << VMCB_INTERCEPT_VMSAVE) |
				 (1u << VMCB_INTERCEPT_STGI) | (1u << VMCB_INTERCEPT_CLGI) |
				 (1u << VMCB_INTERCEPT_SKINIT) | (1u << VMCB_INTERCEPT_XSETBV) |
				 (1u << VMCB_INTERCEPT_WBINVD) | (1u << VMCB_INTERCEPT_MONITOR) |
				 (1u << VMCB_INTERCEPT_MWAIT) | (1u << VMCB_INTERCEPT_MWAIT_COND);
	v->ctl.iopm_base_pa = vsnp.iopm_pa;
	v->ctl.msrpm_base_pa = vsnp.msrpm_pa;
	v->ctl.asid = GUEST_ASID;
	v->ctl.tlb_control = VMCB_TLB_FLUSH_ALL;
	v->ctl.int_ctl = VMCB_V_INTR_MASKING; /* physical interrupts stay the host's: INTR exits */
	v->ctl.np_ctl = VMCB_NP_ENABLE;
	v->ctl.n_cr3 = vsnp.npt.pt.root_pa;
}

static void load_vmsa(struct vsnp_vcpu *c, const struct vmsa *s)
{
	vmsa_to_vmcb(s, &c->vmcb->save, &c->g, c->fpu);
}

static void store_vmsa(const struct vsnp_vcpu *c, struct vmsa *s)
{
	vmcb_to_vmsa(&c->vmcb->save, &c->g, c->fpu, s);
}

/* ---- guest memory through the guest's own page tables ---- */

/*
 * What the SVSM touches on the guest's behalf (page-table entries,
 * instruction bytes, the exception stack) is checked like the guest's own
 * access would be: private (C-bit) and allowed to the guest's VMPL by the
 * RMP. A guest pointing its tables at SVSM memory, a VMSA or a shared page
 * gets SVSM_EFAULT, never the SVSM's rights.
 */
static int guest_phys_access(uint64_t gpa_c, void *buf, size_t len, bool write)
{
	uint64_t cbit = vsnp_guest_cbit();
	uint64_t pa = gpa_c & ~cbit;

	if (!(gpa_c & cbit) || (pa & ~(PAGE_SIZE - 1)) != ((pa + len - 1) & ~(PAGE_SIZE - 1)) ||
	    rmp_model_access(&vsnp.rmp, pa, vsnp.npt.vmpl,
			     write ? RMP_ACCESS_WRITE : RMP_ACCESS_READ) != RMP_OK)
		return SVSM_EFAULT;
	return write ? copy_to_guest(pa, buf, len, 1) : copy_from_guest(buf, pa, len, 1);
}

/* The guest-physical address (with its C-bit) of guest virtual va. SVSM_OK or SVSM_EFAULT. */
static int guest_virt_to_phys(const struct vsnp_vcpu *c, uint64_t va, uint64_t *gpa_c)
{
	const struct vmcb_save *v = &c->vmcb->save;

	if (!(v->cr0 & CR0_PG) || !(v->efer & EFER_LMA))
		return SVSM_EFAULT; /* only 64-bit guests are run so far */

	uint64_t table = v->cr3 & PTE_ADDR_MASK;

	for (int level = 3; level >= 0; level--) {
		uint64_t e;
		unsigned shift = 12 + 9 * (unsigned)level;

		if (guest_phys_access(table + ((va >> shift) & 511) * 8, &e, 8, false) != SVSM_OK ||
		    !(e & PTE_P))
			return SVSM_EFAULT;
		if (level == 0 || (level <= 2 && (e & PTE_PS))) {
			uint64_t mask = (1ull << shift) - 1;

			*gpa_c = ((e & PTE_ADDR_MASK) & ~mask) | (va & mask);
			return SVSM_OK;
		}
		table = e & PTE_ADDR_MASK;
	}
	return SVSM_EFAULT;
}

/* Reads or writes len bytes at guest virtual va, page by page. */
static int guest_virt_access(const struct vsnp_vcpu *c, uint64_t va, void *buf, size_t len,
			     bool write)
{
	uint8_t *p = buf;

	while (len > 0) {
		size_t n = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		uint64_t gpa_c;

		n = n < len ? n : len;
		if (guest_virt_to_phys(c, va, &gpa_c) != SVSM_OK ||
		    guest_phys_access(gpa_c, p, n, write) != SVSM_OK)
			return SVSM_EFAULT;
		va += n, p += n, len -= n;
	}
	return SVSM_OK;
}

static int read_insn(const struct vsnp_vcpu *c, uint8_t *buf, size_t len)
{
	return guest_virt_access(c, c->vmcb->save.rip, buf, len, false);
}

/*
 * Delivers an exception with an error code the way the CPU would in 64-bit
 * mode (APM vol.2 §8.9.3): IDT gate, IST or current stack aligned to 16
 * bytes, SS/RSP/RFLAGS/CS/RIP/error pushed, IF cleared for an interrupt
 * gate. Why not EVENTINJ: QEMU 7.2 TCG pushes error codes only for
 * vectors 8, 10-14 and 17 (its exception_has_error_code), so an injected
 * #VC would arrive without its 0x404. Only CPL0 guests are handled (a
 * CPL3 guest would need a stack switch through TSS.RSP0). SVSM_OK, or
 * SVSM_EFAULT when the guest's IDT, TSS or stack cannot take it.
 */
static int deliver_with_error(struct vsnp_vcpu *c, unsigned vector, uint64_t error)
{
	struct vmcb_save *v = &c->vmcb->save;
	uint64_t gate[2];

	if (v->cpl != 0 || (uint64_t)vector * 16 + 15 > v->idtr.limit ||
	    guest_virt_access(c, v->idtr.base + vector * 16ull, gate, sizeof(gate), false) != SVSM_OK)
		return SVSM_EFAULT;

	unsigned type = (unsigned)(gate[0] >> 40) & 0xF;
	unsigned ist = (unsigned)(gate[0] >> 32) & 7;
	uint64_t handler = (gate[0] & 0xFFFF) | ((gate[0] >> 32) & 0xFFFF0000ull) | (gate[1] << 32);
	uint64_t rsp = v->rsp;

	if (!(gate[0] & (1ull << 47)) || (type != 0xE && type != 0xF))
		return SVSM_EFAULT;
	if (ist != 0 && guest_virt_access(c, v->tr.base + 0x24 + 8 * (ist - 1ull), &rsp, 8, false) != SVSM_OK)
		return SVSM_EFAULT;
	rsp &= ~15ull;

	uint64_t frame[6] = { error, v->rip, v->cs.selector, v->rflags, v->rsp, v->ss.selector };

	rsp -= sizeof(frame);
	if (guest_virt_access(c, rsp, frame, sizeof(frame), true) != SVSM_OK)
		return SVSM_EFAULT;
	v->rsp = rsp;
	v->rip = handler;
	v->cs.selector = (uint16_t)(gate[0] >> 16);
	/* TF, NT, RF cleared; IF too through an interrupt gate. */
	v->rflags &= ~((1ull << 8) | (1ull << 14) | (1ull << 16) | (type == 0xE ? (1ull << 9) : 0));
	return SVSM_OK;
}

/* ---- exits ---- */

static void inject(struct vsnp_vcpu *c, unsigned vector, bool has_error, uint32_t error)
{
	uint64_t ev = vector | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID;

	if (has_error)
		ev |= VMCB_EVENT_ERROR_VALID | ((uint64_t)error << 32);
	c->vmcb->ctl.event_inj = ev;
}

struct run {
	struct svsm_vm *vm;
	unsigned index; /* the vCPU whose exit is being handled */
	struct vsnp_exit *out;
	bool done;      /* the whole guest stops */
	bool yield;     /* let the next runnable vCPU have the CPU */
};

static int vcpu_start(struct svsm_vm *vm, unsigned i);
static void vcpu_stop(struct svsm_vm *vm, unsigned i, uint64_t rip_advance);
static void vcpu_stop_requested(struct svsm_vm *vm, unsigned i);

static void stop(struct run *r, struct vsnp_vcpu *c, const char *why)
{
	r->out->kind = VSNP_EXIT_STOPPED;
	r->out->why = why;
	r->out->rip = c->vmcb->save.rip;
	r->done = true;
}

static void svsm_call(struct run *r, struct vsnp_vcpu *c)
{
	struct svsm_regs regs = {
		.rax = c->vmcb->save.rax, .rcx = c->g.rcx, .rdx = c->g.rdx, .r8 = c->g.r8, .r9 = c->g.r9,
	};

	if (!svsm_handle_call(r->vm, r->index, &regs))
		return; /* no call pending: the guest just ran VMPL0 (§5.3) */
	r->out->calls++;
	c->vmcb->save.rax = regs.rax;
	c->g.rcx = regs.rcx;
	c->g.rdx = regs.rdx;
	c->g.r8 = regs.r8;
}

/* The guest's own SNP guest request (GHCB page, e.g. with VMPCK2): the PSP model answers it. */
/* The guest asked to end: its reason set and code end the run. */
static void terminated(struct run *r, const struct vsnp_vcpu *c)
{
	r->out->kind = VSNP_EXIT_TERMINATED;
	r->out->set = c->hv.term_set;
	r->out->code = c->hv.term_code;
	r->done = true;
}

static void guest_request(struct ghcb *g)
{
	static struct snp_guest_msg req, resp;
	uint64_t fw = 0;

	memset(&resp, 0, sizeof(resp));
	if (vsnp_shared_copy(g->sw_exit_info_1, &req, sizeof(req), false) != SVSM_OK) {
		GHCB_SET(g, sw_exit_info_1, GHCB_RESULT_ERROR);
		GHCB_SET(g, sw_exit_info_2, GHCB_ERR_INVALID_INPUT); /* not a shared page */
		return;
	}
	/* A request the model refuses changes nothing in it; fw says why ([31:0]: firmware error). */
	if (psp_model_guest_request(&vsnp.psp, &req, &resp, &fw) == SVSM_OK &&
	    vsnp_shared_copy(g->sw_exit_info_2, &resp, sizeof(resp), true) != SVSM_OK)
		fw = PSP_FW_ERR_INVALID_PARAM;
	GHCB_SET(g, sw_exit_info_1, GHCB_RESULT_OK);
	GHCB_SET(g, sw_exit_info_2, fw);
}

/*
 * AP creation (GHCB page): start the vCPU the guest created with
 * CREATE_VCPU (its VMSA, APIC ID and VMPL must match that vCPU), or stop
 * one. The vCPUs take turns on this physical CPU: each VMGEXIT and HLT
 * hands the CPU to the next runnable one.
 */
static void ap_create(struct run *r, struct vsnp_vcpu *c, struct ghcb *g)
{
	const struct vsnp_hv_vcpu *h = &c->hv;
	struct svsm_vm *vm = r->vm;
	int slot = -1;

	for (unsigned i = 1; i < SVSM_MAX_VCPUS && slot < 0; i++) {
		const struct svsm_vcpu *v = &vm->vcpu[i];

		if (v->used && v->apic_id == h->ap_apic_id && v->vmpl == h->ap_vmpl &&
		    (h->ap_request == SVM_AP_DESTROY || v->vmsa_gpa == h->ap_vmsa))
			slot = (int)i;
	}
	bool ok = slot > 0 && slot < VSNP_RUN_VCPUS;

	if (ok && h->ap_request == SVM_AP_CREATE)
		ok = vcpus[slot].state == VCPU_OFF && vcpu_start(vm, (unsigned)slot) == SVSM_OK;
	else if (ok)
		ok = vcpus[slot].state == VCPU_RUNNABLE && (unsigned)slot != r->index;
	if (ok && h->ap_request == SVM_AP_DESTROY)
		vcpu_stop_requested(vm, (unsigned)slot);
	if (ok)
		log_info("vsnp: vCPU %d (APIC ID %u) %s on CPU %u", slot, h->ap_apic_id,
			 h->ap_request == SVM_AP_CREATE ? "started" : "destroyed", vcpus[slot].cpu);
	GHCB_SET(g, sw_exit_info_1, ok ? GHCB_RESULT_OK : GHCB_RESULT_ERROR);
	GHCB_SET(g, sw_exit_info_2, ok ? 0 : GHCB_ERR_INVALID_INPUT);
}

/* VMGEXIT with the GHCB MSR holding a GPA: the GHCB page protocol. */
static void exit_ghcb(struct run *r, struct vsnp_vcpu *c)
{
	static struct ghcb g; /* the SVSM's copy of the guest's GHCB, read once */
	uint64_t gpa = c->hv.ghcb_msr;

	if (gpa == 0 || gpa != c->hv.ghcb_gpa) {
		stop(r, c, "GHCB page protocol with a GHCB that was not registered");
		return;
	}
	if (vsnp_shared_copy(gpa, &g, sizeof(g), false) != SVSM_OK) {
		stop(r, c, "the registered GHCB is not a shared page (a hypervisor cannot read it)");
		return;
	}
	switch (vsnp_hv_ghcb_exit(&vsnp.hv, &c->hv, &g)) {
	case VSNP_HV_RESUME:
		break;
	case VSNP_HV_SVSM_CALL:
		svsm_call(r, c);
		break;
	case VSNP_HV_GUEST_REQUEST:
		guest_request(&g);
		break;
	case VSNP_HV_AP_CREATE:
		ap_create(r, c, &g);
		break;
	case VSNP_HV_TERMINATE:
		terminated(r, c);
		return;
	case VSNP_HV_BAD:
		stop(r, c, c->hv.why);
		return;
	}
	if (vsnp_shared_copy(gpa, &g, sizeof(g), true) != SVSM_OK)
		stop(r, c, "the GHCB could not be written back");
}

static void exit_vmmcall(struct run *r, struct vsnp_vcpu *c)
{
	static const uint8_t vmgexit[4] = { 0xF3, 0x0F, 0x01, 0xD9 }; /* rep vmmcall (§3) */
	uint8_t insn[4];

	if (read_insn(c, insn, sizeof(insn)) != SVSM_OK) {
		stop(r, c, "the instruction at RIP cannot be read");
		return;
	}
	if (memcmp(insn, vmgexit, sizeof(insn)) != 0) {
		inject(c, UD_VECTOR, false, 0); /* a plain VMMCALL: no hypervisor call under SNP */
		return;
	}
	c->vmcb->save.rip += sizeof(vmgexit);
	r->yield = true; /* a hypervisor call is where another vCPU gets its turn */
	if (c->hv.ghcb_msr != 0 && ghcb_msr_info(c->hv.ghcb_msr) == 0) {
		exit_ghcb(r, c);
		return;
	}
	switch (vsnp_hv_msr_exit(&vsnp.hv, &c->hv)) {
	case VSNP_HV_GUEST_REQUEST: /* only from the GHCB page */
	case VSNP_HV_AP_CREATE:
	case VSNP_HV_RESUME:
		break;
	case VSNP_HV_SVSM_CALL:
		svsm_call(r, c);
		break;
	case VSNP_HV_TERMINATE:
		terminated(r, c);
		break;
	case VSNP_HV_BAD:
		stop(r, c, c->hv.why);
		break;
	}
}

/* The MSRs the guest may reach (every other one is intercepted: include the reason in vsnp.c). */
static void exit_msr(struct run *r, struct vsnp_vcpu *c)
{
	uint32_t msr = (uint32_t)c->g.rcx;
	bool write = c->vmcb->ctl.exit_info_1 == 1;
	uint64_t val = (c->vmcb->save.rax & 0xFFFFFFFFull) | (c->g.rdx << 32);
	uint64_t cur;

	(void)r;
	switch (msr) {
	case MSR_GHCB:
		if (write)
			c->hv.ghcb_msr = val;
		cur = c->hv.ghcb_msr;
		break;
	case MSR_SEV_STATUS:
		if (write) {
			inject(c, GP_VECTOR, true, 0);
			return;
		}
		cur = GUEST_SEV_STATUS;
		break;
	case MSR_EFER:
		/* SCE, LME, NXE may change; LMA follows the hardware, SVME stays set (SNP guests run with it). */
		if (write && (val & ~(uint64_t)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME))) {
			inject(c, GP_VECTOR, true, 0);
			return;
		}
		if (write)
			c->vmcb->save.efer = (val & ~(uint64_t)EFER_LMA) |
					     (c->vmcb->save.efer & EFER_LMA) | EFER_SVME;
		cur = c->vmcb->save.efer;
		break;
	case 0x277: /* PAT: the guest's is G_PAT under nested paging */
		if (write)
			c->vmcb->save.g_pat = val;
		cur = c->vmcb->save.g_pat;
		break;
	default:
		inject(c, GP_VECTOR, true, 0); /* not emulated: what a missing MSR does */
		return;
	}
	if (!write) {
		c->vmcb->save.rax = cur & 0xFFFFFFFFull;
		c->g.rdx = cur >> 32;
	}
	c->vmcb->save.rip += 2;
}

static void exit_cpuid(struct run *r, struct vsnp_vcpu *c)
{
	struct cpuid_regs out;

	(void)r;
	if (vsnp_cpuid_answer((uint32_t)c->vmcb->save.rax, (uint32_t)c->g.rcx, c->vmcb->save.cr4, 1,
			      &out) != SVSM_OK)
		memset(&out, 0, sizeof(out));
	c->vmcb->save.rax = out.eax;
	c->g.rbx = out.ebx;
	c->g.rcx = out.ecx;
	c->g.rdx = out.edx;
	c->vmcb->save.rip += 2;
}

static void exit_npf(struct run *r, struct vsnp_vcpu *c)
{
	const char *why;
	static char msg[128];

	switch (vsnp_npt_fault(&vsnp.npt, c->vmcb->ctl.exit_info_2, c->vmcb->ctl.exit_info_1,
			       c->vmcb->save.cpl, &why)) {
	case VSNP_NPF_MAPPED:
		return;
	case VSNP_NPF_INJECT_VC_404:
		if (deliver_with_error(c, VC_VECTOR, VC_ERR_NOT_VALIDATED) == SVSM_OK)
			return;
		fmt_snprintf(msg, sizeof(msg), "#VC 0x404 at GPA 0x%llx could not be delivered "
			     "(no usable IDT gate or stack: the vCPU would triple-fault)",
			     (unsigned long long)c->vmcb->ctl.exit_info_2);
		break;
	case VSNP_NPF_VIOLATION:
		fmt_snprintf(msg, sizeof(msg), "RMP violation at GPA 0x%llx (%s)",
			 (unsigned long long)c->vmcb->ctl.exit_info_2, why);
		break;
	case VSNP_NPF_NOT_RAM:
		fmt_snprintf(msg, sizeof(msg), "access to GPA 0x%llx, which is not RAM (%s); no MMIO is emulated",
			 (unsigned long long)c->vmcb->ctl.exit_info_2, why);
		break;
	}
	stop(r, c, msg);
}

/*
 * IN/OUT (every port is intercepted): served by the allow-list
 * (io_ports.c). EXITINFO1 as APM vol.2 §15.10.2 has it: bit 0 IN, bit 2
 * string, bit 3 REP, bits 4-6 the size, bits 31:16 the port; EXITINFO2 the
 * next RIP. String I/O is not emulated (no allowed device needs it): the
 * vCPU stops with that said, rather than the access being half done.
 */
static void exit_ioio(struct run *r, struct vsnp_vcpu *c)
{
	uint64_t info = c->vmcb->ctl.exit_info_1;
	uint16_t port = (uint16_t)(info >> 16);
	unsigned bytes = (info & (1u << 4)) ? 1 : (info & (1u << 5)) ? 2 : 4;
	bool in = (info & 1) != 0;
	uint32_t val = (uint32_t)c->vmcb->save.rax;

	if (info & (1u << 2)) {
		static char msg[80];

		fmt_snprintf(msg, sizeof(msg), "string I/O (INS/OUTS) at port 0x%x, which is not emulated",
			     (unsigned)port);
		stop(r, c, msg);
		return;
	}
	vsnp_io_access(&vsnp.io, port, bytes, in, &val);
	if (in) {
		uint64_t mask = bytes == 4 ? 0xFFFFFFFFull : (1ull << (8 * bytes)) - 1;

		/* A 32-bit IN zero-extends into RAX; 8 and 16 bits keep the rest (APM vol.3 IN). */
		if (bytes == 4)
			c->vmcb->save.rax = val;
		else
			c->vmcb->save.rax = (c->vmcb->save.rax & ~mask) | (val & mask);
	}
	c->vmcb->save.rip = c->vmcb->ctl.exit_info_2; /* IOIO exits give the next RIP (§15.10.2) */
}

/*
 * INVD, WBINVD, MONITOR, MWAIT (exit codes 0x76, 0x89, 0x8A, 0x8B, 0x8C;
 * APM vol.2 App. C) as KVM treats them: INVD as WBINVD, and WBINVD with
 * no device DMA to keep coherent, and MONITOR/MWAIT, as no-ops that step
 * over the instruction (never a real INVD: it would drop cache lines of
 * the SVSM's). QEMU TCG saves no next RIP, so the instruction at RIP is
 * read and must be one the exit can stand for, without prefixes (QEMU 7.2
 * reports INVD with WBINVD's exit code, so either cache instruction is
 * taken for either code); otherwise, or if it cannot be read, the vCPU
 * stops with that said. RDPMC (0x6F): no PMU is offered, so #GP, as for a
 * counter that does not exist.
 */
static void exit_machine_insn(struct run *r, struct vsnp_vcpu *c, uint64_t code)
{
	static const uint8_t invd[2] = { 0x0F, 0x08 }, wbinvd[2] = { 0x0F, 0x09 };
	static const uint8_t monitor[3] = { 0x0F, 0x01, 0xC8 }, mwait[3] = { 0x0F, 0x01, 0xC9 };
	static char msg[96];
	uint8_t got[3];
	bool cache = code == 0x76 || code == 0x89;
	size_t len = cache ? 2 : 3;

	if (code == 0x6F) {
		inject(c, GP_VECTOR, true, 0);
		return;
	}
	if (read_insn(c, got, len) == SVSM_OK &&
	    (cache ? memcmp(got, invd, 2) == 0 || memcmp(got, wbinvd, 2) == 0
		   : memcmp(got, code == 0x8A ? monitor : mwait, 3) == 0)) {
		c->vmcb->save.rip += len;
		return;
	}
	fmt_snprintf(msg, sizeof(msg), "exit 0x%llx, but the bytes at RIP are not that plain instruction (not emulated)",
		     (unsigned long long)code);
	stop(r, c, msg);
}

static void handle_exit(struct run *r, struct vsnp_vcpu *c)
{
	uint64_t code = c->vmcb->ctl.exit_code;

	/* An event cut short by the exit (a fault while delivering it) is delivered again. */
	if (c->vmcb->ctl.exit_int_info & VMCB_EVENT_VALID)
		c->vmcb->ctl.event_inj = c->vmcb->ctl.exit_int_info;

	switch (code) {
	case SVM_EXIT_VMMCALL:
		exit_vmmcall(r, c);
		break;
	case SVM_EXIT_MSR:
		exit_msr(r, c);
		break;
	case SVM_EXIT_CPUID:
		exit_cpuid(r, c);
		break;
	case SVM_EXIT_NPF:
		exit_npf(r, c);
		break;
	case SVM_EXIT_IOIO:
		exit_ioio(r, c);
		break;
	case 0x6F: case 0x76: case 0x89: case 0x8A: case 0x8B: case 0x8C: /* RDPMC, INVD, WBINVD, MONITOR, MWAIT */
		exit_machine_insn(r, c, code);
		break;
	case 0x60: /* INTR (APM vol.2 App. C): a kick IPI (vsnp_kick_guest_cpus) or a stray timer tick, taken at STGI */
		break;
	case 0x78: /* HLT: no interrupts are delivered yet, so a halted vCPU never wakes: it stops */
		vcpu_stop(r->vm, r->index, 1);
		break;
	case 0x7F: /* SHUTDOWN */
		stop(r, c, "shutdown (triple fault)");
		break;
	case 0x80: case 0x82: case 0x83: case 0x84: case 0x85: case 0x86: case 0x7A: case 0x8D:
		/* VMRUN, VMLOAD, VMSAVE, STGI, CLGI, SKINIT, INVLPGA, XSETBV: not for an SNP guest. */
		inject(c, UD_VECTOR, false, 0);
		break;
	case 0x63: /* INIT */
		stop(r, c, "INIT signal");
		break;
	case 0x7D: /* task switch */
		stop(r, c, "task switch (not supported in long mode)");
		break;
	case ~0ull:
		stop(r, c, "VMRUN refused the guest state (VMEXIT_INVALID)");
		break;
	default: {
		static char msg[64];

		fmt_snprintf(msg, sizeof(msg), "unexpected exit code 0x%llx", (unsigned long long)code);
		stop(r, c, msg);
	}
	}
}

static void fpu_swap_in(const struct vsnp_vcpu *c)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(*(const uint8_t(*)[512])c->fpu));
}

static void fpu_swap_out(struct vsnp_vcpu *c)
{
	static const uint32_t mxcsr_default = 0x1F80;

	__asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])c->fpu));
	/* The guest may have unmasked SSE exceptions: the SVSM's own SSE use (mbedTLS) starts clean. */
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr_default));
}

/* The guest being run, its exit record, and whether it has ended (all under vsnp.lock). */
static struct svsm_vm *run_vm;
/*
 * The run's record lives here, in the shared kernel half: the caller's
 * record is on CPU 0's stack, in the per-CPU region, which is another
 * CPU's own stack at the same address. It is copied out when CPU 0 ends
 * the run; an AP that ends it hands this one to the end hook.
 */
static struct vsnp_exit run_record;
static struct vsnp_exit *const run_out = &run_record;
static bool guest_ended;
static void (*end_hook)(const struct vsnp_exit *out);

void vsnp_set_end_hook(void (*hook)(const struct vsnp_exit *out))
{
	end_hook = hook;
}

/*
 * Loads vCPU i from its VMSA (the SVSM's page: VMPL0 may read it) and puts
 * it in the rotation of its CPU: the boot vCPU on CPU 0, the others spread
 * over the APs (CPU 0 too when there are none).
 */
static int vcpu_start(struct svsm_vm *vm, unsigned i)
{
	static struct vmsa vmsa;
	struct vsnp_vcpu *c = &vcpus[i];
	unsigned n = smp_cpus();

	if (c->vmcb == NULL) {
		c->vmcb_pa = buddy_alloc(mm_buddy(), 0);
		if (c->vmcb_pa == MM_PA_NONE)
			return SVSM_ENOMEM;
		c->vmcb = phys_to_virt(c->vmcb_pa);
	}
	if (copy_from_guest(&vmsa, vm->vcpu[i].vmsa_gpa, sizeof(vmsa), 4096) != SVSM_OK)
		return SVSM_EFAULT;
	/*
	 * CREATE_VCPU checked this VMSA's VMPL and SEV features; check them
	 * again as it starts (the page is the SVSM's now, but another CPU
	 * may have held a stale guest mapping of it meanwhile).
	 */
	if (vmsa.vmpl != vm->vcpu[i].vmpl || vmsa.sev_features != vm->sev_features)
		return SVSM_EINVAL;
	memset(c->vmcb, 0, sizeof(*c->vmcb));
	vmcb_controls(c->vmcb);
	memset(&c->hv, 0, sizeof(c->hv));
	load_vmsa(c, &vmsa);
	c->cpu = i == 0 || n < 2 ? 0 : 1 + (i - 1) % (n - 1);
	c->state = VCPU_RUNNABLE;
	c->stop_requested = false;
	vm->vcpu[i].running = true;
	return SVSM_OK;
}

/* Takes vCPU i out of the rotation and writes its state back to its VMSA (RIP moved past rip_advance bytes). */
static void vcpu_stop(struct svsm_vm *vm, unsigned i, uint64_t rip_advance)
{
	static struct vmsa vmsa;
	struct vsnp_vcpu *c = &vcpus[i];

	if (c->state != VCPU_RUNNABLE)
		return;
	c->vmcb->save.rip += rip_advance;
	c->state = VCPU_OFF;
	c->stop_requested = false;
	vm->vcpu[i].running = false;
	if (copy_from_guest(&vmsa, vm->vcpu[i].vmsa_gpa, sizeof(vmsa), 4096) == SVSM_OK) {
		store_vmsa(c, &vmsa);
		if (copy_to_guest(vm->vcpu[i].vmsa_gpa, &vmsa, sizeof(vmsa), 4096) == SVSM_OK)
			return;
	}
	log_warn("vsnp: the state of stopped vCPU %u could not be written back to its VMSA", i);
}

/* Sends the kick IPI to cpu and waits until it is out of VMRUN (under vsnp.lock). */
static void kick_cpu(unsigned cpu)
{
	/* APIC ID = CPU index: smp_start_aps starts the APs so. */
	if (!lapic_send_fixed(cpu, LAPIC_KICK_VECTOR))
		panic("vsnp: the kick IPI to CPU %u was not sent: it may go on running the guest on "
		      "state the SVSM changed", cpu);
	vsnp.kicks++;

	uint64_t t0 = cpu_rdtsc(), span = tsc_hz() / 1000 * VSNP_KICK_WAIT_MS;

	while (__atomic_load_n(&vsnp.in_guest[cpu], __ATOMIC_ACQUIRE)) {
		if (cpu_rdtsc() - t0 > span)
			panic("vsnp: CPU %u did not leave the guest within %u ms of a kick: it may go on "
			      "running the guest on state the SVSM changed", cpu, VSNP_KICK_WAIT_MS);
		__asm__ volatile("pause");
	}
}

/*
 * AP destroy of vCPU i. On this CPU it is not inside VMRUN (this CPU is
 * serving another vCPU's exit), so it stops now. On another CPU it may be
 * inside VMRUN on its VMCB, which must not be read back or reused under
 * it: that CPU is asked to stop it (after its VMRUN, before the next) and
 * kicked, so it stops before the guest's request is answered.
 */
static void vcpu_stop_requested(struct svsm_vm *vm, unsigned i)
{
	struct vsnp_vcpu *c = &vcpus[i];

	if (c->cpu == this_cpu()->cpu_index) {
		vcpu_stop(vm, i, 0);
		return;
	}
	c->stop_requested = true;
	if (__atomic_load_n(&vsnp.in_guest[c->cpu], __ATOMIC_ACQUIRE))
		kick_cpu(c->cpu);
}

/* The next runnable vCPU of `cpu` after `cur` (cur itself if it is the only one), or -1. */
static int next_runnable(unsigned cpu, unsigned cur)
{
	for (unsigned k = 1; k <= VSNP_RUN_VCPUS; k++) {
		unsigned i = (cur + k) % VSNP_RUN_VCPUS;

		if (vcpus[i].state == VCPU_RUNNABLE && vcpus[i].cpu == cpu)
			return (int)i;
	}
	return -1;
}

static bool any_runnable(void)
{
	for (unsigned i = 0; i < VSNP_RUN_VCPUS; i++) {
		if (vcpus[i].state == VCPU_RUNNABLE)
			return true;
	}
	return false;
}

/*
 * One CPU's share of the guest: its vCPUs in turn until the guest ends.
 * Only VMRUN runs outside vsnp.lock. Returns true if this CPU ended it.
 */
static bool cpu_loop(unsigned cpu)
{
	struct run r = { run_vm, 0, run_out, false, false };
	unsigned cur = 0, last = ~0u;
	bool mine = false;

	spin_lock(&vsnp.lock);
	while (!guest_ended) {
		int next = next_runnable(cpu, cur);

		if (next < 0) {
			if (!any_runnable()) { /* every vCPU halted: nothing will ever wake one */
				run_out->kind = VSNP_EXIT_STOPPED;
				run_out->why = "HLT on every vCPU (no interrupt would ever wake them)";
				guest_ended = mine = true;
				break;
			}
			spin_unlock(&vsnp.lock);
			__asm__ volatile("pause");
			spin_lock(&vsnp.lock);
			continue;
		}
		if (last != ~0u && (unsigned)next != last)
			r.out->switches++;
		cur = last = (unsigned)next;

		struct vsnp_vcpu *c = &vcpus[cur];

		if (c->stop_requested) { /* an AP destroy from another CPU */
			vcpu_stop(run_vm, cur, 0);
			continue;
		}
		/* In the guest from here (for vsnp_kick_guest_cpus), with the changes so far flushed. */
		__atomic_store_n(&vsnp.in_guest[cpu], true, __ATOMIC_RELEASE);
		if (vsnp.flush_guest_tlb[cpu]) { /* one ASID for every vCPU: one flush serves all on this CPU */
			c->vmcb->ctl.tlb_control = VMCB_TLB_FLUSH_ALL;
			vsnp.flush_guest_tlb[cpu] = false;
		}
		spin_unlock(&vsnp.lock);
		fpu_swap_in(c);
		svm_run(c->vmcb_pa, &c->g, vsnp.host_save_pa[cpu]);
		__atomic_store_n(&vsnp.in_guest[cpu], false, __ATOMIC_RELEASE);
		fpu_swap_out(c);
		spin_lock(&vsnp.lock);
		c->vmcb->ctl.tlb_control = VMCB_TLB_NOTHING;
		c->vmcb->ctl.event_inj = 0;
		if (guest_ended)
			break; /* another CPU ended it while this one ran */
		r.out->exits++;
		if (c->stop_requested) {
			/* Destroyed while it ran: it stops at this exit, which is not served (RIP at it). */
			vcpu_stop(run_vm, cur, 0);
			continue;
		}
		r.index = cur;
		handle_exit(&r, c);
		if (r.done) {
			guest_ended = mine = true;
			break;
		}
		if (c->state == VCPU_RUNNABLE && !r.yield)
			cur = (cur + VSNP_RUN_VCPUS - 1) % VSNP_RUN_VCPUS; /* next_runnable picks it again */
		r.yield = false;
	}
	if (mine) {
		r.out->lent_used = vsnp.lent_pages_used;
		r.out->npt_faults = vsnp.npt.faults;
		r.out->npt_large = vsnp.npt.large_maps;
		r.out->kicks = vsnp.kicks;
		r.out->io_refused = vsnp.io.refused;
		r.out->io_last_refused_port = vsnp.io.last_refused_port;
		vsnp_io_flush(&vsnp.io); /* the guest's last line, if it ended without a newline */
		for (unsigned i = 0; i < VSNP_RUN_VCPUS; i++)
			vcpu_stop(run_vm, i, 0);
	}
	spin_unlock(&vsnp.lock);
	return mine;
}

void vsnp_kick_guest_cpus(void)
{
	unsigned n = smp_cpus();

	for (unsigned cpu = 0; cpu < n && cpu < SMP_MAX_CPUS; cpu++) {
		/* Only a CPU inside VMRUN is asked for this CPU's index (none is, before the guest runs). */
		if (__atomic_load_n(&vsnp.in_guest[cpu], __ATOMIC_ACQUIRE) && cpu != this_cpu()->cpu_index)
			kick_cpu(cpu);
	}
}

/* An AP's work (smp_set_ap_work): run the vCPUs given to it; report the end if it came here. */
static void ap_work(unsigned cpu)
{
	vsnp_cpu_init();
	while (__atomic_load_n(&run_vm, __ATOMIC_ACQUIRE) == NULL)
		__asm__ volatile("pause");
	if (cpu_loop(cpu) && end_hook != NULL)
		end_hook(run_out); /* does not return: the run is over */
	for (;;)
		__asm__ volatile("pause");
}

void vsnp_start_aps_work(void)
{
	smp_set_ap_work(ap_work);
}

void vsnp_run(struct svsm_vm *vm, unsigned vcpu, struct vsnp_exit *out)
{
	memset(out, 0, sizeof(*out));
	vsnp.vm = vm; /* nested page tables may use the pages it lends */
	if (vcpu != 0 || !vm->vcpu[vcpu].used) {
		out->kind = VSNP_EXIT_STOPPED;
		out->why = "the guest starts on its boot vCPU (slot 0)";
		return;
	}
	spin_lock(&vsnp.lock);
	int err = vcpu_start(vm, 0);

	memset(&run_record, 0, sizeof(run_record));
	spin_unlock(&vsnp.lock);
	if (err != SVSM_OK) {
		out->kind = VSNP_EXIT_STOPPED;
		out->why = "the boot vCPU's VMSA cannot be read";
		return;
	}
	__atomic_store_n(&run_vm, vm, __ATOMIC_RELEASE); /* the APs join in */
	if (!cpu_loop(0)) {
		/* An AP ended the guest and reports it (end_hook); this CPU has nothing more to do. */
		for (;;)
			__asm__ volatile("pause");
	}
	*out = run_record;
}
