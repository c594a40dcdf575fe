/* SPDX-License-Identifier: MIT */
/*
 * The SVSM launch block: one measured page of the SVSM's IGVM file
 * (tools/igvm-build) that tells stage 1's SNP entry where the launch put
 * everything. Its GPA is in EBX at that entry (docs/BOOT.md); it is
 * measured (PAGE_DATA NORMAL), so its contents are part of the launch
 * digest and the SVSM may trust them as it trusts its own code. The
 * parameter areas it points to are not measured: their contents are the
 * host's (memory map, vCPU count) and are checked before use.
 *
 * Layout of the launch, in GPA order (igvm-build; all 4 KiB pages):
 *   image_gpa               svsm.img as loaded (file, then zero bss pages)
 *   the launch block        this page
 *   secrets_gpa             SNP secrets page (SECRETS)
 *   cpuid_gpa               SNP CPUID page (CPUID_DATA)
 *   memmap_gpa              IGVM parameter area: MEMORY_MAP entries (unmeasured)
 *   params_gpa              IGVM parameter area: VP count u32 @0, environment info u32 @4 (unmeasured)
 *   cmdline_gpa             the SVSM's command line, NUL-terminated (measured)
 *   payload_gpa             2 MiB aligned: the VMPL2 payload file as given (measured), if any;
 *                           for Linux, struct svsm_linux_payload and what it points to (below)
 *   svsm_mem_gpa            with firmware: where the SVSM's region and heap must lie (not loaded;
 *                           an IGVM REQUIRED_MEMORY, as is svsm.img's range, so the hypervisor
 *                           leaves both out of the memory map it gives the guest's firmware)
 *   firmware_gpa            the guest firmware (OVMF) image, measured, ending at 4 GiB
 * and the VMSA of the boot CPU, measured last at GPA 0xFFFFFFFFF000.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SVSM_LAUNCH_MAGIC "SVSMLNCH"
#define SVSM_LAUNCH_VERSION 2u
#define SVSM_LAUNCH_CMDLINE_MAX 4096u /* one page, NUL included */

struct svsm_launch_block {
	char magic[8];
	uint32_t version;
	uint32_t size;           /* sizeof(struct svsm_launch_block) */
	uint64_t image_gpa;      /* svsm.img's load address */
	uint64_t image_size;     /* its file plus bss, rounded to 4 KiB */
	uint64_t secrets_gpa;
	uint64_t cpuid_gpa;
	uint64_t memmap_gpa;     /* struct igvm_memory_map_entry[], page_count 0 ends it */
	uint64_t memmap_size;    /* bytes */
	uint64_t params_gpa;
	uint64_t cmdline_gpa;
	uint32_t cmdline_size;   /* bytes before the NUL */
	uint32_t reserved;       /* 0 */
	uint64_t payload_gpa;    /* 0 without a payload */
	uint64_t payload_size;   /* the file's size in bytes */
	uint64_t end_gpa;        /* 2 MiB aligned: the first GPA past everything the file loads */
	/*
	 * A guest firmware for VMPL2 (igvm-build --firmware; 0/0 without):
	 * its image's pages end at 4 GiB; the SVSM reads its SEV metadata
	 * (include/abi/ovmf.h) from them again before it prepares anything.
	 */
	uint64_t firmware_gpa;
	uint64_t firmware_size;
	/*
	 * 0/0: the SVSM region goes above end_gpa and the heap at the top of
	 * RAM below 4 GiB. Otherwise (with firmware) both must lie in this
	 * 2 MiB-aligned range at or above end_gpa, which the file declares as
	 * REQUIRED_MEMORY: the firmware's fixed memory stays clear of them.
	 */
	uint64_t svsm_mem_gpa;
	uint64_t svsm_mem_size;
};
_Static_assert(sizeof(struct svsm_launch_block) == 0x90, "launch block size");
_Static_assert(offsetof(struct svsm_launch_block, image_gpa) == 0x10, "launch block image_gpa");
_Static_assert(offsetof(struct svsm_launch_block, memmap_gpa) == 0x30, "launch block memmap_gpa");
_Static_assert(offsetof(struct svsm_launch_block, cmdline_size) == 0x50, "launch block cmdline_size");
_Static_assert(offsetof(struct svsm_launch_block, payload_gpa) == 0x58, "launch block payload_gpa");
_Static_assert(offsetof(struct svsm_launch_block, end_gpa) == 0x68, "launch block end_gpa");
_Static_assert(offsetof(struct svsm_launch_block, firmware_gpa) == 0x70, "launch block firmware_gpa");
_Static_assert(offsetof(struct svsm_launch_block, svsm_mem_gpa) == 0x80, "launch block svsm_mem_gpa");
_Static_assert(offsetof(struct svsm_launch_block, svsm_mem_size) == 0x88, "launch block svsm_mem_size");

