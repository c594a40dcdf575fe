/* SPDX-License-Identifier: MIT */
/*
 * The virtio block driver (lib/virtio_blk.c, lib/pci.c) against vsnp's
 * device model (vsnp/vblk.c), and each against a hostile other side: a
 * device that lies (queue sizes, capacity, completions it was never
 * given, wrong heads and lengths, unknown status, silence) and a driver
 * that lies (buffers outside shared memory, loops, heads and indices out
 * of range, indirect descriptors, partial sectors, requests past the
 * disk, the wrong direction).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/virtio.h"
#include "lib/pci.h"
#include "lib/virtio_blk.h"
#include "vblk_fixture.h"
#include "vsnp/vblk.h"

#define SHARED_GPA 0x100000ull
#define SHARED_LEN (256u * 1024u)
#define DISK_SECTORS 4096u /* 2 MiB */
#define DMA_LEN (128u * 1024u)

static uint8_t *shared;   /* the guest's shared pages, GPA SHARED_GPA.. */
static uint8_t *disk_mem;
static struct vsnp_vblk dev;
static struct virtio_blk drv;
static uint64_t clock_ms;

/* What the test's device does beyond the model (hostile device cases). */
static enum {
	HONEST, SILENT, USED_TWICE, WRONG_HEAD, LONG_LEN, BAD_STATUS, QSZ_ZERO, QSZ_ODD, QSZ_HUGE, PFN_BUSY,
	CAP_ZERO, REFUSE_OK, NO_FLUSH,
} mode;

static struct vblk_fixture fx = { NULL, SHARED_GPA, SHARED_LEN, NULL, DISK_SECTORS, false };
static const struct vsnp_vblk_mem mem_ops = { &fx, vblk_fixture_read, vblk_fixture_write };
static const struct vsnp_vblk_disk disk_ops = { &fx, DISK_SECTORS, vblk_fixture_disk_read, vblk_fixture_disk_write,
						vblk_fixture_disk_flush, false, "test-disk" };

/* The used ring's index and first entry as the driver's queue lays them out. */
static uint8_t *used_ring(void)
{
	return shared + virtq_leg_used_off(VSNP_VBLK_QSZ);
}

static int p_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
	const uint16_t base = VSNP_VBLK_IO_BASE;

	(void)ctx;
	*val = 0xFFFFFFFFu;
	if (!vsnp_vblk_io(&dev, port, size, true, val))
		return 0;
	if (size < 4)
		*val &= (1u << (8 * size)) - 1;
	if (port == base + VIRTIO_LEG_QUEUE_SIZE)
		*val = mode == QSZ_ZERO ? 0 : mode == QSZ_ODD ? 96 : mode == QSZ_HUGE ? 2048 : *val;
	if (port == base + VIRTIO_LEG_QUEUE_PFN && mode == PFN_BUSY)
		*val = 0x1234;
	if (port == base + VIRTIO_LEG_CONFIG && mode == CAP_ZERO)
		*val = 0;
	if (port == base + VIRTIO_LEG_STATUS && mode == REFUSE_OK && (*val & VIRTIO_STATUS_DRIVER_OK))
		*val |= VIRTIO_STATUS_FAILED;
	if (port == base + VIRTIO_LEG_HOST_FEATURES && mode == NO_FLUSH)
		*val &= ~VIRTIO_BLK_F_FLUSH;
	return 0;
}

static int p_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
	(void)ctx;
	if (port == VSNP_VBLK_IO_BASE + VIRTIO_LEG_QUEUE_NOTIFY && mode == SILENT)
		return 0;
	(void)vsnp_vblk_io(&dev, port, size, false, &val);
	if (port != VSNP_VBLK_IO_BASE + VIRTIO_LEG_QUEUE_NOTIFY)
		return 0;
	/* The device's lies, written over what the model answered. */
	uint8_t *u = used_ring();
	uint16_t idx;

	memcpy(&idx, u + 2, 2);
	struct virtq_used_elem *e = (struct virtq_used_elem *)(u + VIRTQ_USED_RING) + (uint16_t)(idx - 1) % VSNP_VBLK_QSZ;

	if (mode == USED_TWICE)
		idx++, memcpy(u + 2, &idx, 2);
	if (mode == WRONG_HEAD)
		e->id = 5;
	if (mode == LONG_LEN)
		e->len = 1u << 20;
	if (mode == BAD_STATUS)
		shared[drv.hdr_off + 16] = 0x7E;
	return 0;
}

