/* SPDX-License-Identifier: MIT */
/*
 * The guest's I/O ports under vsnp (vsnp/io_ports.c): every
 * port outside the allow-list reads as all ones and never reaches the
 * machine; the guest's UART is its own; PIT channel 2 alone passes.
 * The GHCB's IOIO request (vsnp_io_ghcb): IN/OUT and INS/OUTS, whose
 * data must lie in the GHCB's own shared buffer. MMIO requests
 * (vsnp_mmio_ghcb): an empty bus, never a way to the VM's RAM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"
#include "vsnp/rmp_model.h"
#include "vsnp/fw_cfg.h"
#include "vsnp/q35.h"
#include "vsnp/rtc.h"
#include "vsnp/vblk.h"
#include "vsnp/vsnp.h"

/* The machine as the allow-list sees it: port values, and every access that reached it. */
static uint8_t machine_port[0x10000];
static unsigned machine_ins, machine_outs;
static uint16_t last_out_port;
static uint8_t last_out_val;
static char console_buf[8192];
static size_t console_len;
static unsigned console_writes;

static uint8_t m_inb(void *ctx, uint16_t port)
{
	(void)ctx;
	machine_ins++;
	return machine_port[port];
}

static void m_outb(void *ctx, uint16_t port, uint8_t v)
{
	(void)ctx;
	machine_outs++;
	last_out_port = port;
	last_out_val = v;
	machine_port[port] = v;
}

static void m_console(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	assert_true(console_len + len <= sizeof(console_buf));
	memcpy(console_buf + console_len, line, len);
	console_len += len;
	console_writes++;
}

static uint32_t pm_ticks;

static uint32_t m_pm_timer(void *ctx)
{
	(void)ctx;
	return pm_ticks;
}

static const struct vsnp_io_ops ops = { .inb = m_inb, .outb = m_outb, .console = m_console, .pm_timer = m_pm_timer };
static struct vsnp_io io;

static int setup(void **state)
{
	(void)state;
	memset(machine_port, 0x5C, sizeof(machine_port));
	machine_ins = machine_outs = console_writes = 0;
	console_len = 0;
	vsnp_io_init(&io, &ops);
	return 0;
}

static uint32_t in(uint16_t port, unsigned size)
{
	uint32_t v = 0x12345678;

	vsnp_io_access(&io, port, size, true, &v);
	return v;
}

static void out(uint16_t port, unsigned size, uint32_t v)
{
	vsnp_io_access(&io, port, size, false, &v);
}

static bool allowed(uint16_t port, unsigned size)
{
	return (size == 1 && ((port >= 0x3F8 && port <= 0x3FF) || port == 0x42 || port == 0x43 || port == 0x61)) ||
	       (size == 2 && (port == 0x600 || port == 0x602 || port == 0x604)) || (size == 4 && port == 0x608);
}

/* Every port and size outside the list: reads all ones, writes dropped, nothing reaches the machine. */
static void everything_else_is_an_empty_bus(void **state)
{
	static const unsigned sizes[] = { 1, 2, 4 };
	uint64_t refused = 0;

	(void)state;
	for (uint32_t port = 0; port <= 0xFFFF; port++) {
		for (unsigned s = 0; s < 3; s++) {
			if (allowed((uint16_t)port, sizes[s]))
				continue;
			uint32_t ones = sizes[s] == 4 ? 0xFFFFFFFFu : (1u << (8 * sizes[s])) - 1;

			assert_int_equal(in((uint16_t)port, sizes[s]), ones);
			out((uint16_t)port, sizes[s], 0xA5A5A5A5u);
			refused += 2;
		}
	}
	assert_int_equal(machine_ins, 0);
	assert_int_equal(machine_outs, 0);
	assert_int_equal(console_writes, 0);
	assert_int_equal(io.refused, refused);
	assert_int_equal(io.last_refused_port, 0xFFFF);
	/* The named attacks, once more by name: fw_cfg DMA, PCI configuration, ACPI reset, debug exit. */
	static const uint16_t named[] = { 0x510, 0x511, 0x514, 0x518, 0xCF8, 0xCFC, 0xCF9, 0x92, 0x64, 0xF4, 0x604 };
	for (unsigned i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		assert_int_equal(in(named[i], 1), 0xFF);
		out(named[i], 4, 0x80000000u);
	}
	assert_int_equal(machine_outs, 0);
}

