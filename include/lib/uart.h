/* SPDX-License-Identifier: MIT */
/* 16550 UART driver shared by stage1 and the kernel console. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_COM1 0x3F8

/*
 * How the driver reaches the UART's ports: IN/OUT instructions by default;
 * under SNP, where those raise #VC, the kernel routes them through the
 * GHCB instead (svsm/platform/snp). NULL restores the default.
 */
struct uart_port_io {
	void (*out)(uint16_t port, uint8_t v);
	uint8_t (*in)(uint16_t port);
	/* n bytes to one port in one go (OUTSB); NULL: n single outs. */
	void (*outs)(uint16_t port, const uint8_t *b, size_t n);
};
void uart_set_port_io(const struct uart_port_io *io);

/* Programs 115200 8N1, FIFOs on. Returns false if no UART answers at base. */
bool uart_init(uint16_t base);
void uart_putc(uint16_t base, char c);

/*
 * The COM1 console used by stage1 and the kernel: initialise once, then
 * uart_console_out() is a fmt_out_fn that turns "\n" into "\r\n" and drops
 * output when no UART answered.
 */
void uart_console_init(void);
void uart_console_out(void *ctx, char c);
/*
 * n bytes to the console, LF as CR LF: a burst of up to the transmit
 * FIFO's depth each time the transmitter is empty (one OUTSB where the
 * port I/O has it), not a status read per byte.
 */
void uart_console_write(const char *s, size_t n);

/* A line being written to the console: it goes out at its newline, when full, or at uart_line_flush. */
struct uart_line {
	unsigned len;
	char buf[256];
};
/* fmt_vformat's output for a line: ctx is the struct uart_line. */
void uart_line_out(void *ctx, char c);
void uart_line_flush(struct uart_line *l);
