/* SPDX-License-Identifier: MIT */
/*
 * The guest's I/O ports (include/vsnp/vsnp.h): every port is intercepted
 * (the IOPM is all ones) and served here from an explicit allow-list.
 *
 *   COM1 0x3F8-0x3FF  an emulated 16550 UART (register map: NS16550A data
 *                     sheet), one per writer: each vCPU at VMPL0 (the
 *                     SVSM's CPUs print whole lines each) and each lower
 *                     VMPL (a guest OS's console is one stream, which it
 *                     serializes and may continue from another vCPU in
 *                     the middle of a line: Linux's does). Each one's
 *                     bytes reach the console a line at a time; its
 *                     settings stay its own, so the guest can neither
 *                     reprogram the SVSM's UART (or the machine's) nor
 *                     garble its lines.
 *   PIT  0x42, 0x43   channel 2 only (Intel 8254 data sheet: a control word
 *                     with SC1:SC0 = 10b), passed to the machine's PIT, which
 *                     the SVSM uses only to calibrate its TSC at boot.
 *   0x61              read as it is; a write changes only bit 0 (channel 2
 *                     gate) and bit 1 (speaker data) (IBM PC/AT port B).
 *   ACPI 0x608        the PM timer (ACPI 6.5 §4.8.3.3: a 24-bit count at
 *                     3.579545 MHz, 32-bit reads), from the machine's TSC:
 *                     a firmware's delays count it (OVMF's AcpiTimerLib).
 *   ACPI 0x600-0x605  the PM1a event block (status reads 0, enable kept)
 *                     and control block, emulated (ACPI 6.5 §4.8.3): SCI_EN
 *                     always set (no SMI command port: ACPI mode from
 *                     reset); SLP_EN with SLP_TYP 5 (the \_S5 value the
 *                     SVSM's DSDT gives, include/svsm/linux_acpi.h) powers
 *                     the machine off.
 *
 *   PCI  0xCF8, 0xCFC-0xCFF and the device's I/O BAR: the virtio disk
 *                     (vsnp/vblk.c) for VMPL0 only, when the machine has one;
 *                     its DMA goes to the guest's shared pages only.
 *
 *   fw_cfg 0x510, 0x511  a VM that boots a guest firmware: QEMU's firmware
 *                     configuration device emulated (vsnp/fw_cfg.c: the
 *                     selector and data registers; items the hypervisor
 *                     built), for the lower VMPLs only.
 *   PCI  0xCF8, 0xCFC-0xCFF  the same VMs, lower VMPLs: the q35 host and LPC
 *                     bridges' configuration (vsnp/q35.c), every other function
 *                     absent.
 *   CMOS 0x70, 0x71   the same VMs, lower VMPLs: a real-time clock (vsnp/rtc.c)
 *                     started from the machine's, and CMOS RAM of its own.
 *   debugcon 0x402    the same VMs, lower VMPLs: QEMU's debug console (reads
 *                     0xE9, the value a firmware probes for; bytes written
 *                     reach the console a line at a time).
 * Everything else reads as all ones and drops writes, as an empty bus does:
 * no fw_cfg DMA interface (ports 0x514/0x518: QEMU's writes anywhere in
 * machine memory), no other PCI configuration (0xCF8/0xCFC: bus mastering, BARs;
 * and none at all below VMPL0),
 * no ACPI or reset ports, no debug-exit port. Of the allowed devices only
 * the virtio disk does DMA, and only into shared guest pages, so no
 * guest-driven device writes outside the guest's pages.
 */
#include "lib/fmt.h"
#include "lib/string.h"
#include "svsm/ghcb_proto.h"
#include "svsm/vc_decode.h"
#include "vsnp/fw_cfg.h"
#include "vsnp/q35.h"
#include "vsnp/rtc.h"
#include "vsnp/vblk.h"
#include "vsnp/vsnp.h"

#define COM1 0x3F8u
#define UART_LCR_DLAB 0x80u
#define UART_LSR_THRE_TEMT 0x60u /* transmitter empty: the guest never waits */
#define UART_MSR_IDLE 0xB0u      /* DCD, DSR, CTS: a cable present and ready */
#define PIT_CH2 0x42u
#define PIT_CTRL 0x43u
#define PIT_SC_MASK 0xC0u
#define PIT_SC_CH2 0x80u
#define PORT_B 0x61u
#define PORT_B_GUEST_BITS 0x03u
#define PM1A_STS 0x600u
#define PM1A_EN 0x602u
#define PM1A_CNT 0x604u
#define PM1_SCI_EN 0x0001u
#define PM1_SLP_TYP_SHIFT 10u
#define PM1_SLP_TYP_MASK 0x7u
#define PM1_SLP_EN (1u << 13)
#define PM1_S5_TYP 5u
#define PM_TMR 0x608u
#define PM_TMR_MASK 0xFFFFFFu /* 24 bits: the FADT's TMR_VAL_EXT clear */
#define DEBUGCON 0x402u
#define DEBUGCON_PRESENT 0xE9u /* what a read of the port gives when QEMU's debug console is there */

