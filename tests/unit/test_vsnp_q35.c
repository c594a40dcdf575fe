/* SPDX-License-Identifier: MIT */
/*
 * vsnp's q35 host and LPC bridges (vsnp/q35.c) as a firmware reads them:
 * the IDs through mechanism #1 and through the PCIEXBAR window once it is
 * enabled, every other function absent, read-only registers that stay,
 * writable ones kept within their masks, widths and alignments refused,
 * and the notice when the ACPI block is put elsewhere than vsnp serves it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "svsm/errno.h"
#include "vsnp/q35.h"

static struct vsnp_q35 q;
static int said;

static void say(void *ctx, const char *line)
{
	(void)ctx;
	assert_non_null(strstr(line, "0x600"));
	said++;
}

static int setup(void **state)
{
	(void)state;
	said = 0;
	q.say = say;
	q.ctx = NULL;
	vsnp_q35_init(&q);
	return 0;
}

static uint32_t cfg_read(unsigned devfn, unsigned reg, unsigned size)
{
	uint32_t v = (1u << 31) | devfn << 8 | (reg & 0xFC);

	assert_true(vsnp_q35_io(&q, 0xCF8, 4, false, &v));
	assert_true(vsnp_q35_io(&q, (uint16_t)(0xCFC + (reg & 3)), size, true, &v));
	return v;
}

static void cfg_write(unsigned devfn, unsigned reg, unsigned size, uint32_t val)
{
	uint32_t v = (1u << 31) | devfn << 8 | (reg & 0xFC);

	assert_true(vsnp_q35_io(&q, 0xCF8, 4, false, &v));
	assert_true(vsnp_q35_io(&q, (uint16_t)(0xCFC + (reg & 3)), size, false, &val));
}

static void ids_and_absent_functions(void **state)
{
	(void)state;
	assert_int_equal(cfg_read(Q35_MCH_DEVFN, 0, 4), 0x29C08086u);
	assert_int_equal(cfg_read(Q35_LPC_DEVFN, 0, 4), 0x29188086u);
	assert_int_equal(cfg_read(Q35_LPC_DEVFN, 2, 2), 0x2918u);
	assert_int_equal(cfg_read(Q35_MCH_DEVFN, 0x0B, 1), 0x06);  /* class: bridge */
	assert_int_equal(cfg_read(Q35_MCH_DEVFN, 0x0A, 1), 0x00);  /* host bridge */
	assert_int_equal(cfg_read(Q35_LPC_DEVFN, 0x0A, 1), 0x01);  /* ISA bridge */
	assert_int_equal(cfg_read(1 << 3, 0, 4), 0xFFFFFFFFu);     /* 00:01.0: absent */
	assert_int_equal(cfg_read(Q35_LPC_DEVFN + 1, 0, 2), 0xFFFF); /* 00:1f.1: absent */
	uint32_t v = (1u << 31) | (1u << 16); /* bus 1: absent */

	assert_true(vsnp_q35_io(&q, 0xCF8, 4, false, &v));
	assert_true(vsnp_q35_io(&q, 0xCFC, 4, true, &v));
	assert_int_equal(v, 0xFFFFFFFFu);
	v = 0; /* the enable bit clear: nothing answers */
	assert_true(vsnp_q35_io(&q, 0xCF8, 4, false, &v));
	assert_true(vsnp_q35_io(&q, 0xCFC, 2, true, &v));
	assert_int_equal(v, 0xFFFF);
	/* Not the device's: another width of the address register, a data access across its dword, other ports. */
	assert_false(vsnp_q35_io(&q, 0xCF8, 2, false, &v));
	assert_false(vsnp_q35_io(&q, 0xCFD, 2, true, &v));
	assert_false(vsnp_q35_io(&q, 0xCFE, 4, true, &v));
	assert_false(vsnp_q35_io(&q, 0xCF9, 1, false, &v));
}

