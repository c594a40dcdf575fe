/* SPDX-License-Identifier: MIT */
/* The bzImage setup header, read once and checked (include/svsm/linux_image.h). */
#include "svsm/linux_image.h"

#include "lib/string.h"

#define MIN_ALIGNMENT 0x1000ull
#define MAX_ALIGNMENT (1ull << 30)

const char *linux_image_check(const uint8_t *file, size_t len, uint64_t file_size, struct linux_image *img)
{
	struct linux_setup_header *h = &img->hdr;
	unsigned sects;

	memset(img, 0, sizeof(*img));
	if (len > file_size)
		return "more bytes given than the file has";
	if (len < LINUX_SETUP_HDR_OFFSET + sizeof(*h))
		return "file too short for a setup header";
	memcpy(h, file + LINUX_SETUP_HDR_OFFSET, sizeof(*h));
	if (h->boot_flag != LINUX_BOOT_FLAG || h->header != LINUX_HDR_MAGIC)
		return "no Linux setup header (boot flag 0xAA55 and \"HdrS\")";
	if (h->version < LINUX_MIN_PROTOCOL)
		return "boot protocol before 2.12 (no 64-bit entry)";
	/* boot.rst: the header runs to 0x202 + the byte at 0x201; 2.12's fields end at 0x23C. */
	if (0x202u + file[0x201] < 0x23Cu)
		return "setup header shorter than its protocol version says";
	if (!(h->loadflags & LINUX_LOADED_HIGH))
		return "not a bzImage (LOADED_HIGH clear)";
	if (!(h->xloadflags & LINUX_XLF_KERNEL_64))
		return "no 64-bit entry (XLF_KERNEL_64 clear)";
	if (!h->relocatable_kernel)
		return "kernel not relocatable";
	sects = h->setup_sects ? h->setup_sects : LINUX_SETUP_SECTS_DEFAULT;
	img->setup_size = (sects + 1u) * 512u;
	if (img->setup_size >= file_size)
		return "setup part as large as the file: no kernel";
	if (img->setup_size > len)
		return "fewer bytes given than the setup part";
	img->kernel_size = file_size - img->setup_size;
	/* syssize counts 16-byte units of the protected-mode part; the file may pad it. */
	if (h->syssize == 0 || (uint64_t)h->syssize * 16u > img->kernel_size)
		return "syssize does not fit the file";
	img->alignment = h->kernel_alignment;
	if (img->alignment < MIN_ALIGNMENT || img->alignment > MAX_ALIGNMENT ||
	    (img->alignment & (img->alignment - 1)) != 0)
		return "kernel_alignment not a power of two from 4 KiB to 1 GiB";
	img->init_size = h->init_size;
	if (img->init_size < img->kernel_size)
		return "init_size smaller than the kernel";
	img->cmdline_max = h->version >= 0x0206u ? h->cmdline_size : 255u;
	return NULL;
}

const char *linux_cmdline_check(const struct linux_image *img, const char *cmdline, size_t len)
{
	if (len > img->cmdline_max)
		return "command line longer than the kernel takes (cmdline_size)";
	if (strnlen(cmdline, len) != len)
		return "command line has a NUL inside";
	return NULL;
}
