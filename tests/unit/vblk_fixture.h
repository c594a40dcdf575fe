/* SPDX-License-Identifier: MIT */
/*
 * What vsnp's block device model (vsnp/vblk.c) reaches in host tests: the
 * guest's shared pages as a host buffer at a GPA, and a disk of whole
 * 512-byte sectors in another (test_virtio_blk.c, test_vblk_modern.c).
 * The callbacks take a struct vblk_fixture as their ctx.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vblk_fixture {
	uint8_t *shared;     /* the guest's shared pages, at GPA shared_gpa .. + shared_len */
	uint64_t shared_gpa;
	size_t shared_len;
	uint8_t *disk;       /* sectors * 512 bytes */
	uint64_t sectors;
	bool fail;           /* the disk fails reads, writes and flushes */
};

/* struct vsnp_vblk_mem's: false for anything outside the shared pages. */
bool vblk_fixture_read(void *ctx, uint64_t gpa, void *buf, size_t len);
bool vblk_fixture_write(void *ctx, uint64_t gpa, const void *buf, size_t len);
/* struct vsnp_vblk_disk's: -1 when the disk fails; a request past the disk fails the test (the model checks first). */
int vblk_fixture_disk_read(void *ctx, uint64_t sector, void *buf, size_t len);
int vblk_fixture_disk_write(void *ctx, uint64_t sector, const void *buf, size_t len);
int vblk_fixture_disk_flush(void *ctx);