/* The ACPI PM1a blocks: only SLP_EN with SLP_TYP 5 (the DSDT's \\_S5) powers off; nothing reaches the machine. */
static void pm1_power_off(void **state)
{
	(void)state;
	assert_int_equal(in(0x600, 2), 0);      /* no event status */
	out(0x602, 2, 0x0121);
	assert_int_equal(in(0x602, 2), 0x0121); /* enable kept */
	assert_int_equal(in(0x604, 2), 1);      /* SCI_EN: ACPI mode from reset */
	out(0x604, 2, 5u << 10);                /* S5 type without SLP_EN: nothing */
	assert_false(io.power_off);
	assert_int_equal(in(0x604, 2), (5u << 10) | 1);
	out(0x604, 2, (1u << 13) | (3u << 10)); /* SLP_EN with S3's type: not emulated, nothing */
	assert_false(io.power_off);
	assert_int_equal(in(0x604, 2) & (1u << 13), 0); /* SLP_EN reads 0 */
	assert_int_equal(in(0x604, 1), 0xFF);   /* byte accesses are not served */
	out(0x604, 1, 0xFF);
	out(0x605, 1, 0xFF);
	out(0x604, 4, (1u << 13) | (5u << 10));
	assert_false(io.power_off);
	out(0x604, 2, (1u << 13) | (5u << 10)); /* S5 */
	assert_true(io.power_off);
	assert_int_equal(machine_ins + machine_outs, 0);
}

static void uart_is_the_guests_own(void **state)
{
	(void)state;
	/* A line goes out whole at its newline; CR LF is left to the console. */
	for (const char *p = "ok 1 - hello\r\n"; *p; p++)
		out(0x3F8, 1, (uint8_t)*p);
	assert_int_equal(console_writes, 1);
	assert_int_equal(console_len, 13);
	assert_memory_equal(console_buf, "ok 1 - hello\n", 13);
	/* A bare CR inside a line is kept. */
	out(0x3F8, 1, 'a'), out(0x3F8, 1, '\r'), out(0x3F8, 1, 'b'), out(0x3F8, 1, '\n');
	assert_memory_equal(console_buf + 13, "a\rb\n", 4);
	/* Status: always ready, no input, no interrupt. */
	assert_int_equal(in(0x3FD, 1), 0x60);
	assert_int_equal(in(0x3F8, 1), 0);
	assert_int_equal(in(0x3FA, 1), 0x01);
	out(0x3FA, 1, 0xC7);
	assert_int_equal(in(0x3FA, 1), 0xC1);
	assert_int_equal(in(0x3FE, 1), 0xB0);
	/* DLAB: the divisor latch is its own; bytes written there are not output. */
	out(0x3FB, 1, 0x83);
	out(0x3F8, 1, 0x01), out(0x3F9, 1, 0x02);
	assert_int_equal(in(0x3F8, 1), 0x01);
	assert_int_equal(in(0x3F9, 1), 0x02);
	assert_int_equal(in(0x3FB, 1), 0x83);
	out(0x3FB, 1, 0x03);
	assert_int_equal(in(0x3F9, 1), 0); /* IER, not DLM */
	out(0x3F9, 1, 0xFF);
	assert_int_equal(in(0x3F9, 1), 0x0F);
	out(0x3FF, 1, 0x5A);
	assert_int_equal(in(0x3FF, 1), 0x5A);
	assert_int_equal(console_len, 17);
	assert_int_equal(machine_ins + machine_outs, 0); /* the machine's UART was never touched */
	/* Wider accesses are not a 16550's: refused. */
	assert_int_equal(in(0x3F8, 2), 0xFFFF);
	out(0x3F8, 4, 0x41414141u);
	assert_int_equal(console_len, 17);
	assert_int_equal(io.refused, 2);
}

/*
 * The attack: the guest (a writer of its own: vCPU 0 at VMPL2) sets DLAB
 * on its UART in the middle of the SVSM's line (vCPU 1 at VMPL0): the
 * SVSM's bytes still go out, whole and in order.
 */
static void uart_settings_are_each_writers_own(void **state)
{
	static const char svsm[] = "[INFO] run: CPU 1 serves\n";

	(void)state;
	for (unsigned i = 0; i < sizeof(svsm) - 1; i++) {
		io.writer = 1 * 4 + 0;
		out(0x3F8, 1, (uint8_t)svsm[i]);
		if (i == 5) {
			io.writer = 0 * 4 + 2;
			out(0x3FB, 1, 0x83); /* DLAB, and its divisor */
			out(0x3F8, 1, 0x01);
			out(0x3FF, 1, 0x77);
		}
	}
	assert_int_equal(console_len, sizeof(svsm) - 1);
	assert_memory_equal(console_buf, svsm, sizeof(svsm) - 1);
	io.writer = 1 * 4 + 0;
	assert_int_equal(in(0x3FB, 1), 0x00);
	assert_int_equal(in(0x3FF, 1), 0x00);
	io.writer = 0 * 4 + 2;
	assert_int_equal(in(0x3FB, 1), 0x83);
	assert_int_equal(in(0x3F8, 1), 0x01);
	assert_int_equal(in(0x3FF, 1), 0x77);
}

