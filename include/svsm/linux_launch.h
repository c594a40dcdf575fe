/* SPDX-License-Identifier: MIT */
/*
 * Launching a Linux kernel at VMPL2 directly, without firmware
 * (svsm/guest/linux_launch.c), per the x86 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst) with what an SEV-SNP guest needs
 * besides: every page of the guest's RAM validated and granted (Linux
 * without EFI has no unaccepted memory), the CC blob reached through
 * setup_data, and the CPUID page, the guest's secrets page and the boot
 * calling area in one 2 MiB-aligned block below 4 GiB, which the e820 map
 * reserves. The kernel and initrd run where the launch measured them.
 * Portable: the kernel runs it on the snp backend, host tests on fake.
 *
 * The boot block (2 MiB aligned, in guest RAM, clear of the kernel and
 * initrd), by page:
 *   0 the CC blob (struct linux_cc_blob) and at 0x800 its setup_data node
 *   1 CPUID page      2 the guest's secrets page    3 the boot calling area
 *   4 boot_params     5 the command line             6 GDT (0x10 code, 0x18 data)
 *   7 ACPI tables (e820 type 3)                      8 the boot vCPU's VMSA (VMPL0 only)
 *   9 the measured-boot event log: a setup_data node (LINUX_SETUP_SVSM_TCG_LOG)
 *     holding the TCG crypto-agile log, when a vTPM took the measurements
 *  10 PML4, 11 PDPT, 12.. one page directory per GiB of RAM: an identity
 *     map of all guest RAM in private 2 MiB pages
 *
 * Measured boot (with a vTPM, cfg->tpm): before the guest runs, the kernel
 * file (setup part then protected-mode part) and the initrd are extended
 * into PCR 9 and the command line (its bytes, no NUL) into PCR 8, each an
 * EV_IPL event, as GRUB 2 measures what it loads. Each event's data is a
 * NUL-terminated string (as GRUB's): a description for the kernel and the
 * initrd, the command line itself for its event (its digest covers the
 * command line without the NUL).
 * The rest of the block is RAM.
 */
#pragma once

#include <stdint.h>

#include "abi/snp_pages.h"
#include "abi/svsm_launch.h"
#include "mm/memmap.h"
#include "protocols/svsm_vm.h"

#define LINUX_BLOCK_PAGE_CC 0u
#define LINUX_BLOCK_PAGE_CPUID 1u
#define LINUX_BLOCK_PAGE_SECRETS 2u
#define LINUX_BLOCK_PAGE_CA 3u
#define LINUX_BLOCK_PAGE_PARAMS 4u
#define LINUX_BLOCK_PAGE_CMDLINE 5u
#define LINUX_BLOCK_PAGE_GDT 6u
#define LINUX_BLOCK_PAGE_ACPI 7u
#define LINUX_BLOCK_PAGE_VMSA 8u
#define LINUX_BLOCK_PAGE_TCG_LOG 9u
#define LINUX_BLOCK_PAGE_PML4 10u
#define LINUX_BLOCK_PAGE_PDPT 11u
#define LINUX_BLOCK_PAGE_PD 12u
#define LINUX_MAX_RAM_GIB 64u /* page directories in the block */
#define LINUX_SETUP_CC_OFFSET 0x800u
#define LINUX_PCR_KERNEL 9u
#define LINUX_PCR_INITRD 9u
#define LINUX_PCR_CMDLINE 8u

struct linux_launch_cfg {
	const struct svsm_linux_payload *desc; /* a copy, not the measured page */
	const uint8_t *setup;                  /* desc->setup_size bytes */
	const char *cmdline;                   /* desc->cmdline_size bytes */
	const struct memmap *guest_ram;        /* all of it is validated and given to the guest */
	uint64_t cbit;                         /* the C-bit as an address mask */
	unsigned vmpl;                         /* 1..3 */
	uint64_t sev_features;
	const struct snp_cpuid_table *cpuid;
	const struct snp_secrets_page *secrets; /* the firmware's page */
	uint64_t svsm_base, svsm_size;
	unsigned vcpu_count;
	const struct vtpm_backend *tpm;        /* measured boot into it; NULL: none */
};

struct linux_launch_out {
	uint64_t entry;                      /* kernel_gpa + 0x200 */
	uint64_t block_gpa;
	uint64_t boot_params_gpa, caa_gpa, vmsa_gpa, rsdp_gpa;
	uint64_t validated_4k, validated_2m; /* pages PVALIDATEd by the launch */
	uint64_t granted;                    /* bytes given to the guest's VMPL */
	unsigned e820_entries;
	unsigned measured_events;            /* 0 without a vTPM */
	uint32_t tcg_log_len;                /* bytes of the log in its setup_data node */
};

/*
 * Launches: SVSM_OK and *out, or an error with *why (the descriptor or
 * setup header refused, the kernel window or initrd not in guest RAM, no
 * room for the boot block, a platform step failed, the vTPM refused a
 * measurement: a launch that cannot be measured does not run). Nothing runs on an
 * error; pages already validated stay so.
 */
int linux_launch(const struct linux_launch_cfg *cfg, struct linux_launch_out *out, const char **why);
