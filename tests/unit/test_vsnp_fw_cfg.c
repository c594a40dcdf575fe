/* SPDX-License-Identifier: MIT */
/*
 * vsnp's firmware configuration device (vsnp/fw_cfg.c) read as OVMF's
 * QemuFwCfgLib reads it (QEMU docs/specs/fw_cfg.rst): the signature, the ID
 * without DMA, items by key, the file directory in big endian, zeros past
 * an item's end and for a key with nothing, the selector rewinding; and
 * what the device refuses (other widths, names that do not fit, no room).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vsnp/fw_cfg.h"
#include "svsm/errno.h"

static struct vsnp_fw_cfg f;

static void sel(uint16_t key)
{
	uint32_t v = key;

	assert_true(vsnp_fw_cfg_io(&f, FW_CFG_PORT_SEL, 2, false, &v));
}

static void read_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < n; i++) {
		uint32_t v = 0xAA;

		assert_true(vsnp_fw_cfg_io(&f, FW_CFG_PORT_DATA, 1, true, &v));
		assert_true(v <= 0xFF);
		p[i] = (uint8_t)v;
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_read_as_ovmf_does(void **state)
{
	uint8_t buf[200];
	const uint16_t cpus = 4;
	const uint8_t e820[20] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 1, 0, 0, 0 };

	(void)state;
	vsnp_fw_cfg_init(&f);
	assert_int_equal(vsnp_fw_cfg_add(&f, FW_CFG_NB_CPUS, &cpus, 2), SVSM_OK);
	assert_int_equal(vsnp_fw_cfg_add_file(&f, "etc/e820", e820, sizeof(e820)), SVSM_OK);
	sel(FW_CFG_SIGNATURE);
	read_bytes(buf, 6);
	assert_memory_equal(buf, "QEMU\0\0", 6); /* zeros past the end */
	sel(FW_CFG_ID);
	read_bytes(buf, 4);
	assert_int_equal(buf[0], 1);             /* the port interface, no DMA (bit 1) */
	assert_int_equal(buf[1] | buf[2] | buf[3], 0);
	sel(FW_CFG_NB_CPUS);
	read_bytes(buf, 2);
	assert_int_equal(buf[0] | buf[1] << 8, 4);
	sel(FW_CFG_FILE_DIR);
	read_bytes(buf, 4 + 64);
	assert_int_equal(be32(buf), 1);
	assert_int_equal(be32(buf + 4), sizeof(e820));
	assert_int_equal(buf[8] << 8 | buf[9], FW_CFG_FILE_FIRST);
	assert_string_equal((const char *)buf + 12, "etc/e820");
	sel(FW_CFG_FILE_FIRST);
	read_bytes(buf, 10);
	sel(FW_CFG_FILE_FIRST); /* selecting again rewinds */
	read_bytes(buf, sizeof(e820));
	assert_memory_equal(buf, e820, sizeof(e820));
	sel(0x4000 | FW_CFG_FILE_FIRST); /* the write bit is not part of the key */
	read_bytes(buf, 1);
	assert_int_equal(buf[0], 0);
	sel(0x1234);                     /* a key with nothing: zeros */
	read_bytes(buf, 8);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(buf[i], 0);
}