/* Nothing is lost: a line longer than the buffer goes out in pieces, a partial line at the end on flush. */
static void uart_long_lines_kept_whole(void **state)
{
	char want[2 * VSNP_UART_LINE_MAX + 400];

	(void)state;
	for (unsigned i = 0; i < sizeof(want); i++) {
		want[i] = (char)('a' + i % 26);
		out(0x3F8, 1, (uint8_t)want[i]);
	}
	assert_int_equal(console_len, 2 * sizeof(io.com1[0].line));
	vsnp_io_flush(&io);
	assert_int_equal(console_len, sizeof(want));
	assert_memory_equal(console_buf, want, sizeof(want));
	vsnp_io_flush(&io); /* nothing held: nothing written */
	assert_int_equal(console_len, sizeof(want));
}

static void pit_channel_2_only(void **state)
{
	(void)state;
	out(0x43, 1, 0xB0); /* channel 2, lo/hi, mode 0 */
	assert_int_equal(machine_outs, 1);
	assert_int_equal(last_out_port, 0x43);
	assert_int_equal(last_out_val, 0xB0);
	static const uint8_t others[] = { 0x34, 0x00, 0x40, 0x70, 0xC2, 0xFF };
	for (unsigned i = 0; i < sizeof(others); i++)
		out(0x43, 1, others[i]); /* channel 0/1 or read-back: refused */
	assert_int_equal(machine_outs, 1);
	assert_int_equal(in(0x43, 1), 0xFF);
	assert_int_equal(machine_ins, 0);
	out(0x42, 1, 0x34);
	assert_int_equal(last_out_val, 0x34);
	machine_port[0x42] = 0x77;
	assert_int_equal(in(0x42, 1), 0x77);
	/* Port B: read as it is; a write changes only the gate and speaker bits. */
	machine_port[0x61] = 0xAC;
	assert_int_equal(in(0x61, 1), 0xAC);
	out(0x61, 1, 0xFF);
	assert_int_equal(machine_port[0x61], 0xAF);
	out(0x61, 1, 0x00);
	assert_int_equal(machine_port[0x61], 0xAC);
	assert_int_equal(io.refused, 7);
}

#define GHCB_GPA 0x7000ull
#define BUF_GPA (GHCB_GPA + 0x800)

static struct ghcb g;

/* A GHCB IOIO request as a guest writes it: the IOIO information, then the string's count and scratch. */
static void ioio_request(uint64_t info, bool string, uint64_t count, uint64_t scratch)
{
	ghcb_invalidate(&g);
	GHCB_SET(&g, sw_exit_code, SVM_EXIT_IOIO);
	GHCB_SET(&g, sw_exit_info_1, info);
	if (string) {
		GHCB_SET(&g, sw_exit_info_2, count);
		GHCB_SET(&g, sw_scratch, scratch);
	}
}

static uint64_t ioio_error(void)
{
	assert_int_equal(g.sw_exit_info_1, GHCB_RESULT_ERROR);
	return g.sw_exit_info_2;
}

#define OUTSB(port) (((uint64_t)(port) << SVM_IOIO_PORT_SHIFT) | SVM_IOIO_STR | SVM_IOIO_REP | SVM_IOIO_SZ8 | SVM_IOIO_A64)

