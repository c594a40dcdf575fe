/* SPDX-License-Identifier: MIT */
/*
 * The machine's disk and the virtio device vsnp offers the SVSM on it
 * (include/vsnp/vblk.h): QEMU's virtio disk (-drive ... -device
 * virtio-blk-pci), found on the machine's own PCI bus and driven with
 * lib/virtio_blk.c from a DMA region of vsnp's memory, stands behind the
 * device model, as a host file stands behind a VMM's virtio disk. The
 * model reaches the guest's memory through guest_copy below: shared
 * pages of guest RAM only (the RMP has no owner for them), so whatever
 * the guest asks, the device writes nowhere else.
 */
#include "abi/x86.h"
#include "lib/io.h"
#include "lib/pci.h"
#include "lib/string.h"
#include "lib/virtio_blk.h"
#include "abi/virtio.h"
#include "mm/buddy.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/exit_codes.h"
#include "svsm/machine.h"
#include "svsm/mm.h"
#include "svsm/tsc.h"
#include "lib/cpu.h"
#include "vsnp/vblk.h"
#include "machine.h"

#define DMA_ORDER 5 /* 128 KiB: the queue, a header page and 92 KiB of data */

static struct virtio_blk real;
static uint64_t cut_at, sectors_written; /* vsnp.disk-cut: the run's sector the power goes before (0: never) */
static struct vsnp_vblk vblk;
static struct vsnp_machine *mach;

static int port_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
	(void)ctx;
	*val = size == 1 ? io_inb(port) : size == 2 ? io_inw(port) : io_inl(port);
	return 0;
}

static int port_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
	(void)ctx;
	if (size == 1)
		io_outb(port, (uint8_t)val);
	else if (size == 2)
		io_outw(port, (uint16_t)val);
	else
		io_outl(port, val);
	return 0;
}

static const struct pci_io machine_pci = { NULL, port_in, port_out };
static const struct virtio_blk_ops machine_blk = { NULL, port_in, port_out, tsc_ms, tsc_spin };

/* Guest memory for the device: every page of the range shared guest RAM (no RMP owner), else nothing moves. */
static bool guest_copy(uint64_t gpa, void *buf, size_t len, bool write)
{
	if (gpa + len < gpa)
		return false;
	for (uint64_t p = gpa & ~(uint64_t)(PAGE_SIZE - 1); p < gpa + len; p += PAGE_SIZE) {
		const struct rmp_entry *e = rmp_model_entry(&mach->rmp, p);

		if (e == NULL || e->assigned)
			return false;
	}
	for (size_t done = 0; done < len;) {
		const uint64_t a = gpa + done, off = a & (PAGE_SIZE - 1);
		const size_t n = len - done < PAGE_SIZE - off ? len - done : (size_t)(PAGE_SIZE - off);
		void *va;

		if (vsnp_gmem_page(&mach->gmem, a - off, &va, NULL) != SVSM_OK)
			return false;
		if (write)
			memcpy((uint8_t *)va + off, (const uint8_t *)buf + done, n);
		else
			memcpy((uint8_t *)buf + done, (const uint8_t *)va + off, n);
		done += n;
	}
	return true;
}

static bool mem_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	return guest_copy(gpa, buf, len, false);
}

static bool mem_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx;
	return guest_copy(gpa, (void *)(uintptr_t)buf, len, true);
}

static void disk_error(const char *what, const char *why)
{
	static unsigned said;

	if (said++ < 4)
		console_printf("vsnp: disk: %s failed: %s\n", what, why);
}

static int disk_read(void *ctx, uint64_t sector, void *buf, size_t len)
{
	const char *why = NULL;

	(void)ctx;
	if (virtio_blk_read(&real, sector, buf, len, &why) == 0)
		return 0;
	disk_error("a read", why);
	return -1;
}

/*
 * vsnp.disk-cut=K: the power goes as the run's K-th sector written through
 * the device is about to land: the sectors before it are written and
 * flushed, then the machine stops at once, as QEMU killed mid-write would
 * leave the disk, but at a point a test can choose and repeat.
 */
