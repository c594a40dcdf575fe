/* SPDX-License-Identifier: MIT */
/*
 * C-bit discovery, in the order AMD documents it (APM vol.2 §7.10.1 and
 * §15.34.1; APM vol. 2 (24593) §15.34.10, SEV_STATUS): CPUID Fn8000_001F exists
 * only when the maximum extended leaf reaches it (QEMU answers an absent leaf
 * with the highest basic leaf, docs/REFERENCES.md, measured under QEMU 7.2),
 * SEV support is EAX bit 1, SEV_STATUS says whether this guest is actually
 * encrypted, and EBX[5:0] is the C-bit position.
 */
#include "enc_probe.h"

#include "abi/x86.h"

/* The C-bit must be an address bit above 4 GiB and within MAXPHYADDR 52. */
#define CBIT_MIN 32u
#define CBIT_MAX 51u

bool enc_needs_sev_status(const struct enc_cpuid *c)
{
	return c->max_ext >= CPUID_EXT_SME_SEV && (c->fn8000001f_eax & CPUID_8000001F_EAX_SEV);
}

const char *enc_mask_compute(const struct enc_cpuid *c, uint64_t sev_status, uint64_t *mask)
{
	*mask = 0;
	if (!enc_needs_sev_status(c))
		return NULL;
	if (!(sev_status & SEV_STATUS_SEV))
		return NULL; /* SEV-capable processor, but this guest is not encrypted */
	if (!(sev_status & SEV_STATUS_SNP))
		return "SEV is active without SEV-SNP; the SVSM needs SNP";

	uint32_t cbit = c->fn8000001f_ebx & CPUID_8000001F_EBX_CBIT_MASK;

	if (cbit < CBIT_MIN || cbit > CBIT_MAX)
		return "CPUID Fn8000_001F EBX reports an invalid C-bit position";
	*mask = 1ull << cbit;
	return NULL;
}
