/* SPDX-License-Identifier: MIT */
/*
 * The machine's disks and the virtio devices vsnp offers on them
 * (include/vsnp/vblk.h): each of QEMU's virtio disks (-drive ... -device
 * virtio-blk-pci), found on the machine's own PCI bus and driven with
 * lib/virtio_blk.c from a DMA region of vsnp's memory, stands behind a
 * device model, as a host file stands behind a VMM's virtio disk. Which
 * disk is whose, QEMU's serial says (GET_ID): VSNP_BOOT_DISK_ID is the
 * guest's boot disk, offered on a firmware VM's q35 bus to the firmware's
 * VMPL; the first other disk is the SVSM's, offered to VMPL0. The models
 * reach the guest's memory through guest_copy below: shared pages of
 * guest RAM only (the RMP has no owner for them), so whatever the guest
 * asks, a device writes nowhere else.
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

/* One of QEMU's disks: the driver for it, and the device model a guest sees in front of it. */
struct machine_disk {
	struct virtio_blk real;
	struct vsnp_vblk_disk ops; /* ctx: this */
	struct vsnp_vblk dev;
	struct pci_fn fn;
	bool used;
};

#define DISKS_MAX 2u
static struct machine_disk svsm_disk, boot_disk;
static uint64_t cut_at, sectors_written; /* vsnp.disk-cut: the run's sector the power goes before (0: never) */
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
	struct machine_disk *d = ctx;
	const char *why = NULL;

	if (virtio_blk_read(&d->real, sector, buf, len, &why) == 0)
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
static void power_cut(struct virtio_blk *real, uint64_t sector, const void *buf, size_t len)
{
	const uint64_t keep = cut_at - 1 - sectors_written;
	const char *why = NULL;

	if (keep != 0 && virtio_blk_write(real, sector, buf, keep * VIRTIO_BLK_SECTOR, &why) != 0)
		disk_error("a write before the power cut", why);
	if (real->flush && virtio_blk_flush(real, &why) != 0)
		disk_error("the flush before the power cut", why);
	console_printf("vsnp: POWER CUT (vsnp.disk-cut=%llu): the machine stops with %llu of this write's %zu sectors "
		       "on the disk\n", (unsigned long long)cut_at, (unsigned long long)keep, len / VIRTIO_BLK_SECTOR);
	machine_exit(SVSM_EXIT_FAIL);
}

static int disk_write(void *ctx, uint64_t sector, const void *buf, size_t len)
{
	struct machine_disk *d = ctx;
	const char *why = NULL;

	/* The power cut is the SVSM's state disk's test (vsnp-vtpm-state): its writes count, no other disk's. */
	if (d == &svsm_disk && cut_at != 0 && sectors_written + len / VIRTIO_BLK_SECTOR >= cut_at)
		power_cut(&d->real, sector, buf, len);
	if (d == &svsm_disk)
		sectors_written += len / VIRTIO_BLK_SECTOR;
	if (virtio_blk_write(&d->real, sector, buf, len, &why) == 0)
		return 0;
	disk_error("a write", why);
	return -1;
}

static int disk_flush(void *ctx)
{
	struct machine_disk *d = ctx;
	const char *why = NULL;

	if (virtio_blk_flush(&d->real, &why) == 0)
		return 0;
	disk_error("a flush", why);
	return -1;
}

static const struct vsnp_vblk_mem guest_mem = { NULL, mem_read, mem_write };

/* The nth virtio disk on the machine's bus brought up, with its ID: true; false (said) when it cannot be used. */
static bool bring_up(unsigned nth, struct machine_disk *d, char id[VIRTIO_BLK_ID_BYTES + 1])
{
	uint16_t base = 0;
	const char *why = NULL;

	if (pci_io_bar0(&machine_pci, d->fn, VIRTIO_LEG_BAR_SIZE, &base, &why) != 0) {
		console_printf("vsnp: disk: QEMU's virtio disk at 00:%02x.%u is not usable: %s\n", d->fn.dev, d->fn.fn, why);
		return false;
	}

	const uint64_t pa = buddy_alloc(mm_buddy(), DMA_ORDER);

	if (pa == MM_PA_NONE) {
		console_printf("vsnp: disk: no memory for the DMA region of QEMU's disk %u\n", nth);
		return false;
	}

	const struct virtio_blk_dma dma = { phys_to_virt(pa), pa, PAGE_SIZE << DMA_ORDER };

	if (virtio_blk_init(&d->real, &machine_blk, base, &dma, &why) != 0) {
		console_printf("vsnp: disk: QEMU's virtio disk at 00:%02x.%u did not come up: %s\n", d->fn.dev, d->fn.fn,
			       why);
		return false; /* the region stays the device's: it may still write there */
	}
	/* No serial (QEMU answers GET_ID with an empty one) reads as "". */
	if (virtio_blk_get_id(&d->real, id, &why) != 0)
		id[0] = '\0';
	d->ops = (struct vsnp_vblk_disk){ d, d->real.capacity, disk_read, disk_write, disk_flush, d->real.ro, { 0 } };
	memcpy(d->ops.id, id, VIRTIO_BLK_ID_BYTES + 1);
	return true;
}

