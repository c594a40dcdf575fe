/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration through mechanism #1 (ports 0xCF8/0xCFC, PCI Local Bus
 * Specification 3.0 §3.2.2.3.2), over port I/O the caller provides (the
 * SVSM's goes through the platform seam, vsnp's to the machine's ports).
 * Bus 0 only: the devices an SVSM or vsnp looks for sit on the root bus.
 * Everything read is the hypervisor's and is checked before use.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct pci_io {
	void *ctx;
	/* size 1, 2 or 4; 0 on success */
	int (*in)(void *ctx, uint16_t port, unsigned size, uint32_t *val);
	int (*out)(void *ctx, uint16_t port, unsigned size, uint32_t val);
};

struct pci_fn {
	uint8_t dev, fn; /* bus 0 */
};

/* A 32-bit configuration read (off 4-aligned, below 256); all ones when the port I/O fails. */
uint32_t pci_cfg_read32(const struct pci_io *io, struct pci_fn f, unsigned off);
int pci_cfg_write32(const struct pci_io *io, struct pci_fn f, unsigned off, uint32_t val);
uint16_t pci_cfg_read16(const struct pci_io *io, struct pci_fn f, unsigned off);
int pci_cfg_write16(const struct pci_io *io, struct pci_fn f, unsigned off, uint16_t val);

/*
 * The nth (0-based) function on bus 0 with vendor:device and, unless
 * subsys is 0xFFFF, that subsystem ID: true with *out.
 */
bool pci_find(const struct pci_io *io, uint16_t vendor, uint16_t device, uint16_t subsys, unsigned nth,
	      struct pci_fn *out);

/*
 * BAR0 as an I/O window of at least min_len ports: checked (an I/O BAR, a
 * base that is not 0 and leaves min_len ports below 0x10000), I/O decoding
 * and bus mastering turned on. 0 with *base; -1 with *why otherwise.
 */
int pci_io_bar0(const struct pci_io *io, struct pci_fn f, uint32_t min_len, uint16_t *base, const char **why);
