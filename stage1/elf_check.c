/* SPDX-License-Identifier: MIT */
/*
 * Kernel ELF validation. Field meanings: System V ELF-64 Object File Format
 * v1.5 (§3 file header, §6 program header). The kernel is a static ET_EXEC
 * for x86-64 with page-aligned segments, so each page gets exact rights.
 */
#include "elf_check.h"

#include <stdbool.h>
#include <stddef.h>
#include "lib/string.h"

#include "abi/elf64.h"
#include "abi/x86.h"

/* Overflow-safe: does [off, off + len) lie within [0, size)? */
static bool in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static const char *elf_check_ident(const struct elf64_ehdr *eh)
{
	static const uint8_t magic[4] = { ELFMAG0, 'E', 'L', 'F' };

	if (memcmp(eh->e_ident, magic, 4) != 0)
		return "bad ELF magic (e_ident[0..3])";
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return "e_ident[EI_CLASS] is not ELFCLASS64";
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return "e_ident[EI_DATA] is not little endian";
	if (eh->e_ident[EI_VERSION] != EV_CURRENT)
		return "e_ident[EI_VERSION] is not EV_CURRENT";
	if (eh->e_ident[EI_OSABI] != ELFOSABI_SYSV && eh->e_ident[EI_OSABI] != ELFOSABI_GNU)
		return "e_ident[EI_OSABI] is not System V or GNU";
	if (eh->e_ident[EI_ABIVERSION] != 0)
		return "e_ident[EI_ABIVERSION] is not 0";
	for (int i = EI_PAD; i < EI_NIDENT; i++) {
		if (eh->e_ident[i] != 0)
			return "e_ident padding is not zero";
	}
	return NULL;
}

const char *elf_check_ehdr_common(const struct elf64_ehdr *eh, uint64_t size, unsigned max_phnum)
{
	const char *why = elf_check_ident(eh);

	if (why != NULL)
		return why;
	if (eh->e_machine != EM_X86_64)
		return "e_machine is not EM_X86_64";
	if (eh->e_version != EV_CURRENT)
		return "e_version is not EV_CURRENT";
	if (eh->e_flags != 0)
		return "e_flags is not 0";
	if (eh->e_ehsize != sizeof(struct elf64_ehdr))
		return "e_ehsize is not 64";
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return "e_phentsize is not 56";
	if (eh->e_phnum == 0 || eh->e_phnum > max_phnum)
		return "e_phnum is 0 or above the loader's limit";
	if (eh->e_phoff < sizeof(struct elf64_ehdr) || eh->e_phoff % 8 != 0)
		return "e_phoff overlaps the file header or is misaligned";
	if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr), size))
		return "program header table lies outside the file";
	return NULL;
}

static const char *check_ehdr(const struct elf64_ehdr *eh, uint64_t size)
{
	const char *why = elf_check_ehdr_common(eh, size, ELF_KERNEL_MAX_PHNUM);

	if (why != NULL)
		return why;
	if (eh->e_type != ET_EXEC)
		return "e_type is not ET_EXEC";
	if (eh->e_shnum == 0) {
		/* e_shoff != 0 with e_shnum == 0 is extended numbering: not for us. */
		if (eh->e_shoff != 0 || eh->e_shstrndx != SHN_UNDEF)
			return "e_shoff/e_shstrndx set without sections";
	} else {
		if (eh->e_shentsize != ELF64_SHDR_SIZE)
			return "e_shentsize is not 64";
		if (eh->e_shoff % 8 != 0 ||
		    !in_file(eh->e_shoff, (uint64_t)eh->e_shnum * ELF64_SHDR_SIZE, size))
			return "section header table lies outside the file";
		if (eh->e_shstrndx >= eh->e_shnum)
			return "e_shstrndx is not a section index";
	}
	return NULL;
}