static void registers_keep_their_masks(void **state)
{
	(void)state;
	cfg_write(Q35_MCH_DEVFN, 0, 4, 0x12345678u);  /* IDs: read-only */
	assert_int_equal(cfg_read(Q35_MCH_DEVFN, 0, 4), 0x29C08086u);
	cfg_write(Q35_MCH_DEVFN, 4, 2, 0xFFFF);       /* command: I/O, memory, bus master only */
	assert_int_equal(cfg_read(Q35_MCH_DEVFN, 4, 2), 0x0007);
	cfg_write(Q35_MCH_DEVFN, 0x90, 1, 0xFF);      /* PAM0 */
	assert_int_equal(cfg_read(Q35_MCH_DEVFN, 0x90, 1), 0x33);
	cfg_write(Q35_LPC_DEVFN, Q35_LPC_PMBASE, 4, 0xFFFFFFFFu); /* PMBASE: bits 15:7, bit 0 stays 1 */
	assert_int_equal(cfg_read(Q35_LPC_DEVFN, Q35_LPC_PMBASE, 4), 0xFF81u);
	assert_int_equal(said, 0);                    /* not enabled yet: nothing to say */
	cfg_write(Q35_LPC_DEVFN, Q35_LPC_ACPI_CNTL, 1, 0xFF);
	assert_int_equal(cfg_read(Q35_LPC_DEVFN, Q35_LPC_ACPI_CNTL, 1), 0x80);
	assert_int_equal(said, 1);                    /* enabled at 0xFF80: vsnp's block stays at 0x600, said */
	cfg_write(Q35_LPC_DEVFN, Q35_LPC_PMBASE, 4, 0x601);
	cfg_write(Q35_LPC_DEVFN, Q35_LPC_PMBASE, 4, 0x701);
	assert_int_equal(said, 1);                    /* said once */
}

static void ecam_window(void **state)
{
	uint64_t base = 0, v = 0;

	(void)state;
	assert_false(vsnp_q35_ecam(&q, &base));       /* off until the firmware enables it */
	cfg_write(Q35_MCH_DEVFN, Q35_MCH_PCIEXBAR, 4, 0xB0000001u);
	cfg_write(Q35_MCH_DEVFN, Q35_MCH_PCIEXBAR + 4, 4, 0);
	assert_true(vsnp_q35_ecam(&q, &base));
	assert_int_equal(base, 0xB0000000u);
	vsnp_q35_ecam_access(&q, 0, 4, false, &v);
	assert_int_equal(v, 0x29C08086u);
	vsnp_q35_ecam_access(&q, (0x1Full << 15) | 0, 8, false, &v);
	assert_int_equal(v & 0xFFFFFFFFu, 0x29188086u);
	vsnp_q35_ecam_access(&q, 1ull << 15, 4, false, &v);   /* 00:01.0 */
	assert_int_equal(v, 0xFFFFFFFFu);
	vsnp_q35_ecam_access(&q, 1ull << 20, 2, false, &v);   /* bus 1 */
	assert_int_equal(v, 0xFFFF);
	vsnp_q35_ecam_access(&q, 0x100, 4, false, &v);        /* extended space: none */
	assert_int_equal(v, 0xFFFFFFFFu);
	v = 0x7;
	vsnp_q35_ecam_access(&q, 4, 2, true, &v);              /* command through the window */
	assert_int_equal(cfg_read(Q35_MCH_DEVFN, 4, 2), 7);
	/* A length other than 256 MiB: the window is not served. */
	cfg_write(Q35_MCH_DEVFN, Q35_MCH_PCIEXBAR, 4, 0xB0000003u);
	assert_true(vsnp_q35_ecam(&q, &base));                 /* the length bits are not writable: still 256 MiB */
	cfg_write(Q35_MCH_DEVFN, Q35_MCH_PCIEXBAR, 4, 0xB0000000u);
	assert_false(vsnp_q35_ecam(&q, &base));
}

/* A device model's function on the bus (vsnp_q35_add): its own configuration space, through both mechanisms. */
static uint8_t dev_cfg[256];
static unsigned dev_writes;

static uint32_t d_read(void *ctx, unsigned off)
{
	uint32_t v;

	assert_ptr_equal(ctx, dev_cfg);
	assert_true(off % 4 == 0 && off < 256);
	memcpy(&v, dev_cfg + off, 4);
	return v;
}

