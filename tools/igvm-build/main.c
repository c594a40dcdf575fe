/* SPDX-License-Identifier: MIT */
/*
 * igvm-build: packs svsm.img (and the payload the SVSM launches at VMPL2)
 * into one IGVM file for an SEV-SNP launch.
 *   igvm-build --svsm svsm.img -o OUT.igvm [--payload FILE] [--cmdline "WORDS"]
 *   igvm-build --svsm svsm.img -o OUT.igvm --linux bzImage [--initrd FILE] [--append "LINE"] [--cmdline ..]
 *   igvm-build --svsm svsm.img -o OUT.igvm --firmware OVMF.fd [--cmdline ..]
 * Layout and the launch block: include/abi/svsm_launch.h; the boot CPU
 * starts at the image's SNP entry (docs/BOOT.md) in 32-bit protected mode
 * with EBX = the launch block. The file is checked with lib/igvm.c before
 * it is written, and its launch digest printed (the same value
 * `snp-launch-digest --igvm` gives).
 * Exit 0; 1 an input is refused (with the reason); 2 usage or file error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../igvm/igvm_build.h"
#include "abi/igvm.h"
#include "abi/svsm_launch.h"
#include "abi/vmsa.h"
#include "lib/igvm.h"
#include "lib/ovmf_meta.h"
#include "svsm/errno.h"
#include "../tool_file.h"
#include "vsnp/igvm_measure.h"
#include "svsm/image.h"
#include "svsm/linux_image.h"

#define FILE_MAX (64u << 20)
#define INITRD_MAX (1024u << 20)
#define PAGE 4096ull
#define TWO_MB (2ull << 20)
#define SNP_MASK 1u
#define GUEST_POLICY 0x30000ull /* SMT allowed, reserved bit 17 set (SNP ABI 56860 §4.3 guest policy) */
/*
 * With a guest firmware, where the SVSM's region and heap go (the launch
 * block's svsm_mem): clear of the memory OVMF uses at fixed addresses
 * (its SEC memory and decompressed firmware volumes from 8 MiB, up to
 * about 21 MiB in OvmfPkgX64.fdf), 2 MiB aligned, and large enough for
 * the region (kernel, boot information, page tables: about 8 MiB) and
 * the 8 MiB heap with room to grow. The firmware's RAM ends where it
 * starts (OVMF 2025.02 takes all RAM below the top of its RAM under
 * 4 GiB as its own, reserved ranges or not; RAM above the range is not
 * the firmware's), so by default it is the top 32 MiB of a 256 MiB VM
 * (vsnp's default): OVMF and the OS it boots get the 224 MiB below. A VM
 * needs RAM up to the range's end to launch the file; --svsm-mem-gpa
 * places it elsewhere, for a bigger VM (Linux with its initramfs wants
 * more than 224 MiB).
 */
#define FW_SVSM_MEM_GPA 0xE000000ull
#define FW_SVSM_MEM_SIZE 0x2000000ull

