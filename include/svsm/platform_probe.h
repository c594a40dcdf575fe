/* SPDX-License-Identifier: MIT */
/*
 * Which machine the SVSM booted on: `snp` (SEV_STATUS says SNP: the snp
 * backend), `svm` (AMD SVM with nested paging, no SNP: the native backend;
 * such a CPU can run the emulated SNP machine, vsnp.img, which shares this
 * probe), or `native` (neither; self-tests only). The decision is a pure
 * function of CPUID/MSR values so host tests can drive it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum platform_kind {
	PLATFORM_NATIVE,
	PLATFORM_SVM,
	PLATFORM_SNP,
};

struct platform_cpuid {
	uint32_t max_ext;         /* CPUID 0x80000000 EAX */
	uint32_t fn80000001_ecx;  /* SVM bit 2 */
	uint32_t fn8000000a_eax;  /* SVM revision */
	uint32_t fn8000000a_ebx;  /* number of ASIDs */
	uint32_t fn8000000a_edx;  /* NP bit 0, NRIPS bit 3 */
	uint32_t fn8000001f_eax;  /* SEV bit 1 */
	bool sev_status_valid;    /* SEV_STATUS was read without a fault */
	uint64_t sev_status;
};

struct platform_info {
	enum platform_kind kind;
	bool svm;
	bool npt;
	bool nrips;
	uint32_t svm_revision;
	uint32_t asids;
	uint64_t sev_status;
};

void platform_classify(const struct platform_cpuid *c, struct platform_info *out);
const char *platform_kind_name(enum platform_kind kind);
/* Reads CPUID (and SEV_STATUS where CPUID says it exists) on this CPU. */
void platform_probe(struct platform_info *out);
