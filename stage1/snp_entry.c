/* SPDX-License-Identifier: MIT */
/*
 * Stage 2 on the SNP path (docs/BOOT.md): entered from the launched VMSA
 * at VMPL0 with paging off. Checks that SEV-SNP is active, reads the
 * launch (stage1/snp_launch.c), and makes the SVSM region private and
 * validated page by page before anything is written there: a page state
 * change to private through the GHCB MSR protocol (GHCB spec 56421
 * GHCB spec §2.3.1, no GHCB exists yet) where the page is not private yet, and
 * PVALIDATE (AMD APM vol.3), 2 MiB at a time where the RMP allows. A page
 * PVALIDATE finds already validated was never ours to find so (only
 * launched pages are validated at start, and the region lies above them):
 * that is refused, not used. Then the common loader builds the page
 * tables with the C-bit and enters the kernel. No console: failures are
 * termination requests with a step's reason code.
 */
#include <stdbool.h>
#include <stdint.h>

#include "abi/ghcb.h"
#include "abi/snp.h"
#include "abi/x86.h"
#include "lib/cpu.h"
#include "s2_console.h"
#include "snp_launch.h"
#include "stage2.h"
#include "svsm/ghcb_proto.h"

extern const uint8_t image_start[];
extern const uint8_t image_end[];

static struct boot_info bi_snp;

static uint64_t msr_protocol(uint64_t req)
{
	cpu_wrmsr(MSR_GHCB, req);
	__asm__ volatile(SNP_INSN_VMGEXIT ::: "memory");
	return cpu_rdmsr(MSR_GHCB);
}

/* PVALIDATE of the page at va (= pa, paging is off), 4 KiB or 2 MiB: EAX, and CF in *unchanged. */
static uint32_t pvalidate(uint32_t va, uint32_t size, bool *unchanged)
{
	uint32_t eax = va;
	uint8_t cf;

	__asm__ volatile(SNP_INSN_PVALIDATE "\n\tsetc %1"
			 : "+a"(eax), "=qm"(cf)
			 : "c"(size), "d"(1)
			 : "memory", "cc");
	*unchanged = cf != 0;
	return eax;
}

/*
 * One 4 KiB page: PVALIDATE first (guest RAM starts private under SNP);
 * only a page the hypervisor has not made private (FAIL_INPUT) gets a
 * page state change to private first.
 */
static void claim_4k(uint64_t page)
{
	bool unchanged;
	uint32_t code = pvalidate((uint32_t)page, RMP_PG_SIZE_4K, &unchanged);

	if (code == PVALIDATE_FAIL_INPUT) {
		uint64_t req = ghcb_msr_psc_req(page, GHCB_PSC_OP_PRIVATE);
		uint32_t err;

		if (req == 0 || !ghcb_msr_resp_ok(msr_protocol(req), GHCB_MSR_PSC_RESP, &err))
			s2_fail("page state change of 0x%llx to private refused", (unsigned long long)page);
		code = pvalidate((uint32_t)page, RMP_PG_SIZE_4K, &unchanged);
	}
	if (code != PVALIDATE_SUCCESS || unchanged)
		s2_fail("PVALIDATE of 0x%llx failed or found it validated", (unsigned long long)page);
}

/* The SVSM region (2 MiB aligned, a multiple of 2 MiB): 2 MiB at a time where the RMP entry allows. */
static void claim_region(uint64_t pa, uint64_t size)
{
	s2_set_fail_code(SVSM_TERM_S1_VALIDATE);
	for (uint64_t at = pa; at < pa + size; at += LARGE_PAGE_SIZE) {
		bool unchanged;
		uint32_t code = pvalidate((uint32_t)at, RMP_PG_SIZE_2M, &unchanged);

		if (code == PVALIDATE_SUCCESS && unchanged)
			s2_fail("PVALIDATE of 0x%llx found it validated", (unsigned long long)at);
		if (code == PVALIDATE_SUCCESS)
			continue;
		/* FAIL_SIZEMISMATCH (4 KiB entries) or FAIL_INPUT: page by page. */
		for (uint64_t page = at; page < at + LARGE_PAGE_SIZE; page += PAGE_SIZE)
			claim_4k(page);
	}
	s2_set_fail_code(SVSM_TERM_S1_LOAD);
}

void stage2_snp_main(uint32_t eax, uint32_t launch_pa)
{
	static const unsigned step_code[] = {
		[SNP_LAUNCH_STEP_BLOCK] = SVSM_TERM_S1_LAUNCH_BLOCK,
		[SNP_LAUNCH_STEP_CPUID] = SVSM_TERM_CPUID_PAGE,
		[SNP_LAUNCH_STEP_MEMMAP] = SVSM_TERM_S1_MEMMAP,
	};
	enum snp_launch_step step;
	uint64_t end_gpa, keep_end;
	unsigned cbit;

	(void)eax; /* reserved (docs/BOOT.md): nothing is taken from it */
	s2_console_snp();
	/* SEV_STATUS is read, not intercepted, in an SEV-ES/SNP guest (APM vol.2 §15.34.10). */
	if (!(cpu_rdmsr(MSR_SEV_STATUS) & SEV_STATUS_SNP))
		s2_snp_terminate(SVSM_TERM_S1_NOT_SNP);

	const char *why = snp_launch_parse(launch_pa, (uintptr_t)image_start, (uintptr_t)image_end, &bi_snp,
					   &cbit, &end_gpa, &keep_end, &step);

	if (why != NULL) {
		s2_set_fail_code(step_code[step]);
		s2_fail("SNP launch refused: %s", why);
	}
	bi_snp.entry_kind = BOOT_ENTRY_SNP;
	s2_set_fail_code(SVSM_TERM_S1_LOAD);
	s2_load_and_enter(&bi_snp, 1ull << cbit, bi_snp.svsm_mem_size != 0 ? bi_snp.svsm_mem_pa : end_gpa, keep_end,
			  claim_region);
}
