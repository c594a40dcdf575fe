/* SPDX-License-Identifier: MIT */
/*
 * An SEV-SNP launch from an IGVM file, as the hypervisor and the PSP do
 * it (vsnp/launch.h): the file checked whole (lib/igvm.c), then every page
 * of its SNP platform in file order copied into guest memory and, unless
 * shared, added to the launch digest (SNP_LAUNCH_UPDATE; the VMSA last at
 * 0xFFFFFFFFF000, SEV-SNP ABI 56860 §8.17).
 */
#include "launch.h"

#include "abi/snp_launch.h"
#include "abi/vmsa.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "svsm/errno.h"

struct load_ctx {
	struct vsnp_launch *l;
	char *why;
};

static int load_page(void *ctx, const struct igvm_launch_page *p)
{
	struct load_ctx *c = ctx;
	struct vsnp_launch *l = c->l;
	void *va;
	int err = vsnp_gmem_page(l->gmem, p->gpa, p->type != SNP_PAGE_TYPE_VMSA, &va);

	if (err != SVSM_OK) {
		fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM header at offset 0x%x: no guest memory for GPA 0x%llx (%s)",
			     p->header, (unsigned long long)p->gpa,
			     err == SVSM_ENOMEM ? "the machine's guest memory is full" : "GPA out of range");
		return err;
	}
	memcpy(va, p->data, PAGE_4K);
	if (p->type == 0) {
		l->shared++;
		return SVSM_OK;
	}
	if (p->type == SNP_PAGE_TYPE_VMSA) {
		if (l->vmsas == VSNP_LAUNCH_MAX_VMSAS) {
			fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM file has more than %u VP contexts", VSNP_LAUNCH_MAX_VMSAS);
			return SVSM_ENOSPC;
		}
		l->vmsa_gpa[l->vmsas++] = p->gpa;
	}
	err = launch_digest_page(&l->digest, p->type == SNP_PAGE_TYPE_VMSA ? SNP_LD_VMSA_GPA : p->gpa, p->type,
				 p->data);
	if (err != SVSM_OK)
		fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM header at offset 0x%x: page at 0x%llx not measured (%d)",
			     p->header, (unsigned long long)p->gpa, err);
	return err;
}

int vsnp_launch_igvm(struct vsnp_launch *l, const uint8_t *file, size_t size, uint64_t *scratch,
		     size_t scratch_n, char *why)
{
	struct load_ctx c = { l, why };
	const struct igvm_platform *snp;
	int err;

	l->vmsas = 0;
	l->shared = 0;
	err = igvm_open(&l->file, file, size, scratch, scratch_n, why);
	if (err != SVSM_OK)
		return err;
	snp = igvm_platform_of(&l->file, IGVM_PLATFORM_SEV_SNP);
	if (snp == NULL) {
		fmt_snprintf(why, IGVM_WHY_LEN, "the IGVM file has no SEV-SNP platform");
		return SVSM_EINVAL;
	}
	l->mask = snp->mask;
	launch_digest_init(&l->digest);
	err = igvm_launch_pages(&l->file, l->mask, load_page, &c);
	if (err == SVSM_OK && l->vmsas == 0) {
		fmt_snprintf(why, IGVM_WHY_LEN, "the IGVM file starts no CPU (no VP context for SEV-SNP)");
		err = SVSM_EINVAL;
	}
	return err;
}
