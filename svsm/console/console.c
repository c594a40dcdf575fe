/* SPDX-License-Identifier: MIT */
/* COM1 console and leveled log (include/svsm/console.h). */
#include "svsm/console.h"

#include <stdbool.h>

#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/uart.h"

static enum log_level log_level = LOG_INFO;

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
	for (unsigned i = 0; i < hold.len; i++)
		uart_console_out(NULL, hold.buf[i]);
	if (hold.lost != 0)
		console_printf("[console: %llu bytes of early output did not fit in %u and were lost]\n",
			       hold.lost, (unsigned)CONSOLE_HOLD_SIZE);
}

void console_vprintf(const char *fmt, va_list ap)
{
	fmt_vformat(hold.on ? hold_out : uart_console_out, NULL, fmt, ap);
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
	console_printf("%s", level_tags[level]);
	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
	console_printf("\n");
}
