/* SPDX-License-Identifier: MIT */
/*
 * The VMPL2 payload launch (include/svsm/guest_launch.h). The payload is
 * a static ELF whose segments are placed at their addresses as guest
 * physical addresses; the launch pages follow the image:
 *
 *   image_end + 0   struct guest_boot (RSI at entry)
 *             + 1   the guest's secrets page (VMPCK0..vmpl-1 zeroed)
 *             + 2   CPUID page
 *             + 3   calling area of the boot vCPU
 *             + 4   VMSA of the boot vCPU (VMPL0 only, VMSA bit)
 *             + 5   PML4, + 6 PDPT, + 7..10 four page directories: the
 *                   low 4 GiB identity mapped in private 2 MiB pages
 *
 * Every page is made private, validated and granted to VMPL1..vmpl with all
 * rights (the VMSA excepted) through the platform seam, then filled. Each page
 * is added to the launch digest (SNP ABI 56860 §8.17.2, SNP_LAUNCH_UPDATE
 * PAGE_INFO) as it is placed: the image pages NORMAL, the boot page UNMEASURED,
 * the secrets and CPUID pages by their types, the calling area ZERO, the page
 * tables NORMAL, and the VMSA last at the VMSA GPA.
 */
#include "abi/guest_boot.h"
#include "abi/snp.h"
#include "abi/vmsa.h"
#include "abi/x86.h"
#include "../../stage1/elf_check.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/guest_launch.h"
#include "abi/snp_launch.h"
#include "svsm/guest_mem.h"
#include "svsm/platform.h"


/* Initial register values of a 64-bit start (APM vol.2 §14.1.3 reset values where they apply). */
#define BOOT_CR0 (CR0_PE | (1u << 1) /* MP */ | (1u << 4) /* ET */ | (1u << 5) /* NE */ | CR0_WP | CR0_PG)
#define BOOT_CR4 (CR4_PAE | CR4_OSFXSR | (1u << 10) /* OSXMMEXCPT */)
#define BOOT_EFER (EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME)
#define BOOT_PAT 0x0007040600070406ull
#define BOOT_MXCSR 0x1F80u
#define BOOT_FCW 0x37Fu
#define BOOT_SEL_CODE 0x08
#define BOOT_SEL_DATA 0x10

enum { P_BOOT, P_SECRETS, P_CPUID, P_CA, P_VMSA, P_PML4, P_PDPT, P_PD0 };
_Static_assert(P_PD0 + 4 == GUEST_LAUNCH_PAGES, "launch page count");

struct launch {
	const struct guest_launch_cfg *cfg;
	uint8_t page[4096];
};

static int measure(const struct guest_launch_cfg *cfg, uint64_t gpa, unsigned type,
		   const void *contents, const char **why)
{
	if (cfg->measure == NULL || cfg->measure(cfg->measure_ctx, gpa, type, contents) == SVSM_OK)
		return SVSM_OK;
	*why = "measuring a launch page failed";
	return SVSM_EIO;
}

/* Private, validated, granted (unless vmsa), and filled with contents. */
static int accept_page(const struct guest_launch_cfg *cfg, uint64_t gpa, const void *contents,
		       bool grant, const char **why)
{
	/* Inside the image or boot block, both checked to be guest RAM by check_ranges(). */
	const paddr_t pa = pa_from_checked_gpa(gpa_init(gpa));
	int err = guest_page_take(pa, RMP_PG_SIZE_4K, why);

	if (err != SVSM_OK)
		return err;
	if (copy_to_guest(gpa_init(gpa), contents, 4096, 4096) != SVSM_OK) {
		*why = "writing a launch page failed";
		return SVSM_EFAULT;
	}
	for (unsigned v = 1; grant && v <= cfg->vmpl; v++) {
		if (!insn_rc_ok(platform_rmpadjust(pa, RMP_PG_SIZE_4K, v | RMP_PERM_ALL))) {
			*why = "RMPADJUST grant of a launch page failed";
			return SVSM_EIO;
		}
	}
	return SVSM_OK;
}

