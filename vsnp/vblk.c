/* SPDX-License-Identifier: MIT */
/* vsnp's virtio block device (include/vsnp/vblk.h). */
#include "vsnp/vblk.h"
#include "vsnp/vblk_queue.h"

#include "abi/virtio.h"
#include "lib/string.h"

#define BAR0_SIZE VIRTIO_LEG_BAR_SIZE
#define PCI_CLASS_STORAGE_OTHER 0x01800000u /* class 01 (mass storage), subclass 80 (other), revision 0 */
#define MAX_CHAIN VSNP_VBLK_QSZ /* the largest queue: a longer chain loops */
#define DEVICE_FEATURES VIRTIO_BLK_F_FLUSH
/* Ports below this stay the machine's: a BAR moved there is not taken. */
#define BAR0_LOWEST 0x1000u

void vsnp_vblk_init(struct vsnp_vblk *b, const struct vsnp_vblk_mem *mem, const struct vsnp_vblk_disk *disk,
		    uint16_t io_base)
{
	memset(b, 0, sizeof(*b));
	b->mem = mem;
	b->disk = disk;
	b->bar0 = (io_base & ~(BAR0_SIZE - 1)) | PCI_BAR_IO;
}

uint64_t vsnp_vblk_features(const struct vsnp_vblk *b)
{
	return DEVICE_FEATURES | (b->disk->ro ? VIRTIO_BLK_F_RO : 0) |
	       (b->modern ? VIRTIO_F_VERSION_1 | VIRTIO_F_ACCESS_PLATFORM : 0);
}

/* The legacy register holds bits 0-31 (the modern bits are not a legacy device's). */
static uint32_t device_features(const struct vsnp_vblk *b)
{
	return (uint32_t)vsnp_vblk_features(b);
}

void vsnp_vblk_init_modern(struct vsnp_vblk *b, const struct vsnp_vblk_mem *mem, const struct vsnp_vblk_disk *disk)
{
	vsnp_vblk_init(b, mem, disk, 0);
	b->bar0 = 0;
	b->modern = true;
	b->m_qsz = VSNP_VBLK_QSZ;
}

void vsnp_vblk_modern_enable(struct vsnp_vblk *b)
{
	/* Virtio 1.2 §2.7: the descriptor table 16-byte aligned, the available ring 2, the used ring 4. */
	if ((b->m_desc & 15) != 0 || (b->m_avail & 1) != 0 || (b->m_used & 3) != 0) {
		b->broken_why = "a queue address not aligned as the split queue needs";
		b->status |= VSNP_VBLK_STATUS_NEEDS_RESET;
		return;
	}
	b->m_enable = 1;
	b->last_avail = b->used_idx = 0;
}

void vsnp_vblk_reset(struct vsnp_vblk *b)
{
	b->guest_features = 0;
	b->driver_features = 0;
	b->dfselect = b->gfselect = 0;
	b->m_qsz = VSNP_VBLK_QSZ;
	b->m_enable = 0;
	b->m_desc = b->m_avail = b->m_used = 0;
	b->queue_pfn = 0;
	b->queue_sel = 0;
	b->status = 0;
	b->isr = 0;
	b->last_avail = 0;
	b->used_idx = 0;
	b->broken_why = NULL;
}

/* ---- PCI configuration (type 0 header, PCI 3.0 §6.1) ---- */

uint32_t vsnp_vblk_cfg_read(const struct vsnp_vblk *b, unsigned off)
{
	switch (off & ~3u) {
	case PCI_VENDOR_ID:
		return VIRTIO_PCI_VENDOR | VIRTIO_PCI_DEVICE_BLK_LEGACY << 16;
	case PCI_COMMAND:
		return b->command; /* status 0: no capabilities list */
	case PCI_CLASS_REVISION:
		return PCI_CLASS_STORAGE_OTHER;
	case PCI_BAR0:
		return b->bar0;
	case 0x2C: /* subsystem vendor, subsystem ID: the virtio device type */
		return VIRTIO_PCI_VENDOR | VIRTIO_SUBSYS_BLK << 16;
	case 0x3C: /* interrupt line (kept), pin 0: the device raises no interrupt */
		return b->irq_line;
	default:
		return 0; /* header type 0 single function, no other BARs, no expansion ROM */
	}
}

