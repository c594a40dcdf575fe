/* SPDX-License-Identifier: MIT */
/* Kernel ELF validation: a good image, the real kernel, and one refusal per rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/elf64.h"
#include "elf_check.h"
#include "svsm/boot_info.h"

#define KBASE SVSM_KERNEL_VA_BASE
#define IMG_SIZE 0x4000

static uint8_t img[IMG_SIZE];

static struct elf64_ehdr *eh(void)
{
	return (struct elf64_ehdr *)img;
}

static struct elf64_phdr *ph(int i)
{
	return (struct elf64_phdr *)(img + 64 + i * 56);
}

/* A minimal valid kernel: text RX at KBASE, data RW with bss at KBASE + 0x2000. */
static void build_good(void)
{
	memset(img, 0, sizeof(img));
	memcpy(eh()->e_ident, "\x7f" "ELF", 4);
	eh()->e_ident[EI_CLASS] = ELFCLASS64;
	eh()->e_ident[EI_DATA] = ELFDATA2LSB;
	eh()->e_ident[EI_VERSION] = EV_CURRENT;
	eh()->e_type = ET_EXEC;
	eh()->e_machine = EM_X86_64;
	eh()->e_version = EV_CURRENT;
	eh()->e_entry = KBASE + 0x10;
	eh()->e_phoff = 64;
	eh()->e_ehsize = 64;
	eh()->e_phentsize = 56;
	eh()->e_phnum = 3;
	*ph(0) = (struct elf64_phdr){ PT_LOAD, PF_R | PF_X, 0x1000, KBASE, KBASE, 0x1000, 0x1000, 0x1000 };
	*ph(1) = (struct elf64_phdr){ PT_LOAD, PF_R | PF_W, 0x2000, KBASE + 0x2000, KBASE + 0x2000,
				      0x800, 0x3000, 0x1000 };
	*ph(2) = (struct elf64_phdr){ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16 };
	memset(img + 0x1000, 0x90, 0x1000);
	memset(img + 0x2000, 0xAB, 0x800);
}

static const char *check(struct elf_kernel *k)
{
	return elf_kernel_check(img, IMG_SIZE, KBASE, 64u << 20, k);
}

static void good_image_accepted_and_loaded(void **state)
{
	struct elf_kernel k;
	(void)state;

	build_good();
	assert_null(check(&k));
	assert_int_equal(k.seg_count, 2);
	assert_int_equal(k.entry, KBASE + 0x10);
	assert_int_equal(k.va_start, KBASE);
	assert_int_equal(k.va_end, KBASE + 0x5000);

	uint8_t *dst = malloc(0x5000);

	memset(dst, 0x55, 0x5000);
	elf_kernel_load(img, &k, dst);
	assert_int_equal(dst[0], 0x90);
	assert_int_equal(dst[0xFFF], 0x90);
	assert_int_equal(dst[0x1000], 0); /* gap between segments is zeroed */
	assert_int_equal(dst[0x2000], 0xAB);
	assert_int_equal(dst[0x27FF], 0xAB);
	assert_int_equal(dst[0x2800], 0); /* bss */
	assert_int_equal(dst[0x4FFF], 0);
	free(dst);
}

static void real_kernel_accepted(void **state)
{
	const char *path = getenv("SVSM_KERNEL_ELF");
	(void)state;

	assert_non_null(path);
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	static uint8_t buf[32u << 20]; /* the kernel with its module archive */
	size_t n = fread(buf, 1, sizeof(buf), f);

	fclose(f);
	assert_true(n > 64 && n < sizeof(buf));

	struct elf_kernel k;

	assert_null(elf_kernel_check(buf, n, KBASE, SVSM_KERNEL_MAX_SIZE, &k));
	assert_int_equal(k.seg_count, 3); /* text, rodata, data (svsm/svsm.ld) */
	assert_int_equal(k.seg[0].flags, PF_R | PF_X);
	assert_int_equal(k.seg[1].flags, PF_R);
	assert_int_equal(k.seg[2].flags, PF_R | PF_W);
	/* Truncating the file by one byte of the last segment's data is refused. */
	uint64_t need = k.seg[2].offset + k.seg[2].filesz;

	assert_non_null(elf_kernel_check(buf, need - 1, KBASE, SVSM_KERNEL_MAX_SIZE, &k));
}

struct mutation {
	const char *name;
	void (*apply)(void);
	const char *reason;
};

