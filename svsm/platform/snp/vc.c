/* SPDX-License-Identifier: MIT */
/*
 * The #VC handler under SNP (GHCB spec 56421, NAE events): the error code is the
 * exit code. CPUID, MSR and IOIO are emulated (vc_emulate.c); a #VC for a
 * page that is not validated (0x404) is fatal unless a guest-memory copy
 * caused it: either the hypervisor changed the RMP under the SVSM or the
 * SVSM touched memory it never validated, and neither can be recovered
 * from.
 */
#include "abi/ghcb.h"
#include "abi/x86.h"
#include "svsm/cr.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/probe.h"
#include "svsm/snp_insn.h"
#include "svsm/task.h"
#include "snp_internal.h"

#define X86_MAX_INSN 15

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

void snp_cpu_env(struct snp_vc_env *env)
{
	uint64_t cr4 = cr4_read();

	env->hv = snp_hv_this();
	env->cpuid = &snp.cpuid;
	env->osxsave = (cr4 & CR4_OSXSAVE) != 0;
	env->pke = (cr4 & CR4_PKE) != 0;
	env->xcr0 = env->osxsave ? xgetbv0() : 1;
	env->xss = 0; /* the SVSM does not use XSAVES */
}

/* Reads the instruction bytes at rip; fewer if the next page is not mapped. */
static size_t fetch(uint64_t rip, uint8_t *buf)
{
	size_t first = 4096 - (rip & 4095);

	if (first > X86_MAX_INSN)
		first = X86_MAX_INSN;
	if (copy_safe(buf, (const void *)(uintptr_t)rip, first) != SVSM_OK)
		return 0;
	if (first < X86_MAX_INSN &&
	    copy_safe(buf + first, (const void *)(uintptr_t)(rip + first), X86_MAX_INSN - first) ==
		    SVSM_OK)
		return X86_MAX_INSN;
	return first;
}

/*
 * The instruction of a CPL3 task's #VC: read as user memory (SMAP lifted
 * for the copy only), the two bytes of CPUID at most. 0 if unreadable.
 */
static size_t fetch_user(uint64_t rip, uint8_t *buf)
{
	if (task_copy_in(buf, rip, 2) == SVSM_OK)
		return 2;
	return task_copy_in(buf, rip, 1) == SVSM_OK ? 1 : 0;
}

bool snp_vc_handler(struct exc_frame *f)
{
	uint64_t exit_code = f->error_code;
	struct snp_vc_env env;
	uint8_t insn[X86_MAX_INSN];
	struct vc_regs r = { f->rax, f->rbx, f->rcx, f->rdx, f->rip };
	bool user = (f->cs & 3) == 3;
	int err;

	/* A task's #VC: only CPUID is served (exc_route), from its own memory; else it is the task's fault. */
	if (user) {
		if (exit_code != SVM_EXIT_CPUID || snp_hv_this() == NULL)
			return false;
		snp_cpu_env(&env);
		if (snp_vc_emulate(&env, exit_code, &r, insn, fetch_user(f->rip, insn)) != SVSM_OK)
			return false;
		f->rax = r.rax, f->rbx = r.rbx, f->rcx = r.rcx, f->rdx = r.rdx, f->rip = r.rip;
		return true;
	}

	if (snp_hv_this() == NULL) /* a CPU without a GHCB cannot report anything */
		snp_insn_terminate(GHCB_TERM_SET_SVSM, SVSM_TERM_VC);
	if (exit_code == SVM_EXIT_PAGE_NOT_VALIDATED) {
		/*
		 * A guest-memory copy (copy_safe, in the exception table) that
		 * hits a page the guest never validated is the guest's bad
		 * input: the copy fails with SVSM_EFAULT. Anywhere else it is
		 * fatal.
		 */
		if (extable_find(f->rip) != NULL)
			return false;
		snp_console_direct();
		console_printf("\nsnp: #VC 0x404: access to a page that is not validated "
			       "(RIP 0x%llx, CR2 0x%llx); the RMP changed under the SVSM or the SVSM "
			       "touched memory it never validated\n",
			       (unsigned long long)f->rip, (unsigned long long)cr2_read());
		exc_fatal(f, cr2_read(), "page not validated");
	}
	snp_cpu_env(&env);
	err = snp_vc_emulate(&env, exit_code, &r, insn, fetch(f->rip, insn));
	if (err == SVSM_OK) {
		f->rax = r.rax, f->rbx = r.rbx, f->rcx = r.rcx, f->rdx = r.rdx, f->rip = r.rip;
		return true;
	}
	if (err != SVSM_EFAULT) { /* EFAULT: a #GP the exception table may expect (rdmsr_safe) */
		snp_console_direct();
		console_printf("\nsnp: #VC exit code 0x%llx at RIP 0x%llx not emulated (error %d)\n",
			       (unsigned long long)exit_code, (unsigned long long)f->rip, err);
	}
	return false;
}
