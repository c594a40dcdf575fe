/* SPDX-License-Identifier: MIT */
/* Stage-2 serial output and the one way stage 2 gives up (stage1/s2_console.c). */
#pragma once

void s2_console_init(void);
/* The SNP entry: from now on nothing is printed and a failure is a GHCB termination request. */
void s2_console_snp(void);
/* The reason code (set 3) a failure on the SNP path reports: the step stage 2 is in. */
void s2_set_fail_code(unsigned code);
void s2_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Multiboot path: prints "stage1: error: ...", exits QEMU with
 * SVSM_EXIT_LOADER_FAIL, halts. SNP path: asks the hypervisor to end the
 * guest with the step's reason code.
 */
__attribute__((noreturn)) void s2_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A GHCB MSR-protocol termination request, reason set 3, code (SNP path only). */
__attribute__((noreturn)) void s2_snp_terminate(unsigned code);
