/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>

#include "abi/guest_boot.h"
#include "abi/svsm_abi.h"

/* Prints the in-guest figures (bench.c); region: 2 MiB-aligned, not validated, guest RAM. */
void guest_bench(const struct guest_boot *boot, volatile struct svsm_ca *ca, uint64_t region);
