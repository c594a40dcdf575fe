/* SPDX-License-Identifier: MIT */
/*
 * The few ACPI tables a directly booted guest needs, as the ACPI
 * Specification 6.5 lays them out: RSDP (§5.2.5.3), the common table
 * header (§5.2.6), XSDT (§5.2.8), FADT (§5.2.9, 276 bytes in revision 6),
 * MADT with Processor Local APIC and I/O APIC entries (§5.2.12.2,
 * §5.2.12.3), the Generic Address Structure (§5.2.3.2).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define ACPI_RSDP_SIG "RSD PTR "
#define ACPI_RSDP_REVISION 2u         /* ACPI 2.0 and later: XSDT address present */
#define ACPI_MADT_PCAT_COMPAT 0x1u    /* MADT flags: dual 8259s present */
#define ACPI_MADT_LAPIC 0u            /* entry types */
#define ACPI_MADT_IOAPIC 1u
#define ACPI_MADT_LAPIC_ENABLED 0x1u
#define ACPI_GAS_SYSTEM_IO 1u         /* address space ID */
#define ACPI_LAPIC_DEFAULT_BASE 0xFEE00000u
#define ACPI_IOAPIC_DEFAULT_BASE 0xFEC00000u
/* PM1 control register (§4.8.3.2.1): SLP_TYPx in bits 12:10, SLP_EN bit 13. */
#define ACPI_PM1_SLP_TYP_SHIFT 10u
#define ACPI_PM1_SLP_TYP_MASK 0x7u
#define ACPI_PM1_SLP_EN (1u << 13)

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;             /* the first 20 bytes sum to 0 */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;              /* 36 */
	uint64_t xsdt_address;
	uint8_t ext_checksum;         /* all 36 bytes sum to 0 */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP size");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_address) == 24, "RSDP xsdt_address");

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;             /* the whole table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI header size");

struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS size");

struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;             /* 0: no SMI, ACPI mode always on */
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT size (revision 6)");
_Static_assert(offsetof(struct acpi_fadt, dsdt) == 40, "FADT dsdt");
_Static_assert(offsetof(struct acpi_fadt, sci_int) == 46, "FADT sci_int");
_Static_assert(offsetof(struct acpi_fadt, pm1a_evt_blk) == 56, "FADT pm1a_evt_blk");
_Static_assert(offsetof(struct acpi_fadt, pm1a_cnt_blk) == 64, "FADT pm1a_cnt_blk");
_Static_assert(offsetof(struct acpi_fadt, pm1_evt_len) == 88, "FADT pm1_evt_len");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT iapc_boot_arch");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT flags");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT x_dsdt");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172, "FADT x_pm1a_cnt_blk");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT sleep_control_reg");

struct acpi_madt {
	struct acpi_header h;
	uint32_t lapic_address;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT size");

struct acpi_madt_lapic {
	uint8_t type;                 /* ACPI_MADT_LAPIC */
	uint8_t length;               /* 8 */
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC size");

struct acpi_madt_ioapic {
	uint8_t type;                 /* ACPI_MADT_IOAPIC */
	uint8_t length;               /* 12 */
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT I/O APIC size");
