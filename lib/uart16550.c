/* SPDX-License-Identifier: MIT */
/*
 * 16550 UART, polled. Register offsets and bits: TI PC16550D data sheet
 * (RBR/THR 0, IER 1, FCR 2, LCR 3, MCR 4, LSR 5, SCR 7; LSR bit 5 THRE).
 */
#include "lib/uart.h"

#include <stddef.h>

#include "lib/io.h"

#define UART_THR 0
#define UART_IER 1
#define UART_DLL 0
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_LSR_THRE 0x20
#define UART_IIR 2
#define UART_IIR_FIFOS_ON 0xC0 /* IIR bits 7:6: both set when the FIFOs are enabled */
#define UART_FIFO_DEPTH 16     /* PC16550D transmit FIFO */
/* Bounded wait for the transmitter: a missing or wedged UART must not hang. */
#define UART_SPIN_LIMIT 100000

static void direct_out(uint16_t port, uint8_t v)
{
	io_outb(port, v);
}

static uint8_t direct_in(uint16_t port)
{
	return io_inb(port);
}

static const struct uart_port_io direct_io = { direct_out, direct_in, NULL };
static const struct uart_port_io *port_io = &direct_io;

void uart_set_port_io(const struct uart_port_io *io)
{
	port_io = io != NULL ? io : &direct_io;
}

static void outb(uint16_t port, uint8_t v)
{
	port_io->out(port, v);
}

static uint8_t inb(uint16_t port)
{
	return port_io->in(port);
}

bool uart_init(uint16_t base)
{
	/* The scratch register holds what we write if a UART is present. */
	outb(base + UART_SCR, 0x5A);
	if (inb(base + UART_SCR) != 0x5A)
		return false;
	outb(base + UART_IER, 0x00);
	outb(base + UART_LCR, UART_LCR_DLAB);
	outb(base + UART_DLL, 1); /* divisor 1: 115200 baud */
	outb(base + UART_DLM, 0);
	outb(base + UART_LCR, UART_LCR_8N1);
	outb(base + UART_FCR, 0xC7); /* enable and clear FIFOs, 14-byte trigger */
	outb(base + UART_MCR, 0x03); /* DTR, RTS */
	return true;
}

static void wait_thre(uint16_t base)
{
	for (int i = 0; i < UART_SPIN_LIMIT; i++) {
		if (inb(base + UART_LSR) & UART_LSR_THRE)
			break;
	}
}

void uart_putc(uint16_t base, char c)
{
	wait_thre(base);
	outb(base + UART_THR, (uint8_t)c);
}

static bool console_present;
static unsigned console_fifo = 1; /* bytes the transmitter takes at once when THRE is set */

void uart_console_init(void)
{
	console_present = uart_init(UART_COM1);
	/* With the FIFOs on, THRE means the whole transmit FIFO is empty (PC16550D, LSR bit 5). */
	console_fifo = console_present && (inb(UART_COM1 + UART_IIR) & UART_IIR_FIFOS_ON) == UART_IIR_FIFOS_ON
			       ? UART_FIFO_DEPTH
			       : 1;
}

/* Up to console_fifo bytes, once the transmitter is empty. */
static void burst(const uint8_t *b, size_t n)
{
	wait_thre(UART_COM1);
	if (port_io->outs != NULL) {
		port_io->outs(UART_COM1 + UART_THR, b, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		outb(UART_COM1 + UART_THR, b[i]);
}

void uart_console_write(const char *s, size_t n)
{
	uint8_t b[UART_FIFO_DEPTH] = { 0 };
	size_t k = 0;

	if (!console_present)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			if (k == console_fifo)
				burst(b, k), k = 0;
			b[k++] = '\r';
		}
		if (k == console_fifo)
			burst(b, k), k = 0;
		b[k++] = (uint8_t)s[i];
	}
	if (k != 0)
		burst(b, k);
}

void uart_line_flush(struct uart_line *l)
{
	uart_console_write(l->buf, l->len);
	l->len = 0;
}

void uart_line_out(void *ctx, char c)
{
	struct uart_line *l = ctx;

	l->buf[l->len++] = c;
	if (c == '\n' || l->len == sizeof(l->buf))
		uart_line_flush(l);
}

void uart_console_out(void *ctx, char c)
{
	(void)ctx;
	uart_console_write(&c, 1);
}
