/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 structures, as a loader (QEMU -kernel) hands them to stage1.
 * Source: "Multiboot Specification version 0.6.96", §3.1 (header),
 * §3.2 (machine state), §3.3 (boot information format).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* §3.1.2: magic in the OS image header. */
#define MB1_HEADER_MAGIC 0x1BADB002u
/* §3.2: EAX on entry when a Multiboot loader started us. */
#define MB1_BOOT_MAGIC 0x2BADB002u
/* §3.1.1: the header must lie within the first 8192 bytes, 4-byte aligned. */
#define MB1_HEADER_SEARCH 8192u

/* §3.1.3 header flags. */
#define MB1_HF_PAGE_ALIGN (1u << 0) /* modules page aligned */
#define MB1_HF_MEMINFO (1u << 1)    /* mem_* and mmap_* wanted */
#define MB1_HF_AOUT_KLUDGE (1u << 16) /* load addresses taken from the header */

/* §3.3 boot-information flags. */
#define MB1_INFO_MEM (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_MMAP (1u << 6)

/* §3.3 memory-map entry types. */
#define MB1_MMAP_AVAILABLE 1u
#define MB1_MMAP_ACPI 3u
#define MB1_MMAP_NVS 4u
#define MB1_MMAP_BAD 5u

struct mb1_header {
	uint32_t magic;
	uint32_t flags;
	uint32_t checksum; /* magic + flags + checksum == 0 (mod 2^32) */
	/* Valid with MB1_HF_AOUT_KLUDGE. */
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr;
	uint32_t bss_end_addr;
	uint32_t entry_addr;
};
_Static_assert(sizeof(struct mb1_header) == 32, "Multiboot §3.1.1 header size");
_Static_assert(offsetof(struct mb1_header, entry_addr) == 28, "Multiboot §3.1.1");

struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower;
	uint32_t mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
	/* Later fields (drives, config table, loader name, APM, VBE,
	 * framebuffer) are not used by the SVSM. */
};
_Static_assert(sizeof(struct mb1_info) == 52, "Multiboot §3.3 prefix used here");
_Static_assert(offsetof(struct mb1_info, cmdline) == 16, "Multiboot §3.3");
_Static_assert(offsetof(struct mb1_info, mods_count) == 20, "Multiboot §3.3");
_Static_assert(offsetof(struct mb1_info, mods_addr) == 24, "Multiboot §3.3");
_Static_assert(offsetof(struct mb1_info, mmap_length) == 44, "Multiboot §3.3");
_Static_assert(offsetof(struct mb1_info, mmap_addr) == 48, "Multiboot §3.3");

/* §3.3 module entry: [mod_start, mod_end) in physical memory, a C string. */
struct mb1_module {
	uint32_t mod_start;
	uint32_t mod_end;
	uint32_t string;
	uint32_t reserved;
};
_Static_assert(sizeof(struct mb1_module) == 16, "Multiboot §3.3 module entry");

/*
 * §3.3 memory map entry. `size` counts the bytes that follow it, so the next
 * entry starts at (entry + size + 4). The 64-bit fields are not naturally
 * aligned, hence packed.
 */
struct mb1_mmap_entry {
	uint32_t size;
	uint64_t base;
	uint64_t length;
	uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "Multiboot §3.3 mmap entry");
_Static_assert(offsetof(struct mb1_mmap_entry, base) == 4, "Multiboot §3.3");
_Static_assert(offsetof(struct mb1_mmap_entry, type) == 20, "Multiboot §3.3");
