/* SPDX-License-Identifier: MIT */
/*
 * Values written to QEMU's isa-debug-exit port (QEMU_DEBUG_EXIT_PORT); QEMU
 * then exits with status (value << 1) | 1. scripts/qemu_boot.py maps them
 * back. Shared by stage1, the kernel and the scripts (keep them in step).
 */
#pragma once

#define SVSM_EXIT_PASS 0x10        /* QEMU exit status 33 */
#define SVSM_EXIT_FAIL 0x11        /* 35: kernel failure (panic, fatal exception, failed test) */
#define SVSM_EXIT_LOADER_FAIL 0x12 /* 37: stage1 refused to boot */
