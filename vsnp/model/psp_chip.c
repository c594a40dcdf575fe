/* SPDX-License-Identifier: MIT */
/*
 * The PSP of the chip vsnp emulates (include/vsnp/vsnp_chip.h) for one
 * launch: the chip's keys and chain from its public seed, its identity
 * (chip id, CPUID signature), the launch's policy, and fresh VMPCKs.
 * Shared by the emulated machine (vsnp/) and the in-SVSM vsnp backend.
 */
#include "vsnp/psp_chip.h"

#include <mbedtls/sha512.h>

#include "lib/string.h"
#include "svsm/errno.h"
#include "vsnp/vsnp_chip.h"

/*
 * Family, model and stepping as CPUID 1 EAX encodes them (AMD CPUID
 * Specification 25481, Fn0000_0001_EAX): the emulated chip's, as its CPUID
 * page has them (vsnp_chip.h), so reports and CPUID agree.
 */
static void cpu_fms(struct psp_launch *l)
{
	uint32_t a = VSNP_CHIP_CPUID_1_EAX;
	unsigned fam = (a >> 8) & 0xF, model = (a >> 4) & 0xF;

	if (fam == 0xF) {
		fam += (a >> 20) & 0xFF;
		model |= ((a >> 16) & 0xF) << 4;
	}
	l->cpuid_fam = (uint8_t)fam;
	l->cpuid_mod = (uint8_t)model;
	l->cpuid_step = (uint8_t)(a & 0xF);
}

int psp_chip_start(struct psp_model *p, uint64_t policy, const uint8_t keys[4][SNP_VMPCK_SIZE], const char **why)
{
	static const uint8_t seed[32] = VSNP_CHIP_SEED;
	struct psp_launch l;
	uint8_t id[64];

	_Static_assert(sizeof(VSNP_CHIP_SEED) - 1 == sizeof(seed), "the chip seed is 32 bytes");
	memset(&l, 0, sizeof(l));
	l.policy = policy;
	cpu_fms(&l);
	/* The chip id: a function of the chip's seed, as a real chip's is of its fuses. */
	if (mbedtls_sha512_ret(seed, sizeof(seed), id, 0) != 0) {
		*why = "SHA-512 failed";
		return SVSM_EIO;
	}
	memcpy(l.chip_id, id, sizeof(l.chip_id));
	if (psp_model_init(p, seed, &l) != SVSM_OK) {
		*why = "the PSP model could not make the chip's keys";
		return SVSM_EIO;
	}
	psp_model_launch_start(p, keys);
	return SVSM_OK;
}
