/* SPDX-License-Identifier: MIT */
/*
 * The CPL3 executable checker (include/svsm/elf_user.h). Field meanings:
 * System V ELF-64 Object File Format v1.5 (§3 file header, §6 program
 * header), the gABI program header types, and the x86-64 psABI.
 */
#include "svsm/elf_user.h"

#include <stdbool.h>
#include <stddef.h>

#include "../../stage1/elf_check.h"
#include "abi/elf64.h"
#include "abi/x86.h"
#include "lib/string.h"

static bool in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static uint64_t page_down(uint64_t v)
{
	return v & ~(PAGE_SIZE - 1);
}

static const char *check_ehdr(const struct elf64_ehdr *eh, uint64_t size)
{
	const char *why = elf_check_ehdr_common(eh, size, ELF_USER_MAX_PHNUM);

	if (why != NULL)
		return why;
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return "e_type is neither ET_EXEC nor ET_DYN";
	return NULL;
}

static const char *check_load(const struct elf64_phdr *ph, uint64_t size, uint64_t base)
{
	const char *why = elf_check_load_common(ph, size);

	if (why != NULL)
		return why;
	/* Within the image window, with the base applied, without wrapping. */
	if (ph->p_vaddr > ELF_USER_VA_MAX || ph->p_memsz > ELF_USER_VA_MAX ||
	    base + ph->p_vaddr < ELF_USER_VA_MIN || base + ph->p_vaddr + ph->p_memsz > ELF_USER_VA_MAX)
		return "PT_LOAD lies outside the user image window";
	return NULL;
}

static const char *add_load(struct elf_user *u, const struct elf64_phdr *ph, uint64_t base)
{
	if (u->seg_count == ELF_USER_MAX_SEGS)
		return "more than 8 PT_LOAD segments";
	if (u->seg_count > 0) {
		const struct elf_user_seg *prev = &u->seg[u->seg_count - 1];
		uint64_t prev_end = page_down(prev->vaddr + prev->memsz + PAGE_SIZE - 1);

		/* gABI: sorted by p_vaddr; the loader gives each page one segment's rights. */
		if (page_down(base + ph->p_vaddr) < prev_end)
			return "PT_LOAD segments share a page, overlap or are not sorted";
	}
	u->seg[u->seg_count++] = (struct elf_user_seg){
		.vaddr = base + ph->p_vaddr,
		.memsz = ph->p_memsz,
		.offset = ph->p_offset,
		.filesz = ph->p_filesz,
		.flags = ph->p_flags,
	};
	return NULL;
}

/* The program headers must be in a loaded segment's file data, so AT_PHDR points at them. */
static bool phdr_loaded(const struct elf_user *u, const struct elf64_ehdr *eh, uint64_t *va)
{
	uint64_t len = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr);

	for (unsigned i = 0; i < u->seg_count; i++) {
		const struct elf_user_seg *s = &u->seg[i];

		if (eh->e_phoff >= s->offset && eh->e_phoff - s->offset <= s->filesz &&
		    len <= s->filesz - (eh->e_phoff - s->offset)) {
			*va = s->vaddr + (eh->e_phoff - s->offset);
			return true;
		}
	}
	return false;
}

static const char *check_phdrs(const uint8_t *img, const struct elf64_ehdr *eh, uint64_t size,
			       uint64_t base, struct elf_user *u)
{
	bool tls = false, dynamic = false;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		struct elf64_phdr ph;
		const char *why = NULL;

		memcpy(&ph, img + eh->e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		switch (ph.p_type) {
		case PT_NULL:
		case PT_NOTE:
		case PT_PHDR:
		case PT_GNU_PROPERTY:
		case PT_GNU_EH_FRAME:
		case PT_GNU_RELRO:
			break;
		case PT_GNU_STACK:
			if ((ph.p_flags & PF_X) != 0)
				return "PT_GNU_STACK asks for an executable stack";
			u->stack_flags = ph.p_flags;
			break;
		case PT_TLS:
			if (tls)
				return "more than one PT_TLS";
			if (ph.p_filesz > ph.p_memsz || !in_file(ph.p_offset, ph.p_filesz, size) ||
			    (ph.p_align != 0 && (ph.p_align & (ph.p_align - 1)) != 0))
				return "PT_TLS is malformed";
			tls = true;
			break;
		case PT_DYNAMIC:
			/* A static-PIE's own relocations; an ET_EXEC has none to apply. */
			if (eh->e_type != ET_DYN)
				return "PT_DYNAMIC in an ET_EXEC: a dynamic executable";
			if (dynamic || !in_file(ph.p_offset, ph.p_filesz, size))
				return "PT_DYNAMIC is malformed or repeated";
			dynamic = true;
			break;
		case PT_INTERP:
			return "PT_INTERP: a dynamically linked executable (modules must be static)";
		case PT_LOAD:
			why = check_load(&ph, size, base);
			if (why == NULL)
				why = add_load(u, &ph, base);
			break;
		default:
			return "program header type not allowed in a static executable";
		}
		if (why != NULL)
			return why;
	}
	if (u->seg_count == 0)
		return "no PT_LOAD segment";
	if (eh->e_type == ET_DYN && !dynamic)
		return "ET_DYN without PT_DYNAMIC: not a static-PIE";
	return NULL;
}

const char *elf_user_check(const uint8_t *img, uint64_t size, uint64_t pie_base, struct elf_user *out)
{
	struct elf64_ehdr eh;
	struct elf_user u;
	const char *why;

	memset(&u, 0, sizeof(u));
	if (img == NULL || size < sizeof(eh))
		return "file is shorter than an ELF header";
	memcpy(&eh, img, sizeof(eh));
	why = check_ehdr(&eh, size);
	if (why != NULL)
		return why;
	u.base = eh.e_type == ET_DYN ? pie_base : 0;
	if ((u.base & (PAGE_SIZE - 1)) != 0 || u.base > ELF_USER_VA_MAX)
		return "static-PIE base is not a page-aligned user address";
	why = check_phdrs(img, &eh, size, u.base, &u);
	if (why != NULL)
		return why;

	bool entry_ok = false;

	for (unsigned i = 0; i < u.seg_count; i++) {
		const struct elf_user_seg *s = &u.seg[i];

		if ((s->flags & PF_X) && u.base + eh.e_entry >= s->vaddr &&
		    u.base + eh.e_entry - s->vaddr < s->filesz)
			entry_ok = true;
	}
	if (!entry_ok)
		return "e_entry is not inside an executable segment's file data";
	if (!phdr_loaded(&u, &eh, &u.phdr))
		return "the program headers are not in a loaded segment (no AT_PHDR)";
	u.entry = u.base + eh.e_entry;
	u.phnum = eh.e_phnum;
	u.va_start = page_down(u.seg[0].vaddr);
	u.va_end = page_down(u.seg[u.seg_count - 1].vaddr + u.seg[u.seg_count - 1].memsz + PAGE_SIZE - 1);
	*out = u;
	return NULL;
}
