/* SPDX-License-Identifier: MIT */
/*
 * A guest firmware (OVMF) the launch carried for VMPL2 (include/svsm/ovmf_launch.h).
 * Its SEV metadata is read again from the launched pages, which the PSP
 * measured and only VMPL0 can reach yet, never taken from what the packer
 * said; then its sections are prepared as SNP firmware and an SVSM leave
 * them (what QEMU's SNP launch does for them at VMPL0, and the SVSM's part
 * for a firmware at a lower VMPL).
 */
#include "svsm/ovmf_launch.h"

#include "abi/snp.h"
#include "abi/x86.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/guest_launch.h"
#include "svsm/guest_mem.h"
#include "svsm/mm.h"
#include "svsm/platform.h"
#include "svsm/snp_secrets.h"

/* The x86 reset state a firmware starts in (APM vol. 2 (24593) §14.1.3, Table 14-1; OVMF's reset vector at 4 GiB - 16). */
#define RESET_CS_SEL 0xF000u
#define RESET_CS_BASE 0xFFFF0000ull
#define RESET_RIP 0xFFF0ull
#define RESET_CR0 0x60000010ull /* CD, NW, ET */
#define RESET_PAT 0x0007040600070406ull
#define RESET_FCW 0x40u
#define RESET_FTW 0x5555u /* all x87 registers empty, in the VMSA's abridged-tag-word form as COCONUT writes it */

struct fw_pages {
	uint64_t pa, size;
};

/* Reads [off, off + len) of the firmware image, a page at a time through the temporary window. */
static int read_fw(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct fw_pages *f = ctx;
	uint8_t *out = buf;

	if (off > f->size || len > f->size - off)
		return -1;
	while (len != 0) {
		const uint64_t page = (off & ~(uint64_t)(PAGE_SIZE - 1)), in = off - page;
		const size_t n = len < PAGE_SIZE - in ? len : (size_t)(PAGE_SIZE - in);
		void *va;

		if (tmpmap(pa_init(f->pa + page), 1, PGT_ENC, &va) != SVSM_OK)
			return -1;
		memcpy(out, (const uint8_t *)va + in, n);
		tmpunmap(va, 1);
		out += n, off += n, len -= n;
	}
	return 0;
}

int ovmf_launch_read_meta(const struct boot_info *bi, struct ovmf_meta *m, char why[OVMF_WHY_LEN])
{
	struct fw_pages f = { bi->firmware_pa, bi->firmware_size };

	return ovmf_meta_read(bi->firmware_size, read_fw, &f, m, why);
}

static uint8_t page[PAGE_SIZE]; /* what goes into one section page (one launch at a time: the boot CPU) */

/* CPUID Fn0000_0001 EAX (family, model, stepping) from the CPUID page: RDX at reset (APM vol. 2 §14.1.3). */
static uint32_t signature(const struct snp_cpuid_table *t)
{
	for (uint32_t i = 0; i < t->count && i < SNP_CPUID_MAX_ENTRIES; i++) {
		if (t->e[i].eax_in == 1 && t->e[i].ecx_in == 0)
			return t->e[i].eax;
	}
	return 0;
}

/* One section page: private, validated, the firmware's, and its contents (page[]). */
static int section_page(const struct ovmf_launch_cfg *cfg, uint64_t gpa, const char **why)
{
	const paddr_t pa = pa_from_checked_gpa(gpa_init(gpa)); /* the caller checked the section is guest RAM */
	int err = guest_page_take(pa, RMP_PG_SIZE_4K, why);

	if (err != SVSM_OK)
		return err;
	if (!insn_rc_ok(platform_rmpadjust(pa, RMP_PG_SIZE_4K, cfg->vmpl | RMP_PERM_ALL))) {
		*why = "RMPADJUST grant of a firmware section page failed";
		return SVSM_EIO;
	}
	if (copy_to_guest(gpa_init(gpa), page, PAGE_SIZE, PAGE_SIZE) != SVSM_OK) {
		*why = "writing a firmware section page failed";
		return SVSM_EFAULT;
	}
	return SVSM_OK;
}