void vsnp_io_init(struct vsnp_io *io, const struct vsnp_io_ops *ops)
{
	memset(io, 0, sizeof(*io));
	io->ops = ops;
	io->vmpl = ~0u; /* no VMPL until the caller says whose access it is: the disk answers none */
}

static void line_flush(struct vsnp_io *io, struct vsnp_uart *u)
{
	if (u->len != 0)
		io->ops->console(io->ops->ctx, u->line, u->len);
	u->len = 0;
}

/*
 * A byte to a line buffer: the line goes out whole at its newline, or
 * when the buffer is full. The console ends lines with CR LF itself, so a
 * CR just before the newline is left to it.
 */
static void line_tx(struct vsnp_io *io, struct vsnp_uart *u, uint8_t b)
{
	if (b == '\n' && u->len != 0 && u->line[u->len - 1] == '\r')
		u->len--;
	u->line[u->len++] = (char)b;
	if (b == '\n' || u->len == sizeof(u->line))
		line_flush(io, u);
}

static void uart_tx(struct vsnp_io *io, uint8_t b)
{
	line_tx(io, &io->com1[io->writer < VSNP_IO_WRITERS ? io->writer : 0], b);
}

/* A plain read/write register: a read gives it, a write keeps the bits in mask. */
static void reg_rw(uint8_t *r, bool in, uint32_t *val, uint8_t mask)
{
	if (in)
		*val = *r;
	else
		*r = (uint8_t)(*val & mask);
}

static void uart_access(struct vsnp_io *io, unsigned reg, bool in, uint32_t *val)
{
	struct vsnp_uart *u = &io->com1[io->writer < VSNP_IO_WRITERS ? io->writer : 0];
	bool dlab = (u->lcr & UART_LCR_DLAB) != 0;

	switch (reg) {
	case 0: /* RBR / THR, or DLL */
		if (dlab)
			reg_rw(&u->dll, in, val, 0xFF);
		else if (in)
			*val = 0; /* no input is ever received */
		else
			uart_tx(io, (uint8_t)*val);
		break;
	case 1: /* IER, or DLM */
		if (dlab)
			reg_rw(&u->dlm, in, val, 0xFF);
		else
			reg_rw(&u->ier, in, val, 0x0F);
		break;
	case 2: /* IIR on read (no interrupt pending; FIFO bits as FCR set them), FCR on write */
		if (in)
			*val = (u->fcr & 1) ? 0xC1 : 0x01;
		else
			u->fcr = (uint8_t)(*val & 0x01);
		break;
	case 3:
		reg_rw(&u->lcr, in, val, 0xFF);
		break;
	case 4:
		reg_rw(&u->mcr, in, val, 0x1F);
		break;
	case 5: /* LSR: read-only */
		if (in)
			*val = UART_LSR_THRE_TEMT;
		break;
	case 6: /* MSR: read-only */
		if (in)
			*val = UART_MSR_IDLE;
		break;
	default: /* 7: scratch */
		reg_rw(&u->scr, in, val, 0xFF);
		break;
	}
}

/* The allowed pass-through ports; false for an access the allow-list does not have. */
static bool pit_access(struct vsnp_io *io, uint16_t port, bool in, uint32_t *val)
{
	const struct vsnp_io_ops *o = io->ops;
	uint8_t v = (uint8_t)*val, cur;

	switch (port) {
	case PIT_CH2:
		if (in)
			*val = o->inb(o->ctx, port);
		else
			o->outb(o->ctx, port, v);
		return true;
	case PIT_CTRL: /* write-only; a control word for channel 2 only */
		if (in || (v & PIT_SC_MASK) != PIT_SC_CH2)
			return false;
		o->outb(o->ctx, port, v);
		return true;
	case PORT_B:
		cur = o->inb(o->ctx, port);
		if (in)
			*val = cur;
		else
			o->outb(o->ctx, port, (uint8_t)((cur & ~PORT_B_GUEST_BITS) | (v & PORT_B_GUEST_BITS)));
		return true;
	default:
		return false;
	}
}

/* The ACPI PM1a blocks, 16-bit registers (byte accesses to them are not served). */
static bool pm1_access(struct vsnp_io *io, uint16_t port, bool in, uint32_t *val)
{
	switch (port) {
	case PM1A_STS: /* no event ever happens: nothing to clear */
		if (in)
			*val = 0;
		return true;
	case PM1A_EN:
		if (in)
			*val = io->pm1_enable;
		else
			io->pm1_enable = (uint16_t)*val;
		return true;
	case PM1A_CNT:
		if (in) {
			*val = io->pm1_control | PM1_SCI_EN;
			return true;
		}
		io->pm1_control = (uint16_t)(*val & ~PM1_SLP_EN); /* SLP_EN is write-only */
		if ((*val & PM1_SLP_EN) && ((*val >> PM1_SLP_TYP_SHIFT) & PM1_SLP_TYP_MASK) == PM1_S5_TYP)
			io->power_off = true;
		return true;
	default:
		return false;
	}
}