static uint64_t ms(void)
{
	return clock_ms += 7;
}

static void relax(void)
{
}

static const struct pci_io pio = { NULL, p_in, p_out };
static const struct virtio_blk_ops bops = { NULL, p_in, p_out, ms, relax };

static int setup(void **state)
{
	(void)state;
	shared = aligned_alloc(4096, SHARED_LEN);
	if (shared != NULL)
		memset(shared, 0, SHARED_LEN);
	disk_mem = calloc(DISK_SECTORS, 512);
	for (size_t i = 0; i < DISK_SECTORS * 512ull; i++)
		disk_mem[i] = (uint8_t)(i / 512 + i);
	mode = HONEST;
	fx.shared = shared;
	fx.disk = disk_mem;
	fx.fail = false;
	vsnp_vblk_init(&dev, &mem_ops, &disk_ops, VSNP_VBLK_IO_BASE);
	return shared == NULL || disk_mem == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	free(shared);
	free(disk_mem);
	return 0;
}

/* The driver up on the model: found on the bus, BAR0 checked, init. 0 or -1 with why. */
static int bring_up(const char **why)
{
	struct pci_fn f;
	uint16_t base = 0;
	struct virtio_blk_dma dma = { shared, SHARED_GPA, DMA_LEN };

	if (!pci_find(&pio, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BLK_LEGACY, VIRTIO_SUBSYS_BLK, 0, &f)) {
		*why = "not found";
		return -1;
	}
	assert_int_equal(f.dev, VSNP_VBLK_SLOT);
	if (pci_io_bar0(&pio, f, VIRTIO_LEG_BAR_SIZE, &base, why) != 0)
		return -1;
	assert_int_equal(base, VSNP_VBLK_IO_BASE);
	return virtio_blk_init(&drv, &bops, base, &dma, why);
}

static void test_round_trip(void **state)
{
	static uint8_t buf[200 * 1024], back[200 * 1024];
	const char *why = NULL;

	(void)state;
	if (bring_up(&why) != 0) fail_msg("%s", why);
	assert_int_equal(drv.capacity, DISK_SECTORS);
	assert_true(drv.flush);
	assert_false(drv.ro);
	assert_int_equal(drv.qsz, VSNP_VBLK_QSZ);
	/* A read of what the disk holds, across several requests (the data area is smaller). */
	assert_true(drv.data_max < sizeof(buf));
	assert_int_equal(virtio_blk_read(&drv, 10, buf, sizeof(buf), &why), 0);
	assert_memory_equal(buf, disk_mem + 10 * 512, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 1);
	assert_int_equal(virtio_blk_write(&drv, 100, buf, sizeof(buf), &why), 0);
	assert_memory_equal(disk_mem + 100 * 512, buf, sizeof(buf));
	assert_int_equal(virtio_blk_flush(&drv, &why), 0);
	assert_int_equal(virtio_blk_read(&drv, 100, back, sizeof(back), &why), 0);
	assert_memory_equal(back, buf, sizeof(buf));
	assert_int_equal(dev.flushes, 1);
	assert_int_equal(dev.ioerr, 0);
	assert_null(dev.broken_why);
	/* The last sector is in, the one after is not; partial sectors are refused before the device. */
	assert_int_equal(virtio_blk_read(&drv, DISK_SECTORS - 1, buf, 512, &why), 0);
	const uint64_t asked = dev.requests;

	assert_int_equal(virtio_blk_read(&drv, DISK_SECTORS, buf, 512, &why), -1);
	assert_int_equal(virtio_blk_read(&drv, DISK_SECTORS - 1, buf, 1024, &why), -1);
	assert_int_equal(virtio_blk_write(&drv, 0, buf, 100, &why), -1);
	assert_int_equal(virtio_blk_read(&drv, UINT64_MAX, buf, 512, &why), -1);
	assert_int_equal(dev.requests, asked);
	/* The disk fails: the device says IOERR, the driver says so and goes on. */
	fx.fail = true;
	assert_int_equal(virtio_blk_read(&drv, 0, buf, 512, &why), -1);
	assert_string_equal(why, "the device reported an I/O error");
	assert_false(drv.broken);
	fx.fail = false;
	assert_int_equal(virtio_blk_read(&drv, 0, buf, 512, &why), 0);
}

