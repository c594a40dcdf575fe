/* SPDX-License-Identifier: MIT */
/*
 * The SNP entry's inputs (docs/BOOT.md, include/abi/svsm_launch.h) into
 * struct boot_info: the launch block, the C-bit from the CPUID page, the
 * memory map the host wrote into the IGVM parameter area, the command
 * line. Pure: memory is reached through phys_ptr(), so host tests run it
 * on a simulated memory.
 *
 * The launch block, the CPUID page (checked by the PSP at launch) and the
 * command line are measured, so they are as trusted as stage 1's own
 * code; still every field is checked, so a file built wrongly fails here
 * with a reason. The memory map is the host's (unmeasured) and hostile:
 * unordered, overlapping, empty or wrapping ranges, a map without the
 * launched pages in RAM, or more ranges than boot_info holds are refused.
 */
#pragma once

#include <stdint.h>

#include "svsm/boot_info.h"

/* Where the launch block says each step failed, for the termination code (include/abi/ghcb.h). */
enum snp_launch_step {
	SNP_LAUNCH_STEP_BLOCK,  /* the launch block */
	SNP_LAUNCH_STEP_CPUID,  /* the CPUID page: no C-bit leaf */
	SNP_LAUNCH_STEP_MEMMAP, /* the host's parameters: memory map, VP count */
};

/*
 * Reads the launch block at launch_pa and what it points to into bi
 * (mem, cmdline, payload, SNP page addresses), the C-bit into *cbit,
 * the first GPA past everything launched into *end_gpa and the end of the
 * launch's own pages (launch block, secrets, CPUID, parameter areas,
 * command line: never guest RAM) into *keep_end. image_pa and image_end:
 * where stage 1 itself was launched (checked against the block). NULL, or
 * the reason with *step; bi is then unchanged.
 */
const char *snp_launch_parse(uint32_t launch_pa, uint64_t image_pa, uint64_t image_end, struct boot_info *bi,
			     unsigned *cbit, uint64_t *end_gpa, uint64_t *keep_end, enum snp_launch_step *step);