void vsnp_io_trace(struct vsnp_io *io, const char *what, uint64_t where, unsigned size, bool in, uint64_t val,
		   bool served)
{
	char line[128];
	size_t n;

	if (io->trace_left == 0 || io->vmpl == 0 || io->vmpl >= SNP_VMPL_COUNT)
		return;
	io->trace_left--;
	n = fmt_snprintf(line, sizeof(line), "vsnp: trace VMPL%u %s 0x%llx/%u %s 0x%llx%s\n", io->vmpl, what,
			 (unsigned long long)where, size, in ? "read" : "written", (unsigned long long)val,
			 served ? "" : " (empty bus)");
	io->ops->console(io->ops->ctx, line, n < sizeof(line) ? n : sizeof(line) - 1);
}

void vsnp_io_access(struct vsnp_io *io, uint16_t port, unsigned size, bool in, uint32_t *val)
{
	uint32_t ones = size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	bool served = false;

	if (io->blk != NULL && io->vmpl == 0 && vsnp_vblk_io(io->blk, port, size, in, val)) {
		served = true;
	} else if (io->fw_cfg != NULL && io->vmpl != 0 && io->vmpl < SNP_VMPL_COUNT &&
		   vsnp_fw_cfg_io(io->fw_cfg, port, size, in, val)) {
		served = true;
	} else if (io->q35 != NULL && io->vmpl != 0 && io->vmpl < SNP_VMPL_COUNT &&
		   vsnp_q35_io(io->q35, port, size, in, val)) {
		served = true;
	} else if (io->rtc != NULL && io->vmpl != 0 && io->vmpl < SNP_VMPL_COUNT &&
		   vsnp_rtc_io(io->rtc, port, size, in, val, io->ops->tsc != NULL ? io->ops->tsc(io->ops->ctx) : 0)) {
		served = true;
	} else if (io->guest_blk != NULL && io->vmpl != 0 && io->vmpl < SNP_VMPL_COUNT &&
		   vsnp_vblk_bar_io(io->guest_blk, port, size, in, val)) {
		served = true;
	} else if (io->fw_cfg != NULL && io->vmpl != 0 && io->vmpl < SNP_VMPL_COUNT && port == DEBUGCON && size == 1) {
		if (in)
			*val = DEBUGCON_PRESENT;
		else
			line_tx(io, &io->debugcon, (uint8_t)*val);
		served = true;
	} else if (size == 1 && port >= COM1 && port < COM1 + 8) {
		uart_access(io, port - COM1, in, val);
		served = true;
	} else if (size == 1) {
		served = pit_access(io, port, in, val);
	} else if (size == 2) {
		served = pm1_access(io, port, in, val);
	} else if (size == 4 && port == PM_TMR && in && io->ops->pm_timer != NULL) {
		*val = io->ops->pm_timer(io->ops->ctx) & PM_TMR_MASK;
		served = true;
	}
	if (served) {
		if (in)
			*val &= ones;
		vsnp_io_trace(io, "port", port, size, in, *val, true);
		return;
	}
	io->refused++;
	io->last_refused_port = port;
	if (in)
		*val = ones; /* nothing answers: the bus floats */
	vsnp_io_trace(io, "port", port, size, in, *val, false);
}

void vsnp_io_flush(struct vsnp_io *io)
{
	for (unsigned w = 0; w < VSNP_IO_WRITERS; w++)
		line_flush(io, &io->com1[w]);
	line_flush(io, &io->debugcon);
}

void vsnp_io_ghcb(struct vsnp_io *io, struct ghcb *g, uint64_t ghcb_gpa)
{
	struct ioio_info d;
	uint32_t val = (uint32_t)g->rax;

	if (!GHCB_VALID(g, sw_exit_info_1) || !ioio_info_decode(g->sw_exit_info_1, &d)) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT);
		return;
	}
	if (!d.string) {
		if (!d.in && !GHCB_VALID(g, rax)) {
			ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_MISSING_INPUT);
			return;
		}
		vsnp_io_access(io, d.port, d.size, d.in, &val);
		ghcb_invalidate(g);
		if (d.in)
			GHCB_SET(g, rax, val);
		ghcb_answer(g, GHCB_RESULT_OK, 0);
		return;
	}

	/* INS/OUTS: SW_EXITINFO2 elements of d.size bytes at SW_SCRATCH, inside the shared buffer. */
	uint64_t count = g->sw_exit_info_2, off;

	if (!GHCB_VALID(g, sw_exit_info_2) || !GHCB_VALID(g, sw_scratch)) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_MISSING_INPUT);
		return;
	}
	if (count > GHCB_SHARED_BUFFER_SIZE / d.size || !ghcb_scratch_in_buffer(g, ghcb_gpa, count * d.size, &off)) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_SCRATCH);
		return;
	}
	for (uint64_t i = 0; i < count; i++) {
		uint8_t *elem = g->shared_buffer + off + i * d.size;

		val = 0;
		if (!d.in)
			memcpy(&val, elem, d.size);
		vsnp_io_access(io, d.port, d.size, d.in, &val);
		if (d.in)
			memcpy(elem, &val, d.size);
	}
	ghcb_invalidate(g);
	ghcb_answer(g, GHCB_RESULT_OK, 0);
}
