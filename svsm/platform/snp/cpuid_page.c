/* SPDX-License-Identifier: MIT */
/* CPUID answers from the SNP CPUID page (include/svsm/snp_cpuid.h). */
#include "svsm/snp_cpuid.h"

#include "lib/string.h"
#include "svsm/errno.h"

#define LEAF_STD_BASE 0x00000000u
#define LEAF_HYP_BASE 0x40000000u
#define LEAF_EXT_BASE 0x80000000u
#define LEAF_XSAVE 0xDu

/* Leaf 1: EBX[31:24] initial APIC ID, ECX bit 27 OSXSAVE (APM vol.3 App. E.3.2). */
#define CPUID_1_EBX_APIC_ID_MASK 0xFF000000u
#define CPUID_1_ECX_OSXSAVE (1u << 27)
/* Leaf 7 sub 0: ECX bit 4 OSPKE (APM vol.3 App. E.3.6). */
#define CPUID_7_ECX_OSPKE (1u << 4)
/* Leaf 0xD sub 1: EAX bit 1 XSAVEC, bit 3 XSAVES (APM vol.3 App. E.3.8). */
#define CPUID_D1_EAX_XSAVEC (1u << 1)
#define CPUID_D1_EAX_XSAVES (1u << 3)
/* Legacy XSAVE area (512) plus XSAVE header (64): the size with only x87/SSE. */
#define XSAVE_LEGACY_SIZE 0x240u
/* Leaf 0x8000001E: EBX[7:0] compute-unit ID, ECX[7:0] node ID (APM vol.3 App. E.4.15). */
#define CPUID_8000001E_ID_MASK 0xFFu

bool snp_cpuid_indexed(uint32_t leaf)
{
	switch (leaf) {
	/* Linux cpuid_function_is_indexed() (arch/x86/include/asm/cpuid/api.h)... */
	case 0x4:
	case 0x7:
	case 0xB:
	case 0xD:
	case 0xF:
	case 0x10:
	case 0x12:
	case 0x14:
	case 0x17:
	case 0x18:
	case 0x1D:
	case 0x1E:
	case 0x1F:
	case 0x24:
	case 0x8000001D:
	/* ...and the AMD leaves with sub-leaves (APM vol.3 App. E.4.19, E.4.22). */
	case 0x80000020:
	case 0x80000026:
		return true;
	}
	return false;
}

/* Leaf 0xD sub-leaves 0 and 1 appear once per XCR0/XSS combination; the SVSM uses the base one. */
static bool xsave_base_entry(const struct snp_cpuid_entry *e)
{
	return (e->xcr0_in == 1 || e->xcr0_in == 3) && e->xss_in == 0;
}

static bool same_inputs(const struct snp_cpuid_entry *a, const struct snp_cpuid_entry *b)
{
	if (a->eax_in != b->eax_in)
		return false;
	if (snp_cpuid_indexed(a->eax_in) && a->ecx_in != b->ecx_in)
		return false;
	if (a->eax_in == LEAF_XSAVE && a->ecx_in <= 1)
		return xsave_base_entry(a) && xsave_base_entry(b); /* only the base one is used */
	return true;
}

static const struct snp_cpuid_entry *find(const struct snp_cpuid_table *t, uint32_t leaf,
					  uint32_t subleaf)
{
	for (uint32_t i = 0; i < t->count; i++) {
		const struct snp_cpuid_entry *e = &t->e[i];

		if (e->eax_in != leaf)
			continue;
		if (snp_cpuid_indexed(leaf) && e->ecx_in != subleaf)
			continue;
		if (leaf == LEAF_XSAVE && subleaf <= 1 && !xsave_base_entry(e))
			continue;
		return e;
	}
	return NULL;
}

int snp_cpuid_init(struct snp_cpuid *c, const struct snp_cpuid_table *fw, const char **why)
{
	struct snp_cpuid tmp;

	/* One copy, then every check on the copy (the source may be memory others can write). */
	memcpy(&tmp.t, fw, sizeof(tmp.t));
	if (tmp.t.count == 0 || tmp.t.count > SNP_CPUID_MAX_ENTRIES) {
		*why = "count is not 1..64";
		return SVSM_EINVAL;
	}
	for (uint32_t i = 0; i < tmp.t.count; i++) {
		for (uint32_t j = 0; j < i; j++) {
			if (same_inputs(&tmp.t.e[i], &tmp.t.e[j])) {
				*why = "two entries for the same leaf and sub-leaf";
				return SVSM_EINVAL;
			}
		}
	}

	const struct snp_cpuid_entry *std = find(&tmp.t, LEAF_STD_BASE, 0);
	const struct snp_cpuid_entry *hyp = find(&tmp.t, LEAF_HYP_BASE, 0);
	const struct snp_cpuid_entry *ext = find(&tmp.t, LEAF_EXT_BASE, 0);
	const struct snp_cpuid_entry *sev = find(&tmp.t, CPUID_SEV_LEAF, 0);

	if (std == NULL || ext == NULL) {
		*why = "leaf 0x0 or 0x80000000 (the ranges) is missing";
		return SVSM_EINVAL;
	}
	if (ext->eax < CPUID_SEV_LEAF || sev == NULL) {
		*why = "leaf 0x8000001F (SEV) is missing";
		return SVSM_EINVAL;
	}
	if (!(sev->eax & CPUID_SEV_EAX_SEV)) {
		*why = "leaf 0x8000001F does not report SEV";
		return SVSM_EINVAL;
	}
	tmp.cbit = sev->ebx & CPUID_SEV_EBX_CBIT_MASK;
	if (tmp.cbit < 32 || tmp.cbit > 51) {
		*why = "C-bit position is outside 32..51";
		return SVSM_EINVAL;
	}
	tmp.std_max = std->eax;
	tmp.ext_max = ext->eax;
	tmp.hyp_max = hyp != NULL ? hyp->eax : 0;
	memcpy(c, &tmp, sizeof(tmp));
	return SVSM_OK;
}

