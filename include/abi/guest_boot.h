/* SPDX-License-Identifier: MIT */
/*
 * What the SVSM hands a VMPL2 payload at launch (this project's own ABI,
 * docs/BOOT.md "Payload launch"): the payload starts in 64-bit mode at its
 * ELF entry with RSI = the guest-physical address of this page, paging on
 * (an identity map of the low 4 GiB in 2 MiB pages, private: C-bit set),
 * interrupts off. Everything it needs to find the SVSM is here or in the
 * secrets page, as on SNP hardware.
 *
 * The payload reports its end with a GHCB termination request (MSR
 * protocol 0x100); reason set GUEST_TERM_SET is "payload exit status",
 * code 0 success, anything else failure.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define GUEST_BOOT_MAGIC 0x31545342474D5653ull /* "SVMGBST1" */
#define GUEST_BOOT_VERSION 1u
#define GUEST_BOOT_MAX_RAM 16u
#define GUEST_BOOT_CMDLINE_MAX 256u
/* GHCB termination reason set for a payload's exit status (sets 0-1 are taken: GHCB spec 56421, GHCB MSR protocol termination request). */
#define GUEST_TERM_SET 0xE

struct guest_boot_range {
	uint64_t start;
	uint64_t end; /* exclusive */
};
_Static_assert(sizeof(struct guest_boot_range) == 16, "guest_boot_range");

struct guest_boot {
	uint64_t magic;
	uint32_t version;
	uint32_t size;        /* sizeof(struct guest_boot) */
	uint64_t secrets_gpa; /* the VMPL2 copy of the secrets page (SNP ABI 56860) */
	uint64_t cpuid_gpa;   /* the CPUID page (SNP ABI 56860) */
	uint64_t caa_gpa;     /* this vCPU's calling area (also in the secrets page) */
	uint64_t cbit;        /* the C-bit as an address mask */
	uint64_t image_start; /* the payload's pages: validated, RWX for VMPL2 */
	uint64_t image_end;
	uint64_t boot_start;  /* pages the launch set up (this page, secrets, CPUID, CA, tables) */
	uint64_t boot_end;
	uint32_t ram_count;   /* guest RAM; everything else in it is private and not validated */
	uint32_t vcpu_count;  /* vCPUs the machine has (-smp) */
	struct guest_boot_range ram[GUEST_BOOT_MAX_RAM];
	char cmdline[GUEST_BOOT_CMDLINE_MAX];
};
_Static_assert(offsetof(struct guest_boot, secrets_gpa) == 16, "guest_boot layout");
_Static_assert(offsetof(struct guest_boot, cbit) == 40, "guest_boot layout");
_Static_assert(offsetof(struct guest_boot, boot_end) == 72, "guest_boot layout");
_Static_assert(offsetof(struct guest_boot, ram_count) == 80, "guest_boot layout");
_Static_assert(offsetof(struct guest_boot, ram) == 88, "guest_boot layout");
_Static_assert(offsetof(struct guest_boot, cmdline) == 88 + 16 * GUEST_BOOT_MAX_RAM, "guest_boot layout");
_Static_assert(sizeof(struct guest_boot) <= 4096, "guest_boot fits one page");
