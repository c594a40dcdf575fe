/* SPDX-License-Identifier: MIT */
/*
 * The modern (virtio 1.0) PCI interface of vsnp's block device
 * (vsnp/vblk_modern.c) driven by a small driver written here from Virtio
 * 1.2 §4.1.3-§4.1.5 and §3.1.1, in the order OVMF's Virtio10Dxe and
 * VirtioBlkDxe use: the capability list, BAR sizing and placement, reset,
 * feature negotiation (VERSION_1 and ACCESS_PLATFORM), a queue smaller
 * than the device's at addresses given a half or a whole at a time,
 * DRIVER_OK, a read through the queue and the notify register. Then what
 * the device refuses: features it did not offer or no VERSION_1 (no
 * FEATURES_OK), a queue size that is no power of 2, queue fields changed
 * after the queue is enabled, misaligned rings (the device stops), and
 * what it does not decode (memory decoding off, no BAR, the legacy
 * device, addresses past its registers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/virtio.h"
#include "vblk_fixture.h"
#include "vsnp/vblk.h"

#define SHARED_GPA 0x200000ull
#define SHARED_LEN (64u * 1024u)
#define DISK_SECTORS 256u
#define BAR 0xC0000000ull

static uint8_t shared[SHARED_LEN] __attribute__((aligned(4096)));
static uint8_t disk_mem[DISK_SECTORS * 512];
static struct vsnp_vblk dev;

static struct vblk_fixture fx = { shared, SHARED_GPA, SHARED_LEN, disk_mem, DISK_SECTORS, false };
static const struct vsnp_vblk_mem mem_ops = { &fx, vblk_fixture_read, vblk_fixture_write };
static struct vsnp_vblk_disk disk_ops = { &fx, DISK_SECTORS, vblk_fixture_disk_read, vblk_fixture_disk_write,
					  vblk_fixture_disk_flush, true, "vsnp-boot" };

/* Where the capabilities put each structure (found, not assumed). */
static uint64_t common, notify, isr, devcfg;
static uint32_t notify_mult;

static uint32_t cfg32(unsigned off)
{
	return vsnp_vblk_modern_cfg_read(&dev, off);
}

static uint64_t rd(uint64_t gpa, unsigned size)
{
	uint64_t v = 0xDEAD;

	assert_true(vsnp_vblk_mmio(&dev, gpa, size, false, &v));
	return v;
}

static void wr(uint64_t gpa, unsigned size, uint64_t v)
{
	assert_true(vsnp_vblk_mmio(&dev, gpa, size, true, &v));
}

static int setup(void **state)
{
	(void)state;
	memset(shared, 0, sizeof(shared));
	for (size_t i = 0; i < sizeof(disk_mem); i++)
		disk_mem[i] = (uint8_t)(i * 7 + i / 512);
	vsnp_vblk_init_modern(&dev, &mem_ops, &disk_ops);
	return 0;
}