const char *elf_check_load_common(const struct elf64_phdr *ph, uint64_t size)
{
	if ((ph->p_flags & ~(PF_R | PF_W | PF_X)) != 0)
		return "PT_LOAD p_flags has bits other than R/W/X";
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
		return "PT_LOAD is both writable and executable";
	if (ph->p_memsz == 0)
		return "PT_LOAD p_memsz is 0";
	if (ph->p_filesz > ph->p_memsz)
		return "PT_LOAD p_filesz exceeds p_memsz";
	if (!in_file(ph->p_offset, ph->p_filesz, size))
		return "PT_LOAD file data lies outside the file";
	if (ph->p_align != 0 && (ph->p_align & (ph->p_align - 1)) != 0)
		return "PT_LOAD p_align is not a power of two";
	if (ph->p_offset % PAGE_SIZE != ph->p_vaddr % PAGE_SIZE)
		return "PT_LOAD p_offset and p_vaddr disagree modulo the page size";
	return NULL;
}

static const char *check_load(const struct elf64_phdr *ph, uint64_t size, uint64_t va_min)
{
	const char *why = elf_check_load_common(ph, size);

	if (why != NULL)
		return why;
	if (ph->p_vaddr % PAGE_SIZE != 0)
		return "PT_LOAD p_vaddr is not page aligned";
	if (ph->p_vaddr < va_min)
		return "PT_LOAD lies below the kernel's address window";
	if (ph->p_memsz > ~0ull - ph->p_vaddr - (PAGE_SIZE - 1))
		return "PT_LOAD end wraps the address space";
	return NULL;
}

static const char *check_segments(const uint8_t *img, const struct elf64_ehdr *eh,
				  uint64_t size, uint64_t va_min, struct elf_kernel *k)
{
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, img + eh->e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		switch (ph.p_type) {
		case PT_NULL:
		case PT_NOTE:
		case PT_GNU_STACK:
		case PT_GNU_PROPERTY:
			continue;
		case PT_LOAD:
			break;
		default:
			return "program header type not allowed in a static kernel";
		}
		const char *why = check_load(&ph, size, va_min);

		if (why != NULL)
			return why;
		if (k->seg_count == ELF_KERNEL_MAX_SEGS)
			return "more than 8 PT_LOAD segments";
		if (k->seg_count > 0) {
			const struct elf_segment *prev = &k->seg[k->seg_count - 1];
			uint64_t prev_end = (prev->vaddr + prev->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

			/* gABI: PT_LOAD entries are sorted by p_vaddr. */
			if (ph.p_vaddr < prev_end)
				return "PT_LOAD segments overlap or are not sorted";
		}
		k->seg[k->seg_count++] = (struct elf_segment){
			.vaddr = ph.p_vaddr,
			.memsz = ph.p_memsz,
			.offset = ph.p_offset,
			.filesz = ph.p_filesz,
			.flags = ph.p_flags,
		};
	}
	if (k->seg_count == 0)
		return "no PT_LOAD segment";
	return NULL;
}

const char *elf_kernel_check(const uint8_t *img, uint64_t size, uint64_t va_min,
			     uint64_t max_span, struct elf_kernel *out)
{
	struct elf64_ehdr eh;
	struct elf_kernel k;
	const char *why;

	memset(&k, 0, sizeof(k));
	if (img == NULL || size < sizeof(eh))
		return "file is shorter than an ELF header";
	memcpy(&eh, img, sizeof(eh));
	why = check_ehdr(&eh, size);
	if (why != NULL)
		return why;
	why = check_segments(img, &eh, size, va_min, &k);
	if (why != NULL)
		return why;

	const struct elf_segment *last = &k.seg[k.seg_count - 1];

	k.va_start = k.seg[0].vaddr;
	k.va_end = (last->vaddr + last->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (k.va_end - k.va_start > max_span)
		return "kernel spans more than the loader allows";

	bool entry_ok = false;

	for (unsigned i = 0; i < k.seg_count; i++) {
		const struct elf_segment *s = &k.seg[i];

		if ((s->flags & PF_X) && eh.e_entry >= s->vaddr &&
		    eh.e_entry - s->vaddr < s->filesz)
			entry_ok = true;
	}
	if (!entry_ok)
		return "e_entry is not inside an executable segment's file data";
	k.entry = eh.e_entry;
	*out = k;
	return NULL;
}

void elf_kernel_load(const uint8_t *img, const struct elf_kernel *k, uint8_t *dst)
{
	memset(dst, 0, (size_t)(k->va_end - k->va_start));
	for (unsigned i = 0; i < k->seg_count; i++) {
		const struct elf_segment *s = &k->seg[i];

		memcpy(dst + (s->vaddr - k->va_start), img + s->offset, (size_t)s->filesz);
	}
}