/*
 * GET_ID: the driver reads the model's serial (NUL-padded, a 20-character
 * one with no NUL at all), and a read-only disk: RO offered and seen,
 * writes refused by the driver before the device and, asked anyway by a
 * driver that ignores RO, answered IOERR by the device with the disk
 * untouched; a flush is fine (nothing to make durable).
 */
static void test_id_and_read_only(void **state)
{
	static struct vsnp_vblk_disk d;
	char id[VIRTIO_BLK_ID_BYTES + 1];
	uint8_t buf[512], before[512];
	const char *why = NULL;

	(void)state;
	if (bring_up(&why) != 0) fail_msg("%s", why);
	assert_int_equal(virtio_blk_get_id(&drv, id, &why), 0);
	assert_string_equal(id, "test-disk");
	d = disk_ops;
	memcpy(d.id, "ABCDEFGHIJKLMNOPQRST", VIRTIO_BLK_ID_BYTES + 1);
	d.ro = true;
	vsnp_vblk_init(&dev, &mem_ops, &d, VSNP_VBLK_IO_BASE);
	if (bring_up(&why) != 0) fail_msg("%s", why);
	assert_int_equal(virtio_blk_get_id(&drv, id, &why), 0);
	assert_string_equal(id, "ABCDEFGHIJKLMNOPQRST");
	assert_true(drv.ro);
	memcpy(before, disk_mem, sizeof(before));
	memset(buf, 0x5A, sizeof(buf));
	const uint64_t asked = dev.requests;

	assert_int_equal(virtio_blk_write(&drv, 0, buf, sizeof(buf), &why), -1);
	assert_string_equal(why, "the disk is read-only");
	assert_int_equal(dev.requests, asked);
	drv.ro = false; /* a driver that writes anyway */
	assert_int_equal(virtio_blk_write(&drv, 0, buf, sizeof(buf), &why), -1);
	assert_string_equal(why, "the device reported an I/O error");
	assert_memory_equal(disk_mem, before, sizeof(before));
	assert_int_equal(virtio_blk_flush(&drv, &why), 0);
	assert_int_equal(virtio_blk_read(&drv, 0, buf, sizeof(buf), &why), 0);
	assert_memory_equal(buf, before, sizeof(before));
	assert_null(dev.broken_why);
}

/* Each lie of the device at bring-up: refused with a reason, the device told FAILED. */
static void test_device_lies_at_init(void **state)
{
	static const int modes[] = { QSZ_ZERO, QSZ_ODD, QSZ_HUGE, PFN_BUSY, CAP_ZERO, REFUSE_OK };
	const char *why = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		vsnp_vblk_init(&dev, &mem_ops, &disk_ops, VSNP_VBLK_IO_BASE);
		mode = modes[i];
		why = NULL;
		assert_int_equal(bring_up(&why), -1);
		assert_non_null(why);
		assert_true(drv.broken);
		assert_true(dev.status == 0 || (dev.status & VIRTIO_STATUS_FAILED));
		assert_int_equal(virtio_blk_read(&drv, 0, shared + DMA_LEN, 512, &why), -1);
	}
	/* A DMA region that is not aligned or too small. */
	struct virtio_blk_dma dma = { shared + 8, SHARED_GPA + 8, DMA_LEN };

	mode = HONEST;
	assert_int_equal(virtio_blk_init(&drv, &bops, VSNP_VBLK_IO_BASE, &dma, &why), -1);
	dma = (struct virtio_blk_dma){ shared, SHARED_GPA, VIRTIO_BLK_DMA_MIN - 4096 };
	assert_int_equal(virtio_blk_init(&drv, &bops, VSNP_VBLK_IO_BASE, &dma, &why), -1);
}

