/* SPDX-License-Identifier: MIT */
/*
 * Platform classification. Leaf meanings: APM vol.3 (CPUID Fn8000_0001 ECX bit
 * 2 SVM; Fn8000_000A EAX revision, EBX ASIDs, EDX bit 0 NP, bit 3 NRIPS),
 * SEV_STATUS bit 2 SNP (APM vol. 2 (24593) §15.34.10, SEV_STATUS). A leaf is
 * used only when the maximum extended leaf reaches it (docs/REFERENCES.md,
 * measured under QEMU 7.2: QEMU answers absent leaves with unrelated data).
 */
#include "abi/x86.h"
#include "svsm/platform_probe.h"

void platform_classify(const struct platform_cpuid *c, struct platform_info *out)
{
	*out = (struct platform_info){ .kind = PLATFORM_NATIVE };

	if (c->sev_status_valid && c->max_ext >= CPUID_EXT_SME_SEV &&
	    (c->fn8000001f_eax & CPUID_8000001F_EAX_SEV)) {
		out->sev_status = c->sev_status;
		if (c->sev_status & SEV_STATUS_SNP) {
			out->kind = PLATFORM_SNP;
			return;
		}
	}
	if (c->max_ext >= CPUID_EXT_FEATURES && (c->fn80000001_ecx & CPUID_80000001_ECX_SVM))
		out->svm = true;
	if (out->svm && c->max_ext >= CPUID_EXT_SVM) {
		out->npt = (c->fn8000000a_edx & CPUID_8000000A_EDX_NP) != 0;
		out->nrips = (c->fn8000000a_edx & CPUID_8000000A_EDX_NRIPS) != 0;
		out->svm_revision = c->fn8000000a_eax & 0xFF;
		out->asids = c->fn8000000a_ebx;
	}
	if (out->svm && out->npt)
		out->kind = PLATFORM_SVM;
}

const char *platform_kind_name(enum platform_kind kind)
{
	switch (kind) {
	case PLATFORM_NATIVE:
		return "native";
	case PLATFORM_SVM:
		return "svm";
	case PLATFORM_SNP:
		return "snp";
	}
	return "unknown";
}