static int load_image(struct launch *l, const struct elf_kernel *k, const char **why)
{
	const struct guest_launch_cfg *cfg = l->cfg;

	for (uint64_t va = k->va_start; va < k->va_end; va += 4096) {
		memset(l->page, 0, sizeof(l->page));
		for (unsigned i = 0; i < k->seg_count; i++) {
			const struct elf_segment *s = &k->seg[i];

			/* The part of this segment's file data that falls in page va. */
			if (va + 4096 <= s->vaddr || va >= s->vaddr + s->filesz)
				continue;
			uint64_t from = va > s->vaddr ? va : s->vaddr;
			uint64_t to = s->vaddr + s->filesz < va + 4096 ? s->vaddr + s->filesz : va + 4096;

			memcpy(l->page + (from - va), cfg->elf + s->offset + (from - s->vaddr), to - from);
		}
		int err = accept_page(cfg, va, l->page, true, why);

		if (err == SVSM_OK)
			err = measure(cfg, va, SNP_PAGE_TYPE_NORMAL, l->page, why);
		if (err != SVSM_OK)
			return err;
	}
	return SVSM_OK;
}

static void build_boot(struct launch *l, const struct guest_launch_out *o)
{
	const struct guest_launch_cfg *cfg = l->cfg;
	struct guest_boot *b = (struct guest_boot *)l->page;

	memset(l->page, 0, sizeof(l->page));
	b->magic = GUEST_BOOT_MAGIC;
	b->version = GUEST_BOOT_VERSION;
	b->size = sizeof(*b);
	b->secrets_gpa = o->secrets_gpa;
	b->cpuid_gpa = o->cpuid_gpa;
	b->caa_gpa = o->caa_gpa;
	b->cbit = cfg->cbit;
	b->image_start = o->image_start;
	b->image_end = o->image_end;
	b->boot_start = o->boot_start;
	b->boot_end = o->boot_end;
	b->vcpu_count = cfg->vcpu_count;
	for (unsigned i = 0; i < cfg->guest_ram->count && i < GUEST_BOOT_MAX_RAM; i++) {
		b->ram[i].start = cfg->guest_ram->r[i].start;
		b->ram[i].end = cfg->guest_ram->r[i].end;
		b->ram_count = i + 1;
	}
	if (cfg->cmdline != NULL) {
		size_t n = strnlen(cfg->cmdline, sizeof(b->cmdline) - 1);

		memcpy(b->cmdline, cfg->cmdline, n); /* the boot command line is at most 255 bytes too */
	}
}

static void build_vmsa(struct launch *l, const struct guest_launch_out *o, uint64_t pml4)
{
	const struct guest_launch_cfg *cfg = l->cfg;
	struct vmsa *v = (struct vmsa *)l->page;
	struct vmsa_seg code = { BOOT_SEL_CODE, VMSA_ATTR_CODE64, 0xFFFFFFFF, 0 };
	struct vmsa_seg data = { BOOT_SEL_DATA, 0xC93, 0xFFFFFFFF, 0 };

	memset(l->page, 0, sizeof(l->page));
	v->cs = code;
	v->ds = v->es = v->ss = v->fs = v->gs = data;
	v->tr = (struct vmsa_seg){ 0, VMSA_ATTR_TSS_BUSY, 0xFFFF, 0 };
	v->ldtr = (struct vmsa_seg){ 0, VMSA_ATTR_LDT, 0xFFFF, 0 };
	v->gdtr.limit = 0xFFFF;
	v->idtr.limit = 0xFFFF;
	v->vmpl = (uint8_t)cfg->vmpl;
	v->efer = BOOT_EFER;
	v->cr0 = BOOT_CR0;
	v->cr4 = BOOT_CR4;
	v->cr3 = pml4 | cfg->cbit;
	v->rflags = 2;
	v->dr6 = 0xFFFF0FF0;
	v->dr7 = 0x400;
	v->rip = o->entry;
	v->rsi = o->boot_gpa;
	v->g_pat = BOOT_PAT;
	v->xcr0 = 1;
	v->mxcsr = BOOT_MXCSR;
	v->x87_fcw = BOOT_FCW;
	v->sev_features = cfg->sev_features;
}

