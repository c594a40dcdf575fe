/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables the SVSM gives a Linux guest it boots directly
 * (svsm/guest/linux_acpi.c): there is no firmware at VMPL2 to give them,
 * and building them here keeps what the guest is told about its CPUs and
 * power-off path inside the launch instead of taking it from the host.
 * One page: RSDP, XSDT, FADT (revision 6, with the PM1a blocks), a DSDT
 * holding only \_S5 (power off), and a MADT with one Local APIC entry per
 * vCPU (APIC ID = vCPU index) and one I/O APIC.
 */
#pragma once

#include <stdint.h>

/*
 * The machine's ACPI PM1a event and control blocks and its SCI: where
 * QEMU's q35 firmware places them (PMBASE 0x600), and what vsnp emulates.
 * A guest powers off by writing SLP_TYP = LINUX_ACPI_S5_TYP with SLP_EN
 * to the control block.
 */
#define LINUX_ACPI_PM1A_EVT_PORT 0x600u
#define LINUX_ACPI_PM1A_CNT_PORT 0x604u
#define LINUX_ACPI_SCI_IRQ 9u
#define LINUX_ACPI_S5_TYP 5u
#define LINUX_ACPI_MAX_CPUS 64u

/* Fills page (4 KiB, to lie at gpa): SVSM_OK, the RSDP at gpa; SVSM_EINVAL for 0 or too many vCPUs. */
int linux_acpi_build(uint8_t *page, uint64_t gpa, unsigned vcpus);