static void power_cut(uint64_t sector, const void *buf, size_t len)
{
	const uint64_t keep = cut_at - 1 - sectors_written;
	const char *why = NULL;

	if (keep != 0 && virtio_blk_write(&real, sector, buf, keep * VIRTIO_BLK_SECTOR, &why) != 0)
		disk_error("a write before the power cut", why);
	if (real.flush && virtio_blk_flush(&real, &why) != 0)
		disk_error("the flush before the power cut", why);
	console_printf("vsnp: POWER CUT (vsnp.disk-cut=%llu): the machine stops with %llu of this write's %zu sectors "
		       "on the disk\n", (unsigned long long)cut_at, (unsigned long long)keep, len / VIRTIO_BLK_SECTOR);
	machine_exit(SVSM_EXIT_FAIL);
}

static int disk_write(void *ctx, uint64_t sector, const void *buf, size_t len)
{
	const char *why = NULL;

	(void)ctx;
	if (cut_at != 0 && sectors_written + len / VIRTIO_BLK_SECTOR >= cut_at)
		power_cut(sector, buf, len);
	sectors_written += len / VIRTIO_BLK_SECTOR;
	if (virtio_blk_write(&real, sector, buf, len, &why) == 0)
		return 0;
	disk_error("a write", why);
	return -1;
}

static int disk_flush(void *ctx)
{
	const char *why = NULL;

	(void)ctx;
	if (virtio_blk_flush(&real, &why) == 0)
		return 0;
	disk_error("a flush", why);
	return -1;
}

static const struct vsnp_vblk_mem guest_mem = { NULL, mem_read, mem_write };
static struct vsnp_vblk_disk machine_disk = { NULL, 0, disk_read, disk_write, disk_flush };

void vsnp_disk_init(struct vsnp_machine *m, uint64_t cut)
{
	struct pci_fn f;
	uint16_t base = 0;
	const char *why = NULL;

	if (!pci_find(&machine_pci, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BLK_LEGACY, VIRTIO_SUBSYS_BLK, 0, &f)) {
		console_printf("vsnp: disk: none given (QEMU -drive with -device virtio-blk-pci): the SVSM is offered "
			       "no virtio disk\n");
		return;
	}
	if (pci_io_bar0(&machine_pci, f, VIRTIO_LEG_BAR_SIZE, &base, &why) != 0) {
		console_printf("vsnp: disk: QEMU's virtio disk at 00:%02x.%u is not usable: %s\n", f.dev, f.fn, why);
		return;
	}

	const uint64_t pa = buddy_alloc(mm_buddy(), DMA_ORDER);

	if (pa == MM_PA_NONE) {
		console_printf("vsnp: disk: no memory for its DMA region: the SVSM is offered no virtio disk\n");
		return;
	}

	const struct virtio_blk_dma dma = { phys_to_virt(pa), pa, PAGE_SIZE << DMA_ORDER };
	if (virtio_blk_init(&real, &machine_blk, base, &dma, &why) != 0) {
		console_printf("vsnp: disk: QEMU's virtio disk at 00:%02x.%u did not come up: %s\n", f.dev, f.fn, why);
		return; /* the region stays the device's: it may still write there */
	}
	mach = m;
	cut_at = cut;
	machine_disk.sectors = real.capacity;
	vsnp_vblk_init(&vblk, &guest_mem, &machine_disk);
	m->io.blk = &vblk;
	console_printf("vsnp: disk: QEMU's virtio disk at 00:%02x.%u (%llu KiB) offered to VMPL0 as a virtio block "
		       "device at 00:%02x.0, I/O 0x%x\n", f.dev, f.fn, (unsigned long long)(real.capacity / 2),
		       VSNP_VBLK_SLOT, VSNP_VBLK_IO_BASE);
}

void vsnp_disk_report(void)
{
	if (mach == NULL)
		return;
	console_printf("vsnp: disk: %llu requests (%llu I/O errors), %llu bytes read, %llu written, %llu flushes%s%s\n",
		       (unsigned long long)vblk.requests, (unsigned long long)vblk.ioerr,
		       (unsigned long long)vblk.bytes_in, (unsigned long long)vblk.bytes_out,
		       (unsigned long long)vblk.flushes, vblk.broken_why != NULL ? "; the device stopped: " : "",
		       vblk.broken_why != NULL ? vblk.broken_why : "");
}
