/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables vsnp gives a guest firmware, as QEMU gives them to OVMF
 * (vsnp/fw_acpi.c): OVMF 2025.02 builds none of its own on QEMU and
 * installs what fw_cfg holds (OvmfPkg/Library/AcpiPlatformLib,
 * InstallQemuFwCfgTables), which the OS it boots then finds: the CPUs
 * (MADT) and the power-off path (FADT, DSDT's \_S5). The tables are the
 * ones the SVSM gives a Linux it boots directly (svsm/guest/linux_acpi.c:
 * the machine's PM1a blocks at 0x600, one Local APIC per vCPU, one I/O
 * APIC), delivered as three fw_cfg files: etc/acpi/rsdp, etc/acpi/tables
 * (pointers in them as offsets into the blob, pointer-holding tables with
 * a zero checksum) and etc/table-loader (include/abi/fw_cfg_loader.h:
 * allocate both, add the tables' address to each pointer, then fill in
 * the checksums). Portable (host-tested).
 */
#pragma once

#include "vsnp/fw_cfg.h"

#define FW_ACPI_RSDP_FILE "etc/acpi/rsdp"
#define FW_ACPI_TABLES_FILE "etc/acpi/tables"
#define FW_ACPI_LOADER_FILE "etc/table-loader"

/* Adds the three files for a machine of vcpus vCPUs: SVSM_OK, SVSM_EINVAL (0 or too many vCPUs), or fw_cfg's error. */
int vsnp_fw_acpi_add(struct vsnp_fw_cfg *f, unsigned vcpus);
