/* SPDX-License-Identifier: MIT */
#include "abi/x86.h"
#include "lib/cpu.h"
#include "svsm/errno.h"
#include "svsm/platform_probe.h"
#include "svsm/probe.h"

void platform_probe(struct platform_info *out)
{
	struct platform_cpuid c = { .max_ext = cpu_cpuid(CPUID_EXT_BASE, 0).eax };

	if (c.max_ext >= CPUID_EXT_FEATURES)
		c.fn80000001_ecx = cpu_cpuid(CPUID_EXT_FEATURES, 0).ecx;
	if (c.max_ext >= CPUID_EXT_SVM) {
		struct cpuid_regs r = cpu_cpuid(CPUID_EXT_SVM, 0);

		c.fn8000000a_eax = r.eax;
		c.fn8000000a_ebx = r.ebx;
		c.fn8000000a_edx = r.edx;
	}
	if (c.max_ext >= CPUID_EXT_SME_SEV) {
		c.fn8000001f_eax = cpu_cpuid(CPUID_EXT_SME_SEV, 0).eax;
		/* The MSR is defined only with SEV; read it guarded all the same. */
		if ((c.fn8000001f_eax & CPUID_8000001F_EAX_SEV) &&
		    rdmsr_safe(MSR_SEV_STATUS, &c.sev_status) == SVSM_OK)
			c.sev_status_valid = true;
	}
	platform_classify(&c, out);
}
