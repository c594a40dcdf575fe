/* SPDX-License-Identifier: MIT */
/*
 * The IGVM file format, version 1 (Independent Guest Virtual Machine
 * format: the specification is the igvm_defs crate of github.com/microsoft/igvm,
 * v0.3/v0.4, "IGVM_FIXED_HEADER" and the IGVM_VHS_* structures). All
 * fields little-endian.
 *
 * A file is a fixed header, variable headers (type, length, payload padded
 * with zeros to 8 bytes; platform types 0x1-0x100, then initialization
 * 0x101-0x200, then directives 0x301-0x400, never back), then file data
 * the headers point into (absolute offsets; 0 = no data).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define IGVM_MAGIC 0x4D564749u /* "IGVM" */
#define IGVM_FORMAT_VERSION_1 1u
#define IGVM_PAGE_SIZE 4096u

struct igvm_fixed_header {
	uint32_t magic;
	uint32_t format_version;
	uint32_t variable_header_offset; /* >= sizeof(this), 8-aligned */
	uint32_t variable_header_size;
	uint32_t total_file_size;
	uint32_t checksum; /* CRC-32 (IEEE, as zlib) of this header with checksum 0, then the variable headers */
};
_Static_assert(sizeof(struct igvm_fixed_header) == 24, "IGVM fixed header v1");
_Static_assert(offsetof(struct igvm_fixed_header, checksum) == 20, "IGVM checksum");

/* A variable header: type, then the payload's length (unpadded). */
struct igvm_vh {
	uint32_t type;
	uint32_t length;
};
_Static_assert(sizeof(struct igvm_vh) == 8, "IGVM variable header");

#define IGVM_VHT_OPTIONAL (1u << 31) /* a loader that does not know the type may skip it */
#define IGVM_VHT_RANGE_PLATFORM_LAST 0x100u
#define IGVM_VHT_RANGE_INIT_FIRST 0x101u
#define IGVM_VHT_RANGE_INIT_LAST 0x200u
#define IGVM_VHT_RANGE_DIRECTIVE_FIRST 0x301u
#define IGVM_VHT_RANGE_DIRECTIVE_LAST 0x400u

#define IGVM_VHT_SUPPORTED_PLATFORM 0x001u
#define IGVM_VHT_GUEST_POLICY 0x101u
#define IGVM_VHT_RELOCATABLE_REGION 0x102u
#define IGVM_VHT_PAGE_TABLE_RELOCATION_REGION 0x103u
#define IGVM_VHT_PARAMETER_AREA 0x301u
#define IGVM_VHT_PAGE_DATA 0x302u
#define IGVM_VHT_PARAMETER_INSERT 0x303u
#define IGVM_VHT_VP_CONTEXT 0x304u
#define IGVM_VHT_REQUIRED_MEMORY 0x305u
#define IGVM_VHT_VP_COUNT_PARAMETER 0x307u
#define IGVM_VHT_SRAT 0x308u
#define IGVM_VHT_MADT 0x309u
#define IGVM_VHT_MMIO_RANGES 0x30Au
#define IGVM_VHT_SNP_ID_BLOCK 0x30Bu
#define IGVM_VHT_MEMORY_MAP 0x30Cu
#define IGVM_VHT_ERROR_RANGE 0x30Du
#define IGVM_VHT_COMMAND_LINE 0x30Eu
#define IGVM_VHT_SLIT 0x30Fu
#define IGVM_VHT_PPTT 0x310u
#define IGVM_VHT_VBS_MEASUREMENT 0x311u
#define IGVM_VHT_DEVICE_TREE 0x312u
#define IGVM_VHT_ENVIRONMENT_INFO_PARAMETER 0x313u