static void ghcb_in_out(void **state)
{
	(void)state;
	ioio_request(((uint64_t)0x3FF << SVM_IOIO_PORT_SHIFT) | SVM_IOIO_SZ8 | SVM_IOIO_A64, false, 0, 0);
	GHCB_SET(&g, rax, 0x1234A5);
	vsnp_io_ghcb(&io, &g, GHCB_GPA);
	assert_int_equal(g.sw_exit_info_1, GHCB_RESULT_OK);
	ioio_request(((uint64_t)0x3FF << SVM_IOIO_PORT_SHIFT) | SVM_IOIO_TYPE_IN | SVM_IOIO_SZ8 | SVM_IOIO_A64, false, 0, 0);
	vsnp_io_ghcb(&io, &g, GHCB_GPA);
	assert_int_equal(g.sw_exit_info_1, GHCB_RESULT_OK);
	assert_true(GHCB_VALID(&g, rax));
	assert_int_equal(g.rax, 0xA5); /* the scratch register, as written (low byte) */

	/* An OUT whose RAX is not marked valid; no size; two sizes: refused, nothing done. */
	ioio_request(((uint64_t)0x3FF << SVM_IOIO_PORT_SHIFT) | SVM_IOIO_SZ8 | SVM_IOIO_A64, false, 0, 0);
	vsnp_io_ghcb(&io, &g, GHCB_GPA);
	assert_int_equal(ioio_error(), GHCB_ERR_MISSING_INPUT);
	ioio_request(((uint64_t)0x3FF << SVM_IOIO_PORT_SHIFT) | SVM_IOIO_A64, false, 0, 0);
	GHCB_SET(&g, rax, 1);
	vsnp_io_ghcb(&io, &g, GHCB_GPA);
	assert_int_equal(ioio_error(), GHCB_ERR_INVALID_INPUT);
	ioio_request(((uint64_t)0x3FF << SVM_IOIO_PORT_SHIFT) | SVM_IOIO_SZ8 | SVM_IOIO_SZ16, false, 0, 0);
	GHCB_SET(&g, rax, 1);
	vsnp_io_ghcb(&io, &g, GHCB_GPA);
	assert_int_equal(ioio_error(), GHCB_ERR_INVALID_INPUT);
	assert_int_equal(in(0x3FF, 1), 0xA5);
}

static void ghcb_outs_and_ins(void **state)
{
	static const char line[] = "a whole line in one exit\n";

	(void)state;
	memcpy(g.shared_buffer + 16, line, sizeof(line) - 1);
	ioio_request(OUTSB(0x3F8), true, sizeof(line) - 1, BUF_GPA + 16);
	vsnp_io_ghcb(&io, &g, GHCB_GPA);
	assert_int_equal(g.sw_exit_info_1, GHCB_RESULT_OK);
	assert_int_equal(console_writes, 1);
	assert_int_equal(console_len, sizeof(line) - 1);
	assert_memory_equal(console_buf, line, sizeof(line) - 1);

	/* INSB: one element per access, into the buffer; the rest of it untouched. */
	out(0x3FF, 1, 0x3C);
	memset(g.shared_buffer, 0xEE, sizeof(g.shared_buffer));
	ioio_request(OUTSB(0x3FF) | SVM_IOIO_TYPE_IN, true, 3, BUF_GPA + 0x7EC);
	vsnp_io_ghcb(&io, &g, GHCB_GPA);
	assert_int_equal(g.sw_exit_info_1, GHCB_RESULT_OK);
	assert_int_equal(g.shared_buffer[0x7EC], 0x3C);
	assert_int_equal(g.shared_buffer[0x7EE], 0x3C);
	assert_int_equal(g.shared_buffer[0x7EF], 0xEE);
	assert_int_equal(g.shared_buffer[0x7EB], 0xEE);

	/* A 16-bit INSW to a refused port: all ones, two bytes per element, exactly at the buffer's end. */
	ioio_request((OUTSB(0x80) & ~SVM_IOIO_SZ8) | SVM_IOIO_SZ16 | SVM_IOIO_TYPE_IN, true, 2, BUF_GPA + 0x7EC);
	vsnp_io_ghcb(&io, &g, GHCB_GPA);
	assert_int_equal(g.sw_exit_info_1, GHCB_RESULT_OK);
	assert_int_equal(g.shared_buffer[0x7EF], 0xFF);
}