static int check_ranges(const struct guest_launch_cfg *cfg, const struct elf_kernel *k,
			struct guest_launch_out *o, const char **why)
{
	o->image_start = k->va_start;
	o->image_end = k->va_end;
	o->boot_start = k->va_end;
	o->boot_end = k->va_end + GUEST_LAUNCH_PAGES * 4096ull;
	if (!memmap_contains(cfg->guest_ram, o->image_start, o->image_end)) {
		*why = "the payload's segments are not all in guest RAM";
		return SVSM_EINVAL;
	}
	if (!memmap_contains(cfg->guest_ram, o->boot_start, o->boot_end)) {
		*why = "no guest RAM right after the payload for the launch pages";
		return SVSM_EINVAL;
	}
	if (o->boot_end > 4ull << 30 || (cfg->cbit & (cfg->cbit - 1)) != 0 || cfg->cbit <= o->boot_end) {
		*why = "payload above 4 GiB or a bad C-bit";
		return SVSM_EINVAL;
	}
	o->entry = k->entry;
	o->boot_gpa = o->boot_start + P_BOOT * 4096ull;
	o->secrets_gpa = o->boot_start + P_SECRETS * 4096ull;
	o->cpuid_gpa = o->boot_start + P_CPUID * 4096ull;
	o->caa_gpa = o->boot_start + P_CA * 4096ull;
	o->vmsa_gpa = o->boot_start + P_VMSA * 4096ull;
	return SVSM_OK;
}

