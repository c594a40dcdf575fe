/* SPDX-License-Identifier: MIT */
/*
 * QEMU's ACPI linker/loader script (fw_cfg file "etc/table-loader"): a
 * list of 128-byte commands a firmware runs to place fw_cfg blobs in its
 * memory, patch the pointers between them and fill in checksums. The
 * interface of QEMU's hw/acpi/bios-linker-loader.c, as OVMF
 * (OvmfPkg/Include/IndustryStandard/QemuLoader.h) and SeaBIOS read it.
 * Numbers little endian; file names NUL-terminated in 56 bytes.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define FW_LOADER_NAME_LEN 56u
#define FW_LOADER_CMD_SIZE 128u

enum {
	FW_LOADER_ALLOCATE = 1,     /* fetch a file into memory of a zone, aligned */
	FW_LOADER_ADD_POINTER = 2,  /* add a file's address to an offset stored in another (or the same) file */
	FW_LOADER_ADD_CHECKSUM = 3, /* store the 8-bit checksum of a range of a file at an offset in it */
};

enum {
	FW_LOADER_ZONE_HIGH = 1, /* anywhere the firmware likes */
	FW_LOADER_ZONE_FSEG = 2, /* the BIOS F segment (where an RSDP is searched for) */
};

struct fw_loader_cmd {
	uint32_t command;
	union {
		struct {
			char file[FW_LOADER_NAME_LEN];
			uint32_t align;
			uint8_t zone;
		} __attribute__((packed)) allocate;
		struct {
			char dest_file[FW_LOADER_NAME_LEN]; /* the file holding the pointer */
			char src_file[FW_LOADER_NAME_LEN];  /* the file it points into */
			uint32_t offset;                    /* of the pointer in dest_file */
			uint8_t size;                       /* 1, 2, 4 or 8 */
		} __attribute__((packed)) add_pointer;
		struct {
			char file[FW_LOADER_NAME_LEN];
			uint32_t result_offset;
			uint32_t start;
			uint32_t length;
		} __attribute__((packed)) add_checksum;
		uint8_t pad[FW_LOADER_CMD_SIZE - 4];
	};
} __attribute__((packed));

_Static_assert(sizeof(struct fw_loader_cmd) == FW_LOADER_CMD_SIZE, "loader command");
_Static_assert(offsetof(struct fw_loader_cmd, allocate.align) == 60, "ALLOCATE align");
_Static_assert(offsetof(struct fw_loader_cmd, allocate.zone) == 64, "ALLOCATE zone");
_Static_assert(offsetof(struct fw_loader_cmd, add_pointer.src_file) == 60, "ADD_POINTER src_file");
_Static_assert(offsetof(struct fw_loader_cmd, add_pointer.offset) == 116, "ADD_POINTER offset");
_Static_assert(offsetof(struct fw_loader_cmd, add_pointer.size) == 120, "ADD_POINTER size");
_Static_assert(offsetof(struct fw_loader_cmd, add_checksum.result_offset) == 60, "ADD_CHECKSUM result_offset");
_Static_assert(offsetof(struct fw_loader_cmd, add_checksum.start) == 64, "ADD_CHECKSUM start");
_Static_assert(offsetof(struct fw_loader_cmd, add_checksum.length) == 68, "ADD_CHECKSUM length");