/* The attack: a string whose data would lie outside the GHCB's buffer (the hypervisor's memory, or past the page). */
static void ghcb_string_outside_buffer_refused(void **state)
{
	static const struct {
		uint64_t count, scratch;
	} bad[] = {
		{ 1, BUF_GPA - 1 },             /* the GHCB's registers */
		{ 1, GHCB_GPA },                /* the page's start */
		{ 1, BUF_GPA + 0x7F0 },         /* one past the buffer */
		{ 2, BUF_GPA + 0x7EF },         /* runs off its end */
		{ 0x7F1, BUF_GPA },             /* longer than the buffer */
		{ ~0ull, BUF_GPA + 1 },         /* a count that would wrap */
		{ 1, 0x100000 },                /* elsewhere in guest memory */
		{ 1, BUF_GPA - (1ull << 63) },  /* wraps below the page */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(g.shared_buffer, 'x', sizeof(g.shared_buffer));
		ioio_request(OUTSB(0x3F8) | SVM_IOIO_TYPE_IN, true, bad[i].count, bad[i].scratch);
		vsnp_io_ghcb(&io, &g, GHCB_GPA);
		assert_int_equal(ioio_error(), GHCB_ERR_INVALID_SCRATCH);
		ioio_request(OUTSB(0x3F8), true, bad[i].count, bad[i].scratch);
		vsnp_io_ghcb(&io, &g, GHCB_GPA);
		assert_int_equal(ioio_error(), GHCB_ERR_INVALID_SCRATCH);
	}
	vsnp_io_flush(&io);
	assert_int_equal(console_len, 0); /* not one byte went out */
	for (unsigned i = 0; i < sizeof(g.shared_buffer); i++)
		assert_int_equal(g.shared_buffer[i], 'x');

	/* A count or scratch not marked valid. */
	ioio_request(OUTSB(0x3F8), true, 1, BUF_GPA);
	g.valid_bitmap[offsetof(struct ghcb, sw_scratch) / 64] &= (uint8_t)~(1u << (offsetof(struct ghcb, sw_scratch) / 8 % 8));
	vsnp_io_ghcb(&io, &g, GHCB_GPA);
	assert_int_equal(ioio_error(), GHCB_ERR_MISSING_INPUT);
}

/* ---- MMIO ---- */

#define RAM_PAGES 512 /* the VM's RAM in this test: GPAs 0 - 2 MiB */
#define CBIT (1ull << 39)
#define HPET 0xFED00000ull

static struct rmp_model rmp;
static struct rmp_entry rmp_entries[RAM_PAGES];

static void mmio_request(bool write, uint64_t gpa, uint64_t len, uint64_t scratch)
{
	ghcb_invalidate(&g);
	GHCB_SET(&g, sw_exit_code, write ? SVM_VMGEXIT_MMIO_WRITE : SVM_VMGEXIT_MMIO_READ);
	GHCB_SET(&g, sw_exit_info_1, gpa);
	GHCB_SET(&g, sw_exit_info_2, len);
	GHCB_SET(&g, sw_scratch, scratch);
	vsnp_mmio_ghcb(&io, &rmp, CBIT, &g, GHCB_GPA);
}

static void mmio_empty_bus(void **state)
{
	(void)state;
	assert_int_equal(rmp_model_init(&rmp, rmp_entries, 0, RAM_PAGES), SVSM_OK);
	for (unsigned len = 1; len <= 8; len *= 2) {
		memset(g.shared_buffer, 0x11, sizeof(g.shared_buffer));
		mmio_request(false, HPET + 0x10 - (len == 8 ? 8 : 0), len, BUF_GPA + 8);
		assert_int_equal(g.sw_exit_info_1, GHCB_RESULT_OK);
		for (unsigned i = 0; i < 16; i++)
			assert_int_equal(g.shared_buffer[i], i >= 8 && i < 8 + len ? 0xFF : 0x11);
	}
	memset(g.shared_buffer, 0x22, 8);
	mmio_request(true, HPET, 8, BUF_GPA);
	assert_int_equal(g.sw_exit_info_1, GHCB_RESULT_OK);
	assert_int_equal(io.mmio_refused, 5);
	assert_int_equal(io.last_refused_mmio, HPET);
	assert_int_equal(machine_ins + machine_outs, 0);
}

