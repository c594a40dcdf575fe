/* SPDX-License-Identifier: MIT */
/* The emulated chip's PSP for one launch (vsnp/model/psp_chip.c). */
#pragma once

#include <stdint.h>

#include "abi/snp_pages.h"
#include "vsnp/psp_model.h"

/*
 * p as the PSP of the chip vsnp emulates (include/vsnp/vsnp_chip.h), with
 * a launch started under policy and the VMPCKs keys (SNP_LAUNCH_START).
 * SVSM_OK, or SVSM_EIO with *why (mbedTLS failed).
 */
int psp_chip_start(struct psp_model *p, uint64_t policy, const uint8_t keys[4][SNP_VMPCK_SIZE], const char **why);
