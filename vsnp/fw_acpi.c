/* SPDX-License-Identifier: MIT */
/* The ACPI tables of a guest firmware through fw_cfg (include/vsnp/fw_acpi.h). */
#include "vsnp/fw_acpi.h"

#include "abi/acpi.h"
#include "abi/fw_cfg_loader.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/linux_acpi.h"

#define PAGE 4096u
#define MAX_CMDS 16u

struct script {
	struct fw_loader_cmd cmd[MAX_CMDS];
	unsigned n;
};

static struct fw_loader_cmd *next_cmd(struct script *s, uint32_t command)
{
	struct fw_loader_cmd *c = &s->cmd[s->n++]; /* vsnp_fw_acpi_add checks the count first */

	memset(c, 0, sizeof(*c));
	c->command = command;
	return c;
}

static void name(char *dst, const char *src)
{
	memcpy(dst, src, strlen(src) + 1);
}

static void allocate(struct script *s, const char *file, uint32_t align, uint8_t zone)
{
	struct fw_loader_cmd *c = next_cmd(s, FW_LOADER_ALLOCATE);

	name(c->allocate.file, file);
	c->allocate.align = align;
	c->allocate.zone = zone;
}

static void pointer(struct script *s, const char *dest, uint32_t offset, uint8_t size)
{
	struct fw_loader_cmd *c = next_cmd(s, FW_LOADER_ADD_POINTER);

	name(c->add_pointer.dest_file, dest);
	name(c->add_pointer.src_file, FW_ACPI_TABLES_FILE);
	c->add_pointer.offset = offset;
	c->add_pointer.size = size;
}

static void checksum(struct script *s, const char *file, uint32_t result, uint32_t start, uint32_t length)
{
	struct fw_loader_cmd *c = next_cmd(s, FW_LOADER_ADD_CHECKSUM);

	name(c->add_checksum.file, file);
	c->add_checksum.result_offset = result;
	c->add_checksum.start = start;
	c->add_checksum.length = length;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int vsnp_fw_acpi_add(struct vsnp_fw_cfg *f, unsigned vcpus)
{
	static uint8_t page[PAGE];
	static struct script s;
	struct acpi_rsdp rsdp;
	int err;

	/*
	 * Built as if at address 0: every pointer is then the offset of its
	 * table in the page, which is what the loader's ADD_POINTER adds the
	 * blob's address to. Where each table is comes from the tables
	 * themselves (RSDP -> XSDT -> FADT, MADT; FADT -> DSDT).
	 */
	err = linux_acpi_build(page, 0, vcpus);
	if (err != SVSM_OK)
		return err;
	memcpy(&rsdp, page, sizeof(rsdp));
	memset(page, 0, sizeof(rsdp)); /* the RSDP is its own file */

	const uint32_t xsdt = (uint32_t)rsdp.xsdt_address, xsdt_len = get32(page + xsdt + 4);
	const unsigned entries = (xsdt_len - (uint32_t)sizeof(struct acpi_header)) / 8;
	uint32_t fadt = 0, end = xsdt + xsdt_len;

	if (entries > MAX_CMDS - 9) /* 2 allocations, 3 pointers and 4 checksums besides the XSDT's */
		return SVSM_EINVAL;

	s.n = 0;
	allocate(&s, FW_ACPI_RSDP_FILE, 16, FW_LOADER_ZONE_FSEG);
	allocate(&s, FW_ACPI_TABLES_FILE, 64, FW_LOADER_ZONE_HIGH);
	for (unsigned i = 0; i < entries; i++) {
		const uint32_t at = xsdt + (uint32_t)sizeof(struct acpi_header) + 8 * i, t = get32(page + at);

		if (memcmp(page + t, "FACP", 4) == 0)
			fadt = t;
		if (t + get32(page + t + 4) > end)
			end = t + get32(page + t + 4);
		pointer(&s, FW_ACPI_TABLES_FILE, at, 8);
	}
	if (fadt == 0)
		return SVSM_EINVAL; /* linux_acpi_build always lists one */
	const uint32_t dsdt = get32(page + fadt + offsetof(struct acpi_fadt, dsdt));

	if (dsdt + get32(page + dsdt + 4) > end)
		end = dsdt + get32(page + dsdt + 4);
	pointer(&s, FW_ACPI_TABLES_FILE, fadt + (uint32_t)offsetof(struct acpi_fadt, dsdt), 4);
	pointer(&s, FW_ACPI_TABLES_FILE, fadt + (uint32_t)offsetof(struct acpi_fadt, x_dsdt), 8);
	/* The checksums of the tables that hold pointers are the loader's, over a zero checksum byte. */
	page[fadt + offsetof(struct acpi_header, checksum)] = 0;
	page[xsdt + offsetof(struct acpi_header, checksum)] = 0;
	checksum(&s, FW_ACPI_TABLES_FILE, fadt + (uint32_t)offsetof(struct acpi_header, checksum), fadt,
		 get32(page + fadt + 4));
	checksum(&s, FW_ACPI_TABLES_FILE, xsdt + (uint32_t)offsetof(struct acpi_header, checksum), xsdt, xsdt_len);
	pointer(&s, FW_ACPI_RSDP_FILE, (uint32_t)offsetof(struct acpi_rsdp, xsdt_address), 8);
	rsdp.checksum = rsdp.ext_checksum = 0;
	checksum(&s, FW_ACPI_RSDP_FILE, (uint32_t)offsetof(struct acpi_rsdp, checksum), 0, 20);
	checksum(&s, FW_ACPI_RSDP_FILE, (uint32_t)offsetof(struct acpi_rsdp, ext_checksum), 0, sizeof(rsdp));

	err = vsnp_fw_cfg_add_file(f, FW_ACPI_RSDP_FILE, &rsdp, sizeof(rsdp));
	if (err == SVSM_OK)
		err = vsnp_fw_cfg_add_file(f, FW_ACPI_TABLES_FILE, page, end);
	if (err == SVSM_OK)
		err = vsnp_fw_cfg_add_file(f, FW_ACPI_LOADER_FILE, s.cmd, s.n * (uint32_t)sizeof(s.cmd[0]));
	return err;
}
