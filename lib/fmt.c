/* SPDX-License-Identifier: MIT */
/* Formatting shared by stage1, the kernel and host tests (see fmt.h). */
#include "lib/fmt.h"

#include <stdbool.h>
#include <stdint.h>

/* Widths and precisions beyond this are clamped to it. */
#define FMT_MAX_WIDTH 4096

struct fmt_spec {
	bool left;
	bool plus;
	bool space;
	bool zero;
	bool alt;
	int width;
	int prec; /* -1: none */
};

struct fmt_sink {
	fmt_out_fn out;
	void *ctx;
	size_t count;
};

static void sink_put(struct fmt_sink *s, char c)
{
	s->out(s->ctx, c);
	s->count++;
}

static void sink_pad(struct fmt_sink *s, char c, int n)
{
	while (n-- > 0)
		sink_put(s, c);
}

/*
 * Divides *n by base (2..16) and returns the remainder, using only 32-bit
 * divisions so the 32-bit stage1 needs no libgcc helper: the number is
 * processed in 16-bit chunks, and (remainder << 16 | chunk) stays below 2^21.
 */
static unsigned divmod_small(uint64_t *n, unsigned base)
{
	uint64_t q = 0;
	uint32_t r = 0;

	for (int shift = 48; shift >= 0; shift -= 16) {
		uint32_t cur = (r << 16) | (uint32_t)((*n >> shift) & 0xFFFF);

		q |= (uint64_t)(cur / base) << shift;
		r = cur % base;
	}
	*n = q;
	return r;
}

static void put_number(struct fmt_sink *s, const struct fmt_spec *sp, uint64_t v, bool neg,
		       unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24]; /* 2^64 in octal has 22 digits */
	int len = 0;
	char sign = 0;
	const char *prefix = "";
	int prefix_len = 0;

	while (v != 0) {
		unsigned d = divmod_small(&v, base);

		buf[len++] = digits[d];
	}
	/* Precision 0 with value 0 prints no digits (C11 7.21.6.1p8). */
	if (len == 0 && sp->prec != 0)
		buf[len++] = '0';

	if (neg)
		sign = '-';
	else if (sp->plus && base == 10)
		sign = '+';
	else if (sp->space && base == 10)
		sign = ' ';

	if (sp->alt && base == 16 && !(len == 1 && buf[0] == '0')) {
		prefix = upper ? "0X" : "0x";
		prefix_len = 2;
	} else if (sp->alt && base == 8 && buf[len - 1] != '0') {
		prefix = "0";
		prefix_len = 1;
	}

	int zeros = sp->prec > len ? sp->prec - len : 0;
	int body = len + zeros + prefix_len + (sign ? 1 : 0);
	int pad = sp->width > body ? sp->width - body : 0;

	if (!sp->left && !(sp->zero && sp->prec < 0))
		sink_pad(s, ' ', pad);
	if (sign)
		sink_put(s, sign);
	for (int i = 0; i < prefix_len; i++)
		sink_put(s, prefix[i]);
	if (!sp->left && sp->zero && sp->prec < 0)
		sink_pad(s, '0', pad);
	sink_pad(s, '0', zeros);
	while (len > 0)
		sink_put(s, buf[--len]);
	if (sp->left)
		sink_pad(s, ' ', pad);
}

static void put_string(struct fmt_sink *s, const struct fmt_spec *sp, const char *str)
{
	int len = 0;

	if (str == NULL)
		str = "(null)";
	while (str[len] != '\0' && (sp->prec < 0 || len < sp->prec))
		len++;
	int pad = sp->width > len ? sp->width - len : 0;

	if (!sp->left)
		sink_pad(s, ' ', pad);
	for (int i = 0; i < len; i++)
		sink_put(s, str[i]);
	if (sp->left)
		sink_pad(s, ' ', pad);
}

enum fmt_len { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_MAX, LEN_PTRDIFF };

static const char *parse_len(const char *f, enum fmt_len *len)
{
	*len = LEN_INT;
	switch (*f) {
	case 'h':
		if (f[1] == 'h') {
			*len = LEN_CHAR;
			return f + 2;
		}
		*len = LEN_SHORT;
		return f + 1;
	case 'l':
		if (f[1] == 'l') {
			*len = LEN_LLONG;
			return f + 2;
		}
		*len = LEN_LONG;
		return f + 1;
	case 'z':
		*len = LEN_SIZE;
		return f + 1;
	case 'j':
		*len = LEN_MAX;
		return f + 1;
	case 't':
		*len = LEN_PTRDIFF;
		return f + 1;
	default:
		return f;
	}
}