void vsnp_vblk_cfg_write(struct vsnp_vblk *b, unsigned off, unsigned size, uint32_t val)
{
	const unsigned dword = off & ~3u, shift = 8 * (off & 3);
	const uint32_t mask = (size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1) << shift;
	uint32_t v = (vsnp_vblk_cfg_read(b, dword) & ~mask) | ((val << shift) & mask);

	switch (dword) {
	case PCI_COMMAND:
		b->command = (uint16_t)(v & (PCI_COMMAND_IO | PCI_COMMAND_MASTER));
		break;
	case PCI_BAR0: {
		/* Sizing (all ones) reads back the size mask; a base in the machine's own ports is not taken. */
		uint32_t base = v & ~(BAR0_SIZE - 1) & 0xFFFFu;

		if ((v & PCI_BAR_IO_MASK) == PCI_BAR_IO_MASK)
			b->bar0 = (~(BAR0_SIZE - 1) & 0xFFFFFFFCu) | PCI_BAR_IO;
		else if (base >= BAR0_LOWEST)
			b->bar0 = base | PCI_BAR_IO;
		break;
	}
	case 0x3C:
		b->irq_line = (uint8_t)v;
		break;
	default:
		break; /* read-only */
	}
}

/* The device's function on bus 0 is addressed by the latch. */
static bool cfg_selected(const struct vsnp_vblk *b)
{
	return (b->cf8 & PCI_CONFIG_ENABLE) != 0 && ((b->cf8 >> 16) & 0xFF) == 0 &&
	       ((b->cf8 >> 11) & 0x1F) == VSNP_VBLK_SLOT && ((b->cf8 >> 8) & 7) == 0;
}

/* ---- the queue ---- */

static bool broken(struct vsnp_vblk *b, const char *why)
{
	b->broken_why = why;
	b->status |= VSNP_VBLK_STATUS_NEEDS_RESET;
	return false;
}

static uint64_t ring_gpa(const struct vsnp_vblk *b)
{
	return (uint64_t)b->queue_pfn << VIRTIO_LEG_PFN_SHIFT;
}

/* The queue's parts: the legacy layout at QUEUE_PFN (always VSNP_VBLK_QSZ entries), or where the modern driver put them. */
static uint16_t q_size(const struct vsnp_vblk *b)
{
	return b->modern ? b->m_qsz : (uint16_t)VSNP_VBLK_QSZ;
}

static uint64_t q_desc(const struct vsnp_vblk *b)
{
	return b->modern ? b->m_desc : ring_gpa(b);
}

static uint64_t q_avail(const struct vsnp_vblk *b)
{
	return b->modern ? b->m_avail : ring_gpa(b) + virtq_leg_avail_off(VSNP_VBLK_QSZ);
}

static uint64_t q_used(const struct vsnp_vblk *b)
{
	return b->modern ? b->m_used : ring_gpa(b) + virtq_leg_used_off(VSNP_VBLK_QSZ);
}

static bool q_ready(const struct vsnp_vblk *b)
{
	return b->modern ? b->m_enable != 0 : b->queue_pfn != 0;
}

/* A chain as the device reads it: every descriptor copied once. */
struct chain {
	struct virtq_desc d[MAX_CHAIN];
	unsigned n;
};

/* Follows the chain from head: at most the queue's size, no indirect descriptors (not offered). */
static bool read_chain(struct vsnp_vblk *b, uint16_t head, struct chain *c)
{
	uint16_t i = head;

	c->n = 0;
	for (;;) {
		struct virtq_desc *d = &c->d[c->n];

		if (c->n == MAX_CHAIN)
			return broken(b, "a descriptor chain longer than the queue (a loop)");
		if (!b->mem->read(b->mem->ctx, q_desc(b) + 16ull * i, d, sizeof(*d)))
			return broken(b, "the descriptor table is not in shared guest RAM");
		c->n++;
		if (d->flags & VIRTQ_DESC_F_INDIRECT)
			return broken(b, "an indirect descriptor (VIRTIO_F_INDIRECT_DESC was not offered)");
		if (!(d->flags & VIRTQ_DESC_F_NEXT))
			return true;
		if (d->next >= q_size(b))
			return broken(b, "a descriptor's next is outside the queue");
		i = d->next;
	}
}

