/* SPDX-License-Identifier: MIT */
/*
 * OVMF's footer table and SEV metadata: how an OVMF image says which guest
 * pages it needs prepared before its first instruction under SEV-SNP.
 * Source: EDK2 (TianoCore), OvmfPkg/ResetVector/Ia16/ResetVectorVtf0.asm
 * (the GUIDed table at the top of the image) and
 * OvmfPkg/ResetVector/X64/OvmfSevMetadata.asm (the "ASEV" block and its
 * section types; both files named .nasm.inc in later releases),
 * edk2-stable202405 and later; the layout QEMU's target/i386/sev.c reads
 * for an SNP launch.
 *
 * The image ends at 4 GiB (its reset vector is at 0xFFFFFFF0). Counted
 * back from the image's end:
 *   end - 0x10  the reset vector (16 bytes)
 *   end - 0x14  "VTF\0"
 *   end - 0x20  12 bytes of zero
 *   end - 0x30  the table's footer GUID (OVMF_TABLE_FOOTER_GUID)
 *   end - 0x32  u16: the table's length, the footer's 18 bytes included
 * and before that the entries, each `data | u16 length | GUID`, its
 * length counting the data and its own 18 bytes, walked back from the
 * footer. GUIDs are in the UEFI byte order (the first three fields little
 * endian), as stored.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define OVMF_TABLE_FOOTER_END 0x20u /* the footer entry ends this far before the image's end */
#define OVMF_TABLE_ENTRY_TAIL 18u   /* u16 length + GUID after an entry's data */

/* The footer and the entries this SVSM reads (ResetVectorVtf0.asm), UEFI byte order. */
#define OVMF_TABLE_FOOTER_GUID                                                                           \
	{ 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45, 0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d }
/* dc886566-984a-4798-a75e-5585a7bf67cc: u32, the ASEV block's offset back from the image's end */
#define OVMF_SEV_METADATA_GUID                                                                           \
	{ 0x66, 0x65, 0x88, 0xdc, 0x4a, 0x98, 0x98, 0x47, 0xa7, 0x5e, 0x55, 0x85, 0xa7, 0xbf, 0x67, 0xcc }
/* 00f771de-1a7e-4fcb-890e-68c77e2fb44e: u32, SEV-ES AP reset: IP in bits 15:0, CS base >> 16 in 31:16 */
#define OVMF_SEV_ES_RESET_BLOCK_GUID                                                                     \
	{ 0xde, 0x71, 0xf7, 0x00, 0x7e, 0x1a, 0xcb, 0x4f, 0x89, 0x0e, 0x68, 0xc7, 0x7e, 0x2f, 0xb4, 0x4e }

/* The table's last 0x32 bytes before the image's end minus 0x20 (ResetVectorVtf0.asm). */
struct ovmf_table_footer {
	uint16_t table_len; /* every entry and this footer's 18 bytes */
	uint8_t guid[16];   /* OVMF_TABLE_FOOTER_GUID */
} __attribute__((packed));
_Static_assert(sizeof(struct ovmf_table_footer) == OVMF_TABLE_ENTRY_TAIL, "OVMF table footer size");
_Static_assert(offsetof(struct ovmf_table_footer, guid) == 2, "OVMF table footer guid");

/* The SEV metadata block (OvmfSevMetadata.asm): this header, then `count` sections. */
#define OVMF_SEV_METADATA_SIG "ASEV"
#define OVMF_SEV_METADATA_VERSION 1u

struct ovmf_sev_metadata {
	char sig[4];       /* "ASEV" */
	uint32_t len;      /* this header and the sections */
	uint32_t version;  /* 1 */
	uint32_t count;    /* sections that follow */
};
_Static_assert(sizeof(struct ovmf_sev_metadata) == 16, "ASEV header size");
_Static_assert(offsetof(struct ovmf_sev_metadata, len) == 4, "ASEV len");
_Static_assert(offsetof(struct ovmf_sev_metadata, version) == 8, "ASEV version");
_Static_assert(offsetof(struct ovmf_sev_metadata, count) == 12, "ASEV count");

struct ovmf_sev_section {
	uint32_t gpa;
	uint32_t size;
	uint32_t type; /* OVMF_SECTION_* */
};
_Static_assert(sizeof(struct ovmf_sev_section) == 12, "ASEV section size");
_Static_assert(offsetof(struct ovmf_sev_section, size) == 4, "ASEV section size field");
_Static_assert(offsetof(struct ovmf_sev_section, type) == 8, "ASEV section type");

/* Section types (OvmfSevMetadata.asm, OVMF_SECTION_TYPE_*). */
#define OVMF_SECTION_SNP_SEC_MEM 1u      /* private, validated, zero before the first instruction */
#define OVMF_SECTION_SNP_SECRETS 2u      /* the SNP secrets page (here: the SVSM's copy for VMPL2) */
#define OVMF_SECTION_CPUID 3u            /* the SNP CPUID page */
#define OVMF_SECTION_SVSM_CAA 4u         /* the boot CPU's SVSM calling area */
#define OVMF_SECTION_KERNEL_HASHES 0x10u /* QEMU's kernel-hashes page: zero here (no -kernel hashes) */
