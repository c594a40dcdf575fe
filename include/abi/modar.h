/* SPDX-License-Identifier: MIT */
/*
 * The module archive packed into the kernel image at build time
 * (tools/pack_modules.py writes it, svsm/task/modar.c checks it): this
 * project's own format. Little endian. A header, then `count` entries,
 * then each module's bytes at its (4096-aligned) offset from the start of
 * the archive, with its SHA-256 in the entry.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define MODAR_MAGIC "SVSMMODS"
#define MODAR_VERSION 1u
#define MODAR_MAX_MODULES 16u
#define MODAR_NAME_MAX 32u
#define MODAR_ALIGN 4096u

struct modar_hdr {
	char magic[8];       /* "SVSMMODS", no NUL */
	uint32_t version;    /* MODAR_VERSION */
	uint32_t count;      /* entries, 1..MODAR_MAX_MODULES */
	uint64_t total_size; /* bytes of the whole archive */
} __attribute__((packed));

struct modar_entry {
	char name[MODAR_NAME_MAX]; /* NUL-terminated, NUL-padded, unique, not empty */
	uint64_t offset;           /* from the archive start, MODAR_ALIGN-aligned, past the table */
	uint64_t size;             /* > 0 */
	uint8_t sha256[32];        /* of the size bytes at offset */
} __attribute__((packed));

_Static_assert(sizeof(struct modar_hdr) == 24, "module archive header");
_Static_assert(offsetof(struct modar_hdr, count) == 12, "module archive count");
_Static_assert(offsetof(struct modar_hdr, total_size) == 16, "module archive size");
_Static_assert(sizeof(struct modar_entry) == 80, "module archive entry");
_Static_assert(offsetof(struct modar_entry, offset) == 32, "module entry offset");
_Static_assert(offsetof(struct modar_entry, size) == 40, "module entry size");
_Static_assert(offsetof(struct modar_entry, sha256) == 48, "module entry hash");
