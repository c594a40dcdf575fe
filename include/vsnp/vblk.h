/* SPDX-License-Identifier: MIT */
/*
 * vsnp's virtio block device, as a host's VMM emulates one for its guest:
 * a transitional virtio-blk PCI function (legacy interface, Virtio 1.2
 * §4.1.4.8; include/abi/virtio.h) on bus 0, slot VSNP_VBLK_SLOT, reached
 * through PCI configuration mechanism #1 and its I/O BAR, and backed by a
 * disk the machine has (vsnp.img: QEMU's virtio disk, driven with
 * lib/virtio_blk.c). Portable: host-tested against the driver and fuzzed.
 *
 * The machine offers it to VMPL0 only (the SVSM's vTPM state): the guest
 * OS sees an empty bus. Every value the driver leaves in guest memory is
 * hostile: the queue and every buffer must lie in the guest's shared pages
 * (mem ops refuse anything else: DMA only into shared pages), descriptor
 * chains are bounded by the queue size, a data buffer is whole sectors,
 * requests stay inside the disk. A request that breaks a rule answers
 * IOERR when its status byte can be reached; a queue that breaks the
 * protocol (an index that runs ahead, a head out of range, an unreachable
 * ring or status) makes the device stop serving, as QEMU marks a device
 * broken, with DEVICE_NEEDS_RESET (0x40) in its status, until a reset.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/virtio.h"

#define VSNP_VBLK_SLOT 3u
#define VSNP_VBLK_QSZ 128u
#define VSNP_VBLK_IO_BASE 0xC000u /* BAR0 as the machine's firmware would leave it */
#define VSNP_VBLK_STATUS_NEEDS_RESET 0x40u /* Virtio 1.2 §2.1 */
#define VSNP_VBLK_BOUNCE 16384u            /* bytes moved per step between the disk and the guest */

/* The guest's memory as the device may reach it: false when [gpa, gpa + len) is not all shared guest RAM. */
struct vsnp_vblk_mem {
	void *ctx;
	bool (*read)(void *ctx, uint64_t gpa, void *buf, size_t len);
	bool (*write)(void *ctx, uint64_t gpa, const void *buf, size_t len);
};

/* The disk behind: whole 512-byte sectors; 0 on success. */
struct vsnp_vblk_disk {
	void *ctx;
	uint64_t sectors;
	int (*read)(void *ctx, uint64_t sector, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t sector, const void *buf, size_t len);
	int (*flush)(void *ctx);
	bool ro;                            /* read-only: VIRTIO_BLK_F_RO offered, writes answered IOERR */
	char id[VIRTIO_BLK_ID_BYTES + 1];   /* GET_ID's answer (a serial; "" for none) */
};

struct vsnp_vblk {
	const struct vsnp_vblk_mem *mem;
	const struct vsnp_vblk_disk *disk;
	uint32_t cf8;            /* the configuration address latch */
	uint16_t command;
	uint32_t bar0;           /* the I/O base with bit 0 set */
	uint8_t irq_line;
	uint32_t guest_features;
	uint32_t queue_pfn;
	uint16_t queue_sel;
	uint8_t status;
	uint8_t isr;
	/* The modern interface (vblk_modern.c): BAR4, the feature selectors, the queue the driver describes. */
	bool modern;
	uint32_t bar4;
	uint32_t dfselect, gfselect;
	uint64_t driver_features;
	uint16_t m_qsz, m_enable;
	uint64_t m_desc, m_avail, m_used;
	uint16_t last_avail;     /* requests taken from the available ring */
	uint16_t used_idx;       /* completions written */
	uint64_t requests, ioerr, bytes_in, bytes_out, flushes;
	const char *broken_why;  /* why the device stopped serving (NULL: serving) */
	uint8_t bounce[VSNP_VBLK_BOUNCE];
};

/*
 * io_base: BAR0 as the machine's firmware left it (VSNP_VBLK_IO_BASE for
 * the SVSM's device), or 0: unassigned until the guest's firmware sizes
 * and places it (the device on a firmware VM's q35 bus).
 */
void vsnp_vblk_init(struct vsnp_vblk *b, const struct vsnp_vblk_mem *mem, const struct vsnp_vblk_disk *disk,
		    uint16_t io_base);

/*
 * The same device with the modern (virtio 1.0) PCI interface instead
 * (vsnp/vblk_modern.c): 1AF4:1042, its registers in a 32-bit memory BAR
 * (BAR4) the guest's firmware places, VIRTIO_F_VERSION_1 and
 * VIRTIO_F_ACCESS_PLATFORM offered besides FLUSH (and RO). What OVMF
 * under SEV-SNP drives (the guest's boot disk).
 */
void vsnp_vblk_init_modern(struct vsnp_vblk *b, const struct vsnp_vblk_mem *mem, const struct vsnp_vblk_disk *disk);
uint32_t vsnp_vblk_modern_cfg_read(const struct vsnp_vblk *b, unsigned off);
void vsnp_vblk_modern_cfg_write(struct vsnp_vblk *b, unsigned off, unsigned size, uint32_t val);
/*
 * One MMIO access (size 1, 2, 4 or 8) of a modern device: true when gpa
 * is in its BAR while memory decoding is on (*val read or written; an
 * access that is no register reads all ones and writes nothing).
 */
bool vsnp_vblk_mmio(struct vsnp_vblk *b, uint64_t gpa, unsigned size, bool write, uint64_t *val);

/*
 * The device's PCI configuration space, for a bus model that owns the
 * configuration mechanism (vsnp/q35.c): the dword at off (4-aligned,
 * below 256), and a write of size 1, 2 or 4 at off.
 */
uint32_t vsnp_vblk_cfg_read(const struct vsnp_vblk *b, unsigned off);
void vsnp_vblk_cfg_write(struct vsnp_vblk *b, unsigned off, unsigned size, uint32_t val);
/* One access to the I/O BAR (while I/O decoding is on): true when port is the BAR's, *val read or written. */
bool vsnp_vblk_bar_io(struct vsnp_vblk *b, uint16_t port, unsigned size, bool in, uint32_t *val);

/*
 * One port access of size 1, 2 or 4 by VMPL0: true when the port is the
 * device's (0xCF8, 0xCFC-0xCFF, BAR0 while I/O decoding is on), *val the
 * value written or read.
 */
bool vsnp_vblk_io(struct vsnp_vblk *b, uint16_t port, unsigned size, bool in, uint32_t *val);
