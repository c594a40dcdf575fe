/* SPDX-License-Identifier: MIT */
/*
 * The Linux/x86 boot protocol as a loader sees it: the bzImage's setup
 * header, the "zero page" (struct boot_params) handed to the kernel's
 * 64-bit entry in RSI, e820 entries and setup_data. Offsets and values
 * from the kernel's Documentation/arch/x86/boot.rst ("The Real-Mode
 * Kernel Header", "64-bit Boot Protocol") and zero-page.rst; the CC blob
 * (SETUP_CC_BLOB) from the SEV-SNP guest support in the same tree
 * (struct cc_blob_sev_info, arch/x86/include/asm/sev.h). Only the fields
 * a loader reads or writes are named; the rest is padding that the
 * offsets asserted below keep honest.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* boot.rst: the setup header lies at file offset 0x1F1, in the first sector after the boot sector. */
#define LINUX_SETUP_HDR_OFFSET 0x1F1u
#define LINUX_BOOT_FLAG 0xAA55u           /* boot_flag */
#define LINUX_HDR_MAGIC 0x53726448u       /* header: "HdrS" */
#define LINUX_MIN_PROTOCOL 0x020Cu        /* 2.12: xloadflags and the 64-bit entry (boot.rst) */
#define LINUX_SETUP_SECTS_DEFAULT 4u      /* setup_sects 0 means 4 (boot.rst) */
#define LINUX_LOADED_HIGH 0x01u           /* loadflags bit 0: protected-mode code at 0x100000 */
#define LINUX_XLF_KERNEL_64 0x0001u       /* xloadflags: 64-bit entry at +0x200 */
#define LINUX_XLF_CAN_BE_LOADED_ABOVE_4G 0x0002u
#define LINUX_ENTRY64_OFFSET 0x200u       /* boot.rst "64-bit Boot Protocol": entry = load address + 0x200 */
#define LINUX_LOADER_UNDEFINED 0xFFu      /* type_of_loader: a loader with no assigned ID (boot.rst) */
#define LINUX_E820_MAX 128u               /* E820_MAX_ENTRIES_ZEROPAGE */
#define LINUX_SETUP_CC_BLOB 7u            /* setup_data type (arch/x86/include/uapi/asm/setup_data.h) */
/*
 * The measured-boot event log's setup_data type: this project's, not the boot protocol's (which
 * has none for a TPM log without EFI); far above the kernel's types and without SETUP_INDIRECT
 * (bit 31), so the kernel keeps the node reserved and shows it, unparsed, in
 * /sys/kernel/boot_params/setup_data/N/data. "TCGL" in memory.
 */
#define LINUX_SETUP_SVSM_TCG_LOG 0x4C474354u
#define LINUX_CC_BLOB_MAGIC 0x45444D41u   /* "AMDE" (struct cc_blob_sev_info) */

/* e820 types (zero-page.rst, arch/x86/include/asm/e820/types.h). */
#define LINUX_E820_RAM 1u
#define LINUX_E820_RESERVED 2u
#define LINUX_E820_ACPI 3u

/* The setup header, file offset 0x1F1 (boot.rst "The Real-Mode Kernel Header"). */
struct linux_setup_header {
	uint8_t setup_sects;
	uint16_t root_flags;
	uint32_t syssize;           /* the protected-mode part in 16-byte units */
	uint16_t ram_size;
	uint16_t vid_mode;
	uint16_t root_dev;
	uint16_t boot_flag;         /* 0xAA55 */
	uint16_t jump;
	uint32_t header;            /* "HdrS" */
	uint16_t version;           /* boot protocol version */
	uint32_t realmode_swtch;
	uint16_t start_sys_seg;
	uint16_t kernel_version;
	uint8_t type_of_loader;     /* written by the loader */
	uint8_t loadflags;
	uint16_t setup_move_size;
	uint32_t code32_start;
	uint32_t ramdisk_image;     /* written: the initrd's address (low 32 bits) */
	uint32_t ramdisk_size;      /* written: its size (low 32 bits) */
	uint32_t bootsect_kludge;
	uint16_t heap_end_ptr;
	uint8_t ext_loader_ver;
	uint8_t ext_loader_type;
	uint32_t cmd_line_ptr;      /* written: the command line's address (low 32 bits) */
	uint32_t initrd_addr_max;   /* highest address the initrd may end at, inclusive */
	uint32_t kernel_alignment;
	uint8_t relocatable_kernel;
	uint8_t min_alignment;      /* log2 */
	uint16_t xloadflags;
	uint32_t cmdline_size;      /* longest command line, NUL excluded */
	uint32_t hardware_subarch;
	uint64_t hardware_subarch_data;
	uint32_t payload_offset;
	uint32_t payload_length;
	uint64_t setup_data;        /* written: the setup_data list's head */
	uint64_t pref_address;
	uint32_t init_size;         /* memory the kernel needs from its run address to decompress and start */
	uint32_t handover_offset;
	uint32_t kernel_info_offset;
} __attribute__((packed));
_Static_assert(sizeof(struct linux_setup_header) == 0x26C - 0x1F1, "setup header size");
#define LINUX_HDR_AT(field, off) \
	_Static_assert(offsetof(struct linux_setup_header, field) == (off) - LINUX_SETUP_HDR_OFFSET, "setup header " #field)
LINUX_HDR_AT(syssize, 0x1F4);
LINUX_HDR_AT(boot_flag, 0x1FE);
LINUX_HDR_AT(header, 0x202);
LINUX_HDR_AT(version, 0x206);
LINUX_HDR_AT(type_of_loader, 0x210);
LINUX_HDR_AT(loadflags, 0x211);
LINUX_HDR_AT(ramdisk_image, 0x218);
LINUX_HDR_AT(ramdisk_size, 0x21C);
LINUX_HDR_AT(cmd_line_ptr, 0x228);
LINUX_HDR_AT(initrd_addr_max, 0x22C);
LINUX_HDR_AT(kernel_alignment, 0x230);
LINUX_HDR_AT(relocatable_kernel, 0x234);
LINUX_HDR_AT(xloadflags, 0x236);
LINUX_HDR_AT(cmdline_size, 0x238);
LINUX_HDR_AT(setup_data, 0x250);
LINUX_HDR_AT(pref_address, 0x258);
LINUX_HDR_AT(init_size, 0x260);
LINUX_HDR_AT(kernel_info_offset, 0x268);

struct linux_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct linux_e820_entry) == 20, "e820 entry size");