static void test_refusals(void **state)
{
	static uint8_t big[FW_CFG_DATA_MAX];
	char name[FW_CFG_FILE_NAME_LEN + 1];
	uint32_t v = 0;

	(void)state;
	vsnp_fw_cfg_init(&f);
	/* Other ports and widths are not the device's. */
	assert_false(vsnp_fw_cfg_io(&f, FW_CFG_PORT_SEL, 1, false, &v));
	assert_false(vsnp_fw_cfg_io(&f, FW_CFG_PORT_DATA, 2, true, &v));
	assert_false(vsnp_fw_cfg_io(&f, 0x514, 4, false, &v)); /* no DMA interface */
	assert_false(vsnp_fw_cfg_io(&f, 0x518, 4, false, &v));
	/* A data write is ignored; the selector reads all ones. */
	sel(FW_CFG_SIGNATURE);
	v = 'X';
	assert_true(vsnp_fw_cfg_io(&f, FW_CFG_PORT_DATA, 1, false, &v));
	assert_true(vsnp_fw_cfg_io(&f, FW_CFG_PORT_SEL, 2, true, &v));
	assert_int_equal(v, 0xFFFF);
	sel(FW_CFG_SIGNATURE);
	v = 0;
	assert_true(vsnp_fw_cfg_io(&f, FW_CFG_PORT_DATA, 1, true, &v));
	assert_int_equal(v, 'Q');
	/* Names: empty, or without room for the NUL. */
	memset(name, 'a', sizeof(name) - 1);
	name[FW_CFG_FILE_NAME_LEN] = '\0';
	assert_int_equal(vsnp_fw_cfg_add_file(&f, "", "x", 1), SVSM_EINVAL);
	assert_int_equal(vsnp_fw_cfg_add_file(&f, name, "x", 1), SVSM_EINVAL);
	name[FW_CFG_FILE_NAME_LEN - 1] = '\0';
	assert_int_equal(vsnp_fw_cfg_add_file(&f, name, "x", 1), SVSM_OK);
	/* Keys: twice, or in the file range through the plain call; and no room. */
	assert_int_equal(vsnp_fw_cfg_add(&f, FW_CFG_SIGNATURE, "x", 1), SVSM_EEXIST);
	assert_int_equal(vsnp_fw_cfg_add(&f, FW_CFG_FILE_FIRST + 3, "x", 1), SVSM_EINVAL);
	assert_int_equal(vsnp_fw_cfg_add(&f, FW_CFG_FILE_DIR, "x", 1), SVSM_EINVAL);
	assert_int_equal(vsnp_fw_cfg_add_file(&f, "big", big, sizeof(big)), SVSM_ENOSPC);
	assert_int_equal(vsnp_fw_cfg_add_file(&f, name, "y", 1), SVSM_EEXIST); /* a name twice */
	for (unsigned i = 1; i < FW_CFG_MAX_FILES; i++) {
		char n[3] = { 'f', (char)('0' + i), 0 };

		assert_int_equal(vsnp_fw_cfg_add_file(&f, n, "x", 1), SVSM_OK);
	}
	assert_int_equal(vsnp_fw_cfg_add_file(&f, "g", "x", 1), SVSM_ENOSPC);
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/* etc/e820: RAM around the reserved ranges, in order; bad ranges refused with nothing added. */
static void test_e820(void **state)
{
	const struct fw_cfg_range res[2] = { { 0x4000000, 0x2000000 }, { 0x100000, 0x700000 } };
	const uint64_t want[][3] = { { 0, 0x100000, 1 }, { 0x100000, 0x700000, 2 }, { 0x800000, 0x3800000, 1 },
				     { 0x4000000, 0x2000000, 2 }, { 0x6000000, 0xA000000, 1 } };
	uint8_t buf[5 * 20];

	(void)state;
	vsnp_fw_cfg_init(&f);
	assert_int_equal(vsnp_fw_cfg_add_e820(&f, 0x10000000, res, 2), SVSM_OK);
	sel(FW_CFG_FILE_DIR);
	read_bytes(buf, 4 + 64);
	assert_string_equal((const char *)buf + 12, "etc/e820");
	assert_int_equal(be32(buf + 4), sizeof(buf));
	sel(FW_CFG_FILE_FIRST);
	read_bytes(buf, sizeof(buf));
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(le(buf + 20 * i, 8), want[i][0]);
		assert_int_equal(le(buf + 20 * i + 8, 8), want[i][1]);
		assert_int_equal(le(buf + 20 * i + 16, 4), want[i][2]);
	}
	/* A reserved range outside RAM, unaligned, empty or overlapping another: refused, no file. */
	const struct fw_cfg_range outside = { 0xFFF0000, 0x20000 }, odd = { 0x100800, 0x1000 }, empty = { 0x100000, 0 };
	const struct fw_cfg_range both[2] = { { 0x100000, 0x200000 }, { 0x200000, 0x1000 } };

	vsnp_fw_cfg_init(&f);
	assert_int_equal(vsnp_fw_cfg_add_e820(&f, 0x10000000, &outside, 1), SVSM_EINVAL);
	assert_int_equal(vsnp_fw_cfg_add_e820(&f, 0x10000000, &odd, 1), SVSM_EINVAL);
	assert_int_equal(vsnp_fw_cfg_add_e820(&f, 0x10000000, &empty, 1), SVSM_EINVAL);
	assert_int_equal(vsnp_fw_cfg_add_e820(&f, 0x10000000, both, 2), SVSM_EINVAL);
	sel(FW_CFG_FILE_DIR);
	read_bytes(buf, 4);
	assert_int_equal(be32(buf), 0);
	/* No reserved range: one RAM entry. */
	assert_int_equal(vsnp_fw_cfg_add_e820(&f, 0x10000000, NULL, 0), SVSM_OK);
	sel(FW_CFG_FILE_FIRST);
	read_bytes(buf, 20);
	assert_int_equal(le(buf + 8, 8), 0x10000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_as_ovmf_does),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_e820),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
