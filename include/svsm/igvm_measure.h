/* SPDX-License-Identifier: MIT */
/*
 * The SNP launch digest of an IGVM file (svsm/platform/model/igvm_measure.c):
 * what the PSP computes as a loader launches the file for one platform.
 */
#pragma once

#include <stdint.h>

#include "lib/igvm.h"
#include "svsm/launch_digest.h"

/*
 * d from the start: every page of the platform with mask (the SNP
 * platform's compatibility mask), in file order, of a file igvm_open
 * accepted. SVSM_OK, or an error with the reason in why (IGVM_WHY_LEN).
 */
int igvm_measure(const struct igvm_file *f, uint32_t mask, struct launch_digest *d, char *why);
