/* SPDX-License-Identifier: MIT */
/*
 * The launched boot CPU on SVM (vsnp/cpu.h). Every MSR and port is
 * intercepted (the maps are all ones), CPUID, HLT, SHUTDOWN and VMMCALL
 * too; the nested table is guest memory's (vsnp/gmem.c), which never
 * holds a VMSA page. Served so far: the GHCB MSR (0xC0010130) and, on a
 * VMGEXIT (F3 0F 01 D9, which QEMU TCG exits as VMMCALL 0x81), the GHCB
 * MSR protocol's termination request (GHCB spec 56421 §2.3.6). Anything
 * else stops the CPU with its exit code, reported: those are the next
 * pieces of issue 16, never emulated behind the guest's back.
 */
#include "cpu.h"

#include "abi/ghcb.h"
#include "abi/vmcb.h"
#include "abi/x86.h"
#include "lib/cpu.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "svsm/boot.h"
#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"
#include "svsm/mm.h"
#include "svsm/vsnp.h"

#define GUEST_ASID 1
#define EXIT_MSR 0x7Cull
#define EXIT_VMMCALL 0x81ull
#define EXIT_HLT 0x78ull
#define EXIT_SHUTDOWN 0x7Full
#define EXIT_NPF 0x400ull

static uint64_t zeroed(unsigned order, uint8_t fill)
{
	uint64_t pa = buddy_alloc(mm_buddy(), order);

	if (pa != MM_PA_NONE)
		memset(phys_to_virt(pa), fill, PAGE_SIZE << order);
	return pa;
}

struct run {
	struct vsnp_gmem *g;
	struct vmcb *vmcb;
	struct svm_gprs gprs;
	uint64_t ghcb_msr;
	struct vsnp_cpu_end *end;
	bool done;
};

static void stop(struct run *r, const char *why)
{
	r->end->kind = VSNP_CPU_STOPPED;
	r->end->why = why;
	r->done = true;
}

/* Instruction bytes at RIP; only the guest's paging-off state is walked so far (linear = GPA). */
static bool read_insn(struct run *r, uint8_t *buf, size_t len)
{
	const struct vmcb_save *s = &r->vmcb->save;
	uint64_t lin = s->cs.base + s->rip;
	void *va;

	if ((s->cr0 & CR0_PG) != 0 || (lin & (PAGE_SIZE - 1)) + len > PAGE_SIZE ||
	    vsnp_gmem_find(r->g, lin & ~(PAGE_SIZE - 1), &va) != SVSM_OK)
		return false;
	memcpy(buf, (const uint8_t *)va + (lin & (PAGE_SIZE - 1)), len);
	return true;
}

static void exit_msr(struct run *r)
{
	struct vmcb_save *s = &r->vmcb->save;
	uint32_t msr = (uint32_t)r->gprs.rcx;
	bool write = r->vmcb->ctl.exit_info_1 == 1;

	r->end->msr_exits++;
	if (msr != MSR_GHCB) {
		stop(r, "an MSR access other than the GHCB MSR (SEV-ES #VC delivery is not built yet)");
		return;
	}
	if (write) {
		r->ghcb_msr = (s->rax & 0xFFFFFFFFull) | (r->gprs.rdx << 32);
	} else {
		s->rax = r->ghcb_msr & 0xFFFFFFFFull;
		r->gprs.rdx = r->ghcb_msr >> 32;
	}
	s->rip += 2; /* RDMSR/WRMSR; QEMU TCG saves no next RIP */
}

