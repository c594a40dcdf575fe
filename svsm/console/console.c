/* SPDX-License-Identifier: MIT */
/* COM1 console and leveled log (include/svsm/console.h). */
#include "svsm/console.h"

#include <stdbool.h>

#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/uart.h"

static enum log_level log_level = LOG_INFO;

/*
 * One CPU's output at a time, so lines do not interleave character by
 * character. Bounded: a CPU
 * that faults inside the console, or a holder that never lets go, must
 * not silence a fatal report, so after CONSOLE_LOCK_SPINS the output goes
 * out unlocked.
 */
#define CONSOLE_LOCK_SPINS 50000000ull
static volatile uint32_t console_busy;

static bool console_lock(void)
{
	for (uint64_t i = 0; i < CONSOLE_LOCK_SPINS; i++) {
		if (__atomic_exchange_n(&console_busy, 1, __ATOMIC_ACQUIRE) == 0)
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

/*
 * What the CPU holding the console has written and not yet sent: it goes
 * out at each newline, when full, and when the console is let go, in
 * bursts (uart_console_write) rather than a status read and a write per
 * byte, each an exit under SNP. Only the holder uses it; a CPU that took
 * the console without the lock writes byte by byte instead.
 */
static struct uart_line line;

static void console_unlock(bool locked)
{
	if (!locked)
		return;
	uart_line_flush(&line);
	__atomic_store_n(&console_busy, 0, __ATOMIC_RELEASE);
}

static struct {
	bool on;
	unsigned len;
	unsigned long long lost;
	char buf[CONSOLE_HOLD_SIZE];
} hold;

void console_init(void)
{
	uart_console_init();
}

void console_hold(void)
{
	hold.on = true;
	hold.len = 0;
	hold.lost = 0;
}

static void hold_out(void *ctx, char c)
{
	(void)ctx;
	if (hold.len < CONSOLE_HOLD_SIZE)
		hold.buf[hold.len++] = c;
	else
		hold.lost++;
}

void console_attach(const struct uart_port_io *io)
{
	uart_set_port_io(io);
	uart_console_init();
	if (!hold.on)
		return;
	hold.on = false;
	uart_console_write(hold.buf, hold.len);
	if (hold.lost != 0)
		console_printf("[console: %llu bytes of early output did not fit in %u and were lost]\n",
			       hold.lost, (unsigned)CONSOLE_HOLD_SIZE);
}

/* Formats to the console (or the early hold buffer); the caller holds the console, locked or not. */
static void console_out(bool locked, const char *fmt, va_list ap)
{
	if (hold.on)
		fmt_vformat(hold_out, NULL, fmt, ap);
	else if (locked)
		fmt_vformat(uart_line_out, &line, fmt, ap);
	else
		fmt_vformat(uart_console_out, NULL, fmt, ap);
}

__attribute__((format(printf, 2, 3))) static void console_out_f(bool locked, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	console_out(locked, fmt, ap);
	va_end(ap);
}

void console_vprintf(const char *fmt, va_list ap)
{
	bool locked = console_lock();

	console_out(locked, fmt, ap);
	console_unlock(locked);
}

void console_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

static const char *const level_names[] = { "err", "warn", "info", "debug" };
static const char *const level_tags[] = { "[ERR ] ", "[WARN] ", "[INFO] ", "[DBG ] " };

bool log_level_parse(const char *s, enum log_level *out_level)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out_level = (enum log_level)i;
			return true;
		}
	}
	return false;
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;

	bool locked = console_lock(); /* the tag, the message and its newline as one line */

	console_out_f(locked, "%s", level_tags[level]);
	va_start(ap, fmt);
	console_out(locked, fmt, ap);
	va_end(ap);
	console_out_f(locked, "\n");
	console_unlock(locked);
}
