/* SPDX-License-Identifier: MIT */
/* The vTPM's state on the host's virtio disk (include/svsm/vtpm_persist.h). */
#include "svsm/vtpm_persist.h"

#include "abi/virtio.h"
#include "abi/x86.h"
#include "lib/cpu.h"
#include "lib/pci.h"
#include "lib/string.h"
#include "lib/virtio_blk.h"
#include "mm/buddy.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/mm.h"
#include "svsm/platform.h"
#include "svsm/platform_snp.h"
#include "svsm/tsc.h"

#define DMA_ORDER 5 /* 128 KiB shared with the host: the queue, a header page, 92 KiB of data */

static struct virtio_blk blk;
static struct vtpm_store store;
static uint64_t scratch_pa, initial_pa;
static unsigned slot_order;
static uint8_t *initial;
static size_t initial_len;
static struct vtpm_state_store persist;

static int port_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
	(void)ctx;
	return platform_io_in(port, size, val) == SVSM_OK ? 0 : -1;
}

static int port_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
	(void)ctx;
	return platform_io_out(port, size, val) == SVSM_OK ? 0 : -1;
}

static const struct pci_io pci = { NULL, port_in, port_out };
static const struct virtio_blk_ops blk_ops = { NULL, port_in, port_out, tsc_ms, tsc_spin };

/* ---- the store's disk ---- */

static int disk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	const char *why = NULL;

	(void)ctx;
	if (virtio_blk_read(&blk, off / VIRTIO_BLK_SECTOR, buf, len, &why) == 0)
		return SVSM_OK;
	log_err("vtpm: state disk: a read failed: %s", why);
	return SVSM_EIO;
}

static int disk_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	const char *why = NULL;

	(void)ctx;
	if (virtio_blk_write(&blk, off / VIRTIO_BLK_SECTOR, buf, len, &why) == 0)
		return SVSM_OK;
	log_err("vtpm: state disk: a write failed: %s", why);
	return SVSM_EIO;
}

static int disk_flush(void *ctx)
{
	const char *why = NULL;

	(void)ctx;
	if (virtio_blk_flush(&blk, &why) == 0)
		return SVSM_OK;
	log_err("vtpm: state disk: a flush failed: %s", why);
	return SVSM_EIO;
}

static struct vtpm_disk_ops disk = { NULL, 0, disk_read, disk_write, disk_flush, platform_random };

/* ---- what the vTPM module sees ---- */

static void started(void *ctx)
{
	(void)ctx;
	if (initial != NULL) {
		memset(initial, 0, initial_len); /* the TPM's secrets, in the clear */
		buddy_free(mm_buddy(), initial_pa, slot_order);
		initial = NULL;
		persist.initial = NULL;
		persist.initial_len = 0;
	}
}

static int save(void *ctx, const uint8_t *img, size_t len, const char **why)
{
	(void)ctx;
	if (vtpm_store_commit(&store, img, len) != SVSM_OK) {
		*why = len > VTPM_STATE_PAYLOAD_MAX ? "the state is larger than a slot"
						    : "the state disk did not take the write (see the log)";
		return SVSM_EIO;
	}
	return SVSM_OK;
}

static void evidence(void *ctx, uint64_t *version, uint8_t digest[VTPM_STATE_DIGEST_LEN])
{
	(void)ctx;
	*version = store.version;
	memcpy(digest, store.digest, VTPM_STATE_DIGEST_LEN);
}

/* The DMA region: heap pages, each made shared with the host (their old contents wiped first). */
static int dma_region(struct virtio_blk_dma *dma)
{
	const uint64_t pa = buddy_alloc(mm_buddy(), DMA_ORDER);

	if (pa == MM_PA_NONE)
		return SVSM_ENOMEM;
	for (uint64_t i = 0; i < (1u << DMA_ORDER); i++) {
		void *va;

		memset(phys_to_virt(pa + i * PAGE_SIZE), 0, PAGE_SIZE);
		if (snp_share_heap_page(snp_hv_this(), pa + i * PAGE_SIZE, &va) != SVSM_OK)
			return SVSM_EIO; /* the pages stay out of the heap: some may be shared now */
	}
	*dma = (struct virtio_blk_dma){ phys_to_virt(pa), pa, PAGE_SIZE << DMA_ORDER };
	return SVSM_OK;
}

static uint8_t *heap_block(unsigned order, uint64_t *pa)
{
	*pa = buddy_alloc(mm_buddy(), order);
	return *pa == MM_PA_NONE ? NULL : phys_to_virt(*pa);
}

enum vtpm_persist_outcome vtpm_persist_open(int (*get_key)(uint8_t key[VTPM_STATE_KEY_LEN], const char **why),
					    const struct vtpm_state_store **out, const char **why)
{
	struct pci_fn f;
	struct virtio_blk_dma dma;
	uint16_t base = 0;
	uint8_t key[VTPM_STATE_KEY_LEN];
	size_t len = 0;
	const char *swhy = NULL;
	int err;

	*out = NULL;
	*why = NULL;
	if (!pci_find(&pci, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BLK_LEGACY, VIRTIO_SUBSYS_BLK, 0, &f)) {
		*why = "no virtio disk given: the vTPM's state is volatile (a new TPM at every start)";
		return VTPM_PERSIST_VOLATILE;
	}
	if (pci_io_bar0(&pci, f, VIRTIO_LEG_BAR_SIZE, &base, why) != 0 || dma_region(&dma) != SVSM_OK ||
	    virtio_blk_init(&blk, &blk_ops, base, &dma, why) != 0) {
		if (*why == NULL)
			*why = "no memory, or no shared pages, for the disk's DMA region";
		return VTPM_PERSIST_REFUSED;
	}
	log_info("vtpm: state disk: virtio block device at 00:%02x.%u, I/O 0x%x, %llu KiB, queue of %u", f.dev, f.fn,
		 base, (unsigned long long)(blk.capacity / 2), blk.qsz);
	while ((PAGE_SIZE << slot_order) < VTPM_STATE_SLOT_SIZE)
		slot_order++;
	uint8_t *scratch = heap_block(slot_order, &scratch_pa);

	initial = heap_block(slot_order, &initial_pa);
	if (scratch == NULL || initial == NULL) {
		*why = "no memory for the state's buffers";
		return VTPM_PERSIST_REFUSED;
	}
	if (get_key(key, why) != 0)
		return VTPM_PERSIST_REFUSED;
	disk.size = blk.capacity * VIRTIO_BLK_SECTOR;
	err = vtpm_store_open(&store, &disk, key, scratch, initial, VTPM_STATE_PAYLOAD_MAX, &len, &swhy);
	memset(key, 0, sizeof(key));
	if (err != SVSM_OK) {
		*why = swhy;
		return VTPM_PERSIST_REFUSED;
	}
	if (swhy != NULL)
		log_warn("vtpm: state disk: %s", swhy);
	if (len == 0)
		log_info("vtpm: state disk: no state yet: a new TPM, kept on the disk from now on");
	else
		log_info("vtpm: state disk: state version %llu (%zu bytes) opened from slot %d",
			 (unsigned long long)store.version, len, store.cur);
	initial_len = len;
	persist = (struct vtpm_state_store){ .initial = initial, .initial_len = len, .max = VTPM_STATE_PAYLOAD_MAX,
					     .started = started, .save = save, .evidence = evidence };
	*out = &persist;
	return VTPM_PERSIST_READY;
}
