/* SPDX-License-Identifier: MIT */
/* Finding a module in the archive (include/abi/modar.h), and checking its digests. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Checks the archive's header and every entry (bounds, alignment, names,
 * overlaps) and finds `name`: NULL with *data and *size set, or what is
 * wrong ("no module named ..." included). Portable: kernel and host tests.
 *
 * The digests are not read here. The archive is part of the kernel image:
 * the firmware measures it with the image at launch (under SNP the launch
 * digest covers every page of it, and the relying party checks that), so
 * a changed module changes the measurement, and a check made by code in
 * that same image would add no trust. Hashing 5 MiB at each boot cost
 * 0.14 s under TCG, a seventh of the start-up budget.
 */
const char *modar_find(const uint8_t *ar, size_t ar_size, const char *name, const uint8_t **data,
		       size_t *size);
/*
 * Everything modar_find checks, plus every module's SHA-256 against its
 * entry: NULL, or what is wrong. For the build's own check of the archive
 * it packed (the self-tests, host tests), not the boot path.
 */
const char *modar_verify(const uint8_t *ar, size_t ar_size);

/* The archive the kernel was built with (the .S tools/pack_modules.py writes). */
extern const uint8_t svsm_modules[], svsm_modules_end[];
