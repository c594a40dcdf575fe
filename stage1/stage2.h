/* SPDX-License-Identifier: MIT */
/* Stage 2: the 32-bit C half of the loader (docs/BOOT.md). */
#pragma once

#include <stdint.h>

/* Called by entry.S on the Multiboot path with the loader's EAX and EBX. */
__attribute__((noreturn)) void stage2_multiboot_main(uint32_t magic, uint32_t mbi_pa);

/* longmode.S: load CR3, enable PAE/LME/NXE/PG and jump to *entry_va with RDI = boot_info_pa. */
__attribute__((noreturn)) void s2_enter_long_mode(uint32_t cr3, uint32_t boot_info_pa,
						  const uint64_t *entry_va);
