/* SPDX-License-Identifier: MIT */
#include "svsm/cmdline.h"

#include "lib/string.h"
#include "svsm/errno.h"

bool cmdline_next(const char **cursor, struct cmdline_token *tok)
{
	const char *p = *cursor;

	while (*p == ' ')
		p++;
	if (*p == '\0') {
		*cursor = p;
		return false;
	}
	tok->key = p;
	while (*p != '\0' && *p != ' ' && *p != '=')
		p++;
	tok->key_len = (size_t)(p - tok->key);
	tok->val = NULL;
	tok->val_len = 0;
	if (*p == '=') {
		tok->val = ++p;
		while (*p != '\0' && *p != ' ')
			p++;
		tok->val_len = (size_t)(p - tok->val);
	}
	*cursor = p;
	return true;
}

static bool key_is(const struct cmdline_token *t, const char *key)
{
	size_t n = strlen(key);

	return t->key_len == n && memcmp(t->key, key, n) == 0;
}

int cmdline_get(const char *cmdline, const char *key, char *val, size_t val_size)
{
	const char *cur = cmdline;
	struct cmdline_token t;
	const struct cmdline_token *found = NULL;
	struct cmdline_token last;

	while (cmdline_next(&cur, &t)) {
		if (key_is(&t, key) && t.val != NULL) {
			last = t;
			found = &last;
		}
	}
	if (val_size > 0)
		val[0] = '\0';
	if (found == NULL)
		return SVSM_ENOENT;
	if (found->val_len + 1 > val_size)
		return SVSM_ERANGE;
	memcpy(val, found->val, found->val_len);
	val[found->val_len] = '\0';
	return SVSM_OK;
}

bool cmdline_has(const char *cmdline, const char *key)
{
	const char *cur = cmdline;
	struct cmdline_token t;

	while (cmdline_next(&cur, &t)) {
		if (key_is(&t, key))
			return true;
	}
	return false;
}