static bool in_range(const struct snp_cpuid *c, uint32_t leaf)
{
	if (leaf < LEAF_HYP_BASE)
		return leaf <= c->std_max;
	if (leaf < LEAF_EXT_BASE)
		return c->hyp_max != 0 && leaf <= c->hyp_max;
	return leaf <= c->ext_max;
}

/*
 * XSAVE area size for the features in xfeatures: the standard form ends
 * at the highest component end (offset + size of sub-leaf i); the
 * compacted form is the sum of the sizes, each component 64-byte aligned
 * when ECX bit 1 of its sub-leaf says so (Intel SDM vol.1 §13.4.3; AMD
 * APM vol.3 App. E.3.8). 0 if a feature above bit 1 has no sub-leaf.
 */
static uint32_t xsave_size(const struct snp_cpuid *c, uint64_t xfeatures, bool compacted)
{
	uint64_t found = 0;
	uint32_t size = XSAVE_LEGACY_SIZE;

	for (unsigned bit = 2; bit < 64; bit++) {
		if (!(xfeatures & (1ull << bit)))
			continue;

		const struct snp_cpuid_entry *e = find(&c->t, LEAF_XSAVE, bit);

		if (e == NULL)
			return 0;
		found |= 1ull << bit;
		if (compacted) {
			if (e->ecx & 2u)
				size = (size + 63u) & ~63u;
			size += e->eax;
		} else if (e->ebx + e->eax > size) {
			size = e->ebx + e->eax;
		}
	}
	return found == (xfeatures & ~3ull) ? size : 0;
}

int snp_cpuid_lookup(const struct snp_cpuid *c, uint32_t leaf, uint32_t subleaf,
		     const struct snp_cpuid_env *env, struct cpuid_regs *out)
{
	const struct snp_cpuid_entry *e = find(&c->t, leaf, subleaf);
	struct cpuid_regs r = { 0, 0, 0, 0 };
	struct cpuid_regs hv;
	int err;

	if (e != NULL)
		r = (struct cpuid_regs){ e->eax, e->ebx, e->ecx, e->edx };
	else if (!in_range(c, leaf)) {
		*out = r; /* out of range: zeros, as AMD CPUs answer */
		return SVSM_OK;
	}

	switch (leaf) {
	case 0x1:
		err = env->hv(env->ctx, leaf, 0, &hv);
		if (err != SVSM_OK)
			return err;
		r.ebx = (r.ebx & ~CPUID_1_EBX_APIC_ID_MASK) | (hv.ebx & CPUID_1_EBX_APIC_ID_MASK);
		r.ecx &= ~CPUID_1_ECX_OSXSAVE;
		if (env->osxsave)
			r.ecx |= CPUID_1_ECX_OSXSAVE;
		break;
	case 0x7:
		if (subleaf == 0) {
			r.ecx &= ~CPUID_7_ECX_OSPKE;
			if (env->pke)
				r.ecx |= CPUID_7_ECX_OSPKE;
		}
		break;
	case 0xB:
		/* EDX is this CPU's x2APIC ID, the same for every sub-leaf. */
		err = env->hv(env->ctx, leaf, 0, &hv);
		if (err != SVSM_OK)
			return err;
		r.edx = hv.edx;
		break;
	case LEAF_XSAVE: {
		if (subleaf > 1)
			break;

		uint64_t features = env->osxsave ? env->xcr0 : 1;
		bool compacted = subleaf == 1;

		if (compacted) {
			/*
			 * No compacted form to size (no XSAVEC or XSAVES: QEMU TCG
			 * has neither): EBX 0, as KVM answers it. Linux's SNP guest
			 * refuses this leaf instead; a CPL3 library that merely
			 * probes it (OpenSSL does) is better served by the 0.
			 */
			if (!(r.eax & (CPUID_D1_EAX_XSAVEC | CPUID_D1_EAX_XSAVES))) {
				r.ebx = 0;
				break;
			}
			if (r.eax & CPUID_D1_EAX_XSAVES)
				features |= env->xss;
		}

		uint32_t size = xsave_size(c, features, compacted);

		if (size == 0)
			return SVSM_EINVAL;
		r.ebx = size;
		break;
	}
	case 0x8000001E:
		err = env->hv(env->ctx, leaf, 0, &hv);
		if (err != SVSM_OK)
			return err;
		r.eax = hv.eax; /* extended APIC ID */
		r.ebx = (r.ebx & ~CPUID_8000001E_ID_MASK) | (hv.ebx & CPUID_8000001E_ID_MASK);
		r.ecx = (r.ecx & ~CPUID_8000001E_ID_MASK) | (hv.ecx & CPUID_8000001E_ID_MASK);
		break;
	default:
		break;
	}
	*out = r;
	return SVSM_OK;
}
