/* SPDX-License-Identifier: MIT */
/* The q35 host and LPC bridges a guest firmware sees (include/vsnp/q35.h). */
#include "vsnp/q35.h"

#include "lib/string.h"
#include "svsm/errno.h"

/* The standard configuration header (PCI Local Bus 3.0 §6.1). */
#define CFG_VENDOR 0x00u
#define CFG_DEVICE 0x02u
#define CFG_COMMAND 0x04u
#define CFG_REVISION 0x08u
#define CFG_CLASS 0x09u /* programming interface, subclass, class */
#define CFG_HEADER_TYPE 0x0Eu
#define CFG_SUBSYS_VENDOR 0x2Cu
#define CFG_SUBSYS 0x2Eu
#define CMD_IO_MEM_MASTER 0x0007u
#define CF8_ENABLE 0x80000000u
#define QEMU_SUBSYS_VENDOR 0x1AF4u /* Red Hat, Inc.: what QEMU's devices carry */
#define QEMU_SUBSYS 0x1100u
#define ACPI_BLOCK_VSNP 0x600u   /* where io_ports.c serves the PM1 blocks and the PM timer */

static void put(uint8_t *p, unsigned off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, unsigned off, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[off + i];
	return v;
}

static void header(struct vsnp_q35_fn *f, uint16_t device, uint32_t class_code)
{
	memset(f, 0, sizeof(*f));
	put(f->cfg, CFG_VENDOR, Q35_VENDOR_INTEL, 2);
	put(f->cfg, CFG_DEVICE, device, 2);
	put(f->cfg, CFG_REVISION, 0x02, 1);
	put(f->cfg, CFG_CLASS, class_code, 3);
	put(f->cfg, CFG_SUBSYS_VENDOR, QEMU_SUBSYS_VENDOR, 2);
	put(f->cfg, CFG_SUBSYS, QEMU_SUBSYS, 2);
	put(f->wmask, CFG_COMMAND, CMD_IO_MEM_MASTER, 2);
}

void vsnp_q35_init(struct vsnp_q35 *q)
{
	void (*say)(void *, const char *) = q->say;
	void *ctx = q->ctx;

	memset(q, 0, sizeof(*q));
	q->say = say, q->ctx = ctx;
	header(&q->mch, Q35_MCH_DEVICE, 0x060000); /* host bridge */
	/* PCIEXBAR: base 35:28, length 2:1 (256 MiB only: the others' bits read back 0), enable 0. */
	put(q->mch.wmask, Q35_MCH_PCIEXBAR, Q35_PCIEXBAR_BASE_MASK | Q35_PCIEXBAR_EN, 8);
	for (unsigned r = 0x90; r <= 0x96; r++)
		q->mch.wmask[r] = 0x33; /* PAM0-6: read/write enables of each half */
	q->mch.wmask[0x9D] = 0x78; /* SMRAM: D_OPEN, D_CLS, D_LCK, G_SMRAME (no effect: no SMM here) */
	q->mch.wmask[0x9E] = 0x87; /* ESMRAMC: H_SMRAME, TSEG_SZ, T_EN */
	header(&q->lpc, Q35_LPC_DEVICE, 0x060100); /* ISA bridge */
	q->lpc.cfg[CFG_HEADER_TYPE] = 0x80;        /* multi-function, as QEMU's ICH9 function 0 */
	put(q->lpc.cfg, Q35_LPC_PMBASE, 1, 4);      /* bit 0: I/O space, read-only */
	put(q->lpc.wmask, Q35_LPC_PMBASE, 0xFF80, 4);
	q->lpc.wmask[Q35_LPC_ACPI_CNTL] = 0x80;    /* ACPI_EN */
	put(q->lpc.wmask, Q35_LPC_GEN_PMCON_1, 0xFFFF, 2);
	put(q->lpc.wmask, Q35_LPC_RCBA, 0xFFFFC001u, 4);
}

static struct vsnp_q35_fn *fn_of(struct vsnp_q35 *q, unsigned bus, unsigned devfn)
{
	if (bus != 0)
		return NULL;
	return devfn == Q35_MCH_DEVFN ? &q->mch : devfn == Q35_LPC_DEVFN ? &q->lpc : NULL;
}

int vsnp_q35_add(struct vsnp_q35 *q, const struct vsnp_q35_dev *d)
{
	if (d->devfn > 0xFF || d->cfg_read == NULL || d->cfg_write == NULL || fn_of(q, 0, d->devfn) != NULL)
		return SVSM_EINVAL;
	for (unsigned i = 0; i < q->devs; i++) {
		if (q->dev[i].devfn == d->devfn)
			return SVSM_EINVAL;
	}
	if (q->devs == VSNP_Q35_MAX_DEVS)
		return SVSM_ENOSPC;
	q->dev[q->devs++] = *d;
	return SVSM_OK;
}