/* The attack: MMIO requests for the VM's RAM (the guest's, the SVSM's, a VMSA: all RAM the RMP covers). */
static void mmio_never_reaches_ram(void **state)
{
	static const struct {
		uint64_t gpa, len;
		uint64_t err;
	} bad[] = {
		{ 0x3000, 8, GHCB_ERR_INVALID_INPUT },                    /* a page of RAM */
		{ 0x0, 1, GHCB_ERR_INVALID_INPUT },                       /* the first */
		{ RAM_PAGES * 4096ull - 8, 8, GHCB_ERR_INVALID_INPUT },   /* the last */
		{ 0x3000 | CBIT, 8, GHCB_ERR_INVALID_INPUT },             /* its private alias */
		{ HPET | CBIT, 4, GHCB_ERR_INVALID_INPUT },               /* MMIO with the C-bit */
		{ HPET + 4092, 8, GHCB_ERR_INVALID_INPUT },               /* crosses a page */
		{ HPET, 3, GHCB_ERR_INVALID_INPUT },                      /* no such access */
		{ HPET, 16, GHCB_ERR_INVALID_INPUT },
		{ HPET, 0, GHCB_ERR_INVALID_INPUT },
		{ ~0ull - 3, 4, GHCB_ERR_INVALID_INPUT },                 /* wraps */
	};

	(void)state;
	assert_int_equal(rmp_model_init(&rmp, rmp_entries, 0, RAM_PAGES), SVSM_OK);
	assert_int_equal(rmp_model_set_private(&rmp, 0x3000, false, true), SVSM_OK);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (int write = 0; write <= 1; write++) {
			memset(g.shared_buffer, 0x5C, sizeof(g.shared_buffer));
			mmio_request(write, bad[i].gpa, bad[i].len, BUF_GPA);
			assert_int_equal(g.sw_exit_info_1, GHCB_RESULT_ERROR);
			assert_int_equal(g.sw_exit_info_2, bad[i].err);
			for (unsigned k = 0; k < 16; k++)
				assert_int_equal(g.shared_buffer[k], 0x5C);
		}
	}
	/* Data outside the GHCB's buffer; a request missing its scratch. */
	mmio_request(false, HPET, 8, BUF_GPA + 0x7EC);
	assert_int_equal(g.sw_exit_info_2, GHCB_ERR_INVALID_SCRATCH);
	mmio_request(false, HPET, 8, 0x3000);
	assert_int_equal(g.sw_exit_info_2, GHCB_ERR_INVALID_SCRATCH);
	mmio_request(false, HPET, 8, BUF_GPA);
	g.valid_bitmap[offsetof(struct ghcb, sw_scratch) / 64] &= (uint8_t)~(1u << (offsetof(struct ghcb, sw_scratch) / 8 % 8));
	vsnp_mmio_ghcb(&io, &rmp, CBIT, &g, GHCB_GPA);
	assert_int_equal(g.sw_exit_info_2, GHCB_ERR_MISSING_INPUT);
	assert_int_equal(io.mmio_refused, 1);
}

/*
 * A kernel log line as Linux prints it (a 600-byte record) while the SVSM prints its own
 * line in the middle: each reaches the console whole, the SVSM's first.
 */
static void uart_lines_of_two_writers_never_interleave(void **state)
{
	static const char svsm[] = "SVSM: calls served so far: 813\n";
	char guest[601];

	(void)state;
	memset(guest, 'g', sizeof(guest) - 1);
	guest[sizeof(guest) - 1] = '\n';
	for (unsigned i = 0; i < sizeof(guest); i++) {
		io.writer = 2; /* the guest's VMPL */
		out(0x3F8, 1, (uint8_t)guest[i]);
		if (i == 300) {
			io.writer = 1 * 4 + 0;
			for (unsigned k = 0; k < sizeof(svsm) - 1; k++)
				out(0x3F8, 1, (uint8_t)svsm[k]);
		}
	}
	assert_int_equal(console_len, sizeof(svsm) - 1 + sizeof(guest));
	assert_memory_equal(console_buf, svsm, sizeof(svsm) - 1);
	assert_memory_equal(console_buf + sizeof(svsm) - 1, guest, sizeof(guest));
}

/* vsnp.trace=N: the first N requests of a lower VMPL said with their answers; VMPL0's never; then silence. */
static void trace_lines(void **state)
{
	(void)state;
	io.trace_left = 2;
	io.vmpl = 0;
	(void)in(0x510, 1);                /* the SVSM's: not traced */
	assert_int_equal(console_writes, 0);
	io.vmpl = 2;
	(void)in(0xCFC, 4);
	out(0x3F9, 1, 0x5);                /* a UART register the guest may write */
	(void)in(0x70, 1);                 /* past the budget */
	assert_int_equal(console_writes, 2);
	assert_int_equal(io.trace_left, 0);
	console_buf[console_len] = '\0';
	assert_non_null(strstr(console_buf, "vsnp: trace VMPL2 port 0xcfc/4 read 0xffffffff (empty bus)"));
	assert_non_null(strstr(console_buf, "vsnp: trace VMPL2 port 0x3f9/1 written 0x5"));
	assert_null(strstr(console_buf, "0x70"));
}

/* The ACPI PM timer: 24 bits of the machine's count, read only (a write is refused as an empty bus). */
static void pm_timer_reads_24_bits(void **state)
{
	(void)state;
	pm_ticks = 0x12345678;
	assert_int_equal(in(0x608, 4), 0x345678);
	pm_ticks = 0x1000000;
	assert_int_equal(in(0x608, 4), 0);
	out(0x608, 4, 7);
	assert_int_equal(io.refused, 1);
	assert_int_equal(in(0x608, 2), 0xFFFF); /* 32-bit reads only */
}

