/* SPDX-License-Identifier: MIT */
/* The module archive check (include/svsm/modar.h). */
#include "svsm/modar.h"

#include <stdbool.h>

#include <mbedtls/sha256.h>

#include "abi/modar.h"
#include "lib/string.h"

static bool name_ok(const char *n)
{
	size_t len = strnlen(n, MODAR_NAME_MAX);

	if (len == 0 || len == MODAR_NAME_MAX)
		return false;
	for (size_t i = len; i < MODAR_NAME_MAX; i++) {
		if (n[i] != '\0')
			return false; /* NUL-padded: no hidden bytes after the name */
	}
	return true;
}

/* The header and entry table, checked; the entries copied out. */
static const char *read_table(const uint8_t *ar, size_t ar_size, struct modar_hdr *hp, struct modar_entry *e)
{
	struct modar_hdr h;

	if (ar == NULL || ar_size < sizeof(h))
		return "module archive shorter than its header";
	memcpy(&h, ar, sizeof(h));
	if (memcmp(h.magic, MODAR_MAGIC, sizeof(h.magic)) != 0)
		return "module archive magic is not SVSMMODS";
	if (h.version != MODAR_VERSION)
		return "module archive version is not 1";
	if (h.count == 0 || h.count > MODAR_MAX_MODULES)
		return "module archive count is 0 or above 16";
	if (h.total_size != ar_size)
		return "module archive size disagrees with its header";
	uint64_t table_end = sizeof(h) + (uint64_t)h.count * sizeof(e[0]);

	if (table_end > ar_size)
		return "module archive entries run past its end";
	memcpy(e, ar + sizeof(h), (size_t)h.count * sizeof(e[0]));
	for (unsigned i = 0; i < h.count; i++) {
		if (!name_ok(e[i].name))
			return "a module name is empty, unterminated or not NUL-padded";
		if (e[i].offset % MODAR_ALIGN != 0 || e[i].offset < table_end || e[i].size == 0 ||
		    e[i].offset > ar_size || e[i].size > ar_size - e[i].offset)
			return "a module lies outside the archive or is misaligned";
		for (unsigned j = 0; j < i; j++) {
			if (strcmp(e[i].name, e[j].name) == 0)
				return "two modules have the same name";
			if (e[i].offset < e[j].offset + e[j].size && e[j].offset < e[i].offset + e[i].size)
				return "two modules overlap";
		}
	}
	*hp = h;
	return NULL;
}

const char *modar_find(const uint8_t *ar, size_t ar_size, const char *name, const uint8_t **data,
		       size_t *size)
{
	struct modar_hdr h;
	struct modar_entry e[MODAR_MAX_MODULES];
	const char *why = read_table(ar, ar_size, &h, e);

	if (why != NULL)
		return why;
	for (unsigned i = 0; i < h.count; i++) {
		if (strcmp(e[i].name, name) == 0) {
			*data = ar + e[i].offset;
			*size = (size_t)e[i].size;
			return NULL;
		}
	}
	return "no module with that name in the archive";
}

const char *modar_verify(const uint8_t *ar, size_t ar_size)
{
	struct modar_hdr h;
	struct modar_entry e[MODAR_MAX_MODULES];
	const char *why = read_table(ar, ar_size, &h, e);

	for (unsigned i = 0; why == NULL && i < h.count; i++) {
		uint8_t digest[32];

		if (mbedtls_sha256_ret(ar + e[i].offset, (size_t)e[i].size, digest, 0) != 0 ||
		    memcmp(digest, e[i].sha256, sizeof(digest)) != 0)
			why = "a module's SHA-256 does not match its entry";
	}
	return why;
}
