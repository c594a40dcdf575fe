/* SPDX-License-Identifier: MIT */
/*
 * A Linux bzImage as a loader takes it (svsm/guest/linux_image.c): the
 * setup header read and checked once, and what placing the kernel needs.
 * Portable: tools/igvm-build checks the file when it packs it, and the
 * SVSM checks the measured copy again before it launches it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/linux_boot.h"

struct linux_image {
	struct linux_setup_header hdr; /* as in the file (the copy the checks ran on) */
	uint32_t setup_size;           /* bytes of the real-mode part, the boot sector included */
	uint64_t kernel_size;          /* bytes of the protected-mode part (the rest of the file) */
	uint64_t alignment;            /* where the kernel may run: a multiple of this */
	uint64_t init_size;            /* bytes from the run address the kernel needs */
	uint32_t cmdline_max;          /* longest command line, NUL excluded */
};

/*
 * Checks the first `len` bytes of a bzImage of `file_size` bytes in all
 * (len may be just the setup part): NULL and *img, or why it is refused.
 * Refused: no boot flag or "HdrS", a boot protocol before 2.12, no 64-bit
 * entry, not relocatable, a setup part or syssize that does not fit the
 * file, an alignment that is not a power of two from 4 KiB to 1 GiB, an
 * init_size smaller than the kernel.
 */
const char *linux_image_check(const uint8_t *file, size_t len, uint64_t file_size, struct linux_image *img);

/* A command line of len bytes (NUL excluded) for this kernel: NULL, or why not. */
const char *linux_cmdline_check(const struct linux_image *img, const char *cmdline, size_t len);