void vsnp_disk_init(struct vsnp_machine *m, uint64_t cut)
{
	mach = m;
	cut_at = cut;
	for (unsigned nth = 0;; nth++) {
		struct pci_fn fn;
		char id[VIRTIO_BLK_ID_BYTES + 1];

		if (!pci_find(&machine_pci, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BLK_LEGACY, VIRTIO_SUBSYS_BLK, nth, &fn))
			break;
		if (nth >= DISKS_MAX) {
			console_printf("vsnp: disk: QEMU's virtio disk at 00:%02x.%u not used: this machine takes %u\n",
				       fn.dev, fn.fn, DISKS_MAX);
			continue;
		}
		/* Which one is the boot disk is known only after GET_ID: bring it up in the SVSM's place if free. */
		struct machine_disk *d = svsm_disk.used ? &boot_disk : &svsm_disk;

		memset(d, 0, sizeof(*d)); /* static: a disk's device model (its bounce buffer) is too big for a stack */
		d->fn = fn;
		if (!bring_up(nth, d, id))
			continue;
		if (strcmp(id, VSNP_BOOT_DISK_ID) == 0 && boot_disk.used) {
			console_printf("vsnp: disk: QEMU's virtio disk at 00:%02x.%u not used: a second disk with serial "
				       "\"%s\"\n", d->fn.dev, d->fn.fn, VSNP_BOOT_DISK_ID);
			memset(d, 0, sizeof(*d));
			continue;
		}
		if (strcmp(id, VSNP_BOOT_DISK_ID) == 0 && d == &svsm_disk) {
			boot_disk = svsm_disk; /* moved before any device points at it */
			boot_disk.ops.ctx = &boot_disk;
			memset(&svsm_disk, 0, sizeof(svsm_disk));
			d = &boot_disk;
		} else if (strcmp(id, VSNP_BOOT_DISK_ID) != 0 && d == &boot_disk) {
			console_printf("vsnp: disk: QEMU's virtio disk at 00:%02x.%u (serial \"%s\") not used: the SVSM "
				       "has its disk, and only serial \"%s\" is the guest's\n", d->fn.dev, d->fn.fn, id,
				       VSNP_BOOT_DISK_ID);
			continue;
		}
		d->used = true;
		/* The SVSM's driver speaks the legacy interface; OVMF under SEV-SNP only the modern one. */
		if (d == &svsm_disk)
			vsnp_vblk_init(&d->dev, &guest_mem, &d->ops, VSNP_VBLK_IO_BASE);
		else
			vsnp_vblk_init_modern(&d->dev, &guest_mem, &d->ops);
	}
	if (svsm_disk.used) {
		m->io.blk = &svsm_disk.dev;
		console_printf("vsnp: disk: QEMU's virtio disk at 00:%02x.%u (%llu KiB%s) offered to VMPL0 as a virtio "
			       "block device at 00:%02x.0, I/O 0x%x\n", svsm_disk.fn.dev, svsm_disk.fn.fn,
			       (unsigned long long)(svsm_disk.real.capacity / 2), svsm_disk.real.ro ? ", read-only" : "",
			       VSNP_VBLK_SLOT, VSNP_VBLK_IO_BASE);
	} else {
		console_printf("vsnp: disk: none given for the SVSM (QEMU -drive with -device virtio-blk-pci): the SVSM "
			       "is offered no virtio disk\n");
	}
	if (boot_disk.used)
		console_printf("vsnp: disk: QEMU's virtio disk at 00:%02x.%u (serial \"%s\", %llu KiB%s) is the guest's "
			       "boot disk\n", boot_disk.fn.dev, boot_disk.fn.fn, VSNP_BOOT_DISK_ID,
			       (unsigned long long)(boot_disk.real.capacity / 2), boot_disk.real.ro ? ", read-only" : "");
}

struct vsnp_vblk *vsnp_disk_boot(void)
{
	return boot_disk.used ? &boot_disk.dev : NULL;
}

static void report(const char *whose, const struct vsnp_vblk *b)
{
	console_printf("vsnp: disk (%s): %llu requests (%llu I/O errors), %llu bytes read, %llu written, %llu flushes%s%s\n",
		       whose, (unsigned long long)b->requests, (unsigned long long)b->ioerr,
		       (unsigned long long)b->bytes_in, (unsigned long long)b->bytes_out,
		       (unsigned long long)b->flushes, b->broken_why != NULL ? "; the device stopped: " : "",
		       b->broken_why != NULL ? b->broken_why : "");
}

void vsnp_disk_report(void)
{
	if (svsm_disk.used)
		report("the SVSM's", &svsm_disk.dev);
	if (boot_disk.used)
		report("the guest's boot disk", &boot_disk.dev);
}
