/* SPDX-License-Identifier: MIT */
/*
 * The modern (virtio 1.0) PCI interface of vsnp's virtio block device
 * (include/vsnp/vblk.h; Virtio 1.2 §4.1.3-§4.1.4): a non-transitional
 * virtio-blk function (1AF4:1042, revision 1) whose registers are in a
 * 32-bit memory BAR (BAR4, 16 KiB) that its vendor capabilities describe:
 * the common configuration at 0x0000, the ISR status at 0x1000, the block
 * configuration at 0x2000 and the queue notification at 0x3000. OVMF
 * under SEV-SNP drives only this interface (VIRTIO_F_ACCESS_PLATFORM: the
 * rings and buffers in its IOMMU protocol's shared pages). The queue is
 * vblk.c's, at the three addresses the driver gives; everything the
 * driver writes is checked there as for the legacy interface.
 */
#include "vsnp/vblk.h"

#include "abi/virtio.h"
#include "lib/string.h"
#include "vsnp/vblk_queue.h"

/* Where each structure lies in BAR4 (and how long it is). */
#define M_COMMON 0x0000u
#define M_ISR 0x1000u
#define M_DEVICE 0x2000u
#define M_NOTIFY 0x3000u
#define M_NOTIFY_MULT 4u
#define M_BAR_SIZE 0x4000u
#define CAP_FIRST 0x40u
#define CLASS_STORAGE_SCSI 0x01000001u /* class 01, subclass 00 (as QEMU's virtio-blk), revision 1 */
#define QEMU_SUBSYS 0x1100u

/* The vendor capabilities (struct virtio_pci_cap, §4.1.4), one per structure, 16 bytes; NOTIFY's 20. */
static const struct {
	uint8_t at, type;
	uint32_t offset, length;
} caps[] = {
	{ CAP_FIRST + 0x00, VIRTIO_PCI_CAP_COMMON_CFG, M_COMMON, VIRTIO_COMMON_CFG_LEN },
	{ CAP_FIRST + 0x10, VIRTIO_PCI_CAP_ISR_CFG, M_ISR, 4 },
	{ CAP_FIRST + 0x20, VIRTIO_PCI_CAP_DEVICE_CFG, M_DEVICE, VIRTIO_BLK_CFG_LEN },
	{ CAP_FIRST + 0x30, VIRTIO_PCI_CAP_NOTIFY_CFG, M_NOTIFY, 4 },
};
#define NCAPS (sizeof(caps) / sizeof(caps[0]))

static uint32_t cap_dword(unsigned off)
{
	for (unsigned i = 0; i < NCAPS; i++) {
		const unsigned rel = off - caps[i].at;
		const unsigned len = caps[i].type == VIRTIO_PCI_CAP_NOTIFY_CFG ? 20u : 16u;
		const uint8_t next = i + 1 < NCAPS ? caps[i + 1].at : 0;

		if (off < caps[i].at || rel >= len)
			continue;
		switch (rel) {
		case 0: /* cap_vndr, cap_next, cap_len, cfg_type */
			return VIRTIO_PCI_CAP_VENDOR | (uint32_t)next << 8 | len << 16 | (uint32_t)caps[i].type << 24;
		case 4: /* bar, id, padding */
			return VIRTIO_MODERN_BAR;
		case 8:
			return caps[i].offset;
		case 12:
			return caps[i].length;
		default: /* 16: notify_off_multiplier */
			return M_NOTIFY_MULT;
		}
	}
	return 0;
}

uint32_t vsnp_vblk_modern_cfg_read(const struct vsnp_vblk *b, unsigned off)
{
	switch (off & ~3u) {
	case PCI_VENDOR_ID:
		return VIRTIO_PCI_VENDOR | VIRTIO_PCI_DEVICE_BLK_MODERN << 16;
	case PCI_COMMAND:
		return b->command | (uint32_t)PCI_STATUS_CAP_LIST << 16;
	case PCI_CLASS_REVISION:
		return CLASS_STORAGE_SCSI;
	case PCI_BAR0 + 4 * VIRTIO_MODERN_BAR:
		return b->bar4;
	case 0x2C: /* subsystem vendor and ID */
		return VIRTIO_PCI_VENDOR | QEMU_SUBSYS << 16;
	case PCI_CAP_PTR:
		return CAP_FIRST;
	case 0x3C: /* interrupt line (kept), pin 0: no interrupt, the driver polls */
		return b->irq_line;
	default:
		return off >= CAP_FIRST ? cap_dword(off & ~3u) : 0;
	}
}