static void m_magic(void) { img[3] = 'G'; }
static void m_class(void) { eh()->e_ident[EI_CLASS] = 1; }
static void m_data(void) { eh()->e_ident[EI_DATA] = 2; }
static void m_identver(void) { eh()->e_ident[EI_VERSION] = 0; }
static void m_osabi(void) { eh()->e_ident[EI_OSABI] = 9; }
static void m_abiver(void) { eh()->e_ident[EI_ABIVERSION] = 1; }
static void m_pad(void) { eh()->e_ident[15] = 1; }
static void m_type(void) { eh()->e_type = ET_DYN; }
static void m_machine(void) { eh()->e_machine = 3; }
static void m_version(void) { eh()->e_version = 2; }
static void m_flags(void) { eh()->e_flags = 1; }
static void m_ehsize(void) { eh()->e_ehsize = 52; }
static void m_phentsize(void) { eh()->e_phentsize = 32; }
static void m_phnum0(void) { eh()->e_phnum = 0; }
static void m_phnum_big(void) { eh()->e_phnum = 17; }
static void m_phoff_low(void) { eh()->e_phoff = 8; }
static void m_phoff_misaligned(void) { eh()->e_phoff = 65; }
static void m_phoff_out(void) { eh()->e_phoff = IMG_SIZE - 56; }
static void m_phoff_wrap(void) { eh()->e_phoff = ~0ull - 7; }
static void m_shoff_no_sections(void) { eh()->e_shoff = 0x100; }
static void m_shentsize(void) { eh()->e_shnum = 1; eh()->e_shentsize = 40; eh()->e_shoff = 0x200; }
static void m_shoff_out(void) { eh()->e_shnum = 2; eh()->e_shentsize = 64; eh()->e_shoff = IMG_SIZE - 64; }
static void m_shstrndx(void) { eh()->e_shnum = 1; eh()->e_shentsize = 64; eh()->e_shoff = 0x200; eh()->e_shstrndx = 1; }
static void m_ptype(void) { ph(2)->p_type = PT_DYNAMIC; }
static void m_interp(void) { ph(2)->p_type = PT_INTERP; }
static void m_tls(void) { ph(2)->p_type = PT_TLS; }
static void m_pflags(void) { ph(0)->p_flags |= 0x8; }
static void m_wx(void) { ph(0)->p_flags = PF_R | PF_W | PF_X; }
static void m_memsz0(void) { ph(1)->p_memsz = 0; ph(1)->p_filesz = 0; }
static void m_filesz(void) { ph(1)->p_filesz = 0x4000; }
static void m_offset_out(void) { ph(1)->p_offset = IMG_SIZE - 0x100; ph(1)->p_vaddr = KBASE + 0x2F00; }
static void m_offset_wrap(void) { ph(1)->p_offset = ~0ull - 0x7FF; }
static void m_vaddr_align(void) { ph(1)->p_vaddr += 0x10; ph(1)->p_offset += 0x10; }
static void m_align(void) { ph(1)->p_align = 0x1800; }
static void m_congruent(void) { ph(1)->p_offset = 0x2100; }
static void m_low_va(void) { ph(0)->p_vaddr = 0x400000; eh()->e_entry = 0x400010; }
static void m_va_wrap(void) { ph(1)->p_vaddr = ~0ull & ~0xFFFull; }
static void m_overlap(void) { ph(1)->p_vaddr = KBASE; }
static void m_unsorted(void) { struct elf64_phdr t = *ph(0); *ph(0) = *ph(1); *ph(1) = t; }
static void m_no_load(void) { ph(0)->p_type = PT_NOTE; ph(1)->p_type = PT_NOTE; }
static void m_span(void) { ph(1)->p_memsz = 65u << 20; }
static void m_entry_data(void) { eh()->e_entry = KBASE + 0x2010; }
static void m_entry_outside(void) { eh()->e_entry = KBASE + 0x1000; }

static void m_too_many_loads(void)
{
	eh()->e_phnum = 9;
	for (int i = 0; i < 9; i++)
		*ph(i) = (struct elf64_phdr){ PT_LOAD, PF_R | (i == 0 ? PF_X : 0), 0x1000,
					      KBASE + i * 0x1000ull, 0, 0x100, 0x100, 0x1000 };
}

