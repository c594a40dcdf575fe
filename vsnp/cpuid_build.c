/* SPDX-License-Identifier: MIT */
/*
 * The CPUID page the emulated launch gives the vsnp guest: what the real
 * CPU reports, with the emulated chip's signature in leaves 1 and
 * 0x80000001 (vsnp_chip.h) and the emulated APIC's features in leaf 1,
 * plus the SEV leaf 0x8000001F of an SNP machine (the part SNP firmware
 * would check against the CPU; here the SVSM plays the firmware).
 * Portable and host-tested. The layout (include/abi/snp_pages.h) is the
 * CPUID page of SNP_LAUNCH_UPDATE (PAGE_TYPE_CPUID, SEV-SNP firmware ABI
 * 56860).
 */
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/snp_cpuid.h"
#include "vsnp/vsnp_chip.h"
#include "vsnp/vsnp_cpuid.h"
#include "vsnp/vsnp_kvm.h"

/* APM vol.3 App. E.4.17, leaf 0x8000001F: EAX feature bits, EBX fields. */
#define SEV_EAX_SEV (1u << 1)
#define SEV_EAX_SEV_ES (1u << 3)
#define SEV_EAX_SNP (1u << 4)
#define SEV_EAX_VMPL (1u << 5)
#define SEV_EBX_REDUCTION_SHIFT 6 /* [11:6] physical address bits lost to the C-bit */
#define SEV_EBX_VMPLS_SHIFT 12    /* [15:12] number of VMPLs */

/*
 * Leaf 1 ECX: x2APIC (bit 21, APM vol.3 App. E.3.2) and TSC-Deadline
 * (bit 24, Intel SDM vol.2A CPUID leaf 01H). The guest's APIC is the
 * hypervisor's emulation (vsnp/apic.c), which offers both whatever the
 * CPU has, as KVM sets them for its guests.
 */
#define CPUID_1_ECX_X2APIC (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
/*
 * MONITOR/MWAIT (leaf 1 ECX bit 3, APM vol.3 App. E.3.2): intercepted
 * here (a #VC the guest answers as a no-op) and not enumerated, as KVM
 * does not enumerate them to its guests (Linux arch/x86/kvm/cpuid.c:
 * "MONITOR (and MWAIT) are emulated as NOP, but *not* enumerated"). A
 * guest told it has them may park CPUs in MWAIT where no #VC handler is
 * left (OVMF's AP loop after ExitBootServices under SEV-SNP).
 */
#define CPUID_1_ECX_MONITOR (1u << 3)

/*
 * XSAVE state. An SNP guest computes its XSAVE area size from leaf 0xD
 * and requires sub-leaf 1 EAX to offer XSAVEC (bit 1) or XSAVES (bit 3),
 * as all SNP hardware does (Linux refuses the CPUID page otherwise and
 * terminates, reason set 0 code 0). QEMU's TCG implements neither (QEMU
 * 7.2, target/i386/cpu.c TCG_XSAVE_FEATURES), so on such a CPU the
 * emulated chip has no XSAVE at all: the highest basic leaf stops before
 * 0xD, and leaf 1 and 7 drop XSAVE and what needs it (AVX and its
 * successors, APM vol.3 App. E.3.2 and E.3.6; Intel SDM vol.1 §13.2).
 * The guest then uses FXSAVE, as it would on a CPU without XSAVE.
 */
#define LEAF_XSAVE 0xDu
#define XSAVE_1_EAX_XSAVEC (1u << 1)
#define XSAVE_1_EAX_XSAVES (1u << 3)
#define CPUID_1_ECX_NEEDS_XSAVE ((1u << 12) /* FMA */ | (1u << 26) /* XSAVE */ | (1u << 27) /* OSXSAVE */ | \
				 (1u << 28) /* AVX */ | (1u << 29) /* F16C */)
#define CPUID_7_EBX_NEEDS_XSAVE ((1u << 5) /* AVX2 */ | (1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | \
				 (1u << 27) | (1u << 28) | (1u << 30) | (1u << 31) /* AVX-512 */)
#define CPUID_7_ECX_NEEDS_XSAVE ((1u << 1) | (1u << 6) | (1u << 11) | (1u << 12) | (1u << 14) /* AVX-512 */ | \
				 (1u << 9) /* VAES */ | (1u << 10) /* VPCLMULQDQ */)

