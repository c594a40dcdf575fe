/* SPDX-License-Identifier: MIT */
/*
 * What Debian's libmbedcrypto.a (built for a hosted Linux userspace) needs
 * from a C library, provided by the kernel. The library is used for its
 * algorithms only (AES-GCM, SHA-2, ECDSA); the hosted features it links in
 * but the SVSM never uses fail loudly or report "not available":
 *  - calloc/free: the kernel heap (kzalloc/kfree), with the size overflow checked;
 *  - printf/puts/putchar: the console (only mbedTLS's self-test code prints);
 *  - files (fopen & co.): the SVSM has none; fopen says so, the rest are
 *    unreachable without a FILE and panic if reached;
 *  - gmtime_r: the SVSM has no wall clock: NULL;
 *  - __stack_chk_fail / __memcpy_chk: the library's fortify and
 *    stack-protector checks, which end in panic (the canary lives at
 *    %fs:0x28, see struct percpu.tls).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "mm/kmalloc.h"
#include "svsm/console.h"
#include "svsm/panic.h"

/* Prototypes here, not from <stdio.h>/<stdlib.h>: the kernel does not include the hosted headers. */
struct tm;
void *calloc(size_t n, size_t size);
void free(void *p);
int __printf_chk(int flag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int puts(const char *s);
int putchar(int c);
void *fopen(const char *path, const char *mode);
size_t fread(void *p, size_t size, size_t n, void *f);
size_t fwrite(const void *p, size_t size, size_t n, void *f);
char *fgets(char *s, int size, void *f);
int ferror(void *f);
int fclose(void *f);
struct tm *gmtime_r(const int64_t *t, struct tm *out);
__attribute__((noreturn)) void __stack_chk_fail(void);
void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len);

void *calloc(size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	return kzalloc(n * size);
}

void free(void *p)
{
	kfree(p);
}

int __printf_chk(int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
	return 0;
}

int puts(const char *s)
{
	console_printf("%s\n", s);
	return 0;
}

int putchar(int c)
{
	console_printf("%c", c);
	return c;
}

void *fopen(const char *path, const char *mode)
{
	(void)path, (void)mode;
	return NULL; /* no files in the SVSM */
}

size_t fread(void *p, size_t size, size_t n, void *f)
{
	(void)p, (void)size, (void)n, (void)f;
	panic("mbedTLS: fread without a file");
}

size_t fwrite(const void *p, size_t size, size_t n, void *f)
{
	(void)p, (void)size, (void)n, (void)f;
	panic("mbedTLS: fwrite without a file");
}

char *fgets(char *s, int size, void *f)
{
	(void)s, (void)size, (void)f;
	panic("mbedTLS: fgets without a file");
}

int ferror(void *f)
{
	(void)f;
	panic("mbedTLS: ferror without a file");
}

int fclose(void *f)
{
	(void)f;
	panic("mbedTLS: fclose without a file");
}

struct tm *gmtime_r(const int64_t *t, struct tm *out)
{
	(void)t, (void)out;
	return NULL; /* no wall clock: certificate times cannot be checked in the SVSM */
}

void __stack_chk_fail(void)
{
	panic("mbedTLS: stack smashing detected (canary at %%fs:0x28 changed)");
}

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
	if (n > dst_len)
		panic("mbedTLS: memcpy of %zu bytes into %zu", n, dst_len);
	return memcpy(dst, src, n);
}