void vsnp_vblk_modern_cfg_write(struct vsnp_vblk *b, unsigned off, unsigned size, uint32_t val)
{
	const unsigned dword = off & ~3u, shift = 8 * (off & 3);
	const uint32_t mask = (size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1) << shift;
	const uint32_t v = (vsnp_vblk_modern_cfg_read(b, dword) & ~mask) | ((val << shift) & mask);

	if (dword == PCI_COMMAND) {
		b->command = (uint16_t)(v & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
	} else if (dword == PCI_BAR0 + 4 * VIRTIO_MODERN_BAR) {
		/* 32-bit, non-prefetchable memory: sizing reads back the size; a base is kept aligned. */
		b->bar4 = v & ~(M_BAR_SIZE - 1);
	} else if (dword == 0x3C) {
		b->irq_line = (uint8_t)v;
	}
}

/* The common configuration (§4.1.4.3): a field's value, or what a write does to it. */
static uint64_t common_read(struct vsnp_vblk *b, unsigned reg)
{
	const bool q0 = b->queue_sel == 0;

	switch (reg) {
	case VIRTIO_CC_DFSELECT:
		return b->dfselect;
	case VIRTIO_CC_DF:
		return b->dfselect == 0 ? (uint32_t)vsnp_vblk_features(b) : b->dfselect == 1 ? vsnp_vblk_features(b) >> 32 : 0;
	case VIRTIO_CC_GFSELECT:
		return b->gfselect;
	case VIRTIO_CC_GF:
		return b->gfselect == 0 ? (uint32_t)b->driver_features : b->gfselect == 1 ? b->driver_features >> 32 : 0;
	case VIRTIO_CC_MSIX:
	case VIRTIO_CC_Q_MSIX:
		return VIRTIO_MSI_NO_VECTOR;
	case VIRTIO_CC_NUMQ:
		return 1;
	case VIRTIO_CC_STATUS:
		return b->status;
	case VIRTIO_CC_CFGGEN:
		return 0;
	case VIRTIO_CC_Q_SELECT:
		return b->queue_sel;
	case VIRTIO_CC_Q_SIZE:
		return q0 ? b->m_qsz : 0;
	case VIRTIO_CC_Q_ENABLE:
		return q0 ? b->m_enable : 0;
	case VIRTIO_CC_Q_NOFF:
		return 0;
	case VIRTIO_CC_Q_DESC:
		return q0 ? b->m_desc : 0;
	case VIRTIO_CC_Q_AVAIL:
		return q0 ? b->m_avail : 0;
	case VIRTIO_CC_Q_USED:
		return q0 ? b->m_used : 0;
	default:
		return 0;
	}
}

/* FEATURES_OK is kept only for a feature set the device offered that includes VERSION_1 (§3.1.1). */
static void status_write(struct vsnp_vblk *b, uint8_t s)
{
	if (s == 0) {
		vsnp_vblk_reset(b);
		return;
	}
	if ((s & VIRTIO_STATUS_FEATURES_OK) && ((b->driver_features & ~vsnp_vblk_features(b)) != 0 ||
						 !(b->driver_features & VIRTIO_F_VERSION_1)))
		s &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	b->status = (uint8_t)(s | (b->status & VSNP_VBLK_STATUS_NEEDS_RESET));
}

static void common_write(struct vsnp_vblk *b, unsigned reg, unsigned size, uint64_t v)
{
	const bool q0 = b->queue_sel == 0, setting_up = b->m_enable == 0;

	switch (reg) {
	case VIRTIO_CC_DFSELECT:
		b->dfselect = (uint32_t)v;
		break;
	case VIRTIO_CC_GFSELECT:
		b->gfselect = (uint32_t)v;
		break;
	case VIRTIO_CC_GF:
		/* Only before FEATURES_OK (§3.1.1), and only bits the device offers count. */
		if (!(b->status & VIRTIO_STATUS_FEATURES_OK) && b->gfselect < 2) {
			const unsigned sh = 32 * b->gfselect;

			b->driver_features = (b->driver_features & ~(0xFFFFFFFFull << sh)) | ((v & 0xFFFFFFFFull) << sh);
		}
		break;
	case VIRTIO_CC_STATUS:
		status_write(b, (uint8_t)v);
		break;
	case VIRTIO_CC_Q_SELECT:
		b->queue_sel = (uint16_t)v;
		break;
	case VIRTIO_CC_Q_SIZE:
		/* A power of 2 up to the device's, before the queue is enabled (§4.1.4.3.2); else ignored. */
		if (q0 && setting_up && v != 0 && v <= VSNP_VBLK_QSZ && (v & (v - 1)) == 0)
			b->m_qsz = (uint16_t)v;
		break;
	case VIRTIO_CC_Q_ENABLE:
		if (q0 && setting_up && v == 1)
			vsnp_vblk_modern_enable(b);
		break;
	case VIRTIO_CC_Q_DESC:
	case VIRTIO_CC_Q_DESC + 4:
	case VIRTIO_CC_Q_AVAIL:
	case VIRTIO_CC_Q_AVAIL + 4:
	case VIRTIO_CC_Q_USED:
	case VIRTIO_CC_Q_USED + 4: {
		uint64_t *a = reg < VIRTIO_CC_Q_AVAIL ? &b->m_desc : reg < VIRTIO_CC_Q_USED ? &b->m_avail : &b->m_used;
		const unsigned sh = (reg & 4) ? 32 : 0;

		if (!q0 || !setting_up)
			break;
		if (size == 8)
			*a = v;
		else
			*a = (*a & ~(0xFFFFFFFFull << sh)) | ((v & 0xFFFFFFFFull) << sh);
		break;
	}
	default:
		break; /* read-only, or the MSI-X vectors (none) */
	}
}

/* A field's offset and size, or false for an access that is not one field (or one half of a 64-bit one). */
static bool common_field(unsigned off, unsigned size)
{
	static const struct {
		uint8_t off, size;
	} fields[] = {
		{ VIRTIO_CC_DFSELECT, 4 }, { VIRTIO_CC_DF, 4 },       { VIRTIO_CC_GFSELECT, 4 }, { VIRTIO_CC_GF, 4 },
		{ VIRTIO_CC_MSIX, 2 },     { VIRTIO_CC_NUMQ, 2 },     { VIRTIO_CC_STATUS, 1 },   { VIRTIO_CC_CFGGEN, 1 },
		{ VIRTIO_CC_Q_SELECT, 2 }, { VIRTIO_CC_Q_SIZE, 2 },   { VIRTIO_CC_Q_MSIX, 2 },   { VIRTIO_CC_Q_ENABLE, 2 },
		{ VIRTIO_CC_Q_NOFF, 2 },   { VIRTIO_CC_Q_DESC, 8 },   { VIRTIO_CC_Q_AVAIL, 8 },  { VIRTIO_CC_Q_USED, 8 },
	};

	for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (off == fields[i].off && size == fields[i].size)
			return true;
		if (fields[i].size == 8 && size == 4 && (off == fields[i].off || off == fields[i].off + 4u))
			return true;
	}
	return false;
}