/*
 * Moves the data descriptors d[1..n-2] between the guest and the disk,
 * VSNP_VBLK_BOUNCE bytes at a time. The status byte's descriptor is the
 * last. Returns the virtio status; *written the bytes put into the
 * guest's buffers.
 */
static uint8_t do_data(struct vsnp_vblk *b, const struct chain *c, uint32_t type, uint64_t sector,
		       uint32_t *written)
{
	uint64_t total = 0;

	for (unsigned i = 1; i + 1 < c->n; i++) {
		const struct virtq_desc *d = &c->d[i];
		const bool dev_writes = (d->flags & VIRTQ_DESC_F_WRITE) != 0;

		if (d->len % VIRTIO_BLK_SECTOR != 0 || dev_writes != (type == VIRTIO_BLK_T_IN))
			return VIRTIO_BLK_S_IOERR; /* whole sectors, in the direction the request goes */
		total += d->len;
	}
	if (sector > b->disk->sectors || total / VIRTIO_BLK_SECTOR > b->disk->sectors - sector)
		return VIRTIO_BLK_S_IOERR;
	for (unsigned i = 1; i + 1 < c->n; i++) {
		const struct virtq_desc *d = &c->d[i];

		for (uint32_t off = 0; off < d->len;) {
			const uint32_t n = d->len - off < VSNP_VBLK_BOUNCE ? d->len - off : VSNP_VBLK_BOUNCE;

			if (type == VIRTIO_BLK_T_IN) {
				if (b->disk->read(b->disk->ctx, sector, b->bounce, n) != 0)
					return VIRTIO_BLK_S_IOERR;
				if (!b->mem->write(b->mem->ctx, d->addr + off, b->bounce, n))
					return VIRTIO_BLK_S_IOERR;
				*written += n;
				b->bytes_in += n;
			} else {
				if (!b->mem->read(b->mem->ctx, d->addr + off, b->bounce, n))
					return VIRTIO_BLK_S_IOERR;
				if (b->disk->write(b->disk->ctx, sector, b->bounce, n) != 0)
					return VIRTIO_BLK_S_IOERR;
				b->bytes_out += n;
			}
			sector += n / VIRTIO_BLK_SECTOR;
			off += n;
		}
	}
	return VIRTIO_BLK_S_OK;
}

/*
 * GET_ID (Virtio 1.2 §5.2.6): the disk's ID into one device-writable data
 * buffer of at least VIRTIO_BLK_ID_BYTES, NUL-padded to that length.
 */
static uint8_t get_id(struct vsnp_vblk *b, const struct chain *c, uint32_t *written)
{
	const struct virtq_desc *d = &c->d[1];
	char id[VIRTIO_BLK_ID_BYTES];

	if (c->n != 3 || !(d->flags & VIRTQ_DESC_F_WRITE) || d->len < VIRTIO_BLK_ID_BYTES)
		return VIRTIO_BLK_S_IOERR;
	memset(id, 0, sizeof(id));
	memcpy(id, b->disk->id, strnlen(b->disk->id, sizeof(id)));
	if (!b->mem->write(b->mem->ctx, d->addr, id, sizeof(id)))
		return VIRTIO_BLK_S_IOERR;
	*written += VIRTIO_BLK_ID_BYTES;
	return VIRTIO_BLK_S_OK;
}

