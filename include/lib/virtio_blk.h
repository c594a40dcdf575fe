/* SPDX-License-Identifier: MIT */
/*
 * A virtio block device driver over the legacy PCI interface (Virtio 1.2
 * §4.1.4.8, §2.7.2, §5.2; include/abi/virtio.h): one queue, one request
 * at a time, polled, no interrupts. Used by the SVSM for the vTPM's state
 * disk (the port I/O through the platform seam, the DMA region in pages it
 * shared with the host) and by vsnp for QEMU's disk behind the device it
 * emulates.
 *
 * The device, and whoever else can write the shared region, is hostile:
 * the driver writes descriptors and the available ring and never reads
 * them back; it reads the used ring's index and its one entry, and the
 * status byte, once each and checks them (the head it queued, a length
 * within what it offered, a known status, exactly one completion); data
 * read is copied out of the region once, after the status said OK. A
 * device that breaks the protocol, or does not answer within the timeout,
 * is not used again (a request it may still complete must not land in
 * memory handed out for something else), and every later call fails.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/virtio.h"

/* Smallest DMA region: the queue (up to 1024 entries), a page for header and status, 16 KiB of data. */
#define VIRTIO_BLK_DMA_MIN (8u * 4096u + 4096u + 16384u)
#define VIRTIO_BLK_QUEUE_MAX 1024u
#define VIRTIO_BLK_TIMEOUT_MS 5000u

struct virtio_blk_ops {
	void *ctx;
	int (*in)(void *ctx, uint16_t port, unsigned size, uint32_t *val);   /* 0 on success */
	int (*out)(void *ctx, uint16_t port, unsigned size, uint32_t val);
	uint64_t (*ms)(void);        /* a millisecond clock, for the timeout */
	void (*relax)(void);         /* one poll's pause */
};

/* Memory the device can reach: 4 KiB aligned, physically contiguous. */
struct virtio_blk_dma {
	uint8_t *va;       /* as the driver maps it */
	uint64_t dev_addr; /* as the device addresses it (below 2^44: the legacy PFN is 32 bits) */
	size_t len;        /* at least VIRTIO_BLK_DMA_MIN */
};

struct virtio_blk {
	const struct virtio_blk_ops *ops;
	uint16_t base;        /* BAR0 */
	uint32_t qsz;
	struct virtio_blk_dma dma;
	size_t hdr_off, data_off, data_max;
	uint16_t avail_idx;   /* the driver's own count, never read back */
	uint16_t used_idx;    /* completions consumed */
	uint64_t capacity;    /* 512-byte sectors, read once at init */
	bool flush, ro;       /* features the device offered (FLUSH taken) */
	bool broken;
	const char *broken_why;
	uint64_t requests;
};

/*
 * Brings the device at I/O base `base` up: reset, feature negotiation
 * (FLUSH taken if offered; nothing else), queue 0 in the region, the
 * capacity, DRIVER_OK. 0, or -1 with *why (the device is then marked
 * FAILED when it got that far).
 */
int virtio_blk_init(struct virtio_blk *d, const struct virtio_blk_ops *ops, uint16_t base,
		    const struct virtio_blk_dma *dma, const char **why);

/*
 * Whole sectors at `sector`, len a multiple of 512, split into requests
 * of at most the data area. 0; -1 with *why (out of range, read-only, an
 * I/O error the device reported, a broken or silent device).
 */
int virtio_blk_read(struct virtio_blk *d, uint64_t sector, void *buf, size_t len, const char **why);
int virtio_blk_write(struct virtio_blk *d, uint64_t sector, const void *buf, size_t len, const char **why);
/*
 * The device's ID (VIRTIO_BLK_T_GET_ID: QEMU's serial= property), as a
 * NUL-terminated string of at most VIRTIO_BLK_ID_BYTES characters (bytes
 * after the first NUL dropped). 0; -1 with *why (the device does not
 * support it, or broke the protocol).
 */
int virtio_blk_get_id(struct virtio_blk *d, char id[VIRTIO_BLK_ID_BYTES + 1], const char **why);
/*
 * Everything written so far on stable storage (VIRTIO_BLK_T_FLUSH). A
 * device that did not offer VIRTIO_BLK_F_FLUSH gives no such promise
 * (Virtio 1.2 §5.2.6.2): -1, so nothing is taken as durable that may not be.
 */
int virtio_blk_flush(struct virtio_blk *d, const char **why);
