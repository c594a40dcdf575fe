/* SPDX-License-Identifier: MIT */
/*
 * The SNP secrets page and CPUID page. Layouts: SNP ABI (56860), the
 * secrets page (its SVSM fields: SVSM spec 58019) and the CPUID page,
 * checked against Linux snp_secrets_page and snp_cpuid_table
 * (docs/REFERENCES.md).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SNP_VMPCK_SIZE 32
#define SNP_VMPCK_COUNT 4

/* SNP ABI (56860): the secrets page (4096 bytes). */
struct snp_secrets_page {
	uint32_t version;            /* 0x000 */
	uint32_t flags;              /* 0x004: bit 0 IMIEN */
	uint32_t fms;                /* 0x008 */
	uint32_t rsvd_00c;
	uint8_t gosvw[16];           /* 0x010 */
	uint8_t vmpck[SNP_VMPCK_COUNT][SNP_VMPCK_SIZE]; /* 0x020, 0x040, 0x060, 0x080 */
	uint8_t os_area[96];         /* 0x0A0: guest-defined */
	uint8_t vmsa_tweak_bitmap[64]; /* 0x100 */
	uint64_t svsm_base;          /* 0x140: GPA of SVSM memory */
	uint64_t svsm_size;          /* 0x148: 0 means no SVSM */
	uint64_t svsm_caa;           /* 0x150: boot CPU's calling area (page aligned) */
	uint32_t svsm_max_version;   /* 0x158 */
	uint8_t svsm_guest_vmpl;     /* 0x15C */
	uint8_t rsvd_15d[3];
	uint32_t tsc_factor;         /* 0x160 */
	uint8_t rsvd_164[0x1000 - 0x164];
} __attribute__((packed));

_Static_assert(sizeof(struct snp_secrets_page) == 4096, "secrets page");
_Static_assert(offsetof(struct snp_secrets_page, fms) == 0x008, "secrets FMS");
_Static_assert(offsetof(struct snp_secrets_page, gosvw) == 0x010, "secrets GOSVW");
_Static_assert(offsetof(struct snp_secrets_page, vmpck) == 0x020, "secrets VMPCK0");
_Static_assert(offsetof(struct snp_secrets_page, vmpck[3]) == 0x080, "secrets VMPCK3");
_Static_assert(offsetof(struct snp_secrets_page, os_area) == 0x0A0, "secrets OS area");
_Static_assert(offsetof(struct snp_secrets_page, vmsa_tweak_bitmap) == 0x100, "secrets tweak bitmap");
_Static_assert(offsetof(struct snp_secrets_page, svsm_base) == 0x140, "secrets SVSM_BASE");
_Static_assert(offsetof(struct snp_secrets_page, svsm_size) == 0x148, "secrets SVSM_SIZE");
_Static_assert(offsetof(struct snp_secrets_page, svsm_caa) == 0x150, "secrets SVSM_CAA");
_Static_assert(offsetof(struct snp_secrets_page, svsm_max_version) == 0x158, "secrets SVSM_MAX_VERSION");
_Static_assert(offsetof(struct snp_secrets_page, svsm_guest_vmpl) == 0x15C, "secrets SVSM_GUEST_VMPL");
_Static_assert(offsetof(struct snp_secrets_page, tsc_factor) == 0x160, "secrets TSC_FACTOR");

/* SNP ABI (56860), the CPUID page: 16-byte header, up to 64 entries of 48 bytes. */
#define SNP_CPUID_MAX_ENTRIES 64

struct snp_cpuid_entry {
	uint32_t eax_in;   /* 0x00 */
	uint32_t ecx_in;   /* 0x04 */
	uint64_t xcr0_in;  /* 0x08 */
	uint64_t xss_in;   /* 0x10 */
	uint32_t eax;      /* 0x18 */
	uint32_t ebx;      /* 0x1C */
	uint32_t ecx;      /* 0x20 */
	uint32_t edx;      /* 0x24 */
	uint64_t reserved; /* 0x28 */
} __attribute__((packed));

struct snp_cpuid_table {
	uint32_t count;    /* 1..64 */
	uint32_t rsvd_4;
	uint64_t rsvd_8;
	struct snp_cpuid_entry e[SNP_CPUID_MAX_ENTRIES];
} __attribute__((packed));

_Static_assert(sizeof(struct snp_cpuid_entry) == 48, "CPUID entry");
_Static_assert(offsetof(struct snp_cpuid_entry, xss_in) == 0x10, "CPUID entry xss_in");
_Static_assert(offsetof(struct snp_cpuid_entry, eax) == 0x18, "CPUID entry eax");
_Static_assert(offsetof(struct snp_cpuid_entry, edx) == 0x24, "CPUID entry edx");
_Static_assert(offsetof(struct snp_cpuid_table, e) == 0x10, "CPUID table entries");
_Static_assert(sizeof(struct snp_cpuid_table) == 3088, "CPUID table size");
