/* SPDX-License-Identifier: MIT */
/*
 * An SEV-SNP launch from an IGVM file, as the hypervisor and the PSP do
 * it (vsnp/launch.h): the file checked whole (lib/igvm.c), then every page
 * of its SNP platform in file order copied into guest memory and, unless
 * shared, added to the launch digest (SNP_LAUNCH_UPDATE; the VMSA last at
 * 0xFFFFFFFFF000, SEV-SNP ABI 56860 §8.17). Every launched page in guest
 * RAM becomes private and validated in the RMP, with all rights at VMPL0
 * only (LAUNCH_UPDATE with zero VMPL1-3 masks, as KVM passes them).
 * As QEMU's IGVM loader does, the hypervisor replaces a CPUID page's
 * contents with its own table and the PSP fills the secrets page; both
 * are measured without contents (56860 §8.17, PAGE_INFO).
 */
#include "launch.h"

#include "abi/snp_launch.h"
#include "abi/vmsa.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "vsnp/vsnp_chip.h"

struct load_ctx {
	struct vsnp_launch *l;
	char *why;
	size_t hashed; /* pages with hashed contents loaded so far: the index into l->hashes */
};

/* At most this many CPUs hash ahead (each walks the file with its own page buffer). */
#define PREHASH_MAX_CPUS 8

/* One CPU's share of the contents hashes (vsnp_launch.parallel's work). */
static void prehash_work(void *arg, unsigned cpu, unsigned ncpus)
{
	static uint8_t bufs[PREHASH_MAX_CPUS][IGVM_PAGE_SIZE];
	struct vsnp_launch *l = arg;
	struct igvm_hash_share s = { l->hashes, l->hashed, l->hashes_n, cpu,
				     ncpus < PREHASH_MAX_CPUS ? ncpus : PREHASH_MAX_CPUS };

	if (cpu < s.workers)
		igvm_hash_share(&l->file, l->mask, &s, bufs[cpu]);
}

/* Adds the page to the launch digest, with its contents hash from the CPUs' shares where one is there. */
static int measure_loaded(struct load_ctx *c, const struct igvm_launch_page *p)
{
	struct vsnp_launch *l = c->l;
	uint64_t gpa = p->type == SNP_PAGE_TYPE_VMSA ? SNP_LD_VMSA_GPA : p->gpa;

	if (p->type != SNP_PAGE_TYPE_NORMAL && p->type != SNP_PAGE_TYPE_VMSA)
		return launch_digest_page(&l->digest, gpa, p->type, p->data);

	size_t k = c->hashed++;

	if (l->hashes == NULL || l->hashed == NULL || k >= l->hashes_n || !l->hashed[k])
		return launch_digest_page(&l->digest, gpa, p->type, p->data);
	l->hashed_ahead++;
	return launch_digest_page_hashed(&l->digest, gpa, p->type, l->hashes[k]);
}

/* RMPUPDATE to private (a 2 MiB entry split first), then the PSP's validation of the launched page. */
static int make_launched(struct vsnp_launch *l, uint64_t gpa)
{
	const struct rmp_entry *e = rmp_model_entry(l->rmp, gpa);

	if (e == NULL || (e->large && rmp_model_psmash(l->rmp, gpa) != SVSM_OK) ||
	    rmp_model_set_private(l->rmp, gpa, false, true) != SVSM_OK)
		return SVSM_EINVAL;
	return rmp_model_pvalidate(l->rmp, 0, gpa, 0, true).code == 0 ? SVSM_OK : SVSM_EINVAL;
}