/* One request, its chain read; false when the queue broke the protocol. */
static bool serve(struct vsnp_vblk *b, uint16_t head)
{
	struct chain c;
	struct virtio_blk_req_hdr h;
	const struct virtq_desc *st;
	uint32_t written = 0;
	uint8_t status;
	struct virtq_used_elem e;

	if (!read_chain(b, head, &c))
		return false;
	st = &c.d[c.n - 1];
	/* Virtio 1.2 §5.2.6: a readable header first, a writable status byte last. */
	if (c.n < 2 || (c.d[0].flags & VIRTQ_DESC_F_WRITE) || c.d[0].len < sizeof(h) ||
	    !(st->flags & VIRTQ_DESC_F_WRITE) || st->len < 1)
		return broken(b, "a request without a readable header and a writable status byte");
	if (!b->mem->read(b->mem->ctx, c.d[0].addr, &h, sizeof(h)))
		return broken(b, "a request header outside shared guest RAM");
	b->requests++;
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
		status = do_data(b, &c, h.type, h.sector, &written);
		break;
	case VIRTIO_BLK_T_OUT:
		status = b->disk->ro ? VIRTIO_BLK_S_IOERR : do_data(b, &c, h.type, h.sector, &written);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = c.n != 2 ? VIRTIO_BLK_S_IOERR
		       : b->disk->ro || b->disk->flush(b->disk->ctx) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		b->flushes++;
		break;
	case VIRTIO_BLK_T_GET_ID:
		status = get_id(b, &c, &written);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	b->ioerr += status == VIRTIO_BLK_S_IOERR;
	/* The status byte is the last of its descriptor (§5.2.6). */
	if (!b->mem->write(b->mem->ctx, st->addr + st->len - 1, &status, 1))
		return broken(b, "a status byte outside shared guest RAM");
	written += 1;
	e.id = head;
	e.len = written;
	const uint64_t used = q_used(b);
	const uint16_t next = (uint16_t)(b->used_idx + 1);

	if (!b->mem->write(b->mem->ctx, used + VIRTQ_USED_RING + 8ull * (b->used_idx % q_size(b)), &e, sizeof(e)) ||
	    !b->mem->write(b->mem->ctx, used + 2, &next, sizeof(next)))
		return broken(b, "the used ring is not in shared guest RAM");
	b->used_idx = next;
	return true;
}

/* QUEUE_NOTIFY: every request the available ring holds beyond those taken. */
void vsnp_vblk_notify(struct vsnp_vblk *b)
{
	const uint64_t avail = q_avail(b);
	uint16_t idx;

	if (b->broken_why != NULL || !q_ready(b) || !(b->status & VIRTIO_STATUS_DRIVER_OK) ||
	    !(b->command & PCI_COMMAND_MASTER))
		return;
	if (!b->mem->read(b->mem->ctx, avail + 2, &idx, sizeof(idx))) {
		broken(b, "the available ring is not in shared guest RAM");
		return;
	}
	/* Read once: the driver may move it on meanwhile; the next notify takes the rest. */
	if ((uint16_t)(idx - b->last_avail) > q_size(b)) {
		broken(b, "the available index runs more than a queue ahead");
		return;
	}
	while (b->last_avail != idx) {
		uint16_t head;

		if (!b->mem->read(b->mem->ctx, avail + VIRTQ_AVAIL_RING + 2ull * (b->last_avail % q_size(b)), &head,
				  sizeof(head))) {
			broken(b, "the available ring is not in shared guest RAM");
			return;
		}
		if (head >= q_size(b)) {
			broken(b, "a chain head outside the queue");
			return;
		}
		b->last_avail++;
		if (!serve(b, head))
			return;
	}
	b->isr |= 1; /* a used buffer (§4.1.4.5); no interrupt is raised: the driver polls */
}

/* ---- the legacy registers ---- */

uint32_t vsnp_vblk_blk_config(const struct vsnp_vblk *b, unsigned off, unsigned size)
{
	uint8_t cfg[BAR0_SIZE - VIRTIO_LEG_CONFIG];
	uint32_t v = 0;

	memset(cfg, 0, sizeof(cfg));
	memcpy(cfg + VIRTIO_BLK_CFG_CAPACITY, &b->disk->sectors, 8);
	if (off >= sizeof(cfg) || size > sizeof(cfg) - off)
		return 0xFFFFFFFFu;
	memcpy(&v, cfg + off, size);
	return v;
}

