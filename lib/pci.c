/* SPDX-License-Identifier: MIT */
/* PCI configuration mechanism #1 (include/lib/pci.h). */
#include "lib/pci.h"

#include "abi/virtio.h"

static uint32_t cfg_addr(struct pci_fn f, unsigned off)
{
	return PCI_CONFIG_ENABLE | (uint32_t)(f.dev & 0x1F) << 11 | (uint32_t)(f.fn & 7) << 8 | (off & 0xFC);
}

uint32_t pci_cfg_read32(const struct pci_io *io, struct pci_fn f, unsigned off)
{
	uint32_t v = 0xFFFFFFFFu;

	if (io->out(io->ctx, PCI_CONFIG_ADDRESS, 4, cfg_addr(f, off)) != 0 ||
	    io->in(io->ctx, PCI_CONFIG_DATA, 4, &v) != 0)
		return 0xFFFFFFFFu;
	return v;
}

int pci_cfg_write32(const struct pci_io *io, struct pci_fn f, unsigned off, uint32_t val)
{
	if (io->out(io->ctx, PCI_CONFIG_ADDRESS, 4, cfg_addr(f, off)) != 0)
		return -1;
	return io->out(io->ctx, PCI_CONFIG_DATA, 4, val);
}

uint16_t pci_cfg_read16(const struct pci_io *io, struct pci_fn f, unsigned off)
{
	return (uint16_t)(pci_cfg_read32(io, f, off & ~3u) >> (8 * (off & 2)));
}

/* A read-modify-write of the dword: mechanism #1 takes byte enables, but one size keeps every backend simple. */
int pci_cfg_write16(const struct pci_io *io, struct pci_fn f, unsigned off, uint16_t val)
{
	const unsigned shift = 8 * (off & 2);
	uint32_t v = pci_cfg_read32(io, f, off & ~3u);

	v = (v & ~(0xFFFFu << shift)) | (uint32_t)val << shift;
	return pci_cfg_write32(io, f, off & ~3u, v);
}

bool pci_find(const struct pci_io *io, uint16_t vendor, uint16_t device, uint16_t subsys, unsigned nth,
	      struct pci_fn *out)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		const struct pci_fn f0 = { dev, 0 };
		const uint32_t id0 = pci_cfg_read32(io, f0, PCI_VENDOR_ID);

		if ((id0 & 0xFFFF) == PCI_NO_DEVICE)
			continue;

		const unsigned fns = (pci_cfg_read32(io, f0, PCI_HEADER_TYPE & ~3u) >> 16) & PCI_HEADER_MULTIFUNCTION ? 8 : 1;

		for (uint8_t fn = 0; fn < fns; fn++) {
			const struct pci_fn f = { dev, fn };
			const uint32_t id = fn == 0 ? id0 : pci_cfg_read32(io, f, PCI_VENDOR_ID);

			if ((id & 0xFFFF) != vendor || (id >> 16) != device)
				continue;
			if (subsys != 0xFFFF && (pci_cfg_read32(io, f, PCI_SUBSYSTEM_ID & ~3u) >> 16) != subsys)
				continue;
			if (nth-- == 0) {
				*out = f;
				return true;
			}
		}
	}
	return false;
}

int pci_io_bar0(const struct pci_io *io, struct pci_fn f, uint32_t min_len, uint16_t *base, const char **why)
{
	const uint32_t bar = pci_cfg_read32(io, f, PCI_BAR0);
	const uint32_t b = bar & PCI_BAR_IO_MASK;
	uint16_t cmd;

	if ((bar & PCI_BAR_IO) == 0) {
		*why = "BAR0 is not an I/O window";
		return -1;
	}
	if (b == 0 || b > 0x10000u - min_len) {
		*why = "BAR0's I/O window is unassigned or runs past port 0xFFFF";
		return -1;
	}
	cmd = pci_cfg_read16(io, f, PCI_COMMAND);
	if (pci_cfg_write16(io, f, PCI_COMMAND, (uint16_t)(cmd | PCI_COMMAND_IO | PCI_COMMAND_MASTER)) != 0 ||
	    (pci_cfg_read16(io, f, PCI_COMMAND) & (PCI_COMMAND_IO | PCI_COMMAND_MASTER)) !=
		    (PCI_COMMAND_IO | PCI_COMMAND_MASTER)) {
		*why = "the device did not take I/O decoding and bus mastering";
		return -1;
	}
	*base = (uint16_t)b;
	return 0;
}