/* Each lie of the device about a completion: the driver stops using it, and says why. */
static void test_device_lies_at_completion(void **state)
{
	static const struct {
		int mode;
		const char *why;
	} rows[] = {
		{ SILENT, "the device did not complete a request within 5 s" },
		{ USED_TWICE, "the device reported completions it was never given" },
		{ WRONG_HEAD, "the device completed a request with a wrong head or length" },
		{ LONG_LEN, "the device completed a request with a wrong head or length" },
		{ BAD_STATUS, "the device left an unknown status" },
	};
	uint8_t buf[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *why = NULL;

		vsnp_vblk_init(&dev, &mem_ops, &disk_ops, VSNP_VBLK_IO_BASE);
		mode = HONEST;
		assert_int_equal(bring_up(&why), 0);
		memset(buf, 0xCC, sizeof(buf));
		mode = rows[i].mode;
		assert_int_equal(virtio_blk_read(&drv, 3, buf, sizeof(buf), &why), -1);
		assert_string_equal(why, rows[i].why);
		assert_true(drv.broken);
		for (size_t j = 0; j < sizeof(buf); j++)
			assert_int_equal(buf[j], 0xCC); /* nothing copied out */
		/* Broken stays broken, whatever the device does next. */
		mode = HONEST;
		assert_int_equal(virtio_blk_write(&drv, 3, buf, 512, &why), -1);
		assert_string_equal(why, rows[i].why);
	}
	/* No FLUSH offered: a flush is refused, so nothing is taken as durable. */
	vsnp_vblk_init(&dev, &mem_ops, &disk_ops, VSNP_VBLK_IO_BASE);
	mode = NO_FLUSH;
	const char *why = NULL;

	assert_int_equal(bring_up(&why), 0);
	assert_int_equal(virtio_blk_flush(&drv, &why), -1);
}

/* ---- a hostile driver against the device ---- */

static void put16(uint64_t off, uint16_t v)
{
	memcpy(shared + off, &v, 2);
}

static void put_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy(shared + 16 * i, &d, sizeof(d));
}

static uint16_t avail_n;

/* Queues head and notifies; the status byte the device left at STATUS_OFF. */
#define HDR_OFF 0x10000u
#define STATUS_OFF 0x10100u
#define DATA_OFF 0x11000u
static uint8_t submit(uint16_t head)
{
	uint32_t zero = 0;

	shared[STATUS_OFF] = 0xEE;
	put16(virtq_leg_avail_off(VSNP_VBLK_QSZ) + 4 + 2 * (avail_n % VSNP_VBLK_QSZ), head);
	put16(virtq_leg_avail_off(VSNP_VBLK_QSZ) + 2, ++avail_n);
	(void)vsnp_vblk_io(&dev, VSNP_VBLK_IO_BASE + VIRTIO_LEG_QUEUE_NOTIFY, 2, false, &zero);
	return shared[STATUS_OFF];
}

static void raw_setup(void)
{
	uint32_t v;

	vsnp_vblk_init(&dev, &mem_ops, &disk_ops, VSNP_VBLK_IO_BASE);
	memset(shared, 0, SHARED_LEN);
	avail_n = 0;
	v = PCI_COMMAND_IO | PCI_COMMAND_MASTER;
	assert_int_equal(pci_cfg_write16(&pio, (struct pci_fn){ VSNP_VBLK_SLOT, 0 }, PCI_COMMAND, (uint16_t)v), 0);
	v = (uint32_t)(SHARED_GPA >> 12);
	assert_true(vsnp_vblk_io(&dev, VSNP_VBLK_IO_BASE + VIRTIO_LEG_QUEUE_PFN, 4, false, &v));
	v = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK;
	assert_true(vsnp_vblk_io(&dev, VSNP_VBLK_IO_BASE + VIRTIO_LEG_STATUS, 1, false, &v));
}

static void header(uint32_t type, uint64_t sector)
{
	struct virtio_blk_req_hdr h = { type, 0, sector };

	memcpy(shared + HDR_OFF, &h, sizeof(h));
}

static void three(uint64_t data_gpa, uint32_t len, uint16_t data_flags)
{
	put_desc(0, SHARED_GPA + HDR_OFF, 16, VIRTQ_DESC_F_NEXT, 1);
	put_desc(1, data_gpa, len, (uint16_t)(VIRTQ_DESC_F_NEXT | data_flags), 2);
	put_desc(2, SHARED_GPA + STATUS_OFF, 1, VIRTQ_DESC_F_WRITE, 0);
}

