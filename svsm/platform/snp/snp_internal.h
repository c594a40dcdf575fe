/* SPDX-License-Identifier: MIT */
/* State shared by the snp backend's kernel files (snp.c, vc.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "svsm/exc.h"
#include "svsm/platform_snp.h"
#include "svsm/snp_cpuid.h"
#include "svsm/snp_hv.h"
#include "svsm/snp_vc.h"

struct snp_state {
	struct snp_cpuid cpuid; /* checked copy of the CPUID page */
	struct snp_hv boot_hv;  /* the boot CPU's GHCB channel (others: snp_cpu_init) */
	uint16_t version;       /* negotiated GHCB protocol version */
	uint64_t secrets_pa;
	bool ready;
};

extern struct snp_state snp;


/* This CPU's CR4/XCR0 view for CPUID answers. */
void snp_cpu_env(struct snp_vc_env *env);
/*
 * Sends the console straight through the GHCB instead of IN/OUT + #VC, for
 * reports made inside the #VC handler (a #VC there would reuse its IST
 * stack) and fatal reports in general (exc_set_fatal_hook).
 */
void snp_console_direct(void);
/* The #VC handler (exc_set_vc_handler). */
bool snp_vc_handler(struct exc_frame *f);
