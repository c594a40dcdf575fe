/* SPDX-License-Identifier: MIT */
/*
 * The hand-over from stage 2 (32-bit) to the kernel (64-bit). Both sides
 * compile this header, so every field is fixed width and the layout is
 * asserted. The kernel receives the physical address of this structure in
 * RDI and reads it through the direct map.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define BOOT_INFO_MAGIC 0x4F464E49544F4F42ull /* "BOOTINFO" */
#define BOOT_INFO_VERSION 5u
#define BOOT_INFO_MAX_MEM 64u
#define BOOT_INFO_CMDLINE_MAX 256u

/* How stage1 was entered (docs/BOOT.md). */
#define BOOT_ENTRY_MULTIBOOT 1u
#define BOOT_ENTRY_SNP 2u

/* Memory-range types: the Multiboot/E820 numbering (Multiboot §3.3). */
#define BOOT_MEM_USABLE 1u
/* Below this: the real-mode area, BIOS data and ROMs of a plain machine; never the SVSM's. */
#define BOOT_LOW_MEMORY_END 0x100000ull
/* A guest firmware image: whole pages ending at 4 GiB, at most 16 MiB (lib/ovmf_meta.h's limit). */
#define BOOT_FIRMWARE_MAX 0x1000000ull
#define BOOT_MEM_RESERVED 2u
#define BOOT_MEM_ACPI 3u
#define BOOT_MEM_NVS 4u
#define BOOT_MEM_BAD 5u

/* Fixed virtual layout stage 2 builds (docs/ARCHITECTURE.md). */
#define SVSM_DIRECT_MAP_BASE 0xFFFF800000000000ull /* PML4 slot 256 */
#define SVSM_DIRECT_MAP_MAX (1ull << 39)            /* one PML4 slot: 512 GiB */
#define SVSM_KERNEL_VA_BASE 0xFFFFFFFF80000000ull  /* top 2 GiB, -mcmodel=kernel */
#define SVSM_KERNEL_MAX_SIZE (64ull << 20)

struct boot_mem_range {
	uint64_t base;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};
_Static_assert(sizeof(struct boot_mem_range) == 24, "boot_mem_range layout");

struct boot_info {
	uint64_t magic;
	uint32_t version;
	uint32_t size; /* sizeof(struct boot_info) as stage 2 knows it */
	uint32_t entry_kind;
	uint32_t mem_count;
	uint64_t enc_mask;        /* page-table encryption mask (C-bit), 0 if none */
	uint64_t direct_map_base; /* VA of physical address 0 */
	uint64_t direct_map_end;  /* highest physical address mapped + 1 */
	uint64_t image_pa;        /* loaded stage1 image incl. bss */
	uint64_t image_size;
	uint64_t svsm_pa; /* region stage 2 carved out: kernel, boot info, tables */
	uint64_t svsm_size;
	uint64_t kernel_pa; /* kernel segments, physically contiguous */
	uint64_t kernel_size;
	uint64_t kernel_va; /* virtual address of kernel_pa */
	uint64_t pt_pa;     /* page-table pool (all tables stage 2 built) */
	uint64_t pt_size;
	uint64_t cr3;
	uint64_t boot_info_pa;
	/* SNP entry only (0 otherwise): the launch's secrets and CPUID pages (SNP ABI 56860, the secrets and CPUID pages). */
	uint64_t snp_secrets_pa;
	uint64_t snp_cpuid_pa;
	/*
	 * The VMPL2 payload (a Multiboot module, page aligned; 0/0 when none):
	 * an ELF file the kernel loads into guest memory (docs/BOOT.md).
	 */
	uint64_t payload_pa;
	uint64_t payload_size;
	char cmdline[BOOT_INFO_CMDLINE_MAX];
	struct boot_mem_range mem[BOOT_INFO_MAX_MEM];
	/* SNP entry: the vCPUs the VM has (the launch's IGVM VP count parameter, 1..SMP_MAX_CPUS); 0 otherwise. */
	uint32_t vcpu_count;
	uint32_t reserved2;
	/*
	 * SNP entry with a guest firmware (0/0 otherwise; launch block
	 * include/abi/svsm_launch.h): the firmware image's launched pages
	 * (ending at 4 GiB, outside the memory map) and the range the SVSM
	 * region and heap lie in, which guest RAM leaves out whole.
	 */
	uint64_t firmware_pa;
	uint64_t firmware_size;
	uint64_t svsm_mem_pa;
	uint64_t svsm_mem_size;
};
_Static_assert(offsetof(struct boot_info, enc_mask) == 24, "boot_info layout");
_Static_assert(offsetof(struct boot_info, boot_info_pa) == 128, "boot_info layout");
_Static_assert(offsetof(struct boot_info, snp_secrets_pa) == 136, "boot_info layout");
_Static_assert(offsetof(struct boot_info, snp_cpuid_pa) == 144, "boot_info layout");
_Static_assert(offsetof(struct boot_info, payload_pa) == 152, "boot_info layout");
_Static_assert(offsetof(struct boot_info, payload_size) == 160, "boot_info layout");
_Static_assert(offsetof(struct boot_info, cmdline) == 168, "boot_info layout");
_Static_assert(offsetof(struct boot_info, mem) == 424, "boot_info layout");
_Static_assert(offsetof(struct boot_info, vcpu_count) == 424 + 24 * BOOT_INFO_MAX_MEM, "boot_info layout");
_Static_assert(offsetof(struct boot_info, firmware_pa) == 432 + 24 * BOOT_INFO_MAX_MEM, "boot_info layout");
_Static_assert(offsetof(struct boot_info, svsm_mem_size) == 456 + 24 * BOOT_INFO_MAX_MEM, "boot_info layout");
_Static_assert(sizeof(struct boot_info) == 464 + 24 * BOOT_INFO_MAX_MEM, "boot_info size");
_Static_assert(sizeof(struct boot_info) <= 4096, "boot_info fits one page");
