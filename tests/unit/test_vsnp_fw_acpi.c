/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables vsnp gives a guest firmware (vsnp/fw_acpi.c), fetched
 * through the fw_cfg ports and run through a linker/loader written here
 * from the interface's description (include/abi/fw_cfg_loader.h), as
 * OVMF's InstallQemuFwCfgTables runs it: allocate each file at an address
 * of its zone and alignment, add the pointee's address to each pointer,
 * store each checksum. Then the tables are read as an OS reads them:
 * RSDP (both checksums) -> XSDT -> FADT -> DSDT (\_S5) and MADT (a Local
 * APIC per vCPU, an I/O APIC), every table summing to 0 at the addresses
 * the loader chose, and OVMF's rule for a pointee (a whole table inside
 * its blob, checksum 0) for each pointer. Refusals: no vCPUs, too many,
 * and the files already there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/acpi.h"
#include "abi/fw_cfg_loader.h"
#include "svsm/errno.h"
#include "svsm/linux_acpi.h"
#include "vsnp/fw_acpi.h"
#include "vsnp/fw_cfg.h"

static struct vsnp_fw_cfg f;

/* A fw_cfg file as the firmware fetches it: the directory, then the item, byte by byte through the data port. */
static uint8_t *fetch(const char *name, uint32_t *len)
{
	uint8_t dir[4 + FW_CFG_MAX_FILES * 64];
	uint32_t v = FW_CFG_FILE_DIR;

	assert_true(vsnp_fw_cfg_io(&f, FW_CFG_PORT_SEL, 2, false, &v));
	for (size_t i = 0; i < sizeof(dir); i++) {
		assert_true(vsnp_fw_cfg_io(&f, FW_CFG_PORT_DATA, 1, true, &v));
		dir[i] = (uint8_t)v;
	}
	const uint32_t n = (uint32_t)dir[0] << 24 | dir[1] << 16 | dir[2] << 8 | dir[3];

	for (uint32_t i = 0; i < n && i < FW_CFG_MAX_FILES; i++) {
		const uint8_t *e = dir + 4 + 64 * i;

		if (strcmp((const char *)e + 8, name) != 0)
			continue;
		*len = (uint32_t)e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3];
		v = (uint32_t)e[4] << 8 | e[5];
		assert_true(vsnp_fw_cfg_io(&f, FW_CFG_PORT_SEL, 2, false, &v));
		uint8_t *buf = calloc(1, *len + 1);

		for (uint32_t k = 0; k < *len; k++) {
			assert_true(vsnp_fw_cfg_io(&f, FW_CFG_PORT_DATA, 1, true, &v));
			buf[k] = (uint8_t)v;
		}
		return buf;
	}
	return NULL;
}

/* The guest memory the loader places the blobs in: the F segment and "high" memory, as flat arrays here. */
#define FSEG_BASE 0xF0000u
#define HIGH_BASE 0x7F00000u
#define MEM_SIZE 0x10000u
static uint8_t fseg[MEM_SIZE], high[MEM_SIZE];

struct blob {
	char name[FW_LOADER_NAME_LEN];
	uint8_t *at;   /* in fseg[] or high[] */
	uint64_t addr; /* its guest address */
	uint32_t len;
};

static struct blob blobs[4];
static unsigned nblobs;

static struct blob *blob_of(const char *name)
{
	for (unsigned i = 0; i < nblobs; i++) {
		if (strncmp(blobs[i].name, name, FW_LOADER_NAME_LEN) == 0)
			return &blobs[i];
	}
	fail_msg("the script names %.56s before allocating it", name);
	return NULL;
}