/*
 * A Linux payload (igvm-build --linux): the payload area then holds this
 * descriptor page, the kernel's command line page and the bzImage's setup
 * part, and the kernel's protected-mode part and the initrd lie as
 * measured pages of their own at the addresses given here, between the
 * payload area and end_gpa. The kernel runs where it was measured
 * (kernel_gpa, a multiple of its kernel_alignment); the SVSM checks the
 * setup part again and builds the rest (svsm/guest/linux_launch.c).
 */
#define SVSM_LINUX_MAGIC "SVSMLNX1"
#define SVSM_LINUX_VERSION 1u
#define SVSM_LINUX_CMDLINE_OFFSET 0x1000u /* the command line page, NUL-terminated */
#define SVSM_LINUX_SETUP_OFFSET 0x2000u   /* the setup part, as in the file */

struct svsm_linux_payload {
	char magic[8];
	uint32_t version;
	uint32_t size;            /* sizeof(struct svsm_linux_payload) */
	uint64_t kernel_gpa;      /* the protected-mode part, measured pages from here */
	uint64_t kernel_size;     /* its bytes (the file's size less the setup part) */
	uint64_t initrd_gpa;      /* page aligned; 0 without an initrd */
	uint64_t initrd_size;     /* bytes */
	uint32_t setup_size;      /* bytes at SVSM_LINUX_SETUP_OFFSET */
	uint32_t cmdline_size;    /* bytes at SVSM_LINUX_CMDLINE_OFFSET before the NUL */
};
_Static_assert(sizeof(struct svsm_linux_payload) == 0x38, "linux payload size");
_Static_assert(offsetof(struct svsm_linux_payload, kernel_gpa) == 0x10, "linux payload kernel_gpa");
_Static_assert(offsetof(struct svsm_linux_payload, initrd_gpa) == 0x20, "linux payload initrd_gpa");
_Static_assert(offsetof(struct svsm_linux_payload, setup_size) == 0x30, "linux payload setup_size");

/* The boot CPU's first state (the IGVM VP context): 32-bit flat protected mode at VMPL0. */
#define SVSM_LAUNCH_CS_SEL 0x08u
#define SVSM_LAUNCH_DS_SEL 0x10u
#define SVSM_LAUNCH_CS_ATTR 0xC9Bu /* VMSA compressed form: present, code, read, accessed, D, G */
#define SVSM_LAUNCH_DS_ATTR 0xC93u /* present, data, write, accessed, B, G */
#define SVSM_LAUNCH_CR0 0x31ull    /* PE, ET, NE: paging off */
#define SVSM_LAUNCH_CR4 0x40ull    /* MCE */
#define SVSM_LAUNCH_EFER 0x1000ull /* SVME, which every SNP VMSA must have */
#define SVSM_LAUNCH_PAT 0x0007040600070406ull /* the power-on PAT (APM vol.2 §7.8.1) */
#define SVSM_LAUNCH_SEV_FEATURES 0x1ull /* SNPActive only (GHCB spec 56421 §2.3.1 SEV_FEATURES) */