static void test_driver_lies_per_request(void **state)
{
	(void)state;
	raw_setup();
	/* A good read, to show the frame works. */
	header(VIRTIO_BLK_T_IN, 2);
	three(SHARED_GPA + DATA_OFF, 1024, VIRTQ_DESC_F_WRITE);
	assert_int_equal(submit(0), VIRTIO_BLK_S_OK);
	assert_memory_equal(shared + DATA_OFF, disk_mem + 1024, 1024);
	/* A data buffer outside the shared pages (SVSM or guest private memory): IOERR, nothing written there. */
	three(0x5000, 512, VIRTQ_DESC_F_WRITE);
	assert_int_equal(submit(0), VIRTIO_BLK_S_IOERR);
	three(SHARED_GPA + SHARED_LEN - 512, 1024, VIRTQ_DESC_F_WRITE); /* runs off the end */
	assert_int_equal(submit(0), VIRTIO_BLK_S_IOERR);
	three(UINT64_MAX - 100, 512, 0); /* wraps */
	header(VIRTIO_BLK_T_OUT, 2);
	assert_int_equal(submit(0), VIRTIO_BLK_S_IOERR);
	/* Partial sectors, past the disk's end, the wrong direction. */
	three(SHARED_GPA + DATA_OFF, 100, 0);
	assert_int_equal(submit(0), VIRTIO_BLK_S_IOERR);
	header(VIRTIO_BLK_T_IN, DISK_SECTORS - 1);
	three(SHARED_GPA + DATA_OFF, 1024, VIRTQ_DESC_F_WRITE);
	assert_int_equal(submit(0), VIRTIO_BLK_S_IOERR);
	header(VIRTIO_BLK_T_IN, UINT64_MAX);
	assert_int_equal(submit(0), VIRTIO_BLK_S_IOERR);
	header(VIRTIO_BLK_T_IN, 0);
	three(SHARED_GPA + DATA_OFF, 512, 0); /* a read into a device-readable buffer */
	assert_int_equal(submit(0), VIRTIO_BLK_S_IOERR);
	header(VIRTIO_BLK_T_OUT, 0);
	three(SHARED_GPA + DATA_OFF, 512, VIRTQ_DESC_F_WRITE);
	assert_int_equal(submit(0), VIRTIO_BLK_S_IOERR);
	/* An unknown type. */
	header(0x77, 0);
	assert_int_equal(submit(0), VIRTIO_BLK_S_UNSUPP);
	assert_null(dev.broken_why);
	assert_int_equal(dev.used_idx, avail_n);
	/* The disk was never written by any of them. */
	assert_int_equal(dev.bytes_out, 0);
}