/*
 * A VM that boots a firmware: fw_cfg (0x510/0x511) and the debug console
 * (0x402) answer its lower VMPLs only; VMPL0, or any VMPL of a VM without
 * them, sees an empty bus there; fw_cfg's DMA ports stay an empty bus for
 * everyone (a guest's DMA could reach machine memory through QEMU's).
 */
/*
 * The guest's boot disk (io.guest_blk): its I/O BAR, once the firmware
 * placed it and turned decoding on, answers the firmware's VMPL, never
 * VMPL0; the SVSM's disk (io.blk) never answers a lower VMPL.
 */
static bool no_mem(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx, (void)gpa, (void)buf, (void)len;
	return false;
}

static bool no_mem_w(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx, (void)gpa, (void)buf, (void)len;
	return false;
}

static int no_disk(void *ctx, uint64_t sector, void *buf, size_t len)
{
	(void)ctx, (void)sector, (void)buf, (void)len;
	return -1;
}

static int no_disk_w(void *ctx, uint64_t sector, const void *buf, size_t len)
{
	(void)ctx, (void)sector, (void)buf, (void)len;
	return -1;
}

static int no_flush(void *ctx)
{
	(void)ctx;
	return -1;
}

static void boot_disk_for_the_firmware_only(void **state)
{
	static const struct vsnp_vblk_mem mem = { NULL, no_mem, no_mem_w };
	static const struct vsnp_vblk_disk disk = { NULL, 64, no_disk, no_disk_w, no_flush, true, "vsnp-boot" };
	static struct vsnp_vblk boot, svsm;

	(void)state;
	vsnp_vblk_init(&boot, &mem, &disk, 0);
	vsnp_vblk_init(&svsm, &mem, &disk, VSNP_VBLK_IO_BASE);
	io.guest_blk = &boot;
	io.blk = &svsm;
	io.vmpl = 2;
	assert_int_equal(in(0x6000, 4), 0xFFFFFFFFu); /* no BAR yet: nothing decodes */
	vsnp_vblk_cfg_write(&boot, 0x10, 4, 0x6001);
	vsnp_vblk_cfg_write(&boot, 0x04, 2, 0x0001);
	assert_int_equal(in(0x6000, 4), VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_RO); /* its host features */
	out(0x6012, 1, 1);
	assert_int_equal(in(0x6012, 1), 1);
	assert_int_equal(in(VSNP_VBLK_IO_BASE, 4), 0xFFFFFFFFu); /* the SVSM's disk: not the firmware's */
	io.vmpl = 0;
	assert_int_equal(in(0x6012, 1), 0xFF);         /* VMPL0 never reaches the guest's disk */
	out(0x6012, 1, 0);
	io.vmpl = 2;
	assert_int_equal(in(0x6012, 1), 1);            /* ... nor changes it */
	io.vmpl = 3;
	assert_int_equal(in(0x6012, 1), 1);            /* another lower VMPL of the firmware VM does */
	io.guest_blk = NULL;
	io.blk = NULL;
}

/* The guest's boot disk's registers (a modern device's BAR) through MMIO requests: the firmware's VMPL only. */
static void mmio_boot_disk_for_the_firmware_only(void **state)
{
	static const struct vsnp_vblk_mem mem = { NULL, no_mem, no_mem_w };
	static const struct vsnp_vblk_disk disk = { NULL, 64, no_disk, no_disk_w, no_flush, true, "vsnp-boot" };
	static struct vsnp_vblk boot;
	const uint64_t bar = 0xC0000000ull, status = bar + 0x14;

	(void)state;
	assert_int_equal(rmp_model_init(&rmp, rmp_entries, 0, RAM_PAGES), SVSM_OK);
	vsnp_vblk_init_modern(&boot, &mem, &disk);
	vsnp_vblk_modern_cfg_write(&boot, 0x20, 4, (uint32_t)bar);
	vsnp_vblk_modern_cfg_write(&boot, 0x04, 2, 0x0002);
	io.guest_blk = &boot;
	io.vmpl = 2;
	g.shared_buffer[0] = 3;
	mmio_request(true, status, 1, BUF_GPA);
	assert_int_equal(g.sw_exit_info_1, GHCB_RESULT_OK);
	g.shared_buffer[0] = 0x55;
	mmio_request(false, status, 1, BUF_GPA);
	assert_int_equal(g.shared_buffer[0], 3);
	io.vmpl = 0;
	mmio_request(false, status, 1, BUF_GPA);
	assert_int_equal(g.shared_buffer[0], 0xFF); /* VMPL0: an empty bus */
	g.shared_buffer[0] = 0;
	mmio_request(true, status, 1, BUF_GPA);     /* ... whose write changes nothing */
	io.vmpl = 2;
	mmio_request(false, status, 1, BUF_GPA);
	assert_int_equal(g.shared_buffer[0], 3);
	assert_int_equal(io.mmio_refused, 2);
	io.guest_blk = NULL;
}