static struct vsnp_q35_dev *dev_of(struct vsnp_q35 *q, unsigned bus, unsigned devfn)
{
	for (unsigned i = 0; bus == 0 && i < q->devs; i++) {
		if (q->dev[i].devfn == devfn)
			return &q->dev[i];
	}
	return NULL;
}

/* After a write to the LPC's ACPI registers: the block must be where vsnp serves it. */
static void check_pmbase(struct vsnp_q35 *q)
{
	const uint32_t base = (uint32_t)get(q->lpc.cfg, Q35_LPC_PMBASE, 4) & 0xFF80u;

	if ((q->lpc.cfg[Q35_LPC_ACPI_CNTL] & 0x80) && base != ACPI_BLOCK_VSNP && !q->pmbase_said && q->say != NULL) {
		q->say(q->ctx, "vsnp: the firmware put the ACPI register block elsewhere than 0x600, where this machine "
			       "serves it: its PM timer and PM1 blocks stay at 0x600");
		q->pmbase_said = true;
	}
}

/* size bytes at reg of a function (a function that is absent reads all ones, ignores writes). */
static void cfg_access(struct vsnp_q35 *q, unsigned bus, unsigned devfn, unsigned reg, unsigned size, bool write,
		       uint64_t *val)
{
	struct vsnp_q35_fn *f = fn_of(q, bus, devfn);
	struct vsnp_q35_dev *d = f == NULL ? dev_of(q, bus, devfn) : NULL;

	if (d != NULL && reg + size <= 256 && size <= 4) {
		if (write)
			d->cfg_write(d->ctx, reg, size, (uint32_t)*val);
		else
			*val = (d->cfg_read(d->ctx, reg & ~3u) >> (8 * (reg & 3))) &
			       (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
		return;
	}
	if (f == NULL || reg + size > 256) {
		if (!write)
			*val = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
		return;
	}
	if (!write) {
		*val = get(f->cfg, reg, size);
		return;
	}
	for (unsigned i = 0; i < size; i++) {
		const uint8_t m = f->wmask[reg + i], b = (uint8_t)(*val >> (8 * i));

		f->cfg[reg + i] = (uint8_t)((f->cfg[reg + i] & ~m) | (b & m));
	}
	if (f == &q->lpc && reg <= Q35_LPC_ACPI_CNTL && reg + size > Q35_LPC_PMBASE)
		check_pmbase(q);
}

bool vsnp_q35_io(struct vsnp_q35 *q, uint16_t port, unsigned size, bool in, uint32_t *val)
{
	if (port == 0xCF8 && size == 4) {
		if (in)
			*val = q->cf8;
		else
			q->cf8 = *val & 0x80FFFFFCu; /* enable, bus, device, function, register (dword aligned) */
		return true;
	}
	if (port < 0xCFC || port > 0xCFF || (size != 1 && size != 2 && size != 4) || (port & (size - 1)) != 0)
		return false;
	uint64_t v = *val;

	if (!(q->cf8 & CF8_ENABLE)) {
		if (in)
			*val = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
		return true;
	}
	cfg_access(q, (q->cf8 >> 16) & 0xFF, (q->cf8 >> 8) & 0xFF, (q->cf8 & 0xFC) | (port & 3u), size, !in, &v);
	if (in)
		*val = (uint32_t)v;
	return true;
}

bool vsnp_q35_ecam(const struct vsnp_q35 *q, uint64_t *base)
{
	const uint64_t bar = get(q->mch.cfg, Q35_MCH_PCIEXBAR, 8);

	if (!(bar & Q35_PCIEXBAR_EN) || (bar & Q35_PCIEXBAR_LEN_MASK) != 0)
		return false;
	*base = bar & Q35_PCIEXBAR_BASE_MASK;
	return true;
}

void vsnp_q35_ecam_access(struct vsnp_q35 *q, uint64_t off, unsigned size, bool write, uint64_t *val)
{
	/* PCI Express 4.0 §7.2.2: bus 27:20, device 19:15, function 14:12, register 11:0 (bus 0 only here). */
	const unsigned bus = (unsigned)(off >> 20) & 0xFF, devfn = (unsigned)(off >> 12) & 0xFF;
	const unsigned reg = (unsigned)off & 0xFFF;

	if (size == 8) {
		uint64_t lo = *val & 0xFFFFFFFFu, hi = *val >> 32;

		cfg_access(q, bus, devfn, reg, 4, write, &lo);
		cfg_access(q, bus, devfn, reg + 4, 4, write, &hi);
		if (!write)
			*val = (lo & 0xFFFFFFFFu) | hi << 32;
		return;
	}
	cfg_access(q, bus, devfn, reg, size, write, val);
}