static uint8_t *read_file(const char *path, size_t *len)
{
	return tool_read_file("igvm-build", path, FILE_MAX, len);
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/*
 * A Linux payload (include/abi/svsm_launch.h): the descriptor, command
 * line and setup part in the payload area at `at`; the kernel's
 * protected-mode part where it will run, the first multiple of its
 * alignment at or above both its preferred address and the payload
 * area's end; the initrd 2 MiB aligned after the kernel's init_size.
 * Fills *d and the area (3 pages and the setup part); returns the end of
 * everything, or 0 with the reason in *why.
 */
static uint64_t linux_layout(const uint8_t *bz, size_t bz_len, uint64_t initrd_len, const char *append, uint64_t at,
			     struct svsm_linux_payload *d, uint8_t **area, size_t *area_len, const char **why)
{
	struct linux_image img;
	size_t append_len = strlen(append);

	if ((*why = linux_image_check(bz, bz_len, bz_len, &img)) != NULL)
		return 0;
	if ((*why = linux_cmdline_check(&img, append, append_len)) != NULL)
		return 0;
	if (append_len >= PAGE) {
		*why = "command line longer than its page (4095 bytes)";
		return 0;
	}
	memset(d, 0, sizeof(*d));
	memcpy(d->magic, SVSM_LINUX_MAGIC, sizeof(d->magic));
	d->version = SVSM_LINUX_VERSION;
	d->size = sizeof(*d);
	d->setup_size = img.setup_size;
	d->cmdline_size = (uint32_t)append_len;
	*area_len = SVSM_LINUX_SETUP_OFFSET + img.setup_size;
	*area = calloc(1, align_up(*area_len, PAGE));
	if (*area == NULL) {
		*why = "no memory";
		return 0;
	}
	uint64_t base = img.hdr.pref_address > at + *area_len ? img.hdr.pref_address : at + *area_len;

	d->kernel_gpa = align_up(base, img.alignment);
	d->kernel_size = img.kernel_size;
	uint64_t end = align_up(d->kernel_gpa + img.init_size, TWO_MB);

	if (initrd_len != 0) {
		d->initrd_gpa = end;
		d->initrd_size = initrd_len;
		end = align_up(end + initrd_len, TWO_MB);
		if (end - 1 > img.hdr.initrd_addr_max && !(img.hdr.xloadflags & LINUX_XLF_CAN_BE_LOADED_ABOVE_4G)) {
			*why = "initrd ends above the kernel's initrd_addr_max";
			return 0;
		}
	}
	if (end > 1ull << 32) {
		*why = "kernel and initrd do not fit below 4 GiB";
		return 0;
	}
	memcpy(*area, d, sizeof(*d));
	memcpy(*area + SVSM_LINUX_CMDLINE_OFFSET, append, append_len);
	memcpy(*area + SVSM_LINUX_SETUP_OFFSET, bz, img.setup_size);
	return end;
}

/* The SVSM image header (docs/BOOT.md), every field checked against the file. NULL or the reason. */
static const char *image_check(const uint8_t *img, size_t len, struct svsm_image_hdr *h)
{
	if (len < SVSM_IMAGE_HDR_OFFSET + sizeof(*h))
		return "shorter than its headers";
	memcpy(h, img + SVSM_IMAGE_HDR_OFFSET, sizeof(*h));
	if (memcmp(h->magic, SVSM_IMAGE_MAGIC, sizeof(h->magic)) != 0)
		return "no SVSM image header (magic SVSMIMG1 at offset 32): not an svsm.img";
	if (h->version != SVSM_IMAGE_VERSION || h->hdr_size != sizeof(*h))
		return "SVSM image header of another version or size";
	if (h->load_addr < 0x100000 || (h->load_addr & (PAGE - 1)) != 0)
		return "load address below 1 MiB or not page aligned";
	if (h->file_size > len || h->file_size < SVSM_IMAGE_HDR_OFFSET + sizeof(*h))
		return "the header's file size is more than the file (truncated image?)";
	if (h->mem_size < h->file_size || (uint64_t)h->load_addr + h->mem_size > (1ull << 32))
		return "the header's memory size is below its file size or ends above 4 GiB";
	if (h->snp_entry_offset >= h->file_size)
		return "the SNP entry lies outside the loaded file";
	if (h->kernel_offset > h->file_size || h->kernel_size > h->file_size - h->kernel_offset)
		return "the embedded kernel lies outside the loaded file";
	return NULL;
}

static void pages(struct igvm_build *b, uint64_t gpa, const uint8_t *data, uint64_t len, uint64_t mem)
{
	for (uint64_t off = 0; off < mem; off += PAGE) {
		uint64_t n = off < len ? (len - off < PAGE ? len - off : PAGE) : 0;

		igvm_build_page(b, SNP_MASK, gpa + off, n ? data + off : NULL, (size_t)n, 0, IGVM_PAGE_DATA_NORMAL);
	}
}

static void boot_vmsa(struct vmsa *v, uint64_t rip, uint64_t launch_gpa)
{
	const struct vmsa_seg code = { SVSM_LAUNCH_CS_SEL, SVSM_LAUNCH_CS_ATTR, 0xFFFFFFFFu, 0 };
	const struct vmsa_seg data = { SVSM_LAUNCH_DS_SEL, SVSM_LAUNCH_DS_ATTR, 0xFFFFFFFFu, 0 };

	memset(v, 0, sizeof(*v));
	v->cs = code;
	v->ds = v->es = v->fs = v->gs = v->ss = data;
	v->gdtr.limit = 0xFFFF; /* power-on values (APM vol.2 §14.1.3); stage 1 loads its own GDT */
	v->idtr.limit = 0xFFFF;
	v->ldtr = (struct vmsa_seg){ 0, 0x82, 0xFFFF, 0 };
	v->tr = (struct vmsa_seg){ 0, 0x83, 0xFFFF, 0 };
	v->cr0 = SVSM_LAUNCH_CR0;
	v->cr4 = SVSM_LAUNCH_CR4;
	v->efer = SVSM_LAUNCH_EFER;
	v->rflags = 0x2;
	v->rip = rip;
	v->rbx = launch_gpa;
	v->dr6 = 0xFFFF0FF0;
	v->dr7 = 0x400;
	v->g_pat = SVSM_LAUNCH_PAT;
	v->xcr0 = 1;
	v->mxcsr = 0x1F80;
	v->x87_fcw = 0x37F;
	v->vmpl = 0;
	v->sev_features = SVSM_LAUNCH_SEV_FEATURES;
}

/* The firmware file as ovmf_meta_read reads it. */
struct fw_file {
	const uint8_t *buf;
	size_t len;
};

static int fw_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct fw_file *f = ctx;

	if (off > f->len || len > f->len - off)
		return -1;
	memcpy(buf, f->buf + off, len);
	return 0;
}

