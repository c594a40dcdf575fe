/* SPDX-License-Identifier: MIT */
/*
 * Between the two PCI interfaces of vsnp's virtio block device and the
 * queue they share (vsnp/vblk.c): private to vsnp/vblk*.c.
 */
#pragma once

#include <stdint.h>

#include "vsnp/vblk.h"

/* The device's features: FLUSH, RO for a read-only disk, VERSION_1 and ACCESS_PLATFORM on the modern interface. */
uint64_t vsnp_vblk_features(const struct vsnp_vblk *b);
/* A device reset (status 0): no features, no queue, not broken. */
void vsnp_vblk_reset(struct vsnp_vblk *b);
/* The driver notified queue 0: serve what its available ring holds. */
void vsnp_vblk_notify(struct vsnp_vblk *b);
/* The block configuration (capacity, ...): size bytes at off. */
uint32_t vsnp_vblk_blk_config(const struct vsnp_vblk *b, unsigned off, unsigned size);
/* QUEUE_ENABLE of the modern interface: the queue at the three addresses, checked (misaligned: the device stops). */
void vsnp_vblk_modern_enable(struct vsnp_vblk *b);