#define CPUID_7_ECX_RDPID (1u << 22)
/*
 * Machine check: MCE (bit 7) and MCA (bit 14) of leaf 1 EDX and their
 * copies in 0x80000001 EDX (APM vol.3 App. E.3.2, E.4.2). The hypervisor
 * emulates no machine-check banks (MCG_CAP and the MCi MSRs would #GP),
 * so the chip does not claim them.
 */
#define CPUID_EDX_MCE_MCA ((1u << 7) | (1u << 14))
/* SVM (0x80000001 ECX bit 2, APM vol.3 App. E.4.2): an SNP guest gets no nested virtualization here. */
#define CPUID_80000001_ECX_SVM (1u << 2)
#define LEAF_SVM 0x8000000Au

/* Sub-leaf bounds for the indexed leaves the page keeps. */
#define MAX_SUBLEAVES 8

static int add(struct snp_cpuid_table *t, uint32_t leaf, uint32_t sub, const struct cpuid_regs *r,
	       const char **why)
{
	if (t->count == SNP_CPUID_MAX_ENTRIES) {
		*why = "the CPU reports more leaves than the CPUID page holds (64)";
		return SVSM_ENOSPC;
	}
	struct snp_cpuid_entry *e = &t->e[t->count++];

	memset(e, 0, sizeof(*e));
	e->eax_in = leaf;
	e->ecx_in = snp_cpuid_indexed(leaf) ? sub : 0;
	e->eax = r->eax;
	e->ebx = r->ebx;
	e->ecx = r->ecx;
	e->edx = r->edx;
	return SVSM_OK;
}

static bool all_zero(const struct cpuid_regs *r)
{
	return (r->eax | r->ebx | r->ecx | r->edx) == 0;
}

/* Is sub-leaf `sub` of an indexed leaf worth an entry (it exists)? */
static bool subleaf_exists(uint32_t leaf, uint32_t sub, const struct cpuid_regs *r,
			   const struct cpuid_regs *sub0)
{
	switch (leaf) {
	case 0x4:
	case 0x8000001D:
		return (r->eax & 0x1F) != 0; /* cache type 0: no more caches */
	case 0x7:
		return sub <= sub0->eax;     /* EAX of sub-leaf 0: highest sub-leaf */
	case 0xB:
		return sub == 0 || ((r->ecx >> 8) & 0xFF) != 0; /* level type 0: done */
	case 0xD:
		/* 0 and 1 always; 2..: the components XCR0 can enable (EAX of sub-leaf 0). */
		return sub <= 1 || (sub < 32 && (sub0->eax & (1u << sub)));
	default:
		return sub == 0 || !all_zero(r);
	}
}

static int add_leaf(struct snp_cpuid_table *t, uint32_t leaf, const struct vsnp_cpuid_src *src, bool no_xsave,
		    const char **why)
{
	struct cpuid_regs sub0 = src->cpuid(src->ctx, leaf, 0);
	unsigned subs = snp_cpuid_indexed(leaf) ? (leaf == 0xD ? 32 : MAX_SUBLEAVES) : 1;

	for (uint32_t sub = 0; sub < subs; sub++) {
		struct cpuid_regs r = sub == 0 ? sub0 : src->cpuid(src->ctx, leaf, sub);

		if (!subleaf_exists(leaf, sub, &r, &sub0)) {
			if (leaf == 0xD)
				continue; /* sparse: components may be missing in between */
			break;
		}
		/* An all-zero leaf reads the same from the page as from its absence. */
		if (sub == 0 && all_zero(&r) && leaf != 0 && leaf != 0x80000000)
			return SVSM_OK;
		/* The emulated chip's family/model/stepping, not the host CPU's (vsnp_chip.h). */
		if ((leaf == 1 || leaf == 0x80000001) && sub == 0)
			r.eax = VSNP_CHIP_CPUID_1_EAX;
		if (leaf == 1 && sub == 0)
			r.ecx = (r.ecx | CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE) & ~CPUID_1_ECX_MONITOR;
		if (no_xsave && leaf == 1)
			r.ecx &= ~CPUID_1_ECX_NEEDS_XSAVE;
		if ((leaf == 1 || leaf == 0x80000001) && sub == 0)
			r.edx &= ~CPUID_EDX_MCE_MCA;
		if (leaf == 0x80000001 && sub == 0)
			r.ecx &= ~CPUID_80000001_ECX_SVM;
		/*
		 * RDPID (leaf 7 ECX bit 22) reads TSC_AUX and cannot be intercepted
		 * (APM vol.3 RDPID); under TCG it would read the machine's, not the
		 * guest's (vsnp/kvm_msr.c keeps that one): not offered. RDTSCP is
		 * intercepted and answered from the guest's.
		 */
		if (leaf == 7 && sub == 0)
			r.ecx &= ~CPUID_7_ECX_RDPID;
		if (no_xsave && leaf == 7 && sub == 0) {
			r.ebx &= ~CPUID_7_EBX_NEEDS_XSAVE;
			r.ecx &= ~CPUID_7_ECX_NEEDS_XSAVE;
		}
		int err = add(t, leaf, sub, &r, why);

		if (err != SVSM_OK)
			return err;
	}
	return SVSM_OK;
}

