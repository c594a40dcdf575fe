/* SPDX-License-Identifier: MIT */
/* The legacy virtio-pci block driver (include/lib/virtio_blk.h). */
#include "lib/virtio_blk.h"

#include "abi/virtio.h"
#include "lib/string.h"

static int rd8(struct virtio_blk *d, unsigned reg, uint8_t *v)
{
	uint32_t x = 0;
	int err = d->ops->in(d->ops->ctx, (uint16_t)(d->base + reg), 1, &x);

	*v = (uint8_t)x;
	return err;
}

static int rd16(struct virtio_blk *d, unsigned reg, uint16_t *v)
{
	uint32_t x = 0;
	int err = d->ops->in(d->ops->ctx, (uint16_t)(d->base + reg), 2, &x);

	*v = (uint16_t)x;
	return err;
}

static int rd32(struct virtio_blk *d, unsigned reg, uint32_t *v)
{
	return d->ops->in(d->ops->ctx, (uint16_t)(d->base + reg), 4, v);
}

static int wr(struct virtio_blk *d, unsigned reg, unsigned size, uint32_t v)
{
	return d->ops->out(d->ops->ctx, (uint16_t)(d->base + reg), size, v);
}

static volatile struct virtq_desc *desc(struct virtio_blk *d, unsigned i)
{
	return (volatile struct virtq_desc *)(d->dma.va) + i;
}

static volatile uint16_t *avail16(struct virtio_blk *d, unsigned i)
{
	return (volatile uint16_t *)(d->dma.va + virtq_leg_avail_off(d->qsz)) + i;
}

static volatile uint8_t *used(struct virtio_blk *d)
{
	return d->dma.va + virtq_leg_used_off(d->qsz);
}

static int fail_init(struct virtio_blk *d, const char *msg, const char **why)
{
	(void)wr(d, VIRTIO_LEG_STATUS, 1, VIRTIO_STATUS_FAILED);
	*why = msg;
	return -1;
}

int virtio_blk_init(struct virtio_blk *d, const struct virtio_blk_ops *ops, uint16_t base,
		    const struct virtio_blk_dma *dma, const char **why)
{
	uint32_t features = 0, pfn = 0, cap_lo = 0, cap_hi = 0;
	uint16_t qsz = 0;
	uint8_t status = 0xFF;

	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->base = base;
	d->dma = *dma;
	d->broken = true; /* until the end */
	d->broken_why = "the device was not brought up";
	if (((uintptr_t)dma->va | dma->dev_addr) & (VIRTIO_LEG_QUEUE_ALIGN - 1) || dma->len < VIRTIO_BLK_DMA_MIN ||
	    dma->dev_addr >> (32 + VIRTIO_LEG_PFN_SHIFT) != 0 || base > 0x10000u - VIRTIO_LEG_BAR_SIZE) {
		*why = "the DMA region or I/O base does not suit the legacy interface";
		return -1;
	}
	/* Virtio 1.2 §3.1.1 (and §4.1.5.1.3 for legacy): reset, ACKNOWLEDGE, DRIVER, features, queue, DRIVER_OK. */
	if (wr(d, VIRTIO_LEG_STATUS, 1, 0) != 0 || rd8(d, VIRTIO_LEG_STATUS, &status) != 0 || status != 0) {
		*why = "the device did not reset";
		return -1;
	}
	if (wr(d, VIRTIO_LEG_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE) != 0 ||
	    wr(d, VIRTIO_LEG_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER) != 0 ||
	    rd32(d, VIRTIO_LEG_HOST_FEATURES, &features) != 0)
		return fail_init(d, "the device's features could not be read", why);
	d->flush = (features & VIRTIO_BLK_F_FLUSH) != 0;
	d->ro = (features & VIRTIO_BLK_F_RO) != 0;
	if (wr(d, VIRTIO_LEG_GUEST_FEATURES, 4, features & VIRTIO_BLK_F_FLUSH) != 0 ||
	    wr(d, VIRTIO_LEG_QUEUE_SEL, 2, 0) != 0 || rd16(d, VIRTIO_LEG_QUEUE_SIZE, &qsz) != 0 ||
	    rd32(d, VIRTIO_LEG_QUEUE_PFN, &pfn) != 0)
		return fail_init(d, "the device's queue 0 could not be read", why);
	/* §2.7: a power of 2; the driver uses three descriptors; the queue must fit its part of the region. */
	if (qsz < 4 || qsz > VIRTIO_BLK_QUEUE_MAX || (qsz & (qsz - 1)) != 0)
		return fail_init(d, "the device's queue size is not a power of 2 from 4 to 1024", why);
	if (pfn != 0)
		return fail_init(d, "the device's queue 0 is in use after a reset", why);
	d->qsz = qsz;
	d->hdr_off = (size_t)((virtq_leg_size(qsz) + 4095) & ~4095ull);
	d->data_off = d->hdr_off + 4096;
	if (d->data_off + 4096 > dma->len)
		return fail_init(d, "the DMA region is too small for the device's queue", why);
	d->data_max = (dma->len - d->data_off) & ~(size_t)(VIRTIO_BLK_SECTOR - 1);
	memset(dma->va, 0, d->data_off);
	if (wr(d, VIRTIO_LEG_QUEUE_PFN, 4, (uint32_t)(dma->dev_addr >> VIRTIO_LEG_PFN_SHIFT)) != 0 ||
	    rd32(d, VIRTIO_LEG_CONFIG + VIRTIO_BLK_CFG_CAPACITY, &cap_lo) != 0 ||
	    rd32(d, VIRTIO_LEG_CONFIG + VIRTIO_BLK_CFG_CAPACITY + 4, &cap_hi) != 0)
		return fail_init(d, "the device's queue or capacity could not be set up", why);
	d->capacity = (uint64_t)cap_hi << 32 | cap_lo;
	if (d->capacity == 0 || d->capacity > (UINT64_MAX >> 10))
		return fail_init(d, "the device reports no capacity, or an impossible one", why);
	if (wr(d, VIRTIO_LEG_STATUS, 1,
	       VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK) != 0 ||
	    rd8(d, VIRTIO_LEG_STATUS, &status) != 0 || (status & VIRTIO_STATUS_FAILED) != 0 ||
	    (status & VIRTIO_STATUS_DRIVER_OK) == 0)
		return fail_init(d, "the device did not accept DRIVER_OK", why);
	d->broken = false;
	d->broken_why = NULL;
	return 0;
}