bool vsnp_vblk_mmio(struct vsnp_vblk *b, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	const uint64_t base = b->bar4 & ~(uint64_t)(M_BAR_SIZE - 1);
	uint64_t off = gpa - base;

	if (!b->modern || !(b->command & PCI_COMMAND_MEMORY) || base == 0 || gpa < base || off >= M_BAR_SIZE ||
	    size > M_BAR_SIZE - off)
		return false;
	if (!write)
		*val = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1; /* what a register that is not there reads */
	if (off < M_COMMON + VIRTIO_COMMON_CFG_LEN && common_field((unsigned)off, size)) {
		if (!write) {
			/* The 64-bit queue addresses may be read a half at a time. */
			const bool addr = off >= VIRTIO_CC_Q_DESC;
			const uint64_t v = common_read(b, addr ? (unsigned)off & ~7u : (unsigned)off);

			*val = addr && (off & 4) ? v >> 32 : v;
			*val &= size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
		} else {
			common_write(b, (unsigned)off, size, *val);
		}
	} else if (off == M_ISR && size == 1 && !write) {
		*val = b->isr;
		b->isr = 0; /* §4.1.4.5: reading clears it */
	} else if (off >= M_DEVICE && off < M_DEVICE + VIRTIO_BLK_CFG_LEN && size <= 4 && !write) {
		*val = vsnp_vblk_blk_config(b, (unsigned)(off - M_DEVICE), size);
	} else if (off == M_NOTIFY && (size == 2 || size == 4) && write) {
		if ((uint16_t)*val == 0)
			vsnp_vblk_notify(b);
	}
	return true;
}