/*
 * A guest firmware's metadata, read and checked as the SVSM will read it
 * at launch, and its sections clear of everything the SVSM keeps: NULL,
 * or the reason in why.
 */
static const char *firmware_check(const uint8_t *fw, size_t len, uint64_t svsm_lo, uint64_t svsm_hi,
				  uint64_t mem_gpa, struct ovmf_meta *m, char why[OVMF_WHY_LEN])
{
	struct fw_file f = { fw, len };

	if (ovmf_meta_read(len, fw_read, &f, m, why) != SVSM_OK)
		return why;
	for (unsigned i = 0; i < m->count; i++) {
		const uint64_t lo = m->sec[i].gpa, hi = lo + m->sec[i].size;

		if ((lo < svsm_hi && svsm_lo < hi) || (lo < mem_gpa + FW_SVSM_MEM_SIZE && mem_gpa < hi) ||
		    hi > m->fw_gpa - 2 * PAGE /* the launch's secrets and CPUID pages */) {
			snprintf(why, OVMF_WHY_LEN, "OVMF SEV metadata: section %u (%s, GPA 0x%llx) overlaps the SVSM's memory",
				 i, ovmf_section_name(m->sec[i].type), (unsigned long long)lo);
			return why;
		}
	}
	return NULL;
}

static int usage(void)
{
	fprintf(stderr, "usage: igvm-build --svsm svsm.img -o OUT.igvm [--payload FILE] [--cmdline \"WORDS\"]\n"
			"       igvm-build --svsm svsm.img -o OUT.igvm --linux bzImage [--initrd FILE] [--append \"LINE\"]"
			" [--cmdline \"WORDS\"]\n"
			"       igvm-build --svsm svsm.img -o OUT.igvm --firmware OVMF.fd [--svsm-mem-gpa ADDR]"
			" [--cmdline \"WORDS\"]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *svsm = NULL, *out = NULL, *payload_path = NULL, *cmdline = "";
	const char *linux_path = NULL, *initrd_path = NULL, *append = NULL, *fw_path = NULL, *mem_at = NULL;
	uint64_t mem_gpa = FW_SVSM_MEM_GPA;

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--svsm") == 0)
			svsm = argv[++i];
		else if (strcmp(argv[i], "-o") == 0)
			out = argv[++i];
		else if (strcmp(argv[i], "--payload") == 0)
			payload_path = argv[++i];
		else if (strcmp(argv[i], "--cmdline") == 0)
			cmdline = argv[++i];
		else if (strcmp(argv[i], "--linux") == 0)
			linux_path = argv[++i];
		else if (strcmp(argv[i], "--initrd") == 0)
			initrd_path = argv[++i];
		else if (strcmp(argv[i], "--append") == 0)
			append = argv[++i];
		else if (strcmp(argv[i], "--firmware") == 0)
			fw_path = argv[++i];
		else if (strcmp(argv[i], "--svsm-mem-gpa") == 0)
			mem_at = argv[++i];
		else
			return usage();
	}
	if (mem_at != NULL) {
		char *end = NULL;

		if (fw_path == NULL)
			return usage(); /* the SVSM's range beside a firmware only */
		mem_gpa = strtoull(mem_at, &end, 0);
		if (end == mem_at || *end != '\0' || (mem_gpa & (TWO_MB - 1)) != 0 || mem_gpa > 0xFF000000ull) {
			fprintf(stderr, "igvm-build: --svsm-mem-gpa %s: want a 2 MiB-aligned guest address below 4 GiB\n",
				mem_at);
			return 1;
		}
	}
	if (svsm == NULL || out == NULL || (linux_path != NULL && payload_path != NULL) ||
	    (linux_path == NULL && (initrd_path != NULL || append != NULL)) ||
	    (fw_path != NULL && (linux_path != NULL || payload_path != NULL)))
		return usage(); /* the firmware is the guest: it boots the OS from its disk */
	size_t cmd_len = strlen(cmdline);

	if (cmd_len >= SVSM_LAUNCH_CMDLINE_MAX) {
		fprintf(stderr, "igvm-build: --cmdline of %zu bytes: at most %u fit the launch's command-line page\n",
			cmd_len, SVSM_LAUNCH_CMDLINE_MAX - 1);
		return 1;
	}

	size_t img_len, pay_len = 0, bz_len = 0, initrd_len = 0, fw_len = 0;
	uint8_t *img = read_file(svsm, &img_len), *pay = NULL, *bz = NULL, *initrd = NULL, *fw = NULL;
	struct svsm_image_hdr h;
	const char *why;

	if (img == NULL)
		return 2;
	if ((why = image_check(img, img_len, &h)) != NULL) {
		fprintf(stderr, "igvm-build: %s: refused: %s\n", svsm, why);
		return 1;
	}
	if (payload_path != NULL) {
		pay = read_file(payload_path, &pay_len);
		if (pay == NULL)
			return 2;
		if (pay_len == 0) {
			fprintf(stderr, "igvm-build: %s: empty payload\n", payload_path);
			return 1;
		}
	}
	if (linux_path != NULL && (bz = read_file(linux_path, &bz_len)) == NULL)
		return 2;
	if (fw_path != NULL && (fw = read_file(fw_path, &fw_len)) == NULL)
		return 2;
	if (initrd_path != NULL) {
		initrd = tool_read_file("igvm-build", initrd_path, INITRD_MAX, &initrd_len);
		if (initrd == NULL)
			return 2;
		if (initrd_len == 0) {
			fprintf(stderr, "igvm-build: %s: empty initrd\n", initrd_path);
			return 1;
		}
	}

	/* The GPAs (include/abi/svsm_launch.h). */
	uint64_t image_size = ((uint64_t)h.mem_size + PAGE - 1) & ~(PAGE - 1);
	uint64_t launch_gpa = h.load_addr + image_size;
	struct svsm_launch_block lb = {
		.magic = SVSM_LAUNCH_MAGIC,
		.version = SVSM_LAUNCH_VERSION,
		.size = sizeof(lb),
		.image_gpa = h.load_addr,
		.image_size = image_size,
		.secrets_gpa = launch_gpa + 1 * PAGE,
		.cpuid_gpa = launch_gpa + 2 * PAGE,
		.memmap_gpa = launch_gpa + 3 * PAGE,
		.memmap_size = PAGE,
		.params_gpa = launch_gpa + 4 * PAGE,
		.cmdline_gpa = launch_gpa + 5 * PAGE,
		.cmdline_size = (uint32_t)cmd_len,
	};
	uint64_t next = (launch_gpa + 6 * PAGE + TWO_MB - 1) & ~(TWO_MB - 1);
	struct svsm_linux_payload lx;

	if (bz != NULL) {
		lb.payload_gpa = next;
		next = linux_layout(bz, bz_len, initrd_len, append ? append : "", next, &lx, &pay, &pay_len, &why);
		if (next == 0) {
			fprintf(stderr, "igvm-build: %s: refused: %s\n", linux_path, why);
			return 1;
		}
		lb.payload_size = pay_len;
	} else if (pay != NULL) {
		lb.payload_gpa = next;
		lb.payload_size = pay_len;
		next = (next + pay_len + TWO_MB - 1) & ~(TWO_MB - 1);
	}
	lb.end_gpa = next;

	struct ovmf_meta fwm;
	char fw_why[OVMF_WHY_LEN];

	if (fw != NULL) {
		if (firmware_check(fw, fw_len, h.load_addr, lb.end_gpa, mem_gpa, &fwm, fw_why) != NULL) {
			fprintf(stderr, "igvm-build: %s: refused: %s\n", fw_path, fw_why);
			return 1;
		}
		if (lb.end_gpa > mem_gpa) {
			fprintf(stderr, "igvm-build: %s: refused: svsm.img's launch ends at 0x%llx, past 0x%llx where the "
				"SVSM's memory goes beside a firmware\n", svsm, (unsigned long long)lb.end_gpa,
				(unsigned long long)mem_gpa);
			return 1;
		}
		if (mem_gpa + FW_SVSM_MEM_SIZE > fwm.fw_gpa - 2 * PAGE) {
			fprintf(stderr, "igvm-build: --svsm-mem-gpa 0x%llx: the SVSM's %llu MiB reach the firmware's pages "
				"at 0x%llx\n", (unsigned long long)mem_gpa, (unsigned long long)(FW_SVSM_MEM_SIZE >> 20),
				(unsigned long long)(fwm.fw_gpa - 2 * PAGE));
			return 1;
		}
		lb.firmware_gpa = fwm.fw_gpa;
		lb.firmware_size = fwm.fw_size;
		lb.svsm_mem_gpa = mem_gpa;
		lb.svsm_mem_size = FW_SVSM_MEM_SIZE;
		/*
		 * The pages the SVSM keeps after its boot go above the RAM the firmware
		 * takes (OVMF validates everything from 1 MiB to the top of its RAM):
		 * the secrets and CPUID pages just below the firmware image; the rest
		 * of svsm.img's launch the SVSM gives back to the guest at boot.
		 */
		lb.secrets_gpa = fwm.fw_gpa - 2 * PAGE;
		lb.cpuid_gpa = fwm.fw_gpa - PAGE;
	}

	struct igvm_build b;
	static struct vmsa v;
	static uint8_t lbpage[PAGE], cmdpage[PAGE];

	igvm_build_init(&b);
	igvm_build_platform(&b, SNP_MASK, IGVM_PLATFORM_SEV_SNP, 2);
	igvm_build_policy(&b, SNP_MASK, GUEST_POLICY);
	/* Parameters first: a loader inserts an area at once, before pending page runs (QEMU). */
	igvm_build_param_area(&b, 0, lb.memmap_size);
	igvm_build_param(&b, IGVM_VHT_MEMORY_MAP, 0, 0);
	igvm_build_param_area(&b, 1, PAGE);
	igvm_build_param(&b, IGVM_VHT_VP_COUNT_PARAMETER, 1, 0);
	igvm_build_param(&b, IGVM_VHT_ENVIRONMENT_INFO_PARAMETER, 1, 4);
	igvm_build_param_insert(&b, SNP_MASK, lb.memmap_gpa, 0);
	igvm_build_param_insert(&b, SNP_MASK, lb.params_gpa, 1);
	if (fw != NULL) {
		/*
		 * The SVSM's region and heap, declared (VTL2-protectable: the
		 * paravisor's): the hypervisor leaves it out of the memory map it
		 * gives the firmware.
		 */
		igvm_build_required_memory(&b, SNP_MASK, lb.svsm_mem_gpa, (uint32_t)lb.svsm_mem_size,
					   IGVM_REQUIRED_MEMORY_VTL2_PROTECTABLE);
	}
	/* Pages in GPA order. */
	pages(&b, h.load_addr, img, h.file_size, image_size);
	memcpy(lbpage, &lb, sizeof(lb));
	igvm_build_page(&b, SNP_MASK, launch_gpa, lbpage, PAGE, 0, IGVM_PAGE_DATA_NORMAL);
	if (fw == NULL) {
		igvm_build_page(&b, SNP_MASK, lb.secrets_gpa, NULL, 0, 0, IGVM_PAGE_DATA_SECRETS);
		igvm_build_page(&b, SNP_MASK, lb.cpuid_gpa, NULL, 0, 0, IGVM_PAGE_DATA_CPUID_DATA);
	}
	memcpy(cmdpage, cmdline, cmd_len);
	igvm_build_page(&b, SNP_MASK, lb.cmdline_gpa, cmdpage, PAGE, 0, IGVM_PAGE_DATA_NORMAL);
	if (pay != NULL)
		pages(&b, lb.payload_gpa, pay, pay_len, (pay_len + PAGE - 1) & ~(PAGE - 1));
	if (bz != NULL) {
		pages(&b, lx.kernel_gpa, bz + lx.setup_size, lx.kernel_size, align_up(lx.kernel_size, PAGE));
		if (initrd != NULL)
			pages(&b, lx.initrd_gpa, initrd, initrd_len, align_up(initrd_len, PAGE));
	}
	if (fw != NULL) {
		igvm_build_page(&b, SNP_MASK, lb.secrets_gpa, NULL, 0, 0, IGVM_PAGE_DATA_SECRETS);
		igvm_build_page(&b, SNP_MASK, lb.cpuid_gpa, NULL, 0, 0, IGVM_PAGE_DATA_CPUID_DATA);
		pages(&b, lb.firmware_gpa, fw, fw_len, fw_len);
	}
	/* The VMSA last, at the GPA KVM and the PSP measure it at. */
	boot_vmsa(&v, h.load_addr + h.snp_entry_offset, launch_gpa);
	igvm_build_vp_context(&b, SNP_MASK, IGVM_SNP_VMSA_GPA, 0, &v);

	uint8_t *file;
	size_t len;

	if (igvm_build_finish(&b, &file, &len) != 0) {
		fprintf(stderr, "igvm-build: out of memory or an input too large for an IGVM file\n");
		return 2;
	}
	igvm_build_free(&b);

	/* What a loader will check, checked here first; and the digest it will get. */
	size_t scratch_n = igvm_scratch_bound(file, len);
	uint64_t *scratch = malloc(scratch_n * sizeof(*scratch));
	static struct igvm_file f;
	char reason[IGVM_WHY_LEN];
	struct launch_digest d;

	if (scratch == NULL || igvm_open(&f, file, len, scratch, scratch_n, reason) != SVSM_OK ||
	    igvm_measure(&f, SNP_MASK, &d, reason) != SVSM_OK) {
		fprintf(stderr, "igvm-build: the file built does not pass its own checks: %s\n",
			scratch == NULL ? "no memory" : reason);
		return 2;
	}
	FILE *o = fopen(out, "wb");

	if (o == NULL || fwrite(file, 1, len, o) != len || fclose(o) != 0) {
		fprintf(stderr, "igvm-build: %s: %s\n", out, strerror(errno));
		return 2;
	}
	printf("igvm-build: %s: %zu bytes, %u headers, %llu pages measured; svsm.img at 0x%x, launch block at "
	       "0x%llx, payload at 0x%llx (%llu bytes), end 0x%llx\n", out, len, f.headers, (unsigned long long)d.pages,
	       h.load_addr, (unsigned long long)launch_gpa, (unsigned long long)lb.payload_gpa,
	       (unsigned long long)lb.payload_size, (unsigned long long)lb.end_gpa);
	if (bz != NULL)
		printf("igvm-build: Linux: kernel at 0x%llx (%llu bytes), initrd at 0x%llx (%llu bytes), command line "
		       "%u bytes\n", (unsigned long long)lx.kernel_gpa, (unsigned long long)lx.kernel_size,
		       (unsigned long long)lx.initrd_gpa, (unsigned long long)lx.initrd_size, lx.cmdline_size);
	if (fw != NULL)
		printf("igvm-build: firmware: %s at 0x%llx (%llu KiB), %u SEV metadata sections (secrets 0x%x, CPUID 0x%x, "
		       "calling area 0x%x); SVSM memory 0x%llx-0x%llx\n", fw_path, (unsigned long long)lb.firmware_gpa,
		       (unsigned long long)(lb.firmware_size >> 10), fwm.count, fwm.secrets_gpa, fwm.cpuid_gpa, fwm.caa_gpa,
		       (unsigned long long)lb.svsm_mem_gpa, (unsigned long long)(lb.svsm_mem_gpa + lb.svsm_mem_size));
	printf("launch digest ");
	for (unsigned i = 0; i < sizeof(d.ld); i++)
		printf("%02x", d.ld[i]);
	printf("\n");
	free(scratch);
	free(file);
	free(img);
	free(pay);
	free(bz);
	free(initrd);
	free(fw);
	return 0;
}
