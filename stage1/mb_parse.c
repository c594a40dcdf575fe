/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 information parsing (Multiboot Specification 0.6.96 §3.3).
 * Everything the loader hands over is checked: pointers must be reachable,
 * entry sizes must fit their buffer, ranges must not wrap.
 */
#include "mb_parse.h"

#include <stdbool.h>

#include "abi/multiboot.h"
#include "lib/string.h"
#include "phys.h"

/* The smallest entry that still holds base, length and type (§3.3). */
#define MB1_MMAP_MIN_SIZE 20u
/* A sanity bound on the map buffer: far above any real E820 table. */
#define MB1_MMAP_MAX_LENGTH 0x10000u

static uint32_t mem_type(uint32_t mb_type)
{
	switch (mb_type) {
	case MB1_MMAP_AVAILABLE:
		return BOOT_MEM_USABLE;
	case MB1_MMAP_ACPI:
		return BOOT_MEM_ACPI;
	case MB1_MMAP_NVS:
		return BOOT_MEM_NVS;
	case MB1_MMAP_BAD:
		return BOOT_MEM_BAD;
	default:
		/* §3.3: "any other value indicates a reserved area". */
		return BOOT_MEM_RESERVED;
	}
}

static const char *parse_mmap(const struct mb1_info *mbi, struct boot_info *bi)
{
	if (!(mbi->flags & MB1_INFO_MMAP))
		return "the loader gave no memory map (Multiboot flags bit 6)";
	if (mbi->mmap_length < MB1_MMAP_MIN_SIZE + 4 || mbi->mmap_length > MB1_MMAP_MAX_LENGTH)
		return "Multiboot mmap_length is out of range";

	const uint8_t *buf = phys_ptr(mbi->mmap_addr, mbi->mmap_length);

	if (buf == NULL)
		return "Multiboot memory map is not addressable";

	uint32_t off = 0;

	bi->mem_count = 0;
	while (off < mbi->mmap_length) {
		uint32_t size;
		struct mb1_mmap_entry e;

		if (mbi->mmap_length - off < 4)
			return "Multiboot memory map ends inside an entry";
		memcpy(&size, buf + off, 4);
		if (size < MB1_MMAP_MIN_SIZE || size > mbi->mmap_length - off - 4)
			return "Multiboot memory-map entry size is invalid";
		memcpy(&e, buf + off, sizeof(e));
		off += size + 4;
		if (e.length == 0)
			continue;
		if (e.base + e.length < e.base)
			return "Multiboot memory-map entry wraps the address space";
		if (bi->mem_count == BOOT_INFO_MAX_MEM)
			return "more than 64 memory-map entries";
		bi->mem[bi->mem_count++] = (struct boot_mem_range){
			.base = e.base,
			.size = e.length,
			.type = mem_type(e.type),
		};
	}
	if (bi->mem_count == 0)
		return "Multiboot memory map has no entries";
	return NULL;
}

/*
 * Multiboot loaders (QEMU -kernel, GRUB) put the image's path first, as
 * argv[0]; the kernel gets only what follows it. The length limit applies
 * to what the kernel gets.
 */
static const char *parse_cmdline(const struct mb1_info *mbi, struct boot_info *bi)
{
	bool in_argv0 = true;
	uint32_t n = 0;

	memset(bi->cmdline, 0, sizeof(bi->cmdline));
	if (!(mbi->flags & MB1_INFO_CMDLINE))
		return NULL;
	/* A loader string is bounded by the 4 GiB a 32-bit pointer reaches. */
	for (uint32_t i = 0; i < 0xFFFFFFFFu - mbi->cmdline; i++) {
		const char *c = phys_ptr((uint64_t)mbi->cmdline + i, 1);

		if (c == NULL)
			return "Multiboot command line is not addressable";
		if (*c == '\0')
			return NULL;
		if (in_argv0) {
			if (*c == ' ')
				in_argv0 = false;
			continue;
		}
		if (n == 0 && *c == ' ')
			continue;
		if (n == BOOT_INFO_CMDLINE_MAX - 1) {
			memset(bi->cmdline, 0, sizeof(bi->cmdline));
			return "command line is longer than 255 bytes";
		}
		bi->cmdline[n++] = *c;
	}
	return "Multiboot command line is not terminated";
}

/*
 * The payload: at most one module (QEMU: -initrd FILE), page aligned
 * (header flag MB1_HF_PAGE_ALIGN), not empty, not wrapping. Where it may
 * lie is checked by stage 2 against the memory map and the image.
 */
static const char *parse_modules(const struct mb1_info *mbi, struct boot_info *bi)
{
	bi->payload_pa = 0;
	bi->payload_size = 0;
	if (!(mbi->flags & MB1_INFO_MODS) || mbi->mods_count == 0)
		return NULL;
	if (mbi->mods_count > 1)
		return "more than one Multiboot module (only one payload is supported)";

	const struct mb1_module *p = phys_ptr(mbi->mods_addr, sizeof(*p));

	if (p == NULL)
		return "Multiboot module list is not addressable";

	struct mb1_module m;

	memcpy(&m, p, sizeof(m));
	if (m.mod_end <= m.mod_start)
		return "Multiboot module is empty or ends before it starts";
	if (m.mod_start % 4096u != 0)
		return "Multiboot module is not page aligned";
	bi->payload_pa = m.mod_start;
	bi->payload_size = (uint64_t)m.mod_end - m.mod_start;
	return NULL;
}

const char *mb_parse(uint32_t magic, uint32_t mbi_pa, struct boot_info *bi)
{
	if (magic != MB1_BOOT_MAGIC)
		return "not started by a Multiboot loader (EAX is not 0x2BADB002)";

	const struct mb1_info *p = phys_ptr(mbi_pa, sizeof(*p));

	if (p == NULL)
		return "Multiboot information is not addressable";

	struct mb1_info mbi;

	memcpy(&mbi, p, sizeof(mbi)); /* read the loader's record once */

	/* Build into a scratch copy so a refusal leaves *bi as it was. */
	static struct boot_info scratch;

	scratch = *bi;
	const char *why = parse_mmap(&mbi, &scratch);

	if (why == NULL)
		why = parse_cmdline(&mbi, &scratch);
	if (why == NULL)
		why = parse_modules(&mbi, &scratch);
	if (why == NULL)
		*bi = scratch;
	return why;
}
