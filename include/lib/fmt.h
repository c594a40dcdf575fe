/* SPDX-License-Identifier: MIT */
/*
 * printf-style formatting for freestanding code (stage1, kernel) and host
 * tests. Supports flags "-+ 0#", width and precision (also "*"), length
 * modifiers hh h l ll z j t, and conversions d i u x X o c s p %.
 * An unknown conversion is printed verbatim, so a bad format is visible.
 * Widths and precisions are clamped to 4096.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

typedef void (*fmt_out_fn)(void *ctx, char c);

/* Formats through `out`; returns the number of characters produced. */
size_t fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap);

/*
 * Formats into buf (always NUL-terminated when size > 0). Returns the length
 * the full result has, so a return value >= size means it was truncated.
 */
size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
