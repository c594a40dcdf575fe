/* SPDX-License-Identifier: MIT */
/* The ACPI tables of a directly booted Linux guest (include/svsm/linux_acpi.h). */
#include "svsm/linux_acpi.h"

#include "abi/acpi.h"
#include "lib/string.h"
#include "svsm/errno.h"

#define OEM_ID "SVSMC "
#define OEM_TABLE_ID "SVSMC   "
#define CREATOR_ID "SVSM"

/* Offsets in the page; each table 16-byte aligned (ACPI 6.5 §5.2.5.2 for the RSDP). */
enum { AT_RSDP = 0x000, AT_XSDT = 0x040, AT_FADT = 0x080, AT_DSDT = 0x1A0, AT_MADT = 0x200 };
_Static_assert(AT_XSDT >= sizeof(struct acpi_rsdp) && AT_FADT >= AT_XSDT + 36 + 2 * 8 &&
	       AT_DSDT >= AT_FADT + sizeof(struct acpi_fadt), "ACPI table offsets");

/*
 * The DSDT's AML (ACPI 6.5 §20.2): Name (_S5, Package (4) { 5, 5, 0, 0 })
 * in the root scope: NameOp, "_S5_", PackageOp, PkgLength 8, NumElements
 * 4, BytePrefix 5, BytePrefix 5, ZeroOp, ZeroOp. The values are the SLP_TYP
 * a guest writes to PM1a/PM1b control to enter S5.
 */
static const uint8_t dsdt_aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				    0x0A, LINUX_ACPI_S5_TYP, 0x0A, LINUX_ACPI_S5_TYP, 0x00, 0x00 };

static uint8_t sum(const uint8_t *p, unsigned len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void header(struct acpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, CREATOR_ID, 4);
	h->creator_revision = 1;
}

static void checksum(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = (uint8_t)-sum((const uint8_t *)h, h->length);
}

static void io_gas(struct acpi_gas *g, uint16_t port, uint8_t bytes)
{
	g->space_id = ACPI_GAS_SYSTEM_IO;
	g->bit_width = (uint8_t)(bytes * 8);
	g->address = port;
}

int linux_acpi_build(uint8_t *page, uint64_t gpa, unsigned vcpus)
{
	if (vcpus == 0 || vcpus > LINUX_ACPI_MAX_CPUS)
		return SVSM_EINVAL;
	memset(page, 0, 4096);

	struct acpi_header *dsdt = (struct acpi_header *)(page + AT_DSDT);

	header(dsdt, "DSDT", sizeof(*dsdt) + sizeof(dsdt_aml), 2);
	memcpy(dsdt + 1, dsdt_aml, sizeof(dsdt_aml));
	checksum(dsdt);

	struct acpi_fadt *f = (struct acpi_fadt *)(page + AT_FADT);

	header(&f->h, "FACP", sizeof(*f), 6);
	f->dsdt = (uint32_t)(gpa + AT_DSDT);
	f->x_dsdt = gpa + AT_DSDT;
	f->sci_int = LINUX_ACPI_SCI_IRQ;
	f->pm1a_evt_blk = LINUX_ACPI_PM1A_EVT_PORT;
	f->pm1a_cnt_blk = LINUX_ACPI_PM1A_CNT_PORT;
	f->pm1_evt_len = 4;
	f->pm1_cnt_len = 2;
	io_gas(&f->x_pm1a_evt_blk, LINUX_ACPI_PM1A_EVT_PORT, 4);
	io_gas(&f->x_pm1a_cnt_blk, LINUX_ACPI_PM1A_CNT_PORT, 2);
	/*
	 * IA-PC boot architecture flags (§5.2.9.3): VGA not present (bit 2),
	 * CMOS RTC not present (bit 5); no 8042 (bit 1 clear): the machine
	 * has neither, so the guest should not probe them.
	 */
	f->iapc_boot_arch = (1u << 2) | (1u << 5);
	/* Fixed feature flags (§5.2.9.1): WBINVD (0), PROC_C1 (2); no fixed power or sleep button (4, 5). */
	f->flags = (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5);
	f->minor_version = 5;
	checksum(&f->h);

	struct acpi_madt *m = (struct acpi_madt *)(page + AT_MADT);
	uint8_t *e = (uint8_t *)(m + 1);

	for (unsigned i = 0; i < vcpus; i++) {
		struct acpi_madt_lapic l = { ACPI_MADT_LAPIC, sizeof(l), (uint8_t)i, (uint8_t)i,
					     ACPI_MADT_LAPIC_ENABLED };

		memcpy(e, &l, sizeof(l));
		e += sizeof(l);
	}
	/* One I/O APIC: Linux enables SMP only with one (arch/x86/kernel/acpi/boot.c). ID after the CPUs'. */
	struct acpi_madt_ioapic io = { ACPI_MADT_IOAPIC, sizeof(io), (uint8_t)vcpus, 0, ACPI_IOAPIC_DEFAULT_BASE, 0 };

	memcpy(e, &io, sizeof(io));
	e += sizeof(io);
	header(&m->h, "APIC", (uint32_t)(e - (uint8_t *)m), 5);
	m->lapic_address = ACPI_LAPIC_DEFAULT_BASE;
	m->flags = ACPI_MADT_PCAT_COMPAT;
	checksum(&m->h);

	struct acpi_header *x = (struct acpi_header *)(page + AT_XSDT);
	uint64_t entries[2] = { gpa + AT_FADT, gpa + AT_MADT };

	header(x, "XSDT", sizeof(*x) + sizeof(entries), 1);
	memcpy(x + 1, entries, sizeof(entries));
	checksum(x);

	struct acpi_rsdp *r = (struct acpi_rsdp *)(page + AT_RSDP);

	memcpy(r->signature, ACPI_RSDP_SIG, 8);
	memcpy(r->oem_id, OEM_ID, 6);
	r->revision = ACPI_RSDP_REVISION;
	r->length = sizeof(*r);
	r->xsdt_address = gpa + AT_XSDT;
	r->checksum = (uint8_t)-sum(page, 20);
	r->ext_checksum = (uint8_t)-sum(page, sizeof(*r));
	return SVSM_OK;
}
