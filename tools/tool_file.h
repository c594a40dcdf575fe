/* SPDX-License-Identifier: MIT */
/* File reading shared by the host tools. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * The whole file at path (at most max bytes) in a malloc'd buffer, *len its
 * size; NULL after saying why on stderr as "prog: path: reason".
 */
uint8_t *tool_read_file(const char *prog, const char *path, size_t max, size_t *len);