int vsnp_cpuid_page_build(struct snp_cpuid_table *t, const struct vsnp_cpuid_src *src,
			  unsigned cbit_pos, const char **why)
{
	struct cpuid_regs r0 = src->cpuid(src->ctx, 0, 0);
	struct cpuid_regs e0 = src->cpuid(src->ctx, 0x80000000, 0);
	int err;

	*why = "";
	if (cbit_pos < 32 || cbit_pos > 51) {
		*why = "C-bit position outside 32..51";
		return SVSM_EINVAL;
	}
	memset(t, 0, sizeof(*t));
	bool no_xsave = r0.eax >= LEAF_XSAVE &&
			!(src->cpuid(src->ctx, LEAF_XSAVE, 1).eax & (XSAVE_1_EAX_XSAVEC | XSAVE_1_EAX_XSAVES));
	uint32_t basic_max = no_xsave ? LEAF_XSAVE - 1 : r0.eax;

	for (uint32_t leaf = 0; leaf <= basic_max && leaf < 0x20; leaf++) {
		if (leaf == 0) {
			struct cpuid_regs l0 = r0;

			l0.eax = basic_max;
			err = add(t, 0, 0, &l0, why);
			if (err != SVSM_OK)
				return err;
			continue;
		}
		err = add_leaf(t, leaf, src, no_xsave, why);
		if (err != SVSM_OK)
			return err;
	}
	/* The extended range must reach the SEV leaf (QEMU's EPYC stops at 0x8000001E). */
	uint32_t ext_max = e0.eax < CPUID_SEV_LEAF ? CPUID_SEV_LEAF : e0.eax;

	if (ext_max > CPUID_SEV_LEAF)
		ext_max = CPUID_SEV_LEAF;
	for (uint32_t leaf = 0x80000000; leaf < CPUID_SEV_LEAF; leaf++) {
		if (leaf == 0x80000000) {
			e0.eax = ext_max;
			err = add(t, leaf, 0, &e0, why);
		} else if (leaf == LEAF_SVM) {
			continue; /* SVM's features: none offered */
		} else if (leaf <= src->cpuid(src->ctx, 0x80000000, 0).eax) {
			err = add_leaf(t, leaf, src, no_xsave, why);
		} else {
			continue;
		}
		if (err != SVSM_OK)
			return err;
	}
	/* The hypervisor's leaves: KVM's signature, its kvmclock features and PV EOI (include/vsnp/vsnp_kvm.h). */
	struct cpuid_regs kvm_sig = { KVM_CPUID_FEATURES, KVM_SIGNATURE_EBX, KVM_SIGNATURE_ECX, KVM_SIGNATURE_EDX };
	struct cpuid_regs kvm_feat = { KVM_FEATURE_CLOCKSOURCE2 | KVM_FEATURE_CLOCKSOURCE_STABLE_BIT | KVM_FEATURE_PV_EOI,
				       0, 0, 0 };

	if ((err = add(t, KVM_CPUID_SIGNATURE, 0, &kvm_sig, why)) != SVSM_OK ||
	    (err = add(t, KVM_CPUID_FEATURES, 0, &kvm_feat, why)) != SVSM_OK)
		return err;
	struct cpuid_regs sev = {
		.eax = SEV_EAX_SEV | SEV_EAX_SEV_ES | SEV_EAX_SNP | SEV_EAX_VMPL,
		.ebx = cbit_pos | (1u << SEV_EBX_REDUCTION_SHIFT) | (4u << SEV_EBX_VMPLS_SHIFT),
	};

	return add(t, CPUID_SEV_LEAF, 0, &sev, why);
}
