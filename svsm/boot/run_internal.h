/* SPDX-License-Identifier: MIT */
/* What the run mode's files share (svsm/boot/run.c, svsm/boot/run_snp.c). */
#pragma once

#include <stdint.h>

#include "protocols/svsm_vm.h"
#include "svsm/boot.h"

/*
 * Copies the payload (a Multiboot module, or under SNP pages of the
 * launch) into a buddy block of SVSM memory; map_flags: the tmpmap flags
 * it is reached with (PGT_ENC when it is private). NULL after logging why.
 */
uint8_t *run_read_payload(const struct boot_info *bi, unsigned map_flags, uint64_t *block, unsigned *order);
struct vtpm_state_store;
/*
 * Starts the vTPM module at CPL3, the back end of the vTPM protocol (and of a
 * Linux launch's measured boot), its state kept by store (NULL: volatile);
 * NULL, logged, if it cannot start: the run goes on without a vTPM.
 */
const struct vtpm_backend *run_vtpm_start(const struct vtpm_state_store *store);
/* Under SNP: the payload launched at VMPL2 and served through Run VMPL until it ends (run_snp.c). */
__attribute__((noreturn)) void run_snp(struct svsm_boot *b);