static uint8_t sum8(const uint8_t *p, uint32_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Runs the script; returns the RSDP's address. */
static uint64_t run_loader(void)
{
	uint32_t len;
	uint8_t *script = fetch(FW_ACPI_LOADER_FILE, &len);
	uint32_t fseg_used = 0, high_used = 0;
	uint64_t rsdp = 0;

	assert_non_null(script);
	assert_true(len > 0 && len % FW_LOADER_CMD_SIZE == 0);
	nblobs = 0;
	for (uint32_t off = 0; off < len; off += FW_LOADER_CMD_SIZE) {
		struct fw_loader_cmd c;

		memcpy(&c, script + off, sizeof(c));
		if (c.command == FW_LOADER_ALLOCATE) {
			struct blob *b = &blobs[nblobs++];
			uint32_t *used = c.allocate.zone == FW_LOADER_ZONE_FSEG ? &fseg_used : &high_used;
			uint8_t *mem = c.allocate.zone == FW_LOADER_ZONE_FSEG ? fseg : high;
			const uint64_t base = c.allocate.zone == FW_LOADER_ZONE_FSEG ? FSEG_BASE : HIGH_BASE;
			uint8_t *data;

			assert_true(nblobs <= 4);
			assert_true(c.allocate.zone == FW_LOADER_ZONE_FSEG || c.allocate.zone == FW_LOADER_ZONE_HIGH);
			assert_true(c.allocate.align != 0 && (c.allocate.align & (c.allocate.align - 1)) == 0);
			assert_non_null(memchr(c.allocate.file, 0, FW_LOADER_NAME_LEN));
			memcpy(b->name, c.allocate.file, FW_LOADER_NAME_LEN);
			data = fetch(b->name, &b->len);
			assert_non_null(data);
			*used = (*used + c.allocate.align - 1) & ~(c.allocate.align - 1);
			assert_true(*used + b->len <= MEM_SIZE);
			b->at = mem + *used;
			b->addr = base + *used;
			memcpy(b->at, data, b->len);
			*used += b->len + 8; /* a gap, so a pointer off by one blob shows */
			free(data);
			if (c.allocate.zone == FW_LOADER_ZONE_FSEG)
				rsdp = b->addr;
		} else if (c.command == FW_LOADER_ADD_POINTER) {
			struct blob *dst = blob_of(c.add_pointer.dest_file), *src = blob_of(c.add_pointer.src_file);
			uint64_t v = 0;

			assert_true(c.add_pointer.size == 1 || c.add_pointer.size == 2 || c.add_pointer.size == 4 ||
				    c.add_pointer.size == 8);
			assert_true(c.add_pointer.offset + c.add_pointer.size <= dst->len);
			memcpy(&v, dst->at + c.add_pointer.offset, c.add_pointer.size);
			assert_true(v < src->len); /* an offset into the pointee, as OVMF requires */
			v += src->addr;
			memcpy(dst->at + c.add_pointer.offset, &v, c.add_pointer.size);
		} else if (c.command == FW_LOADER_ADD_CHECKSUM) {
			struct blob *b = blob_of(c.add_checksum.file);

			assert_true(c.add_checksum.start + c.add_checksum.length <= b->len &&
				    c.add_checksum.result_offset < b->len);
			/* OVMF's CalculateCheckSum8 over the range as it is, the result byte included. */
			b->at[c.add_checksum.result_offset] = (uint8_t)-sum8(b->at + c.add_checksum.start, c.add_checksum.length);
		} else {
			fail_msg("unknown loader command %u", c.command);
		}
	}
	free(script);
	return rsdp;
}

/* Guest memory at addr, len bytes, inside one of the two arrays. */
static const uint8_t *mem_at(uint64_t addr, uint32_t len)
{
	if (addr >= FSEG_BASE && addr + len <= FSEG_BASE + MEM_SIZE)
		return fseg + (addr - FSEG_BASE);
	if (addr >= HIGH_BASE && addr + len <= HIGH_BASE + MEM_SIZE)
		return high + (addr - HIGH_BASE);
	fail_msg("address 0x%llx (+%u) is in no blob", (unsigned long long)addr, len);
	return NULL;
}

static const struct acpi_header *table_at(uint64_t addr, const char *sig)
{
	const struct acpi_header *h = (const void *)mem_at(addr, sizeof(*h));

	assert_memory_equal(h->signature, sig, 4);
	assert_int_equal(sum8((const uint8_t *)mem_at(addr, h->length), h->length), 0);
	return h;
}

static void tables_for(unsigned vcpus)
{
	memset(fseg, 0xEE, sizeof(fseg));
	memset(high, 0xEE, sizeof(high));
	vsnp_fw_cfg_init(&f);
	assert_int_equal(vsnp_fw_acpi_add(&f, vcpus), SVSM_OK);

	const uint64_t rsdp_addr = run_loader();
	struct acpi_rsdp r;

	assert_int_equal(rsdp_addr, FSEG_BASE);
	memcpy(&r, mem_at(rsdp_addr, sizeof(r)), sizeof(r));
	assert_memory_equal(r.signature, "RSD PTR ", 8);
	assert_int_equal(sum8((const uint8_t *)&r, 20), 0);
	assert_int_equal(sum8((const uint8_t *)&r, sizeof(r)), 0);
	assert_true(r.revision >= 2 && r.length == sizeof(r));

	const struct acpi_header *x = table_at(r.xsdt_address, "XSDT");
	const unsigned n = (x->length - sizeof(*x)) / 8;
	const struct acpi_fadt *fadt = NULL;
	const uint8_t *madt = NULL;

	assert_int_equal(n, 2);
	for (unsigned i = 0; i < n; i++) {
		uint64_t e;

		memcpy(&e, (const uint8_t *)x + sizeof(*x) + 8 * i, 8);
		const struct acpi_header *t = (const void *)mem_at(e, sizeof(*t));

		if (memcmp(t->signature, "FACP", 4) == 0)
			fadt = (const void *)table_at(e, "FACP");
		else
			madt = (const uint8_t *)table_at(e, "APIC");
	}
	assert_non_null(fadt);
	assert_non_null(madt);
	/* The DSDT through both of the FADT's pointers, holding \_S5 with the machine's sleep type. */
	assert_int_equal(fadt->dsdt, fadt->x_dsdt);
	const struct acpi_header *d = table_at(fadt->x_dsdt, "DSDT");
	const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12 };

	assert_memory_equal((const uint8_t *)d + sizeof(*d), s5, sizeof(s5));
	assert_int_equal(fadt->pm1a_cnt_blk, LINUX_ACPI_PM1A_CNT_PORT);
	assert_int_equal(fadt->pm1a_evt_blk, LINUX_ACPI_PM1A_EVT_PORT);
	/* The MADT: one enabled Local APIC per vCPU (APIC ID = index), then the I/O APIC. */
	const struct acpi_header *mh = (const void *)madt;
	unsigned lapics = 0, ioapics = 0;

	for (uint32_t off = sizeof(*mh) + 8; off < mh->length; off += madt[off + 1]) {
		assert_true(madt[off + 1] >= 2);
		if (madt[off] == ACPI_MADT_LAPIC) {
			assert_int_equal(madt[off + 3], lapics); /* APIC ID */
			assert_true(madt[off + 4] & ACPI_MADT_LAPIC_ENABLED);
			lapics++;
		} else if (madt[off] == ACPI_MADT_IOAPIC) {
			ioapics++;
		}
	}
	assert_int_equal(lapics, vcpus);
	assert_int_equal(ioapics, 1);
}

static void test_tables_through_the_loader(void **state)
{
	(void)state;
	tables_for(1);
	tables_for(2);
	tables_for(8);
	tables_for(LINUX_ACPI_MAX_CPUS);
}

static void test_refusals(void **state)
{
	uint32_t len;

	(void)state;
	vsnp_fw_cfg_init(&f);
	assert_int_equal(vsnp_fw_acpi_add(&f, 0), SVSM_EINVAL);
	assert_int_equal(vsnp_fw_acpi_add(&f, LINUX_ACPI_MAX_CPUS + 1), SVSM_EINVAL);
	assert_null(fetch(FW_ACPI_LOADER_FILE, &len)); /* nothing added */
	assert_null(fetch(FW_ACPI_RSDP_FILE, &len));
	assert_int_equal(vsnp_fw_acpi_add(&f, 2), SVSM_OK);
	assert_int_equal(vsnp_fw_acpi_add(&f, 2), SVSM_EEXIST); /* one set of tables per machine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_through_the_loader),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