/* The firmware's part: IDs, the capability list, BAR4 sized and placed, decoding on. */
static void probe_and_place(void)
{
	assert_int_equal(cfg32(0), VIRTIO_PCI_VENDOR | VIRTIO_PCI_DEVICE_BLK_MODERN << 16);
	assert_int_equal(cfg32(PCI_CLASS_REVISION) & 0xFF, 1); /* revision 1: modern */
	assert_true((cfg32(PCI_COMMAND) >> 16) & PCI_STATUS_CAP_LIST);
	common = notify = isr = devcfg = 0;
	for (unsigned at = cfg32(PCI_CAP_PTR) & 0xFC, n = 0; at != 0; at = (cfg32(at) >> 8) & 0xFC, n++) {
		const uint32_t h = cfg32(at);

		assert_true(n < 16);
		assert_int_equal(h & 0xFF, VIRTIO_PCI_CAP_VENDOR);
		assert_int_equal(cfg32(at + 4) & 0xFF, VIRTIO_MODERN_BAR);
		const uint64_t where = BAR + cfg32(at + 8);

		switch (h >> 24) {
		case VIRTIO_PCI_CAP_COMMON_CFG:
			common = where;
			assert_true(cfg32(at + 12) >= VIRTIO_COMMON_CFG_LEN);
			break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG:
			notify = where;
			assert_true(((h >> 16) & 0xFF) >= 20);
			notify_mult = cfg32(at + 16);
			break;
		case VIRTIO_PCI_CAP_ISR_CFG:
			isr = where;
			break;
		case VIRTIO_PCI_CAP_DEVICE_CFG:
			devcfg = where;
			break;
		}
	}
	assert_true(common != 0 && notify != 0 && isr != 0 && devcfg != 0);
	/* Not decoded before it has a place and decoding is on. */
	uint64_t v;

	assert_false(vsnp_vblk_mmio(&dev, common, 4, false, &v));
	vsnp_vblk_modern_cfg_write(&dev, PCI_BAR0 + 16, 4, 0xFFFFFFFFu);
	const uint32_t mask = cfg32(PCI_BAR0 + 16);

	assert_int_equal(mask & 0xF, 0); /* 32-bit memory, not prefetchable */
	assert_true(~(mask & ~0xFu) + 1 >= 0x4000);
	vsnp_vblk_modern_cfg_write(&dev, PCI_BAR0 + 16, 4, (uint32_t)BAR);
	assert_int_equal(cfg32(PCI_BAR0 + 16), (uint32_t)BAR);
	assert_false(vsnp_vblk_mmio(&dev, common, 4, false, &v)); /* memory decoding still off */
	vsnp_vblk_modern_cfg_write(&dev, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

#define CC(f) (common + offsetof(struct virtio_pci_common_cfg, f))

static uint64_t features(void)
{
	wr(CC(device_feature_select), 4, 0);
	uint64_t f = rd(CC(device_feature), 4);

	wr(CC(device_feature_select), 4, 1);
	return f | rd(CC(device_feature), 4) << 32;
}

static void set_features(uint64_t f)
{
	wr(CC(driver_feature_select), 4, 0);
	wr(CC(driver_feature), 4, (uint32_t)f);
	wr(CC(driver_feature_select), 4, 1);
	wr(CC(driver_feature), 4, f >> 32);
}

/* The queue: 64 entries, desc at +0, avail at +0x1000, used at +0x2000 of the shared area. */
#define Q 64u
#define DESC (SHARED_GPA)
#define AVAIL (SHARED_GPA + 0x1000)
#define USED (SHARED_GPA + 0x2000)
#define HDR (SHARED_GPA + 0x3000)
#define DATA (SHARED_GPA + 0x4000)
#define STATUS (SHARED_GPA + 0x5000)

static void put_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	const struct virtq_desc d = { addr, len, flags, next };

	memcpy(shared + (DESC - SHARED_GPA) + 16 * i, &d, sizeof(d));
}

static void driver_up(void)
{
	probe_and_place();
	wr(CC(device_status), 1, 0);
	wr(CC(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	const uint64_t f = features();

	assert_true((f & VIRTIO_F_VERSION_1) && (f & VIRTIO_F_ACCESS_PLATFORM) && (f & VIRTIO_BLK_F_FLUSH) &&
		    (f & VIRTIO_BLK_F_RO));
	set_features(VIRTIO_F_VERSION_1 | VIRTIO_F_ACCESS_PLATFORM | VIRTIO_BLK_F_RO);
	wr(CC(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_true(rd(CC(device_status), 1) & VIRTIO_STATUS_FEATURES_OK);
	wr(CC(queue_select), 2, 0);
	assert_int_equal(rd(CC(queue_size), 2), VSNP_VBLK_QSZ);
	wr(CC(queue_size), 2, 100); /* no power of 2: ignored */
	assert_int_equal(rd(CC(queue_size), 2), VSNP_VBLK_QSZ);
	wr(CC(queue_size), 2, Q);
	assert_int_equal(rd(CC(queue_size), 2), Q);
	assert_int_equal(rd(CC(queue_msix_vector), 2), VIRTIO_MSI_NO_VECTOR);
	wr(CC(queue_desc), 4, (uint32_t)DESC); /* halves, as 32-bit drivers write them */
	wr(CC(queue_desc) + 4, 4, DESC >> 32);
	wr(CC(queue_driver), 8, AVAIL);
	wr(CC(queue_device), 8, USED);
	assert_int_equal(rd(CC(queue_desc), 4), (uint32_t)DESC);
	assert_int_equal(rd(CC(queue_device), 8), USED);
	wr(CC(queue_enable), 2, 1);
	wr(CC(device_status), 1,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

static uint16_t used_idx(void)
{
	uint16_t v;

	memcpy(&v, shared + (USED - SHARED_GPA) + 2, 2);
	return v;
}

static void submit(uint32_t type, uint64_t sector, uint32_t len, uint16_t n)
{
	const struct virtio_blk_req_hdr h = { type, 0, sector };
	const uint16_t head = 0, idx = n;

	memcpy(shared + (HDR - SHARED_GPA), &h, sizeof(h));
	shared[STATUS - SHARED_GPA] = 0xFF;
	put_desc(0, HDR, sizeof(h), VIRTQ_DESC_F_NEXT, 1);
	put_desc(1, DATA, len, (uint16_t)(VIRTQ_DESC_F_NEXT | (type == VIRTIO_BLK_T_OUT ? 0 : VIRTQ_DESC_F_WRITE)), 2);
	put_desc(2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	memcpy(shared + (AVAIL - SHARED_GPA) + VIRTQ_AVAIL_RING + 2 * ((n - 1) % Q), &head, 2);
	memcpy(shared + (AVAIL - SHARED_GPA) + 2, &idx, 2);
	wr(notify + 0 * notify_mult, 2, 0);
}

static void test_driver_reads_through_the_queue(void **state)
{
	(void)state;
	driver_up();
	assert_int_equal(rd(devcfg, 4), DISK_SECTORS); /* capacity, low half */
	assert_int_equal(rd(devcfg + 4, 4), 0);
	submit(VIRTIO_BLK_T_IN, 5, 1024, 1);
	assert_int_equal(used_idx(), 1);
	assert_int_equal(shared[STATUS - SHARED_GPA], VIRTIO_BLK_S_OK);
	assert_memory_equal(shared + (DATA - SHARED_GPA), disk_mem + 5 * 512, 1024);
	struct virtq_used_elem e;

	memcpy(&e, shared + (USED - SHARED_GPA) + VIRTQ_USED_RING, sizeof(e));
	assert_true(e.id == 0 && e.len == 1025);
	assert_int_equal(rd(isr, 1), 1); /* a used buffer; reading clears it */
	assert_int_equal(rd(isr, 1), 0);
	/* The disk is read-only: a write is IOERR and the disk untouched. */
	uint8_t before[512];

	memcpy(before, disk_mem, sizeof(before));
	memset(shared + (DATA - SHARED_GPA), 0x77, 512);
	submit(VIRTIO_BLK_T_OUT, 0, 512, 2);
	assert_int_equal(used_idx(), 2);
	assert_int_equal(shared[STATUS - SHARED_GPA], VIRTIO_BLK_S_IOERR);
	assert_memory_equal(disk_mem, before, sizeof(before));
	/* The queue's fields are fixed while it is enabled. */
	wr(CC(queue_desc), 8, SHARED_GPA + 0x8000);
	wr(CC(queue_size), 2, 16);
	assert_int_equal(rd(CC(queue_desc), 8), DESC);
	assert_int_equal(rd(CC(queue_size), 2), Q);
	assert_null(dev.broken_why);
	/* A reset: the queue is gone, the features too. */
	wr(CC(device_status), 1, 0);
	assert_int_equal(rd(CC(queue_enable), 2), 0);
	assert_int_equal(rd(CC(device_status), 1), 0);
}

static void test_what_the_device_refuses(void **state)
{
	uint64_t v;

	(void)state;
	probe_and_place();
	wr(CC(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	/* No VERSION_1: no FEATURES_OK. */
	set_features(VIRTIO_BLK_F_FLUSH);
	wr(CC(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_false(rd(CC(device_status), 1) & VIRTIO_STATUS_FEATURES_OK);
	/* A feature the device did not offer (bit 34): no FEATURES_OK either. */
	set_features(VIRTIO_F_VERSION_1 | (1ull << 34));
	wr(CC(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_false(rd(CC(device_status), 1) & VIRTIO_STATUS_FEATURES_OK);
	/* Misaligned rings: enabling the queue stops the device. */
	wr(CC(device_status), 1, 0);
	wr(CC(queue_desc), 8, DESC + 8);
	wr(CC(queue_driver), 8, AVAIL);
	wr(CC(queue_device), 8, USED);
	wr(CC(queue_enable), 2, 1);
	assert_non_null(dev.broken_why);
	assert_true(rd(CC(device_status), 1) & VSNP_VBLK_STATUS_NEEDS_RESET);
	wr(CC(device_status), 1, 0);
	assert_null(dev.broken_why);
	/* A ring outside shared memory: the first notify stops the device, nothing is written. */
	wr(CC(queue_desc), 8, 0x1000);
	wr(CC(queue_driver), 8, 0x2000);
	wr(CC(queue_device), 8, 0x3000);
	wr(CC(queue_enable), 2, 1);
	wr(CC(device_status), 1, VIRTIO_STATUS_DRIVER_OK);
	wr(notify, 2, 0);
	assert_non_null(dev.broken_why);
	/* Not registers: past the BAR, an access that is no field, a write to the ISR or the device configuration. */
	assert_false(vsnp_vblk_mmio(&dev, BAR + 0x4000, 4, false, &v));
	assert_false(vsnp_vblk_mmio(&dev, BAR - 4, 4, false, &v));
	assert_int_equal(rd(common + 1, 2), 0xFFFF);
	assert_int_equal(rd(BAR + 0x0800, 4), 0xFFFFFFFFu);
	wr(devcfg, 4, 0);
	assert_int_equal(rd(devcfg, 4), DISK_SECTORS);
	/* Memory decoding off: nothing decodes. */
	vsnp_vblk_modern_cfg_write(&dev, PCI_COMMAND, 2, 0);
	assert_false(vsnp_vblk_mmio(&dev, common, 4, false, &v));
	/* The legacy device has no memory BAR at all. */
	static struct vsnp_vblk legacy;

	vsnp_vblk_init(&legacy, &mem_ops, &disk_ops, VSNP_VBLK_IO_BASE);
	assert_false(vsnp_vblk_mmio(&legacy, common, 4, false, &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_driver_reads_through_the_queue, setup),
		cmocka_unit_test_setup(test_what_the_device_refuses, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