static int load_page(void *ctx, const struct igvm_launch_page *p)
{
	struct load_ctx *c = ctx;
	struct vsnp_launch *l = c->l;
	/* Guest memory with RMP entries: RAM, or the firmware window (not RAM, but private memory the file loads). */
	bool in_ram = p->gpa < l->ram_size || (p->gpa >= l->fw_base && p->gpa - l->fw_base < l->fw_size);
	void *va;
	int err;

	/* A VMSA may live outside guest memory (KVM's fixed GPA); everything else must be in it. */
	if (!in_ram && p->type != SNP_PAGE_TYPE_VMSA) {
		fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM header at offset 0x%x: GPA 0x%llx is outside guest RAM (0-0x%llx) "
			     "and the firmware window (0x%llx-0x%llx)", p->header, (unsigned long long)p->gpa,
			     (unsigned long long)l->ram_size, (unsigned long long)l->fw_base,
			     (unsigned long long)(l->fw_base + l->fw_size));
		return SVSM_EINVAL;
	}
	err = vsnp_gmem_page(l->gmem, p->gpa, &va, NULL);
	if (err != SVSM_OK) {
		fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM header at offset 0x%x: no guest memory for GPA 0x%llx (%s)",
			     p->header, (unsigned long long)p->gpa,
			     err == SVSM_ENOMEM ? "the machine's guest memory is full" : "GPA out of range");
		return err;
	}
	if (p->type == SNP_PAGE_TYPE_CPUID) {
		memset(va, 0, PAGE_4K);
		memcpy(va, l->cpuid, sizeof(*l->cpuid));
	} else if (p->type == SNP_PAGE_TYPE_SECRETS) {
		memcpy(va, l->secrets, PAGE_4K);
	} else {
		memcpy(va, p->data, PAGE_4K);
	}
	if (p->gpa >= l->ram_size)
		l->fw_pages += p->type != SNP_PAGE_TYPE_VMSA;
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
		/* In RAM its RMP entry says VMSA (as LAUNCH_UPDATE of a VMSA page makes it): never mapped for the guest. */
		if (in_ram && (make_launched(l, p->gpa) != SVSM_OK ||
			       rmp_model_rmpadjust(l->rmp, 0, p->gpa, 0, 1 | RMPADJUST_VMSA).code != 0)) {
			fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM header at offset 0x%x: VMSA page 0x%llx could not be made a VMSA",
				     p->header, (unsigned long long)p->gpa);
			return SVSM_EINVAL;
		}
	} else if (make_launched(l, p->gpa) != SVSM_OK) {
		fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM header at offset 0x%x: page 0x%llx could not be made private",
			     p->header, (unsigned long long)p->gpa);
		return SVSM_EINVAL;
	}
	err = measure_loaded(c, p);
	if (err != SVSM_OK)
		fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM header at offset 0x%x: page at 0x%llx not measured (%d)",
			     p->header, (unsigned long long)p->gpa, err);
	return err;
}

/* Writes len bytes at gpa of guest memory (the area was launched, so it is backed). */
static int poke(struct vsnp_launch *l, uint64_t gpa, const void *src, size_t len)
{
	const uint8_t *s = src;

	while (len > 0) {
		uint64_t page = gpa & ~(uint64_t)(PAGE_4K - 1);
		size_t off = (size_t)(gpa - page), n = PAGE_4K - off;
		void *va;

		n = n < len ? n : len;
		if (vsnp_gmem_find(l->gmem, page, &va) != SVSM_OK)
			return SVSM_EFAULT;
		memcpy((uint8_t *)va + off, s, n);
		gpa += n, s += n, len -= n;
	}
	return SVSM_OK;
}

/*
 * One parameter into its inserted area (at gpa, bytes long): the memory
 * map (guest RAM as one range, then the terminating empty entry), the VP
 * count, the environment (0: SNP memory starts private).
 */
static int write_param(struct vsnp_launch *l, uint32_t type, uint64_t gpa, uint64_t bytes, uint32_t off, char *why)
{
	if (type == IGVM_VHT_MEMORY_MAP) {
		struct igvm_memory_map_entry m[2];

		memset(m, 0, sizeof(m));
		m[0].number_of_pages = l->ram_size / PAGE_4K;
		m[0].entry_type = IGVM_MEMORY_MAP_MEMORY;
		if (off > bytes || bytes - off < sizeof(m)) {
			fmt_snprintf(why, IGVM_WHY_LEN, "the memory-map parameter area has no room for the map (%u bytes needed)",
				     (unsigned)sizeof(m));
			return SVSM_ENOSPC;
		}
		return poke(l, gpa + off, m, sizeof(m));
	}
	uint32_t v = type == IGVM_VHT_VP_COUNT_PARAMETER ? l->vcpus : 0;

	return poke(l, gpa + off, &v, sizeof(v));
}

/*
 * The parameters, written where each area was inserted (igvm_open checked
 * that each parameter fits its area and comes before the insert).
 */
static int fill_params(struct vsnp_launch *l, char *why)
{
	uint64_t area_bytes[IGVM_MAX_PARAM_AREAS] = { 0 };
	struct igvm_header h, p;
	uint32_t cursor = 0;

	while (igvm_next(&l->file, &cursor, &h)) {
		if (h.type == IGVM_VHT_PARAMETER_AREA) {
			struct igvm_parameter_area a;

			memcpy(&a, h.body, sizeof(a));
			if (a.parameter_area_index < IGVM_MAX_PARAM_AREAS)
				area_bytes[a.parameter_area_index] = a.number_of_bytes;
			continue;
		}
		if (h.type != IGVM_VHT_PARAMETER_INSERT)
			continue;
		struct igvm_parameter_insert ins;
		uint32_t c2 = 0;

		memcpy(&ins, h.body, sizeof(ins));
		if (!(ins.compatibility_mask & l->mask) || ins.parameter_area_index >= IGVM_MAX_PARAM_AREAS)
			continue;
		while (igvm_next(&l->file, &c2, &p) && p.offset < h.offset) {
			struct igvm_parameter prm;

			if (p.type != IGVM_VHT_MEMORY_MAP && p.type != IGVM_VHT_VP_COUNT_PARAMETER &&
			    p.type != IGVM_VHT_ENVIRONMENT_INFO_PARAMETER)
				continue;
			memcpy(&prm, p.body, sizeof(prm));
			if (prm.parameter_area_index != ins.parameter_area_index)
				continue;
			int err = write_param(l, p.type, ins.gpa, area_bytes[ins.parameter_area_index], prm.byte_offset, why);

			if (err != SVSM_OK)
				return err;
			l->params++;
		}
	}
	return SVSM_OK;
}

