/* SPDX-License-Identifier: MIT */
/*
 * The fake backend for host tests: validation, permission changes and page
 * state go to an RMP model; the rest is recorded so tests can assert what
 * the code under test asked the platform to do.
 */
#pragma once

#include <stdint.h>

#include "svsm/platform.h"
#include "vsnp/rmp_model.h"

#define FAKE_MSRS 16

struct platform_fake {
	struct rmp_model *rmp;
	uint64_t enc_mask;
	uint64_t rng_state;
	/* recorded calls */
	unsigned ap_creates;
	uint32_t last_apic_id;
	uint64_t last_vmsa_pa;
	unsigned last_vmsa_vmpl;
	uint64_t last_sev_features;
	unsigned run_vmpl_calls;
	unsigned last_run_vmpl;
	unsigned io_writes;
	uint16_t last_io_port;
	uint32_t last_io_val;
	uint32_t msr_index[FAKE_MSRS];
	uint64_t msr_value[FAKE_MSRS];
	unsigned msrs;
	/* Serves guest requests (tests put the PSP model here); NULL: SVSM_ENOTSUP. */
	int (*guest_request)(void *ctx, uint64_t req_pa, uint64_t resp_pa, uint64_t *fw_error);
	void *guest_request_ctx;
	unsigned guest_requests;
	/* Called by terminate; must not return (tests longjmp out of it). */
	__attribute__((noreturn)) void (*on_terminate)(unsigned set, unsigned code);
};

/* Installs the fake backend over f (which the caller keeps alive). */
void platform_fake_install(struct platform_fake *f);
