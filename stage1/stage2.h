/* SPDX-License-Identifier: MIT */
/* Stage 2: the 32-bit C half of the loader (docs/BOOT.md). */
#pragma once

#include <stdint.h>

#include "svsm/boot_info.h"

/* Called by entry.S on the Multiboot path with the loader's EAX and EBX. */
__attribute__((noreturn)) void stage2_multiboot_main(uint32_t magic, uint32_t mbi_pa);

/* Called by entry.S on the SNP path with EAX (reserved) and EBX, the launch block's GPA (stage1/snp_entry.c). */
__attribute__((noreturn)) void stage2_snp_main(uint32_t eax, uint32_t launch_pa);

/*
 * The common end of both paths (bi filled in but for the SVSM region and
 * page tables): picks the SVSM region in usable memory at or above
 * region_min (and above the image and payload), lets claim (if not NULL)
 * make it usable, loads the kernel, builds its page tables with enc_mask
 * and enters it in long mode. The image the kernel keeps out of guest RAM
 * runs to image_keep_end if that is past stage 1's own end (under SNP:
 * the launch's pages after svsm.img).
 */
__attribute__((noreturn)) void s2_load_and_enter(struct boot_info *bi, uint64_t enc_mask, uint64_t region_min,
						 uint64_t image_keep_end, void (*claim)(uint64_t pa, uint64_t size));

/* longmode.S: load CR3, enable PAE/LME/NXE/PG and jump to *entry_va with RDI = boot_info_pa. */
__attribute__((noreturn)) void s2_enter_long_mode(uint32_t cr3, uint32_t boot_info_pa,
						  const uint64_t *entry_va);
