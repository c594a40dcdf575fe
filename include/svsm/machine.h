/* SPDX-License-Identifier: MIT */
/* Stopping the machine. */
#pragma once

#include <stdbool.h>

#include "svsm/exit_codes.h"

/*
 * Ends the run with one of the SVSM_EXIT_* codes. Under QEMU the
 * isa-debug-exit device ends the VM; without it, the CPU halts.
 */
__attribute__((noreturn)) void machine_exit(unsigned code);
/*
 * Replaces the isa-debug-exit write: under SNP port I/O needs the GHCB and
 * the VM ends through a GHCB termination request instead.
 */
void machine_set_exit(__attribute__((noreturn)) void (*exit_fn)(unsigned code));
