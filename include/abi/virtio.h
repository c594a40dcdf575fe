/* SPDX-License-Identifier: MIT */
/*
 * Virtio over PCI, the legacy interface, and the block device: what the
 * SVSM's driver and vsnp's device model share. Virtual I/O Device
 * (VIRTIO) Version 1.2 (OASIS, 2022): §2.7 split virtqueues and §2.7.2
 * their legacy layout; §4.1.4.8 the legacy PCI register layout; §4.1.2.1
 * the PCI IDs (transitional block device 0x1001); §5.2 the block device
 * (configuration, requests, status). PCI configuration: PCI Local Bus
 * Specification 3.0, §6.1 (header type 0) and §3.2.2.3.2 (configuration
 * mechanism #1, ports 0xCF8/0xCFC). Little endian throughout.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* PCI configuration mechanism #1 (PCI 3.0 §3.2.2.3.2). */
#define PCI_CONFIG_ADDRESS 0xCF8u
#define PCI_CONFIG_DATA 0xCFCu
#define PCI_CONFIG_ENABLE 0x80000000u
/* Type 0 header (PCI 3.0 §6.1). */
#define PCI_VENDOR_ID 0x00u
#define PCI_DEVICE_ID 0x02u
#define PCI_COMMAND 0x04u
#define PCI_COMMAND_IO 0x0001u
#define PCI_COMMAND_MEMORY 0x0002u
#define PCI_COMMAND_MASTER 0x0004u
#define PCI_STATUS 0x06u
#define PCI_CLASS_REVISION 0x08u
#define PCI_HEADER_TYPE 0x0Eu
#define PCI_HEADER_MULTIFUNCTION 0x80u
#define PCI_BAR0 0x10u
#define PCI_BAR_IO 0x1u
#define PCI_BAR_IO_MASK 0xFFFFFFFCu
#define PCI_SUBSYSTEM_ID 0x2Eu
#define PCI_INTERRUPT_PIN 0x3Du
#define PCI_NO_DEVICE 0xFFFFu

/* Virtio 1.2 §4.1.2: vendor, and the transitional block device's IDs. */
#define VIRTIO_PCI_VENDOR 0x1AF4u
#define VIRTIO_PCI_DEVICE_BLK_LEGACY 0x1001u
#define VIRTIO_SUBSYS_BLK 2u /* the legacy subsystem device ID: the virtio device type (block) */

/* Virtio 1.2 §4.1.4.8: the legacy registers in BAR0 (I/O space), without MSI-X. */
#define VIRTIO_LEG_HOST_FEATURES 0x00u /* 32, R */
#define VIRTIO_LEG_GUEST_FEATURES 0x04u /* 32, RW */
#define VIRTIO_LEG_QUEUE_PFN 0x08u      /* 32, RW: queue address >> 12 */
#define VIRTIO_LEG_QUEUE_SIZE 0x0Cu     /* 16, R */
#define VIRTIO_LEG_QUEUE_SEL 0x0Eu      /* 16, RW */
#define VIRTIO_LEG_QUEUE_NOTIFY 0x10u   /* 16, RW */
#define VIRTIO_LEG_STATUS 0x12u         /* 8, RW */
#define VIRTIO_LEG_ISR 0x13u            /* 8, R (read clears) */
#define VIRTIO_LEG_CONFIG 0x14u         /* device configuration */
#define VIRTIO_LEG_QUEUE_ALIGN 4096u    /* §2.7.2: the used ring's alignment */
#define VIRTIO_LEG_PFN_SHIFT 12u
#define VIRTIO_LEG_BAR_SIZE 0x40u       /* registers and the block configuration the driver reads */

/* Virtio 1.2 §2.1: device status. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_FAILED 0x80u

/*
 * The modern (virtio 1.0) PCI interface (Virtio 1.2 §4.1.2, §4.1.4): the
 * non-transitional block device's ID; vendor capabilities (PCI 3.0 §6.7,
 * capability ID 0x09) locating each structure in a BAR; the common
 * configuration structure; the features every modern device and driver
 * agree on (§6).
 */
#define VIRTIO_PCI_DEVICE_BLK_MODERN 0x1042u /* 0x1040 + device type 2 */
#define PCI_STATUS_CAP_LIST 0x0010u          /* status bit 4: a capability list at PCI_CAP_PTR */
#define PCI_CAP_PTR 0x34u
#define VIRTIO_PCI_CAP_VENDOR 0x09u
#define VIRTIO_PCI_CAP_COMMON_CFG 1u
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2u
#define VIRTIO_PCI_CAP_ISR_CFG 3u
#define VIRTIO_PCI_CAP_DEVICE_CFG 4u
#define VIRTIO_MODERN_BAR 4u                 /* where vsnp's modern device puts its structures */
#define VIRTIO_MSI_NO_VECTOR 0xFFFFu
#define VIRTIO_F_VERSION_1 (1ull << 32)
#define VIRTIO_F_ACCESS_PLATFORM (1ull << 33)

struct virtio_pci_common_cfg {
	uint32_t device_feature_select; /* RW */
	uint32_t device_feature;        /* R */
	uint32_t driver_feature_select; /* RW */
	uint32_t driver_feature;        /* RW */
	uint16_t config_msix_vector;    /* RW */
	uint16_t num_queues;            /* R */
	uint8_t device_status;          /* RW */
	uint8_t config_generation;      /* R */
	uint16_t queue_select;          /* RW; the fields below are that queue's */
	uint16_t queue_size;            /* RW */
	uint16_t queue_msix_vector;     /* RW */
	uint16_t queue_enable;          /* RW */
	uint16_t queue_notify_off;      /* R */
	uint64_t queue_desc;            /* RW */
	uint64_t queue_driver;          /* RW: the available ring */
	uint64_t queue_device;          /* RW: the used ring */
};