static const struct mutation mutations[] = {
	{ "magic", m_magic, "bad ELF magic" },
	{ "class", m_class, "EI_CLASS" },
	{ "data", m_data, "EI_DATA" },
	{ "ident version", m_identver, "EI_VERSION" },
	{ "osabi", m_osabi, "EI_OSABI" },
	{ "abiversion", m_abiver, "EI_ABIVERSION" },
	{ "padding", m_pad, "padding" },
	{ "type", m_type, "e_type" },
	{ "machine", m_machine, "e_machine" },
	{ "version", m_version, "e_version" },
	{ "flags", m_flags, "e_flags" },
	{ "ehsize", m_ehsize, "e_ehsize" },
	{ "phentsize", m_phentsize, "e_phentsize" },
	{ "phnum 0", m_phnum0, "e_phnum" },
	{ "phnum 17", m_phnum_big, "e_phnum" },
	{ "phoff in header", m_phoff_low, "e_phoff" },
	{ "phoff misaligned", m_phoff_misaligned, "e_phoff" },
	{ "phdrs outside file", m_phoff_out, "program header table" },
	{ "phoff wraps", m_phoff_wrap, "program header table" },
	{ "shoff without sections", m_shoff_no_sections, "without sections" },
	{ "shentsize", m_shentsize, "e_shentsize" },
	{ "shdrs outside file", m_shoff_out, "section header table" },
	{ "shstrndx", m_shstrndx, "e_shstrndx" },
	{ "PT_DYNAMIC", m_ptype, "not allowed" },
	{ "PT_INTERP", m_interp, "not allowed" },
	{ "PT_TLS", m_tls, "not allowed" },
	{ "p_flags extra bits", m_pflags, "bits other than" },
	{ "W+X segment", m_wx, "writable and executable" },
	{ "memsz 0", m_memsz0, "p_memsz is 0" },
	{ "filesz > memsz", m_filesz, "p_filesz exceeds" },
	{ "data outside file", m_offset_out, "outside the file" },
	{ "offset wraps", m_offset_wrap, "outside the file" },
	{ "vaddr not page aligned", m_vaddr_align, "not page aligned" },
	{ "align not power of two", m_align, "power of two" },
	{ "offset/vaddr incongruent", m_congruent, "modulo the page size" },
	{ "below kernel window", m_low_va, "below the kernel" },
	{ "segment wraps", m_va_wrap, "wraps" },
	{ "overlap", m_overlap, "overlap" },
	{ "unsorted", m_unsorted, "overlap or are not sorted" },
	{ "no PT_LOAD", m_no_load, "no PT_LOAD" },
	{ "too many PT_LOAD", m_too_many_loads, "more than 8" },
	{ "span too large", m_span, "spans more" },
	{ "entry in data", m_entry_data, "e_entry" },
	{ "entry past text", m_entry_outside, "e_entry" },
};

static void each_malformed_field_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		struct elf_kernel k;

		memset(&k, 0x5A, sizeof(k));
		build_good();
		mutations[i].apply();

		const char *why = check(&k);

		if (why == NULL || strstr(why, mutations[i].reason) == NULL) {
			print_error("mutation '%s': got '%s', want '%s'\n", mutations[i].name,
				    why ? why : "(accepted)", mutations[i].reason);
			fail();
		}
		/* A refusal leaves the output untouched. */
		for (size_t b = 0; b < sizeof(k); b++)
			assert_int_equal(((uint8_t *)&k)[b], 0x5A);
	}
}

static void short_files_refused(void **state)
{
	struct elf_kernel k;
	(void)state;

	build_good();
	for (uint64_t n = 0; n < 64; n++)
		assert_non_null(elf_kernel_check(img, n, KBASE, 64u << 20, &k));
	assert_non_null(elf_kernel_check(NULL, IMG_SIZE, KBASE, 64u << 20, &k));
	/* Cutting into the program headers or the segment data is refused. */
	assert_non_null(elf_kernel_check(img, 64 + 56, KBASE, 64u << 20, &k));
	assert_non_null(elf_kernel_check(img, 0x2000 + 0x7FF, KBASE, 64u << 20, &k));
	assert_null(elf_kernel_check(img, 0x2000 + 0x800, KBASE, 64u << 20, &k));
}

static void single_byte_flips_never_crash(void **state)
{
	(void)state;
	/* Every single-byte change to the headers is either refused or still a valid image. */
	for (unsigned off = 0; off < 64 + 3 * 56; off++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			struct elf_kernel k;

			build_good();
			img[off] ^= (uint8_t)(1u << bit);
			if (check(&k) == NULL) {
				assert_true(k.seg_count >= 1 && k.seg_count <= ELF_KERNEL_MAX_SEGS);
				assert_true(k.va_start >= KBASE && k.va_end > k.va_start);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_image_accepted_and_loaded),
		cmocka_unit_test(real_kernel_accepted),
		cmocka_unit_test(each_malformed_field_refused),
		cmocka_unit_test(short_files_refused),
		cmocka_unit_test(single_byte_flips_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
