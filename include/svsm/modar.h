/* SPDX-License-Identifier: MIT */
/* Finding a module in the archive (include/abi/modar.h) after checking all of it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Checks the whole archive (header, every entry, every module's SHA-256)
 * and finds `name`: NULL with *data and *size set, or what is wrong ("no module
 * named ..." included). Portable: kernel and host tests.
 */
const char *modar_find(const uint8_t *ar, size_t ar_size, const char *name, const uint8_t **data,
		       size_t *size);

/* The archive the kernel was built with (the .S tools/pack_modules.py writes). */
extern const uint8_t svsm_modules[], svsm_modules_end[];