/* Queue-level lies: the device stops (NEEDS_RESET), serves nothing more, and a reset brings it back. */
static void test_driver_lies_break_queue(void **state)
{
	static const char *const expect[] = {
		"a descriptor chain longer than the queue (a loop)",
		"a chain head outside the queue",
		"the available index runs more than a queue ahead",
		"an indirect descriptor (VIRTIO_F_INDIRECT_DESC was not offered)",
		"a descriptor's next is outside the queue",
		"a request without a readable header and a writable status byte",
		"a status byte outside shared guest RAM",
		"the available ring is not in shared guest RAM",
	};

	(void)state;
	for (unsigned k = 0; k < sizeof(expect) / sizeof(expect[0]); k++) {
		uint32_t v;

		raw_setup();
		header(VIRTIO_BLK_T_IN, 0);
		three(SHARED_GPA + DATA_OFF, 512, VIRTQ_DESC_F_WRITE);
		switch (k) {
		case 0: /* 0 -> 1 -> 0 ... */
			put_desc(1, SHARED_GPA + DATA_OFF, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
			submit(0);
			break;
		case 1:
			submit(VSNP_VBLK_QSZ);
			break;
		case 2:
			put16(virtq_leg_avail_off(VSNP_VBLK_QSZ) + 2, VSNP_VBLK_QSZ + 5);
			v = 0;
			vsnp_vblk_io(&dev, VSNP_VBLK_IO_BASE + VIRTIO_LEG_QUEUE_NOTIFY, 2, false, &v);
			break;
		case 3:
			put_desc(0, SHARED_GPA + HDR_OFF, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_INDIRECT, 1);
			submit(0);
			break;
		case 4:
			put_desc(1, SHARED_GPA + DATA_OFF, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 999);
			submit(0);
			break;
		case 5:
			put_desc(2, SHARED_GPA + STATUS_OFF, 1, 0, 0); /* status not writable */
			submit(0);
			break;
		case 6:
			put_desc(2, 0x2000, 1, VIRTQ_DESC_F_WRITE, 0); /* status in private memory */
			submit(0);
			break;
		case 7: /* the queue itself moved to memory that is not shared */
			v = 0x3;
			vsnp_vblk_io(&dev, VSNP_VBLK_IO_BASE + VIRTIO_LEG_QUEUE_PFN, 4, false, &v);
			submit(0);
			break;
		}
		if (dev.broken_why == NULL || strcmp(dev.broken_why, expect[k]) != 0)
			fail_msg("case %u: broken_why %s, expected %s", k, dev.broken_why ? dev.broken_why : "(none)",
				 expect[k]);
		v = 0;
		vsnp_vblk_io(&dev, VSNP_VBLK_IO_BASE + VIRTIO_LEG_STATUS, 1, true, &v);
		assert_true(v & VSNP_VBLK_STATUS_NEEDS_RESET);
		/* Nothing is served until a reset. */
		const uint64_t served = dev.requests;

		three(SHARED_GPA + DATA_OFF, 512, VIRTQ_DESC_F_WRITE);
		submit(0);
		assert_int_equal(dev.requests, served);
		raw_setup();
		header(VIRTIO_BLK_T_IN, 0);
		three(SHARED_GPA + DATA_OFF, 512, VIRTQ_DESC_F_WRITE);
		assert_int_equal(submit(0), VIRTIO_BLK_S_OK);
	}
	/* Without bus mastering the device does no DMA at all. */
	raw_setup();
	assert_int_equal(pci_cfg_write16(&pio, (struct pci_fn){ VSNP_VBLK_SLOT, 0 }, PCI_COMMAND, PCI_COMMAND_IO), 0);
	header(VIRTIO_BLK_T_IN, 0);
	three(SHARED_GPA + DATA_OFF, 512, VIRTQ_DESC_F_WRITE);
	assert_int_equal(submit(0), 0xEE);
}

static void test_pci_config(void **state)
{
	const struct pci_fn f = { VSNP_VBLK_SLOT, 0 };
	const char *why = NULL;
	uint16_t base = 0;

	(void)state;
	/* Only the one function answers. */
	assert_int_equal(pci_cfg_read32(&pio, (struct pci_fn){ 0, 0 }, 0), 0xFFFFFFFFu);
	assert_int_equal(pci_cfg_read32(&pio, (struct pci_fn){ VSNP_VBLK_SLOT, 1 }, 0), 0xFFFFFFFFu);
	assert_int_equal(pci_cfg_read32(&pio, f, PCI_VENDOR_ID), 0x10011AF4u);
	assert_int_equal(pci_cfg_read16(&pio, f, PCI_SUBSYSTEM_ID), VIRTIO_SUBSYS_BLK);
	/* BAR sizing: all ones reads back the size; a base among the machine's own ports is not taken. */
	assert_int_equal(pci_cfg_write32(&pio, f, PCI_BAR0, 0xFFFFFFFFu), 0);
	assert_int_equal(pci_cfg_read32(&pio, f, PCI_BAR0), 0xFFFFFFC1u);
	assert_int_equal(pci_cfg_write32(&pio, f, PCI_BAR0, 0xD000), 0);
	assert_int_equal(pci_cfg_read32(&pio, f, PCI_BAR0), 0xD001u);
	assert_int_equal(pci_cfg_write32(&pio, f, PCI_BAR0, 0x3F8), 0);
	assert_int_equal(pci_cfg_read32(&pio, f, PCI_BAR0), 0xD001u);
	/* I/O decoding off: the registers are not the device's. */
	uint32_t v = 0;

	assert_false(vsnp_vblk_io(&dev, 0xD000 + VIRTIO_LEG_STATUS, 1, true, &v));
	assert_int_equal(pci_io_bar0(&pio, f, VIRTIO_LEG_BAR_SIZE, &base, &why), 0);
	assert_int_equal(base, 0xD000);
	assert_true(vsnp_vblk_io(&dev, 0xD000 + VIRTIO_LEG_STATUS, 1, true, &v));
	/* A nth device that is not there. */
	struct pci_fn g;

	assert_false(pci_find(&pio, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BLK_LEGACY, VIRTIO_SUBSYS_BLK, 1, &g));
	assert_false(pci_find(&pio, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BLK_LEGACY, 1, 0, &g));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_lies_at_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_lies_at_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_driver_lies_per_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_driver_lies_break_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pci_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_and_read_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
