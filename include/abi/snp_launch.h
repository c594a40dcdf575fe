/* SPDX-License-Identifier: MIT */
/*
 * The SNP launch digest (SNP_LAUNCH_UPDATE measurement): the PAGE_INFO
 * structure the firmware hashes for every page it adds to a launch, and
 * the page types. Layout and rules: SNP ABI (56860) §8.17.2, SNP_LAUNCH_UPDATE's
 * PAGE_INFO (Table 67), as virtee/sev-snp-measure and virtee/sev read it
 * (docs/REFERENCES.md).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SNP_LD_LEN 48u /* SHA-384 */

/* SNP ABI (56860), SNP_LAUNCH_UPDATE: page types (PAGE_TYPE). */
#define SNP_PAGE_TYPE_NORMAL 1u
#define SNP_PAGE_TYPE_VMSA 2u
#define SNP_PAGE_TYPE_ZERO 3u
#define SNP_PAGE_TYPE_UNMEASURED 4u
#define SNP_PAGE_TYPE_SECRETS 5u
#define SNP_PAGE_TYPE_CPUID 6u

/* SNP ABI (56860), SNP_LAUNCH_UPDATE: a VMSA page is measured at this GPA, whatever its real address. */
#define SNP_LD_VMSA_GPA 0xFFFFFFFFF000ull

struct snp_page_info {
	uint8_t digest_cur[SNP_LD_LEN]; /* 0x00: the launch digest so far */
	uint8_t contents[SNP_LD_LEN];   /* 0x30: SHA-384(page) for NORMAL and VMSA, else zero */
	uint16_t length;                /* 0x60: sizeof(struct snp_page_info) */
	uint8_t page_type;              /* 0x62 */
	uint8_t imi_page;               /* 0x63: bit 0; 0 for a launch */
	/*
	 * 0x64..0x67: VMPL permissions and a reserved byte. The public readers
	 * of Table 67 (virtee/sev, sev-snp-measure) disagree on their order;
	 * every launch writes zeros, and so does this one.
	 */
	uint8_t perms_rsvd[4];
	uint64_t gpa;                   /* 0x68 */
} __attribute__((packed));

_Static_assert(sizeof(struct snp_page_info) == 0x70, "PAGE_INFO is 0x70 bytes");
_Static_assert(offsetof(struct snp_page_info, contents) == 0x30, "CONTENTS");
_Static_assert(offsetof(struct snp_page_info, length) == 0x60, "LENGTH");
_Static_assert(offsetof(struct snp_page_info, page_type) == 0x62, "PAGE_TYPE");
_Static_assert(offsetof(struct snp_page_info, imi_page) == 0x63, "IMI_PAGE");
_Static_assert(offsetof(struct snp_page_info, perms_rsvd) == 0x64, "VMPL perms / reserved");
_Static_assert(offsetof(struct snp_page_info, gpa) == 0x68, "GPA");