_Static_assert(sizeof(struct virtio_pci_common_cfg) == 0x38, "virtio_pci_common_cfg");
_Static_assert(offsetof(struct virtio_pci_common_cfg, device_status) == 0x14, "common cfg device_status");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_select) == 0x16, "common cfg queue_select");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_enable) == 0x1C, "common cfg queue_enable");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_desc) == 0x20, "common cfg queue_desc");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_device) == 0x30, "common cfg queue_device");
#define VIRTIO_COMMON_CFG_LEN ((uint32_t)sizeof(struct virtio_pci_common_cfg))
#define VIRTIO_CC_DFSELECT offsetof(struct virtio_pci_common_cfg, device_feature_select)
#define VIRTIO_CC_DF offsetof(struct virtio_pci_common_cfg, device_feature)
#define VIRTIO_CC_GFSELECT offsetof(struct virtio_pci_common_cfg, driver_feature_select)
#define VIRTIO_CC_GF offsetof(struct virtio_pci_common_cfg, driver_feature)
#define VIRTIO_CC_MSIX offsetof(struct virtio_pci_common_cfg, config_msix_vector)
#define VIRTIO_CC_NUMQ offsetof(struct virtio_pci_common_cfg, num_queues)
#define VIRTIO_CC_STATUS offsetof(struct virtio_pci_common_cfg, device_status)
#define VIRTIO_CC_CFGGEN offsetof(struct virtio_pci_common_cfg, config_generation)
#define VIRTIO_CC_Q_SELECT offsetof(struct virtio_pci_common_cfg, queue_select)
#define VIRTIO_CC_Q_SIZE offsetof(struct virtio_pci_common_cfg, queue_size)
#define VIRTIO_CC_Q_MSIX offsetof(struct virtio_pci_common_cfg, queue_msix_vector)
#define VIRTIO_CC_Q_ENABLE offsetof(struct virtio_pci_common_cfg, queue_enable)
#define VIRTIO_CC_Q_NOFF offsetof(struct virtio_pci_common_cfg, queue_notify_off)
#define VIRTIO_CC_Q_DESC offsetof(struct virtio_pci_common_cfg, queue_desc)
#define VIRTIO_CC_Q_AVAIL offsetof(struct virtio_pci_common_cfg, queue_driver)
#define VIRTIO_CC_Q_USED offsetof(struct virtio_pci_common_cfg, queue_device)

/* Virtio 1.2 §5.2.3: block device features (the legacy register carries bits 0-31). */
#define VIRTIO_BLK_F_SIZE_MAX (1u << 1)
#define VIRTIO_BLK_F_SEG_MAX (1u << 2)
#define VIRTIO_BLK_F_RO (1u << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1u << 6)
#define VIRTIO_BLK_F_FLUSH (1u << 9)

/* Virtio 1.2 §5.2.4: the block configuration's first fields. */
#define VIRTIO_BLK_CFG_CAPACITY 0x00u /* u64, 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 0x08u /* u32 */
#define VIRTIO_BLK_CFG_SEG_MAX 0x0Cu  /* u32 */
#define VIRTIO_BLK_SECTOR 512u
#define VIRTIO_BLK_CFG_LEN (VIRTIO_LEG_BAR_SIZE - VIRTIO_LEG_CONFIG) /* the part a device here shows */

/* Virtio 1.2 §2.7.5: a descriptor. */
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u

struct virtq_desc {
	uint64_t addr;  /* 0x0 */
	uint32_t len;   /* 0x8 */
	uint16_t flags; /* 0xC */
	uint16_t next;  /* 0xE */
};

_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc");
_Static_assert(offsetof(struct virtq_desc, flags) == 12, "virtq_desc flags");

/* Virtio 1.2 §2.7.6/§2.7.8: the available ring (flags, idx, ring[size], used_event) and used element. */
#define VIRTQ_AVAIL_RING 4u
struct virtq_used_elem {
	uint32_t id;  /* 0x0: head of the chain */
	uint32_t len; /* 0x4: bytes written into the chain */
};

_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem");
#define VIRTQ_USED_RING 4u

/* Virtio 1.2 §2.7.2: the legacy layout of a queue of n entries at a 4 KiB-aligned address. */
static inline uint64_t virtq_leg_avail_off(uint32_t n)
{
	return 16ull * n;
}

static inline uint64_t virtq_leg_used_off(uint32_t n)
{
	return (virtq_leg_avail_off(n) + VIRTQ_AVAIL_RING + 2ull * n + 2 + VIRTIO_LEG_QUEUE_ALIGN - 1) &
	       ~(uint64_t)(VIRTIO_LEG_QUEUE_ALIGN - 1);
}

static inline uint64_t virtq_leg_size(uint32_t n)
{
	return virtq_leg_used_off(n) + VIRTQ_USED_RING + 8ull * n + 2;
}

/* Virtio 1.2 §5.2.6: a request: this header, the data, one status byte the device writes. */
#define VIRTIO_BLK_T_IN 0u
#define VIRTIO_BLK_T_OUT 1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_T_GET_ID 8u
#define VIRTIO_BLK_S_OK 0u
#define VIRTIO_BLK_S_IOERR 1u
#define VIRTIO_BLK_S_UNSUPP 2u
#define VIRTIO_BLK_ID_BYTES 20u

struct virtio_blk_req_hdr {
	uint32_t type;     /* 0x0 */
	uint32_t reserved; /* 0x4 */
	uint64_t sector;   /* 0x8 */
};

_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "virtio_blk_req header");
_Static_assert(offsetof(struct virtio_blk_req_hdr, sector) == 8, "virtio_blk_req sector");
