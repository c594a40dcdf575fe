/* SPDX-License-Identifier: MIT */
/*
 * Reading an OVMF image's footer table and SEV metadata (include/abi/ovmf.h)
 * as hostile input: what a build of OVMF says it needs prepared before its
 * first instruction (SEC memory, secrets page, CPUID page, the SVSM calling
 * area). Portable and freestanding: igvm-build reads the file with it when
 * it packs OVMF beside the SVSM, and the SVSM reads the image again from
 * the launched (measured) pages before it prepares them.
 *
 * ovmf_meta_read refuses, with a reason naming the offset or section and
 * the value: an image size that is not whole pages, 4 KiB .. 16 MiB; no
 * table footer GUID; a table length that is short, does not fit the last
 * page, or entries whose lengths do not add up to it; an entry of a kind
 * read here twice, or with data of the wrong size; no SEV metadata entry;
 * an "ASEV" block outside the image, with another signature or version, no
 * or too many sections, or a length that is not its sections'; a section
 * of a type not known here, empty, not page aligned, reaching the
 * firmware image (which ends at 4 GiB) or overlapping another section; a
 * secrets, CPUID or calling-area section that is not one page or appears
 * twice; no calling-area section (an OVMF older than edk2-stable202405,
 * which cannot run under an SVSM).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/ovmf.h"

#define OVMF_META_SECTIONS_MAX 16u
#define OVMF_IMAGE_MIN 0x1000ull
#define OVMF_IMAGE_MAX 0x1000000ull /* 16 MiB below 4 GiB; OVMF builds are 1, 2 or 4 MiB */
#define OVMF_IMAGE_END 0x100000000ull /* the image's last byte is at 4 GiB - 1 (its reset vector at -16) */
#define OVMF_WHY_LEN 160

struct ovmf_meta {
	uint64_t fw_gpa;  /* OVMF_IMAGE_END - fw_size */
	uint64_t fw_size;
	unsigned count;
	struct ovmf_sev_section sec[OVMF_META_SECTIONS_MAX]; /* in the image's order */
	uint32_t secrets_gpa, cpuid_gpa, caa_gpa;
	bool has_ap_reset;        /* the SEV-ES reset block entry is there */
	uint32_t ap_reset_cs_base; /* where OVMF's APs start (CS base, IP), as the image gives it */
	uint16_t ap_reset_ip;
};

/* Reads len bytes at offset off of the image into buf: 0, or non-zero when it cannot. */
typedef int (*ovmf_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);

/*
 * Reads the metadata of an image of image_size bytes through read (each
 * part read once, then checked, then used). SVSM_OK with *m; SVSM_EINVAL
 * with why; SVSM_EIO when read failed (why says where). *m is written
 * only on SVSM_OK.
 */
int ovmf_meta_read(uint64_t image_size, ovmf_read_fn read, void *ctx, struct ovmf_meta *m,
		   char why[OVMF_WHY_LEN]);

/* The section type's name ("SEC memory", ...), or NULL for a type not known here. */
const char *ovmf_section_name(uint32_t type);