static void fw_cfg_and_debugcon_for_the_firmware_only(void **state)
{
	static struct vsnp_fw_cfg f;
	uint32_t v;

	(void)state;
	io.vmpl = 2;
	out(0x510, 2, 0);
	assert_int_equal(in(0x511, 1), 0xFF);   /* no fw_cfg in a VM without a firmware */
	assert_int_equal(in(0x402, 1), 0xFF);
	static struct vsnp_q35 q;
	static struct vsnp_rtc r;

	vsnp_fw_cfg_init(&f);
	vsnp_q35_init(&q);
	vsnp_rtc_init(&r, 0, 0, 1000);
	io.fw_cfg = &f;
	io.q35 = &q;
	io.rtc = &r;
	io.vmpl = 0;
	out(0xCF8, 4, 0x80000000u);             /* the q35 bridges and the clock: not the SVSM's either */
	assert_int_equal(in(0xCFC, 4), 0xFFFFFFFFu);
	out(0x70, 1, 0x0D);
	assert_int_equal(in(0x71, 1), 0xFF);
	out(0x510, 2, 0);
	assert_int_equal(in(0x511, 1), 0xFF);   /* not the SVSM's */
	assert_int_equal(in(0x402, 1), 0xFF);
	out(0x402, 1, 'x');
	assert_int_equal(console_writes, 0);
	io.vmpl = 2;
	out(0x510, 2, 0);                        /* FW_CFG_SIGNATURE */
	v = in(0x511, 1);
	assert_int_equal(v, 'Q');
	assert_int_equal(in(0x511, 1), 'E');
	assert_int_equal(in(0x402, 1), 0xE9);   /* QEMU's debug console is there */
	out(0xCF8, 4, 0x80000000u);
	assert_int_equal(in(0xCFC, 4), 0x29C08086u); /* the firmware's: the Q35 host bridge */
	out(0x70, 1, 0x0D);
	assert_int_equal(in(0x71, 1), 0x80);         /* and its clock, valid */
	for (const char *c = "OVMF\n"; *c; c++)
		out(0x402, 1, (uint8_t)*c);
	assert_int_equal(console_writes, 1);
	assert_memory_equal(console_buf, "OVMF", 4);
	assert_int_equal(in(0x514, 4), 0xFFFFFFFFu); /* no DMA interface */
	assert_int_equal(in(0x518, 4), 0xFFFFFFFFu);
	out(0x518, 4, 0x1000);
	assert_int_equal(machine_outs, 0);
	io.vmpl = ~0u;                            /* an access whose VMPL nobody set: not the firmware's */
	out(0x510, 2, 0);
	assert_int_equal(in(0x511, 1), 0xFF);
	io.fw_cfg = NULL;
	io.q35 = NULL;
	io.rtc = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(everything_else_is_an_empty_bus, setup),
		cmocka_unit_test_setup(boot_disk_for_the_firmware_only, setup),
		cmocka_unit_test_setup(mmio_boot_disk_for_the_firmware_only, setup),
		cmocka_unit_test_setup(pm1_power_off, setup),
		cmocka_unit_test_setup(uart_is_the_guests_own, setup),
		cmocka_unit_test_setup(uart_long_lines_kept_whole, setup),
		cmocka_unit_test_setup(uart_lines_of_two_writers_never_interleave, setup),
		cmocka_unit_test_setup(uart_settings_are_each_writers_own, setup),
		cmocka_unit_test_setup(pit_channel_2_only, setup),
		cmocka_unit_test_setup(ghcb_in_out, setup),
		cmocka_unit_test_setup(ghcb_outs_and_ins, setup),
		cmocka_unit_test_setup(ghcb_string_outside_buffer_refused, setup),
		cmocka_unit_test_setup(mmio_empty_bus, setup),
		cmocka_unit_test_setup(fw_cfg_and_debugcon_for_the_firmware_only, setup),
		cmocka_unit_test_setup(pm_timer_reads_24_bits, setup),
		cmocka_unit_test_setup(trace_lines, setup),
		cmocka_unit_test_setup(mmio_never_reaches_ram, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
