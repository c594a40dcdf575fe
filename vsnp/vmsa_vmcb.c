/* SPDX-License-Identifier: MIT */
/*
 * A VMSA (the SEV-ES/SNP vCPU state page, SEV-SNP ABI 56860 and APM vol.2
 * Table B-4) to and from what VMRUN runs: the VMCB save area, the general
 * registers VMRUN leaves alone, and an FXSAVE image. Shared by the in-SVSM
 * vsnp backend and the emulated machine (vsnp/).
 */
#include "abi/vmcb.h"
#include "abi/x86.h"
#include "lib/string.h"
#include "vsnp/vsnp.h"

void vmsa_to_vmcb(const struct vmsa *s, struct vmcb_save *v, struct svm_gprs *g, uint8_t fpu[512])
{
	v->es = s->es, v->cs = s->cs, v->ss = s->ss, v->ds = s->ds, v->fs = s->fs, v->gs = s->gs;
	v->gdtr = s->gdtr, v->ldtr = s->ldtr, v->idtr = s->idtr, v->tr = s->tr;
	v->cpl = s->cpl;
	v->efer = s->efer | EFER_SVME;
	v->cr4 = s->cr4, v->cr3 = s->cr3, v->cr0 = s->cr0, v->cr2 = s->cr2;
	v->dr7 = s->dr7, v->dr6 = s->dr6;
	v->rflags = s->rflags, v->rip = s->rip, v->rsp = s->rsp, v->rax = s->rax;
	v->star = s->star, v->lstar = s->lstar, v->cstar = s->cstar, v->sfmask = s->sfmask;
	v->kernel_gs_base = s->kernel_gs_base;
	v->sysenter_cs = s->sysenter_cs, v->sysenter_esp = s->sysenter_esp;
	v->sysenter_eip = s->sysenter_eip;
	v->g_pat = s->g_pat;
	*g = (struct svm_gprs){ s->rbx, s->rcx, s->rdx, s->rbp, s->rsi, s->rdi, s->r8, s->r9,
				s->r10, s->r11, s->r12, s->r13, s->r14, s->r15 };
	memset(fpu, 0, 512);
	memcpy(fpu, &s->x87_fcw, 2);       /* FXSAVE: FCW at 0 */
	memcpy(fpu + 2, &s->x87_fsw, 2);   /* FSW at 2 */
	memcpy(fpu + 24, &s->mxcsr, 4);    /* MXCSR at 24 */
	memcpy(fpu + 160, s->fpreg_xmm, 256); /* XMM0-15 at 160 */
}

void vmcb_to_vmsa(const struct vmcb_save *v, const struct svm_gprs *g, const uint8_t fpu[512], struct vmsa *s)
{
	s->es = v->es, s->cs = v->cs, s->ss = v->ss, s->ds = v->ds, s->fs = v->fs, s->gs = v->gs;
	s->gdtr = v->gdtr, s->ldtr = v->ldtr, s->idtr = v->idtr, s->tr = v->tr;
	s->cpl = v->cpl;
	s->efer = v->efer;
	s->cr4 = v->cr4, s->cr3 = v->cr3, s->cr0 = v->cr0, s->cr2 = v->cr2;
	s->dr7 = v->dr7, s->dr6 = v->dr6;
	s->rflags = v->rflags, s->rip = v->rip, s->rsp = v->rsp, s->rax = v->rax;
	s->star = v->star, s->lstar = v->lstar, s->cstar = v->cstar, s->sfmask = v->sfmask;
	s->kernel_gs_base = v->kernel_gs_base;
	s->sysenter_cs = v->sysenter_cs, s->sysenter_esp = v->sysenter_esp;
	s->sysenter_eip = v->sysenter_eip;
	s->g_pat = v->g_pat;
	s->rbx = g->rbx, s->rcx = g->rcx, s->rdx = g->rdx, s->rbp = g->rbp;
	s->rsi = g->rsi, s->rdi = g->rdi, s->r8 = g->r8, s->r9 = g->r9;
	s->r10 = g->r10, s->r11 = g->r11, s->r12 = g->r12, s->r13 = g->r13;
	s->r14 = g->r14, s->r15 = g->r15;
	memcpy(&s->x87_fcw, fpu, 2);
	memcpy(&s->x87_fsw, fpu + 2, 2);
	memcpy(&s->mxcsr, fpu + 24, 4);
	memcpy(s->fpreg_xmm, fpu + 160, 256);
}
