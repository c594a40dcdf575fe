/* SPDX-License-Identifier: MIT */
/* Stage-2 serial output and the one way stage 2 gives up. */
#pragma once

void s2_console_init(void);
void s2_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "stage1: error: ...", exits QEMU with SVSM_EXIT_LOADER_FAIL, halts. */
__attribute__((noreturn)) void s2_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
