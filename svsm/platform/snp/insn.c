/* SPDX-License-Identifier: MIT */
/* PVALIDATE, RMPADJUST and VMGEXIT (include/svsm/snp_insn.h). */
#include "svsm/snp_insn.h"

#include "abi/ghcb.h"
#include "abi/snp.h"
#include "lib/cpu.h"
#include "svsm/errno.h"
#include "svsm/exc.h"
#include "svsm/ghcb_proto.h"
#include "svsm/snp_pvalidate.h"

insn_rc snp_insn_pvalidate(void *ctx, vaddr_t va, unsigned page_size, bool validate, bool *cf)
{
	uint64_t rax = va_addr(va);
	uint8_t carry = 0;
	int err = SVSM_OK;

	(void)ctx;
	/* APM vol. 3, PVALIDATE: RAX = VA, RCX = page size, RDX = validate; EAX = code, CF = no update. */
	__asm__ volatile("1: " SNP_INSN_PVALIDATE "\n\t"
			 "setc %[carry]\n"
			 EXTABLE_SAFE_FIXUP
			 : "+a"(rax), [carry] "+qm"(carry), [err] "+r"(err)
			 : "c"((uint64_t)page_size), "d"((uint64_t)validate),
			   [efault] "i"(SVSM_EFAULT)
			 : "memory", "cc");
	*cf = carry != 0;
	return err != SVSM_OK ? INSN_RC_FAULTED : insn_rc_eax((uint32_t)rax);
}

insn_rc snp_insn_rmpadjust(vaddr_t va, unsigned page_size, uint64_t attrs)
{
	uint64_t rax = va_addr(va);
	int err = SVSM_OK;

	/* APM vol. 3, RMPADJUST: RAX = VA, RCX = page size, RDX = attributes; EAX = code. */
	__asm__ volatile("1: " SNP_INSN_RMPADJUST "\n"
			 EXTABLE_SAFE_FIXUP
			 : "+a"(rax), [err] "+r"(err)
			 : "c"((uint64_t)page_size), "d"(attrs), [efault] "i"(SVSM_EFAULT)
			 : "memory", "cc");
	return err != SVSM_OK ? INSN_RC_FAULTED : insn_rc_eax((uint32_t)rax);
}

static void vmgexit(void)
{
	/* The hypervisor reads and writes guest memory (the GHCB) across this instruction. */
	__asm__ volatile(SNP_INSN_VMGEXIT ::: "memory");
}

uint64_t snp_insn_msr_exchange(void *ctx, uint64_t req)
{
	uint64_t saved = cpu_rdmsr(MSR_GHCB);
	uint64_t resp;

	(void)ctx;
	/* The SVSM runs with interrupts off, so nothing can use the MSR between the steps. */
	cpu_wrmsr(MSR_GHCB, req);
	vmgexit();
	resp = cpu_rdmsr(MSR_GHCB);
	cpu_wrmsr(MSR_GHCB, saved);
	return resp;
}

void snp_insn_vmgexit_again(void *ctx)
{
	(void)ctx;
	vmgexit();
}

void snp_insn_vmgexit(void *ctx, uint64_t ghcb_gpa)
{
	(void)ctx;
	cpu_wrmsr(MSR_GHCB, ghcb_gpa);
	vmgexit();
}

void snp_insn_terminate(unsigned set, unsigned code)
{
	cpu_wrmsr(MSR_GHCB, ghcb_msr_term_req(set, code));
	for (;;) {
		vmgexit();
		__asm__ volatile("cli; hlt");
	}
}