static int broken(struct virtio_blk *d, const char *msg, const char **why)
{
	d->broken = true;
	d->broken_why = msg;
	*why = msg;
	return -1;
}

/* One descriptor, written whole; never read back. */
static void put_desc(struct virtio_blk *d, unsigned i, size_t off, uint32_t len, uint16_t flags, uint16_t next)
{
	volatile struct virtq_desc *x = desc(d, i);

	x->addr = d->dma.dev_addr + off;
	x->len = len;
	x->flags = flags;
	x->next = next;
}

/*
 * One request: header (type, sector), then n data bytes (device-writable
 * for IN) unless n is 0, then the status byte. Waits for its completion
 * and checks it. 0, or -1 with *why.
 */
static int request(struct virtio_blk *d, uint32_t type, uint64_t sector, size_t n, const char **why)
{
	volatile uint8_t *hdr = d->dma.va + d->hdr_off;
	const size_t status_off = d->hdr_off + sizeof(struct virtio_blk_req_hdr);
	struct virtio_blk_req_hdr h = { type, 0, sector };
	const bool dev_writes = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
	const uint32_t writable = (dev_writes ? (uint32_t)n : 0) + 1;
	uint16_t idx = 0;
	uint64_t start;

	if (d->broken) {
		*why = d->broken_why;
		return -1;
	}
	memcpy((void *)hdr, &h, sizeof(h));
	d->dma.va[status_off] = 0xFF; /* no status a device gives */
	put_desc(d, 0, d->hdr_off, sizeof(h), VIRTQ_DESC_F_NEXT, 1);
	if (n != 0) {
		put_desc(d, 1, d->data_off, (uint32_t)n,
			 (uint16_t)(VIRTQ_DESC_F_NEXT | (dev_writes ? VIRTQ_DESC_F_WRITE : 0)), 2);
		put_desc(d, 2, status_off, 1, VIRTQ_DESC_F_WRITE, 0);
	} else {
		put_desc(d, 1, status_off, 1, VIRTQ_DESC_F_WRITE, 0);
	}
	*avail16(d, 2 + (d->avail_idx % d->qsz)) = 0; /* the chain's head */
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* Virtio 1.2 §2.7.13: the ring entry before the index */
	*avail16(d, 1) = ++d->avail_idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the index before the notification */
	if (wr(d, VIRTIO_LEG_QUEUE_NOTIFY, 2, 0) != 0)
		return broken(d, "the device's notify register failed", why);
	d->requests++;

	start = d->ops->ms();
	for (;;) {
		idx = __atomic_load_n((volatile uint16_t *)(used(d) + 2), __ATOMIC_ACQUIRE);
		if (idx != d->used_idx)
			break;
		if (d->ops->ms() - start > VIRTIO_BLK_TIMEOUT_MS)
			return broken(d, "the device did not complete a request within 5 s", why);
		d->ops->relax();
	}
	if ((uint16_t)(idx - d->used_idx) != 1)
		return broken(d, "the device reported completions it was never given", why);

	struct virtq_used_elem e;
	uint8_t status;

	memcpy(&e, (const void *)(used(d) + VIRTQ_USED_RING + 8u * (d->used_idx % d->qsz)), sizeof(e));
	d->used_idx = idx;
	if (e.id != 0 || e.len > writable)
		return broken(d, "the device completed a request with a wrong head or length", why);
	status = __atomic_load_n(&d->dma.va[status_off], __ATOMIC_ACQUIRE);
	if (status == VIRTIO_BLK_S_OK)
		return 0;
	if (status == VIRTIO_BLK_S_IOERR) {
		*why = "the device reported an I/O error";
		return -1;
	}
	if (status == VIRTIO_BLK_S_UNSUPP) {
		*why = "the device does not support the request";
		return -1;
	}
	return broken(d, "the device left an unknown status", why);
}

