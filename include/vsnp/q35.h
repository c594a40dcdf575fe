/* SPDX-License-Identifier: MIT */
/*
 * The chipset a guest firmware (OVMF) expects of QEMU's q35 machine, as
 * vsnp shows it to the firmware's VMPL: the host bridge (Q35 MCH) at
 * 00:00.0 and the LPC bridge (ICH9) at 00:1f.0, their configuration space
 * through mechanism #1 (ports 0xCF8/0xCFC) and through the MMIO window
 * the MCH's PCIEXBAR opens (PCI Express enhanced configuration, bus 0),
 * and any other function a device model adds (vsnp_q35_add); every other
 * function absent (all ones). Registers: the standard header
 * (IDs and class read-only; command's I/O, memory and bus-master bits);
 * MCH PCIEXBAR (0x60, 64-bit; enable bit 0, length 2:1 = 256 MiB only),
 * PAM0-6 (0x90-0x96), SMRAM (0x9D), ESMRAMC (0x9E): kept as written, no
 * effect here (no SMM, no shadowing); LPC PMBASE (0x40), ACPI_CNTL
 * (0x44), GEN_PMCON_1 (0xA0), RCBA (0xF0): kept as written; the ACPI
 * register block stays where vsnp serves it (io_ports.c, 0x600), which is
 * where OVMF puts it (PcdAcpiPmBaseAddress), and a different PMBASE is
 * reported once. Register numbers: Intel 3 Series Express Chipset Family
 * datasheet (316966) §5.1, Intel ICH9 datasheet (316972) §13.1 and §13.8;
 * the IDs QEMU's q35 gives (MCH 8086:29c0, LPC 8086:2918).
 * Portable (host-tested).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define Q35_MCH_DEVFN 0x00u          /* 00:00.0 */
#define Q35_LPC_DEVFN ((0x1Fu << 3) | 0) /* 00:1f.0 */
#define Q35_VENDOR_INTEL 0x8086u
#define Q35_MCH_DEVICE 0x29C0u
#define Q35_LPC_DEVICE 0x2918u
#define Q35_MCH_PCIEXBAR 0x60u
#define Q35_PCIEXBAR_EN 1ull
#define Q35_PCIEXBAR_LEN_MASK 0x6ull /* bits 2:1: 00b = 256 MiB (the only length served) */
#define Q35_PCIEXBAR_BASE_MASK 0xFF0000000ull /* 256 MiB aligned, below 64 GiB */
#define Q35_ECAM_SIZE 0x10000000ull
#define Q35_LPC_PMBASE 0x40u
#define Q35_LPC_ACPI_CNTL 0x44u
#define Q35_LPC_GEN_PMCON_1 0xA0u
#define Q35_LPC_RCBA 0xF0u

struct vsnp_q35_fn {
	uint8_t cfg[256];
	uint8_t wmask[256]; /* the bits a write may change */
};

/*
 * Another function on bus 0 whose configuration space is its own model's
 * (vsnp/vblk.c: the guest's boot disk): the dword at off (4-aligned,
 * below 256), and a write of size 1, 2 or 4.
 */
struct vsnp_q35_dev {
	unsigned devfn;
	uint32_t (*cfg_read)(void *ctx, unsigned off);
	void (*cfg_write)(void *ctx, unsigned off, unsigned size, uint32_t val);
	void *ctx;
};
#define VSNP_Q35_MAX_DEVS 2u

struct vsnp_q35 {
	uint32_t cf8;              /* the configuration address register */
	struct vsnp_q35_fn mch, lpc;
	struct vsnp_q35_dev dev[VSNP_Q35_MAX_DEVS];
	unsigned devs;
	bool pmbase_said;
	void (*say)(void *ctx, const char *line); /* a notice (a PMBASE vsnp does not move its block to); may be NULL */
	void *ctx;
};

void vsnp_q35_init(struct vsnp_q35 *q);
/* Puts d on bus 0 (after vsnp_q35_init): SVSM_OK, SVSM_EINVAL (its devfn is taken, or a function pointer is NULL), SVSM_ENOSPC. */
int vsnp_q35_add(struct vsnp_q35 *q, const struct vsnp_q35_dev *d);
/* Port access: true when port is 0xCF8 (32-bit) or 0xCFC-0xCFF (*val read or written). */
bool vsnp_q35_io(struct vsnp_q35 *q, uint16_t port, unsigned size, bool in, uint32_t *val);
/* The enhanced configuration window, if PCIEXBAR enables it: true with its base. */
bool vsnp_q35_ecam(const struct vsnp_q35 *q, uint64_t *base);
/* An MMIO access inside the window (offset from its base; size 1, 2, 4 or 8, naturally aligned). */
void vsnp_q35_ecam_access(struct vsnp_q35 *q, uint64_t off, unsigned size, bool write, uint64_t *val);