static int sections(const struct ovmf_launch_cfg *cfg, const char **why)
{
	const struct ovmf_meta *m = cfg->meta;
	const struct snp_svsm_desc desc = {
		.base = cfg->svsm_base,
		.size = cfg->svsm_size,
		.caa = m->caa_gpa,
		.max_version = 1,
		.guest_vmpl = (uint8_t)cfg->vmpl,
	};

	for (unsigned i = 0; i < m->count; i++) {
		const struct ovmf_sev_section *s = &m->sec[i];

		if (!memmap_contains(cfg->guest_ram, s->gpa, (uint64_t)s->gpa + s->size)) {
			*why = "a firmware section lies outside guest RAM (the SVSM's memory, or no RAM there)";
			return SVSM_EINVAL;
		}
	}
	for (unsigned i = 0; i < m->count; i++) {
		const struct ovmf_sev_section *s = &m->sec[i];

		for (uint64_t gpa = s->gpa; gpa < (uint64_t)s->gpa + s->size; gpa += PAGE_SIZE) {
			int err;

			memset(page, 0, sizeof(page));
			if (s->type == OVMF_SECTION_CPUID) {
				memcpy(page, cfg->cpuid, sizeof(*cfg->cpuid));
			} else if (s->type == OVMF_SECTION_SNP_SECRETS &&
				   snp_secrets_for_guest(cfg->secrets, &desc, (struct snp_secrets_page *)page) != SVSM_OK) {
				*why = "the firmware's secrets page could not be built";
				return SVSM_EINVAL;
			}
			/* SEC memory, the calling area and the kernel-hashes page (no hashes: not a -kernel boot): zero. */
			err = section_page(cfg, gpa, why);
			memset(page, 0, sizeof(page)); /* the secrets copy does not stay here */
			if (err != SVSM_OK)
				return err;
		}
	}
	return SVSM_OK;
}

static void build_vmsa(const struct ovmf_launch_cfg *cfg)
{
	struct vmsa *v = cfg->vmsa;
	const struct vmsa_seg data = { 0, VMSA_ATTR_DATA, 0xFFFF, 0 };

	memset(v, 0, sizeof(*v));
	v->cs = (struct vmsa_seg){ RESET_CS_SEL, VMSA_ATTR_CODE_REAL, 0xFFFF, RESET_CS_BASE };
	v->ds = v->es = v->fs = v->gs = v->ss = data;
	v->gdtr.limit = 0xFFFF;
	v->idtr.limit = 0xFFFF;
	v->ldtr = (struct vmsa_seg){ 0, VMSA_ATTR_LDT, 0xFFFF, 0 };
	v->tr = (struct vmsa_seg){ 0, VMSA_ATTR_TSS_BUSY, 0xFFFF, 0 };
	v->cr0 = RESET_CR0;
	v->efer = VMSA_EFER_SVME; /* every SNP VMSA has it (a runnable one) */
	v->rflags = 2;
	v->rip = RESET_RIP;
	v->rdx = signature(cfg->cpuid);
	v->dr6 = 0xFFFF0FF0;
	v->dr7 = 0x400;
	v->g_pat = RESET_PAT;
	v->xcr0 = 1;
	v->mxcsr = 0x1F80;
	v->x87_fcw = RESET_FCW;
	v->x87_ftw = RESET_FTW;
	v->vmpl = (uint8_t)cfg->vmpl;
	v->sev_features = cfg->sev_features;
}

int ovmf_launch(const struct ovmf_launch_cfg *cfg, const char **why)
{
	const struct ovmf_meta *m = cfg->meta;
	int err = sections(cfg, why);

	if (err != SVSM_OK)
		return err;
	/* Its own image (launched: private, validated, VMPL0's only): the firmware's now. */
	for (uint64_t off = 0; off < m->fw_size; off += PAGE_SIZE) {
		if (!insn_rc_ok(platform_rmpadjust(pa_init(m->fw_gpa + off), RMP_PG_SIZE_4K, cfg->vmpl | RMP_PERM_ALL))) {
			*why = "RMPADJUST grant of a firmware image page failed";
			return SVSM_EIO;
		}
	}
	/* The boot VMSA: an SVSM page the firmware cannot reach, with the VMSA bit (set through VMPL1's RMPADJUST). */
	build_vmsa(cfg);
	if (!insn_rc_ok(platform_rmpadjust(cfg->vmsa_pa, RMP_PG_SIZE_4K, 1 | RMPADJUST_VMSA))) {
		*why = "marking the firmware's boot VMSA failed";
		return SVSM_EIO;
	}
	return SVSM_OK;
}
