/* SPDX-License-Identifier: MIT */
/*
 * A guest firmware (OVMF) at VMPL2: what the launch carried
 * (boot_info firmware_pa/size, igvm-build --firmware) read by the SVSM.
 */
#pragma once

#include "lib/ovmf_meta.h"
#include "svsm/boot_info.h"

/*
 * The firmware's SEV metadata, read from its launched pages with the
 * checks of lib/ovmf_meta.c: SVSM_OK with *m, else the error and why.
 */
int ovmf_launch_read_meta(const struct boot_info *bi, struct ovmf_meta *m, char why[OVMF_WHY_LEN]);
