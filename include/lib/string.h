/* SPDX-License-Identifier: MIT */
/*
 * The few string functions freestanding code needs. In host tests the C
 * library provides them; lib/string.c is linked only into stage1 and the
 * kernel. The compiler may also emit calls to memcpy/memset/memmove/memcmp.
 */
#pragma once

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
