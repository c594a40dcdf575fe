/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration device as vsnp offers it to a guest
 * firmware (OVMF) at a lower VMPL: the selector and data ports of the
 * traditional interface, items built by the hypervisor (the signature,
 * the interface ID, the CPU counts, a file directory and files such as
 * etc/e820). Layout and semantics: QEMU docs/specs/fw_cfg.rst (x86: the
 * selector register at port 0x510, 16 bits wide; the data register at
 * 0x511, 8 bits; a read past an item's end, or of a key with no item,
 * gives 0; selecting an item rewinds it). No DMA interface (ports
 * 0x514-0x51B): the ID says so, and a guest's DMA could not be confined
 * to its shared pages through it. Portable (host-tested).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define FW_CFG_PORT_SEL 0x510u
#define FW_CFG_PORT_DATA 0x511u
/* Item keys (QEMU docs/specs/fw_cfg.rst, "Selector register" and the key table). */
#define FW_CFG_SIGNATURE 0x00u
#define FW_CFG_ID 0x01u
#define FW_CFG_NB_CPUS 0x05u
#define FW_CFG_MAX_CPUS 0x0Fu
#define FW_CFG_FILE_DIR 0x19u
#define FW_CFG_FILE_FIRST 0x20u
#define FW_CFG_KEY_MASK 0x3FFFu    /* bit 14 (write) and 15 (architecture) left out of the key */
#define FW_CFG_ID_TRADITIONAL 1u   /* bit 0: the port interface; bit 1 (DMA) never set here */
#define FW_CFG_FILE_NAME_LEN 56u

#define FW_CFG_MAX_ITEMS 16u
#define FW_CFG_MAX_FILES 8u
_Static_assert(FW_CFG_MAX_FILES <= 32, "files_read holds a bit per file");
#define FW_CFG_DATA_MAX 4096u      /* all items' bytes together */

struct fw_cfg_file {               /* a directory entry, big endian (fw_cfg.rst, FW_CFG_FILE_DIR) */
	uint32_t size;
	uint16_t select;
	uint16_t reserved;
	char name[FW_CFG_FILE_NAME_LEN];
};
_Static_assert(sizeof(struct fw_cfg_file) == 64, "fw_cfg file directory entry");

struct vsnp_fw_cfg {
	uint16_t selector;
	uint32_t offset;                /* into the selected item */
	unsigned items, files;
	struct {
		uint16_t key;
		uint32_t start, len;    /* in data[] */
	} item[FW_CFG_MAX_ITEMS];
	uint32_t used;
	uint32_t files_read;            /* bit i: file i was read to its last byte (the run's report) */
	uint8_t data[FW_CFG_DATA_MAX];
	uint8_t dir[4 + FW_CFG_MAX_FILES * sizeof(struct fw_cfg_file)];
};

/* Empty but for the signature and the ID. */
void vsnp_fw_cfg_init(struct vsnp_fw_cfg *f);
/* Adds an item under key (below FW_CFG_FILE_FIRST): SVSM_OK, SVSM_EEXIST, or SVSM_ENOSPC (no room). */
int vsnp_fw_cfg_add(struct vsnp_fw_cfg *f, uint16_t key, const void *data, uint32_t len);
/* Adds a named file (the next file key, listed in the directory): SVSM_OK, SVSM_EINVAL (name), SVSM_EEXIST, SVSM_ENOSPC. */
int vsnp_fw_cfg_add_file(struct vsnp_fw_cfg *f, const char *name, const void *data, uint32_t len);
/*
 * The file etc/e820 (fw_cfg.rst; entries of u64 address, u64 length, u32
 * type, little endian, in address order): guest RAM [0, ram_size) as RAM
 * (type 1) but for the n reserved ranges (type 2: the paravisor's memory,
 * IGVM REQUIRED_MEMORY), which must lie in RAM, page aligned. SVSM_OK,
 * SVSM_EINVAL (a range outside RAM, unaligned or overlapping another),
 * SVSM_ENOSPC.
 */
struct fw_cfg_range {
	uint64_t gpa, size;
};
int vsnp_fw_cfg_add_e820(struct vsnp_fw_cfg *f, uint64_t ram_size, const struct fw_cfg_range *reserved, unsigned n);
#define FW_CFG_E820_RAM 1u
#define FW_CFG_E820_RESERVED 2u
#define FW_CFG_E820_MAX 17u /* entries: n <= 8 reserved ranges and the RAM around them */

/* The name of file i (0 .. files - 1), NUL-terminated in the directory. */
const char *vsnp_fw_cfg_file_name(const struct vsnp_fw_cfg *f, unsigned i);

/* One port access: true when port is the device's (*val read or written), false otherwise. */
bool vsnp_fw_cfg_io(struct vsnp_fw_cfg *f, uint16_t port, unsigned size, bool in, uint32_t *val);