static void d_write(void *ctx, unsigned off, unsigned size, uint32_t val)
{
	assert_ptr_equal(ctx, dev_cfg);
	assert_true(off + size <= 256 && (size == 1 || size == 2 || size == 4));
	memcpy(dev_cfg + off, &val, size);
	dev_writes++;
}

static void added_function(void **state)
{
	const struct vsnp_q35_dev d = { 0x20, d_read, d_write, dev_cfg };
	uint64_t v = 0;

	(void)state;
	memset(dev_cfg, 0, sizeof(dev_cfg));
	dev_cfg[0] = 0xF4, dev_cfg[1] = 0x1A, dev_cfg[2] = 0x42, dev_cfg[3] = 0x10;
	assert_int_equal(cfg_read(0x20, 0, 4), 0xFFFFFFFFu); /* absent before */
	assert_int_equal(vsnp_q35_add(&q, &d), SVSM_OK);
	assert_int_equal(cfg_read(0x20, 0, 4), 0x10421AF4u);
	assert_int_equal(cfg_read(0x20, 2, 2), 0x1042u);
	assert_int_equal(cfg_read(0x20, 1, 1), 0x1Au);
	cfg_write(0x20, 0x10, 4, 0x6001);
	assert_int_equal(dev_cfg[0x10], 0x01);
	assert_int_equal(dev_cfg[0x11], 0x60);
	/* Through the PCIEXBAR window too; its extended space (256 and up) is absent. */
	cfg_write(0, Q35_MCH_PCIEXBAR, 4, 0xE0000001u);
	vsnp_q35_ecam_access(&q, 0x20ull << 12, 4, false, &v);
	assert_int_equal(v, 0x10421AF4u);
	vsnp_q35_ecam_access(&q, (0x20ull << 12) | 0x100, 4, false, &v);
	assert_int_equal(v, 0xFFFFFFFFu);
	v = 0xAB;
	vsnp_q35_ecam_access(&q, (0x20ull << 12) | 0x3C, 1, true, &v);
	assert_int_equal(dev_cfg[0x3C], 0xAB);
	/* Other functions stay absent; the MCH and LPC stay the bridges'. */
	assert_int_equal(cfg_read(0x21, 0, 4), 0xFFFFFFFFu);
	assert_int_equal(cfg_read(0x28, 0, 4), 0xFFFFFFFFu);
	assert_int_equal(cfg_read(Q35_MCH_DEVFN, 0, 4), Q35_VENDOR_INTEL | Q35_MCH_DEVICE << 16);
	/* Refused: the bridges' places, one taken, missing callbacks, a full bus; nothing changes. */
	const unsigned writes = dev_writes;
	struct vsnp_q35_dev bad = d;

	bad.devfn = Q35_MCH_DEVFN;
	assert_int_equal(vsnp_q35_add(&q, &bad), SVSM_EINVAL);
	bad.devfn = Q35_LPC_DEVFN;
	assert_int_equal(vsnp_q35_add(&q, &bad), SVSM_EINVAL);
	assert_int_equal(vsnp_q35_add(&q, &d), SVSM_EINVAL);
	bad.devfn = 0x30;
	bad.cfg_read = NULL;
	assert_int_equal(vsnp_q35_add(&q, &bad), SVSM_EINVAL);
	bad.cfg_read = d_read;
	bad.devfn = 0x100;
	assert_int_equal(vsnp_q35_add(&q, &bad), SVSM_EINVAL);
	for (unsigned fn = 0x30; q.devs < VSNP_Q35_MAX_DEVS; fn += 8) {
		bad.devfn = fn;
		assert_int_equal(vsnp_q35_add(&q, &bad), SVSM_OK);
	}
	bad.devfn = 0x60;
	assert_int_equal(vsnp_q35_add(&q, &bad), SVSM_ENOSPC);
	assert_int_equal(cfg_read(0x60, 0, 4), 0xFFFFFFFFu);
	assert_int_equal(dev_writes, writes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(ids_and_absent_functions, setup),
		cmocka_unit_test_setup(registers_keep_their_masks, setup),
		cmocka_unit_test_setup(ecam_window, setup),
		cmocka_unit_test_setup(added_function, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
