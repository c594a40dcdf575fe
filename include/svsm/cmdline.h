/* SPDX-License-Identifier: MIT */
/*
 * The kernel command line: space-separated "key" or "key=value" tokens.
 * Values have no quoting; a value ends at the next space.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cmdline_token {
	const char *key;
	size_t key_len;
	const char *val; /* NULL when the token has no '=' */
	size_t val_len;
};

/* Returns the next token at *cursor and advances it; false at the end. */
bool cmdline_next(const char **cursor, struct cmdline_token *tok);

/*
 * Copies the value of the last `key=` token into val (NUL-terminated).
 * Returns SVSM_OK, SVSM_ENOENT if absent (or given without '='), or
 * SVSM_ERANGE if the value does not fit, leaving val empty.
 */
int cmdline_get(const char *cmdline, const char *key, char *val, size_t val_size);

/* True if `key` appears, with or without a value. */
bool cmdline_has(const char *cmdline, const char *key);