static int64_t arg_signed(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_CHAR:
		return (signed char)va_arg(*ap, int);
	case LEN_SHORT:
		return (short)va_arg(*ap, int);
	case LEN_LONG:
		return va_arg(*ap, long);
	case LEN_LLONG:
		return va_arg(*ap, long long);
	case LEN_SIZE:
	case LEN_PTRDIFF:
		return va_arg(*ap, ptrdiff_t);
	case LEN_MAX:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_CHAR:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_SHORT:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_LONG:
		return va_arg(*ap, unsigned long);
	case LEN_LLONG:
		return va_arg(*ap, unsigned long long);
	case LEN_SIZE:
	case LEN_PTRDIFF:
		return va_arg(*ap, size_t);
	case LEN_MAX:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static const char *parse_flags(const char *f, struct fmt_spec *sp)
{
	for (;; f++) {
		switch (*f) {
		case '-':
			sp->left = true;
			break;
		case '+':
			sp->plus = true;
			break;
		case ' ':
			sp->space = true;
			break;
		case '0':
			sp->zero = true;
			break;
		case '#':
			sp->alt = true;
			break;
		default:
			return f;
		}
	}
}

static const char *parse_num(const char *f, int *out, va_list *ap)
{
	if (*f == '*') {
		int v = va_arg(*ap, int);

		*out = v > FMT_MAX_WIDTH ? FMT_MAX_WIDTH : (v < -FMT_MAX_WIDTH ? -FMT_MAX_WIDTH : v);
		return f + 1;
	}
	int v = 0;

	while (*f >= '0' && *f <= '9') {
		v = v * 10 + (*f - '0');
		if (v > FMT_MAX_WIDTH) /* clamp: never overflow, never pad without bound */
			v = FMT_MAX_WIDTH;
		f++;
	}
	*out = v;
	return f;
}

size_t fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap_in)
{
	struct fmt_sink s = { .out = out, .ctx = ctx, .count = 0 };
	va_list ap;

	va_copy(ap, ap_in);
	for (const char *f = fmt; *f != '\0'; f++) {
		if (*f != '%') {
			sink_put(&s, *f);
			continue;
		}
		const char *start = f;
		struct fmt_spec sp = { .prec = -1 };
		enum fmt_len len;

		f = parse_flags(f + 1, &sp);
		f = parse_num(f, &sp.width, &ap);
		if (sp.width < 0) { /* "*" with a negative value means left-justify */
			sp.left = true;
			sp.width = -sp.width;
		}
		if (*f == '.') {
			f = parse_num(f + 1, &sp.prec, &ap);
			if (sp.prec < 0)
				sp.prec = -1;
		}
		f = parse_len(f, &len);

		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&ap, len);
			uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

			put_number(&s, &sp, mag, v < 0, 10, false);
			break;
		}
		case 'u':
			put_number(&s, &sp, arg_unsigned(&ap, len), false, 10, false);
			break;
		case 'x':
			put_number(&s, &sp, arg_unsigned(&ap, len), false, 16, false);
			break;
		case 'X':
			put_number(&s, &sp, arg_unsigned(&ap, len), false, 16, true);
			break;
		case 'o':
			put_number(&s, &sp, arg_unsigned(&ap, len), false, 8, false);
			break;
		case 'p':
			sp.alt = true;
			put_number(&s, &sp, (uintptr_t)va_arg(ap, void *), false, 16, false);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			int pad = sp.width > 1 ? sp.width - 1 : 0;

			if (!sp.left)
				sink_pad(&s, ' ', pad);
			sink_put(&s, c);
			if (sp.left)
				sink_pad(&s, ' ', pad);
			break;
		}
		case 's':
			put_string(&s, &sp, va_arg(ap, const char *));
			break;
		case '%':
			sink_put(&s, '%');
			break;
		default:
			/* Unknown or truncated conversion: echo it so it is visible. */
			for (const char *p = start; p <= f && *p != '\0'; p++)
				sink_put(&s, *p);
			if (*f == '\0')
				f--;
			break;
		}
	}
	va_end(ap);
	return s.count;
}

struct buf_ctx {
	char *buf;
	size_t size;
	size_t pos;
};

static void buf_out(void *ctx, char c)
{
	struct buf_ctx *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_ctx b = { .buf = buf, .size = size, .pos = 0 };
	size_t n = fmt_vformat(buf_out, &b, fmt, ap);

	if (size > 0)
		buf[n < size ? n : size - 1] = '\0';
	return n;
}

size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	size_t n = fmt_vsnprintf(buf, size, fmt, ap);

	va_end(ap);
	return n;
}
