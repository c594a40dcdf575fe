/* SPDX-License-Identifier: MIT */
/* Instructions that may fault, wrapped so a fault becomes an error code (exception table). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* SVSM_OK and *val, or SVSM_EFAULT if RDMSR faulted (#GP: no such MSR). */
int rdmsr_safe(uint32_t msr, uint64_t *val);
/* SVSM_OK, or SVSM_EFAULT if WRMSR faulted (#GP). */
int wrmsr_safe(uint32_t msr, uint64_t val);
/* SVSM_OK and *val, or SVSM_EFAULT if the read faulted (#PF, #GP). */
int read_u64_safe(uint64_t addr, uint64_t *val);
/* SVSM_OK, or SVSM_EFAULT if the write faulted. */
int write_u64_safe(uint64_t addr, uint64_t val);
/* Copies n bytes; SVSM_OK, or SVSM_EFAULT if an access faulted (part may be copied). */
int copy_safe(void *dst, const void *src, size_t n);
