/* SPDX-License-Identifier: MIT */
/* File reading shared by the host tools (tools/tool_file.h). */
#include "tool_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *tool_read_file(const char *prog, const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;

	if (f == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return NULL;
	}
	buf = malloc(max);
	*len = buf == NULL ? 0 : fread(buf, 1, max, f);
	if (buf == NULL || ferror(f) || (*len == max && fgetc(f) != EOF)) {
		fprintf(stderr, "%s: %s: unreadable or larger than %zu bytes\n", prog, path, max);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	return buf;
}
