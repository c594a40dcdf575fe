/* SPDX-License-Identifier: MIT */
/* COM1 console and leveled log (include/svsm/console.h). */
#include "svsm/console.h"

#include <stdbool.h>

#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/uart.h"

static enum log_level log_level = LOG_INFO;

void console_init(void)
{
	uart_console_init();
}

void console_vprintf(const char *fmt, va_list ap)
{
	fmt_vformat(uart_console_out, NULL, fmt, ap);
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