static int launch_pages(struct launch *l, const struct guest_launch_out *o, const char **why)
{
	const struct guest_launch_cfg *cfg = l->cfg;
	uint64_t pml4 = o->boot_start + P_PML4 * 4096ull;
	uint64_t pdpt = o->boot_start + P_PDPT * 4096ull;
	uint64_t pd0 = o->boot_start + P_PD0 * 4096ull;
	uint64_t *pte = (uint64_t *)l->page;
	int err;

	build_boot(l, o);
	err = accept_page(cfg, o->boot_gpa, l->page, true, why);
	if (err != SVSM_OK)
		return err;
	/*
	 * UNMEASURED: the boot page carries what the host chose (the RAM map,
	 * the command line), as a hypervisor's memory map is not in an SNP
	 * launch digest either; the digest stays a function of the payload.
	 */
	err = measure(cfg, o->boot_gpa, SNP_PAGE_TYPE_UNMEASURED, l->page, why);
	if (err != SVSM_OK)
		return err;

	struct snp_svsm_desc desc = {
		.base = cfg->svsm_base,
		.size = cfg->svsm_size,
		.caa = o->caa_gpa,
		.max_version = 1,
		.guest_vmpl = (uint8_t)cfg->vmpl,
	};

	if (snp_secrets_for_guest(cfg->secrets, &desc, (struct snp_secrets_page *)l->page) != SVSM_OK) {
		*why = "the guest's secrets page could not be built";
		return SVSM_EINVAL;
	}
	err = accept_page(cfg, o->secrets_gpa, l->page, true, why);
	if (err != SVSM_OK)
		return err;
	err = measure(cfg, o->secrets_gpa, SNP_PAGE_TYPE_SECRETS, l->page, why);
	if (err != SVSM_OK)
		return err;

	memset(l->page, 0, sizeof(l->page));
	memcpy(l->page, cfg->cpuid, sizeof(*cfg->cpuid));
	err = accept_page(cfg, o->cpuid_gpa, l->page, true, why);
	if (err != SVSM_OK)
		return err;
	err = measure(cfg, o->cpuid_gpa, SNP_PAGE_TYPE_CPUID, l->page, why);
	if (err != SVSM_OK)
		return err;

	memset(l->page, 0, sizeof(l->page));
	err = accept_page(cfg, o->caa_gpa, l->page, true, why);
	if (err != SVSM_OK)
		return err;
	err = measure(cfg, o->caa_gpa, SNP_PAGE_TYPE_ZERO, l->page, why); /* as OVMF's SVSM_CAA (SNP ABI §8.17, SNP_LAUNCH_UPDATE) */
	if (err != SVSM_OK)
		return err;

	/* Page tables: private (C-bit) entries, the leaf level 2 MiB pages. */
	memset(l->page, 0, sizeof(l->page));
	pte[0] = pdpt | cfg->cbit | PTE_P | PTE_W;
	err = accept_page(cfg, pml4, l->page, true, why);
	if (err != SVSM_OK)
		return err;
	err = measure(cfg, pml4, SNP_PAGE_TYPE_NORMAL, l->page, why);
	if (err != SVSM_OK)
		return err;
	memset(l->page, 0, sizeof(l->page));
	for (unsigned i = 0; i < 4; i++)
		pte[i] = (pd0 + i * 4096ull) | cfg->cbit | PTE_P | PTE_W;
	err = accept_page(cfg, pdpt, l->page, true, why);
	if (err != SVSM_OK)
		return err;
	err = measure(cfg, pdpt, SNP_PAGE_TYPE_NORMAL, l->page, why);
	if (err != SVSM_OK)
		return err;
	for (unsigned i = 0; i < 4; i++) {
		for (unsigned j = 0; j < 512; j++)
			pte[j] = ((i * 512ull + j) << 21) | cfg->cbit | PTE_P | PTE_W | PTE_PS;
		err = accept_page(cfg, pd0 + i * 4096ull, l->page, true, why);
		if (err != SVSM_OK)
			return err;
		err = measure(cfg, pd0 + i * 4096ull, SNP_PAGE_TYPE_NORMAL, l->page, why);
		if (err != SVSM_OK)
			return err;
	}

	/* The VMSA last (SNP ABI §8.17, SNP_LAUNCH_UPDATE), VMPL0 only, with the VMSA bit (set through VMPL1's RMPADJUST). */
	build_vmsa(l, o, pml4);
	err = accept_page(cfg, o->vmsa_gpa, l->page, false, why);
	if (err != SVSM_OK)
		return err;
	if (!insn_rc_ok(platform_rmpadjust(pa_from_checked_gpa(gpa_init(o->vmsa_gpa)), RMP_PG_SIZE_4K,
					   1 | RMPADJUST_VMSA))) {
		*why = "marking the boot VMSA failed";
		return SVSM_EIO;
	}
	err = measure(cfg, SNP_LD_VMSA_GPA, SNP_PAGE_TYPE_VMSA, l->page, why);
	if (err != SVSM_OK)
		return err;
	return SVSM_OK;
}

int guest_launch(const struct guest_launch_cfg *cfg, struct guest_launch_out *out,
		 const char **why)
{
	static struct launch l; /* one launch at a time; a page buffer off the stack */
	struct elf_kernel k;
	struct guest_launch_out o;
	int err;

	*why = "";
	if (cfg->vmpl < 1 || cfg->vmpl > 3) {
		*why = "guest VMPL must be 1..3";
		return SVSM_EINVAL;
	}
	*why = elf_kernel_check(cfg->elf, cfg->elf_size, GUEST_LAUNCH_MIN_VA, GUEST_LAUNCH_MAX_SPAN, &k);
	if (*why != NULL)
		return SVSM_EINVAL;
	*why = "";
	memset(&o, 0, sizeof(o));
	err = check_ranges(cfg, &k, &o, why);
	if (err != SVSM_OK)
		return err;
	l.cfg = cfg;
	err = load_image(&l, &k, why);
	if (err == SVSM_OK)
		err = launch_pages(&l, &o, why);
	if (err == SVSM_OK)
		*out = o;
	return err;
}
