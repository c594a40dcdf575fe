/* SPDX-License-Identifier: MIT */
/*
 * The SVSM image header: a fixed record right after the Multiboot header at
 * the start of svsm.img, so host tools (tests, later the image/IGVM builder
 * and the launch-digest tool) find the embedded kernel without parsing code.
 * Format: docs/BOOT.md.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SVSM_IMAGE_MAGIC "SVSMIMG1"
#define SVSM_IMAGE_VERSION 1u
/* File offset of the header: the 32-byte Multiboot header comes first. */
#define SVSM_IMAGE_HDR_OFFSET 32u

struct svsm_image_hdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_size;
	uint32_t load_addr;     /* physical address of file offset 0 */
	uint32_t file_size;     /* bytes of the file that are loaded */
	uint32_t mem_size;      /* file_size plus zero-filled bss */
	uint32_t kernel_offset; /* file offset of the embedded kernel ELF */
	uint32_t kernel_size;
	uint32_t snp_entry_offset; /* file offset of the SNP/IGVM 32-bit entry */
};
_Static_assert(sizeof(struct svsm_image_hdr) == 40, "svsm_image_hdr layout");
_Static_assert(offsetof(struct svsm_image_hdr, kernel_offset) == 28, "svsm_image_hdr");