static void reg_access(struct vsnp_vblk *b, unsigned reg, unsigned size, bool in, uint32_t *val)
{
	if (reg >= VIRTIO_LEG_CONFIG) {
		if (in)
			*val = vsnp_vblk_blk_config(b, reg - VIRTIO_LEG_CONFIG, size);
		return; /* the block configuration is read-only here */
	}
	if (in) {
		switch (reg) {
		case VIRTIO_LEG_HOST_FEATURES:
			*val = device_features(b);
			break;
		case VIRTIO_LEG_GUEST_FEATURES:
			*val = b->guest_features;
			break;
		case VIRTIO_LEG_QUEUE_PFN:
			*val = b->queue_sel == 0 ? b->queue_pfn : 0;
			break;
		case VIRTIO_LEG_QUEUE_SIZE:
			*val = b->queue_sel == 0 ? VSNP_VBLK_QSZ : 0;
			break;
		case VIRTIO_LEG_QUEUE_SEL:
			*val = b->queue_sel;
			break;
		case VIRTIO_LEG_STATUS:
			*val = b->status;
			break;
		case VIRTIO_LEG_ISR:
			*val = b->isr;
			b->isr = 0;
			break;
		default:
			*val = 0;
			break;
		}
		return;
	}
	switch (reg) {
	case VIRTIO_LEG_GUEST_FEATURES:
		b->guest_features = *val & device_features(b);
		break;
	case VIRTIO_LEG_QUEUE_PFN:
		if (b->queue_sel == 0) {
			b->queue_pfn = *val;
			b->last_avail = b->used_idx = 0;
		}
		break;
	case VIRTIO_LEG_QUEUE_SEL:
		b->queue_sel = (uint16_t)*val;
		break;
	case VIRTIO_LEG_QUEUE_NOTIFY:
		if ((uint16_t)*val == 0)
			vsnp_vblk_notify(b);
		break;
	case VIRTIO_LEG_STATUS:
		if ((uint8_t)*val == 0)
			vsnp_vblk_reset(b);
		else
			b->status = (uint8_t)((*val & ~VSNP_VBLK_STATUS_NEEDS_RESET) |
					      (b->status & VSNP_VBLK_STATUS_NEEDS_RESET));
		break;
	default:
		break;
	}
}

bool vsnp_vblk_io(struct vsnp_vblk *b, uint16_t port, unsigned size, bool in, uint32_t *val)
{
	if (port == PCI_CONFIG_ADDRESS && size == 4) {
		if (in)
			*val = b->cf8;
		else
			b->cf8 = *val & 0x80FFFFFCu;
		return true;
	}
	if (port >= PCI_CONFIG_DATA && port + size <= PCI_CONFIG_DATA + 4) {
		const unsigned off = (b->cf8 & 0xFC) + (port - PCI_CONFIG_DATA);

		if (!cfg_selected(b)) {
			if (in)
				*val = 0xFFFFFFFFu; /* no device there */
			return true;
		}
		if (in)
			*val = vsnp_vblk_cfg_read(b, off & ~3u) >> (8 * (off & 3));
		else
			vsnp_vblk_cfg_write(b, off, size, *val);
		return true;
	}
	return vsnp_vblk_bar_io(b, port, size, in, val);
}

bool vsnp_vblk_bar_io(struct vsnp_vblk *b, uint16_t port, unsigned size, bool in, uint32_t *val)
{
	const uint16_t base = (uint16_t)(b->bar0 & PCI_BAR_IO_MASK);
	const unsigned reg = (unsigned)port - base;

	/* An unassigned BAR (base 0) decodes nothing, whatever the command register says. */
	if ((b->command & PCI_COMMAND_IO) && base != 0 && port >= base && reg < BAR0_SIZE && size <= BAR0_SIZE - reg) {
		reg_access(b, reg, size, in, val);
		return true;
	}
	return false;
}
