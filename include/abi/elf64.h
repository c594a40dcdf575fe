/* SPDX-License-Identifier: MIT */
/*
 * ELF-64 file structures used to load the SVSM kernel (and, later, CPL3
 * modules). Source: System V ABI, "ELF-64 Object File Format" v1.5 (file
 * header, program header) and the x86-64 psABI (EM_X86_64 = 62).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define EI_NIDENT 16
#define EI_MAG0 0
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_OSABI 7
#define EI_ABIVERSION 8
#define EI_PAD 9

#define ELFMAG0 0x7F
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ELFOSABI_SYSV 0
#define ELFOSABI_GNU 3

#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62

#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_SHLIB 5
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_EH_FRAME 0x6474E550u
#define PT_GNU_STACK 0x6474E551u
#define PT_GNU_RELRO 0x6474E552u
#define PT_GNU_PROPERTY 0x6474E553u

#define PF_X 0x1u
#define PF_W 0x2u
#define PF_R 0x4u

#define SHN_UNDEF 0

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
} __attribute__((packed));
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF-64 §3 file header size");
_Static_assert(offsetof(struct elf64_ehdr, e_entry) == 24, "ELF-64 §3");
_Static_assert(offsetof(struct elf64_ehdr, e_phoff) == 32, "ELF-64 §3");
_Static_assert(offsetof(struct elf64_ehdr, e_flags) == 48, "ELF-64 §3");
_Static_assert(offsetof(struct elf64_ehdr, e_phnum) == 56, "ELF-64 §3");
_Static_assert(offsetof(struct elf64_ehdr, e_shstrndx) == 62, "ELF-64 §3");

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
} __attribute__((packed));
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF-64 §6 program header size");
_Static_assert(offsetof(struct elf64_phdr, p_offset) == 8, "ELF-64 §6");
_Static_assert(offsetof(struct elf64_phdr, p_filesz) == 32, "ELF-64 §6");
_Static_assert(offsetof(struct elf64_phdr, p_align) == 48, "ELF-64 §6");

/* Section header size, checked when e_shnum != 0 (ELF-64 §4). */
#define ELF64_SHDR_SIZE 64