/* The zero page (zero-page.rst): 4 KiB, everything not named here stays 0. */
struct linux_boot_params {
	uint8_t screen_info[0x40];            /* 0x000: zero: no VGA console */
	uint8_t pad0[0x70 - 0x40];
	uint64_t acpi_rsdp_addr;              /* 0x070 */
	uint8_t pad1[0xC0 - 0x78];
	uint32_t ext_ramdisk_image;           /* 0x0C0: high 32 bits of ramdisk_image */
	uint32_t ext_ramdisk_size;            /* 0x0C4 */
	uint32_t ext_cmd_line_ptr;            /* 0x0C8 */
	uint8_t pad2[0x13C - 0xCC];
	uint32_t cc_blob_address;             /* 0x13C: the kernel's own (left 0) */
	uint8_t pad3[0x1E8 - 0x140];
	uint8_t e820_entries;                 /* 0x1E8 */
	uint8_t pad4[0x1EF - 0x1E9];
	uint8_t sentinel;                     /* 0x1EF: must stay 0, or the kernel wipes the page */
	uint8_t pad5;
	struct linux_setup_header hdr;        /* 0x1F1 */
	uint8_t pad6[0x2D0 - 0x26C];
	struct linux_e820_entry e820_table[LINUX_E820_MAX]; /* 0x2D0 */
	uint8_t pad7[0x1000 - 0xCD0];
} __attribute__((packed));
_Static_assert(sizeof(struct linux_boot_params) == 4096, "boot_params size");
_Static_assert(offsetof(struct linux_boot_params, acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(offsetof(struct linux_boot_params, ext_ramdisk_image) == 0x0C0, "ext_ramdisk_image");
_Static_assert(offsetof(struct linux_boot_params, ext_cmd_line_ptr) == 0x0C8, "ext_cmd_line_ptr");
_Static_assert(offsetof(struct linux_boot_params, cc_blob_address) == 0x13C, "cc_blob_address");
_Static_assert(offsetof(struct linux_boot_params, e820_entries) == 0x1E8, "e820_entries");
_Static_assert(offsetof(struct linux_boot_params, sentinel) == 0x1EF, "sentinel");
_Static_assert(offsetof(struct linux_boot_params, hdr) == 0x1F1, "hdr");
_Static_assert(offsetof(struct linux_boot_params, e820_table) == 0x2D0, "e820_table");

/* A setup_data node's header (struct setup_data); len bytes of data follow. */
struct linux_setup_data {
	uint64_t next;
	uint32_t type;
	uint32_t len;
} __attribute__((packed));
_Static_assert(sizeof(struct linux_setup_data) == 16, "setup_data header size");

/* A setup_data list node carrying the CC blob's address (uapi/asm/setup_data.h, asm/sev.h). */
struct linux_setup_data_cc {
	struct linux_setup_data hdr; /* type LINUX_SETUP_CC_BLOB, len 4 */
	uint32_t cc_blob_address;    /* below 4 GiB */
} __attribute__((packed));
_Static_assert(sizeof(struct linux_setup_data_cc) == 20, "setup_data cc size");
_Static_assert(offsetof(struct linux_setup_data_cc, cc_blob_address) == 16, "setup_data cc address");

/* struct cc_blob_sev_info: where an SNP guest finds its secrets and CPUID pages without EFI. */
struct linux_cc_blob {
	uint32_t magic;             /* LINUX_CC_BLOB_MAGIC */
	uint16_t version;
	uint16_t reserved;
	uint64_t secrets_phys;
	uint32_t secrets_len;       /* 4096 */
	uint32_t rsvd1;
	uint64_t cpuid_phys;
	uint32_t cpuid_len;         /* >= 4096 */
	uint32_t rsvd2;
} __attribute__((packed));
_Static_assert(sizeof(struct linux_cc_blob) == 40, "cc blob size");
_Static_assert(offsetof(struct linux_cc_blob, secrets_phys) == 0x08, "cc blob secrets_phys");
_Static_assert(offsetof(struct linux_cc_blob, cpuid_phys) == 0x18, "cc blob cpuid_phys");
_Static_assert(offsetof(struct linux_cc_blob, cpuid_len) == 0x20, "cc blob cpuid_len");
