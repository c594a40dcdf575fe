/* SPDX-License-Identifier: MIT */
/* Faults recovered through the exception table, and what the handler recorded. */
#include "abi/x86.h"
#include "svsm/errno.h"
#include "svsm/exc.h"
#include "svsm/percpu.h"
#include "svsm/probe.h"
#include "svsm/selftest.h"

/* PML4 slot 288: nothing is mapped there (docs/ARCHITECTURE.md). */
#define UNMAPPED_VA 0xFFFF900000000000ull

static const uint64_t rodata_word = 0x1122334455667788ull;

SELFTEST(ud_recovered_via_extable)
{
	uint64_t before = this_cpu()->last_fault.count;
	uint64_t insn = 0;
	int reached_fixup = 0;

	__asm__ volatile("leaq 1f(%%rip), %[insn]\n"
			 "1: ud2\n"
			 "2:\n\t"
			 ".pushsection .text.fixup, \"ax\"\n"
			 "3: movl $1, %[fixed]\n\t"
			 "jmp 2b\n\t"
			 ".popsection\n\t" EXTABLE_ENTRY("1b", "3b")
			 : [insn] "=&r"(insn), [fixed] "+r"(reached_fixup));
	ST_EQ(reached_fixup, 1);
	ST_EQ(this_cpu()->last_fault.vector, X86_EXC_UD);
	ST_EQ(this_cpu()->last_fault.rip, insn);
	ST_EQ(this_cpu()->last_fault.count, before + 1);
}

SELFTEST(pf_read_unmapped_recovered)
{
	uint64_t v = 0xABCD;

	ST_EQ(read_u64_safe(UNMAPPED_VA + 0x18, &v), SVSM_EFAULT);
	ST_EQ(this_cpu()->last_fault.vector, X86_EXC_PF);
	ST_EQ(this_cpu()->last_fault.cr2, UNMAPPED_VA + 0x18);
	/* Not present, read, supervisor (APM vol.2 §8.4.2). */
	ST_EQ(this_cpu()->last_fault.error_code & (PF_ERR_P | PF_ERR_W | PF_ERR_U), 0);
}

SELFTEST(pf_write_to_rodata_recovered)
{
	uint64_t addr = (uint64_t)(uintptr_t)&rodata_word;
	uint64_t v = 0;

	ST_EQ(write_u64_safe(addr, 0), SVSM_EFAULT);
	ST_EQ(this_cpu()->last_fault.vector, X86_EXC_PF);
	ST_EQ(this_cpu()->last_fault.cr2, addr);
	/* Present page, write access: CR0.WP holds the kernel to its own mappings. */
	ST_EQ(this_cpu()->last_fault.error_code & (PF_ERR_P | PF_ERR_W), PF_ERR_P | PF_ERR_W);
	ST_EQ(read_u64_safe(addr, &v), SVSM_OK);
	ST_EQ(v, 0x1122334455667788ull);
}

SELFTEST(gp_from_noncanonical_read_recovered)
{
	uint64_t v = 0;

	/* A non-canonical address raises #GP, not #PF (APM vol.2 §5.3.1). */
	ST_EQ(read_u64_safe(0x8000000000000000ull, &v), SVSM_EFAULT);
	ST_EQ(this_cpu()->last_fault.vector, X86_EXC_GP);
	ST_EQ(this_cpu()->last_fault.error_code, 0);
}

SELFTEST(rdmsr_safe_reads_efer)
{
	uint64_t v = 0;

	/* QEMU TCG returns 0 for unknown MSRs instead of #GP, so only the good path is testable. */
	ST_EQ(rdmsr_safe(MSR_EFER, &v), SVSM_OK);
	ST_ASSERT(v & EFER_LMA);
	ST_ASSERT(v & EFER_NXE);
}

SELFTEST(loader_identity_map_is_gone)
{
	uint64_t v;

	/* The loader ran at 1 MiB identity mapped; the kernel dropped the lower half. */
	ST_EQ(read_u64_safe(0x100000, &v), SVSM_EFAULT);
	ST_EQ(this_cpu()->last_fault.cr2, 0x100000);
}

SELFTEST(exception_depth_back_to_zero)
{
	for (unsigned i = 0; i <= IST_COUNT; i++)
		ST_EQ(this_cpu()->exc_depth[i], 0);
}
