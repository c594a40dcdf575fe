/* SPDX-License-Identifier: MIT */
/* Multiboot v1 boot information → struct boot_info (memory map, command line). */
#pragma once

#include <stdint.h>

#include "svsm/boot_info.h"

/*
 * Reads the Multiboot information at mbi_pa through phys_ptr() and fills
 * bi->mem, bi->mem_count and bi->cmdline. Refuses (returns a message)
 * rather than truncating: more than BOOT_INFO_MAX_MEM ranges or a command
 * line longer than BOOT_INFO_CMDLINE_MAX - 1 bytes is an error. On error
 * *bi is left unchanged.
 */
const char *mb_parse(uint32_t magic, uint32_t mbi_pa, struct boot_info *bi);
