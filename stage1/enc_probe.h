/* SPDX-License-Identifier: MIT */
/*
 * The platform probe for the page-table encryption mask. The decision is a
 * pure function of CPUID and SEV_STATUS values so host tests can drive it;
 * stage2.c reads the real values.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct enc_cpuid {
	uint32_t max_ext;      /* CPUID 0x80000000 EAX */
	uint32_t fn8000001f_eax;
	uint32_t fn8000001f_ebx;
};

/* True when SEV_STATUS must be read: only then is the MSR defined. */
bool enc_needs_sev_status(const struct enc_cpuid *c);

/*
 * Computes the C-bit mask (0 when memory is not encrypted). sev_status is
 * ignored unless enc_needs_sev_status() said to read it. Returns NULL or a
 * message when the platform reports something the SVSM cannot run on.
 */
const char *enc_mask_compute(const struct enc_cpuid *c, uint64_t sev_status, uint64_t *mask);
