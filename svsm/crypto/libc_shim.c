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
 *  - __stack_chk_fail / __memcpy_chk / __memset_chk: the library's fortify
 *    and stack-protector checks, which end in panic (the canary lives at
 *    %fs:0x28, see struct percpu.tls);
 *  - strncpy, strstr, __snprintf_chk: string functions its X.509 code uses
 *    (the PSP model writes certificates), on lib/string.c and lib/fmt.c;
 *  - rand: only RSA's self-test calls it; the SVSM never runs that: panic;
 *  - pthread mutexes (Debian builds it with MBEDTLS_THREADING_PTHREAD, so
 *    every DRBG carries one): a spinning lock in the first word of the
 *    caller's pthread_mutex_t, which is 40 bytes on x86-64 glibc.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/fmt.h"
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
void *__memset_chk(void *dst, int c, size_t n, size_t dst_len);
int __snprintf_chk(char *buf, size_t size, int flag, size_t buf_len, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
char *strncpy(char *dst, const char *src, size_t n);
char *strstr(const char *hay, const char *needle);
int rand(void);
int pthread_mutex_init(void *m, const void *attr);
int pthread_mutex_destroy(void *m);
int pthread_mutex_lock(void *m);
int pthread_mutex_unlock(void *m);

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

void *__memset_chk(void *dst, int c, size_t n, size_t dst_len)
{
	if (n > dst_len)
		panic("mbedTLS: memset of %zu bytes into %zu", n, dst_len);
	return memset(dst, c, n);
}

int __snprintf_chk(char *buf, size_t size, int flag, size_t buf_len, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	(void)flag;
	if (size > buf_len)
		panic("mbedTLS: snprintf of %zu bytes into %zu", size, buf_len);
	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n > 0x7FFFFFFF ? -1 : (int)n;
}

char *strncpy(char *dst, const char *src, size_t n)
{
	size_t len = strnlen(src, n);

	memcpy(dst, src, len);
	memset(dst + len, 0, n - len);
	return dst;
}

char *strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0' || n == 0; hay++) {
		if (strncmp(hay, needle, n) == 0)
			return (char *)hay;
		if (*hay == '\0')
			break;
	}
	return NULL;
}

int rand(void)
{
	panic("mbedTLS: rand() is for its RSA self-test, which the SVSM does not run");
}

/*
 * The lock word: 0 free, 1 held. mbedTLS's own mutexes (its RNG and key
 * contexts), held only inside an mbedTLS call; no SVSM lock is taken
 * under one.
 */
static uint32_t *mutex_word(void *m)
{
	return (uint32_t *)m;
}

int pthread_mutex_init(void *m, const void *attr)
{
	(void)attr;
	__atomic_store_n(mutex_word(m), 0, __ATOMIC_RELEASE);
	return 0;
}

int pthread_mutex_destroy(void *m)
{
	if (__atomic_load_n(mutex_word(m), __ATOMIC_ACQUIRE) != 0)
		panic("mbedTLS: a held mutex destroyed");
	return 0;
}

int pthread_mutex_lock(void *m)
{
	while (__atomic_exchange_n(mutex_word(m), 1, __ATOMIC_ACQUIRE) != 0)
		__asm__ volatile("pause");
	return 0;
}

int pthread_mutex_unlock(void *m)
{
	__atomic_store_n(mutex_word(m), 0, __ATOMIC_RELEASE);
	return 0;
}