static void exit_vmgexit(struct run *r)
{
	static const uint8_t vmgexit[4] = { 0xF3, 0x0F, 0x01, 0xD9 };
	uint8_t insn[4];

	if (!read_insn(r, insn, sizeof(insn)) || memcmp(insn, vmgexit, sizeof(insn)) != 0) {
		stop(r, "VMMCALL that is not a VMGEXIT (rep vmmcall)");
		return;
	}
	r->end->vmgexits++;
	r->vmcb->save.rip += sizeof(vmgexit);
	if (ghcb_msr_info(r->ghcb_msr) == GHCB_MSR_TERM_REQ) {
		r->end->kind = VSNP_CPU_TERMINATED;
		r->end->set = (unsigned)(r->ghcb_msr >> 12) & 0xF;
		r->end->code = (unsigned)(r->ghcb_msr >> 16) & 0xFF;
		r->done = true;
		return;
	}
	stop(r, "a GHCB request other than termination (the GHCB server is not built yet)");
}

int vsnp_cpu_run(struct vsnp_gmem *g, const struct vmsa *vmsa, struct vsnp_cpu_end *end)
{
	static uint8_t fpu[512] __attribute__((aligned(16)));
	uint64_t vmcb_pa = zeroed(0, 0), host_pa = zeroed(0, 0), hsave_pa = zeroed(0, 0);
	uint64_t msrpm_pa = zeroed(1, 0xFF), iopm_pa = zeroed(2, 0xFF);
	struct run r = { .g = g, .end = end };

	memset(end, 0, sizeof(*end));
	if (vmcb_pa == MM_PA_NONE || host_pa == MM_PA_NONE || hsave_pa == MM_PA_NONE || msrpm_pa == MM_PA_NONE ||
	    iopm_pa == MM_PA_NONE)
		return SVSM_ENOMEM;
	r.vmcb = phys_to_virt(vmcb_pa);
	cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_SVME);
	cpu_wrmsr(MSR_VM_HSAVE_PA, hsave_pa);

	struct vmcb_control *c = &r.vmcb->ctl;

	c->intercept_misc1 = (1u << VMCB_INTERCEPT_CPUID) | (1u << VMCB_INTERCEPT_HLT) |
			     (1u << VMCB_INTERCEPT_IOIO) | (1u << VMCB_INTERCEPT_MSR) |
			     (1u << VMCB_INTERCEPT_SHUTDOWN) | (1u << VMCB_INTERCEPT_INVD);
	c->intercept_misc2 = (1u << VMCB_INTERCEPT_VMRUN) | (1u << VMCB_INTERCEPT_VMMCALL) |
			     (1u << VMCB_INTERCEPT_VMLOAD) | (1u << VMCB_INTERCEPT_VMSAVE) |
			     (1u << VMCB_INTERCEPT_STGI) | (1u << VMCB_INTERCEPT_CLGI) |
			     (1u << VMCB_INTERCEPT_SKINIT) | (1u << VMCB_INTERCEPT_WBINVD);
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	c->asid = GUEST_ASID;
	c->tlb_control = VMCB_TLB_FLUSH_ALL;
	c->np_ctl = VMCB_NP_ENABLE;
	c->n_cr3 = g->npt.root_pa;
	vmsa_to_vmcb(vmsa, &r.vmcb->save, &r.gprs, fpu);

	while (!r.done) {
		svm_run(vmcb_pa, &r.gprs, host_pa);
		c->tlb_control = VMCB_TLB_NOTHING;
		end->exits++;
		end->exit_code = c->exit_code;
		end->exit_info_1 = c->exit_info_1;
		end->exit_info_2 = c->exit_info_2;
		end->rip = r.vmcb->save.rip;
		switch (c->exit_code) {
		case EXIT_MSR:
			exit_msr(&r);
			break;
		case EXIT_VMMCALL:
			exit_vmgexit(&r);
			break;
		case EXIT_NPF:
			stop(&r, "a nested page fault (a GPA outside the launched guest memory)");
			break;
		case EXIT_SHUTDOWN:
			stop(&r, "shutdown (triple fault)");
			break;
		case EXIT_HLT:
			stop(&r, "HLT with nothing to wake the CPU");
			break;
		default:
			stop(&r, "an exit the machine does not serve yet");
			break;
		}
	}
	return SVSM_OK;
}