/* IGVM_VHS_SUPPORTED_PLATFORM. */
#define IGVM_PLATFORM_NATIVE 0u
#define IGVM_PLATFORM_VSM_ISOLATION 1u
#define IGVM_PLATFORM_SEV_SNP 2u
#define IGVM_PLATFORM_TDX 3u
#define IGVM_PLATFORM_SEV 4u
#define IGVM_PLATFORM_SEV_ES 5u
#define IGVM_PLATFORM_TYPE_LAST IGVM_PLATFORM_SEV_ES
#define IGVM_PLATFORM_VERSION 1u
struct igvm_supported_platform {
	uint32_t compatibility_mask; /* exactly one bit: the mask later structures name this platform by */
	uint8_t highest_vtl;         /* SNP: the highest VMPL index the guest uses */
	uint8_t platform_type;
	uint16_t platform_version;
	uint64_t shared_gpa_boundary; /* vTOM; 0 for SNP without vTOM */
};
_Static_assert(sizeof(struct igvm_supported_platform) == 16, "SUPPORTED_PLATFORM");
_Static_assert(offsetof(struct igvm_supported_platform, shared_gpa_boundary) == 8, "shared_gpa_boundary");

/* IGVM_VHS_GUEST_POLICY (SNP: the SNP_LAUNCH_START policy). */
struct igvm_guest_policy {
	uint64_t policy;
	uint32_t compatibility_mask;
	uint32_t reserved;
};
_Static_assert(sizeof(struct igvm_guest_policy) == 16, "GUEST_POLICY");

/* IGVM_VHS_PARAMETER_AREA. */
struct igvm_parameter_area {
	uint64_t number_of_bytes; /* a page multiple */
	uint32_t parameter_area_index;
	uint32_t file_offset; /* 0: zero-filled */
};
_Static_assert(sizeof(struct igvm_parameter_area) == 16, "PARAMETER_AREA");

/* IGVM_VHS_PAGE_DATA. */
#define IGVM_PAGE_FLAG_2MB (1u << 0)
#define IGVM_PAGE_FLAG_UNMEASURED (1u << 1)
#define IGVM_PAGE_FLAG_SHARED (1u << 2)
#define IGVM_PAGE_FLAGS_KNOWN 0x7u
#define IGVM_PAGE_DATA_NORMAL 0u
#define IGVM_PAGE_DATA_SECRETS 1u
#define IGVM_PAGE_DATA_CPUID_DATA 2u
#define IGVM_PAGE_DATA_CPUID_XF 3u
struct igvm_page_data {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t file_offset; /* 0: a page of zeros (a normal private page, not a native zero page) */
	uint32_t flags;
	uint16_t data_type;
	uint16_t reserved;
};
_Static_assert(sizeof(struct igvm_page_data) == 24, "PAGE_DATA");
_Static_assert(offsetof(struct igvm_page_data, data_type) == 20, "PAGE_DATA data_type");

/* IGVM_VHS_PARAMETER_INSERT. */
struct igvm_parameter_insert {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t parameter_area_index;
};
_Static_assert(sizeof(struct igvm_parameter_insert) == 16, "PARAMETER_INSERT");

/* IGVM_VHS_VP_CONTEXT: SNP, file data is the 4 KiB VMSA that lives at gpa. */
struct igvm_vp_context {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t file_offset;
	uint16_t vp_index;
	uint16_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct igvm_vp_context) == 20, "VP_CONTEXT (padded to 24 in the file)");
_Static_assert(offsetof(struct igvm_vp_context, vp_index) == 16, "VP_CONTEXT vp_index");

/* IGVM_VHS_REQUIRED_MEMORY. */
#define IGVM_REQUIRED_MEMORY_VTL2_PROTECTABLE (1u << 0)
struct igvm_required_memory {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t number_of_bytes;
	uint32_t flags;
	uint32_t reserved;
};
_Static_assert(sizeof(struct igvm_required_memory) == 24, "REQUIRED_MEMORY");

/* IGVM_VHS_PARAMETER: where a loader writes a parameter (VP count, memory map, ...). */
struct igvm_parameter {
	uint32_t parameter_area_index;
	uint32_t byte_offset;
};
_Static_assert(sizeof(struct igvm_parameter) == 8, "PARAMETER");

/* IGVM_VHS_MEMORY_MAP_ENTRY: what a loader writes for MEMORY_MAP; page_count 0 ends the list. */
#define IGVM_MEMORY_MAP_MEMORY 0u
#define IGVM_MEMORY_MAP_PLATFORM_RESERVED 1u
struct igvm_memory_map_entry {
	uint64_t starting_gpa_page_number;
	uint64_t number_of_pages;
	uint16_t entry_type;
	uint16_t flags;
	uint32_t reserved;
};
_Static_assert(sizeof(struct igvm_memory_map_entry) == 24, "MEMORY_MAP entry");
