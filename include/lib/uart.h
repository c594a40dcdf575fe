/* SPDX-License-Identifier: MIT */
/* 16550 UART driver shared by stage1 and the kernel console. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define UART_COM1 0x3F8

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