/* SNP guest policy bit 17: reserved, must be one (SEV-SNP ABI 56860, guest policy). */
#define SNP_POLICY_RSVD_ONE (1ull << 17)

/*
 * The platform's REQUIRED_MEMORY ranges: each must be guest RAM (a loader
 * fails when it cannot give the memory, IGVM's REQUIRED_MEMORY); kept so
 * the memory map given to a firmware marks them reserved.
 */
static int launch_required(struct vsnp_launch *l, char *why)
{
	struct igvm_header h;
	uint32_t cursor = 0;

	l->required = 0;
	while (igvm_next(&l->file, &cursor, &h)) {
		struct igvm_required_memory r;

		if (h.type != IGVM_VHT_REQUIRED_MEMORY)
			continue;
		memcpy(&r, h.body, sizeof(r));
		if (!(r.compatibility_mask & l->mask))
			continue;
		if (r.gpa >= l->ram_size || r.number_of_bytes > l->ram_size - r.gpa) {
			fmt_snprintf(why, IGVM_WHY_LEN, "IGVM header at offset 0x%x: REQUIRED_MEMORY 0x%llx+0x%x is not in guest "
				     "RAM (0-0x%llx)", h.offset, (unsigned long long)r.gpa, r.number_of_bytes,
				     (unsigned long long)l->ram_size);
			return SVSM_EINVAL;
		}
		if (l->required == VSNP_LAUNCH_MAX_REQUIRED) {
			fmt_snprintf(why, IGVM_WHY_LEN, "IGVM file has more than %u REQUIRED_MEMORY ranges",
				     VSNP_LAUNCH_MAX_REQUIRED);
			return SVSM_ENOSPC;
		}
		l->req[l->required].gpa = r.gpa;
		l->req[l->required].size = r.number_of_bytes;
		l->required++;
	}
	return SVSM_OK;
}

/* The SNP_LAUNCH_START policy: the file's GUEST_POLICY for the platform, else the default QEMU's loader uses. */
static int launch_policy(struct vsnp_launch *l, char *why)
{
	struct igvm_header h;
	uint32_t cursor = 0;

	l->policy = VSNP_GUEST_POLICY;
	while (igvm_next(&l->file, &cursor, &h)) {
		struct igvm_guest_policy p;

		if (h.type != IGVM_VHT_GUEST_POLICY)
			continue;
		memcpy(&p, h.body, sizeof(p));
		if (p.compatibility_mask & l->mask)
			l->policy = p.policy;
	}
	if (!(l->policy & SNP_POLICY_RSVD_ONE)) {
		fmt_snprintf(why, IGVM_WHY_LEN, "guest policy 0x%llx has bit 17 clear (reserved, must be one): "
			     "SNP_LAUNCH_START refuses it", (unsigned long long)l->policy);
		return SVSM_EINVAL;
	}
	return SVSM_OK;
}

int vsnp_launch_igvm(struct vsnp_launch *l, const uint8_t *file, size_t size, uint64_t *scratch,
		     size_t scratch_n, char *why)
{
	static uint8_t buf[IGVM_PAGE_SIZE];
	struct load_ctx c = { l, why, 0 };
	const struct igvm_platform *snp;
	int err;

	l->vmsas = 0;
	l->shared = 0;
	l->params = 0;
	l->hashed_ahead = 0;
	err = igvm_open(&l->file, file, size, scratch, scratch_n, why);
	if (err != SVSM_OK)
		return err;
	snp = igvm_platform_of(&l->file, IGVM_PLATFORM_SEV_SNP);
	if (snp == NULL) {
		fmt_snprintf(why, IGVM_WHY_LEN, "the IGVM file has no SEV-SNP platform");
		return SVSM_EINVAL;
	}
	l->mask = snp->mask;
	l->fw_pages = 0;
	err = launch_required(l, why);
	if (err == SVSM_OK)
		err = launch_policy(l, why);
	if (err != SVSM_OK)
		return err;
	launch_digest_init(&l->digest);
	if (l->parallel != NULL && l->hashes != NULL && l->hashed != NULL) {
		memset(l->hashed, 0, l->hashes_n);
		l->parallel(prehash_work, l);
	}
	err = igvm_launch_pages(&l->file, l->mask, load_page, &c, buf);
	if (err == SVSM_OK && l->vmsas == 0) {
		fmt_snprintf(why, IGVM_WHY_LEN, "the IGVM file starts no CPU (no VP context for SEV-SNP)");
		err = SVSM_EINVAL;
	}
	if (err == SVSM_OK)
		err = fill_params(l, why);
	return err;
}