static int range_ok(struct virtio_blk *d, uint64_t sector, size_t len, const char **why)
{
	if (len % VIRTIO_BLK_SECTOR != 0 || sector > d->capacity || len / VIRTIO_BLK_SECTOR > d->capacity - sector) {
		*why = "the request is not whole sectors inside the disk";
		return -1;
	}
	return 0;
}

int virtio_blk_read(struct virtio_blk *d, uint64_t sector, void *buf, size_t len, const char **why)
{
	if (range_ok(d, sector, len, why) != 0)
		return -1;
	for (size_t done = 0; done < len;) {
		const size_t n = len - done < d->data_max ? len - done : d->data_max;

		if (request(d, VIRTIO_BLK_T_IN, sector + done / VIRTIO_BLK_SECTOR, n, why) != 0)
			return -1;
		memcpy((uint8_t *)buf + done, d->dma.va + d->data_off, n); /* once, after the status said OK */
		done += n;
	}
	return 0;
}

int virtio_blk_write(struct virtio_blk *d, uint64_t sector, const void *buf, size_t len, const char **why)
{
	if (d->ro) {
		*why = "the disk is read-only";
		return -1;
	}
	if (range_ok(d, sector, len, why) != 0)
		return -1;
	for (size_t done = 0; done < len;) {
		const size_t n = len - done < d->data_max ? len - done : d->data_max;

		memcpy(d->dma.va + d->data_off, (const uint8_t *)buf + done, n);
		if (request(d, VIRTIO_BLK_T_OUT, sector + done / VIRTIO_BLK_SECTOR, n, why) != 0)
			return -1;
		done += n;
	}
	return 0;
}

int virtio_blk_get_id(struct virtio_blk *d, char id[VIRTIO_BLK_ID_BYTES + 1], const char **why)
{
	memset(d->dma.va + d->data_off, 0, VIRTIO_BLK_ID_BYTES);
	if (request(d, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES, why) != 0)
		return -1;
	memcpy(id, d->dma.va + d->data_off, VIRTIO_BLK_ID_BYTES); /* once, after the status said OK */
	id[VIRTIO_BLK_ID_BYTES] = '\0';
	for (unsigned i = 0; i < VIRTIO_BLK_ID_BYTES; i++) {
		if (id[i] == '\0') {
			memset(id + i, 0, VIRTIO_BLK_ID_BYTES - i); /* nothing after the first NUL counts */
			break;
		}
	}
	return 0;
}

int virtio_blk_flush(struct virtio_blk *d, const char **why)
{
	if (!d->flush) {
		*why = "the device offers no flush, so no write can be known to be durable";
		return -1;
	}
	return request(d, VIRTIO_BLK_T_FLUSH, 0, 0, why);
}
