/* SPDX-License-Identifier: MIT */
/*
 * Serial console (COM1) and leveled logging. Errors are for broken
 * invariants and failed boots, never for hostile input (that gets its
 * defined error code).
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

enum log_level {
	LOG_ERR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

struct uart_port_io;

void console_init(void);
/*
 * Under SNP the UART is reachable only through the GHCB, which exists
 * only after the snp backend has set it up. Until then console output is
 * kept in memory (CONSOLE_HOLD_SIZE bytes; what does not fit is counted
 * and reported, not dropped silently); console_attach() programs the UART
 * through io and writes out what was held.
 */
#define CONSOLE_HOLD_SIZE 8192
void console_hold(void);
void console_attach(const struct uart_port_io *io);
/* Raw output, no prefix, not filtered by level. */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_vprintf(const char *fmt, va_list ap);

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "err", "warn", "info", "debug"; false if unknown. */
bool log_level_parse(const char *s, enum log_level *out);
void log_printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_printf(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_printf(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)
