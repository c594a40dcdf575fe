/* SPDX-License-Identifier: MIT */
/*
 * Guest-memory copies: what portable code (protocols/) uses to reach guest
 * physical memory. The kernel implements them on the temporary window
 * (svsm/mm/guest_copy.c); host tests on simulated memory
 * (tests/unit/guest_sim.c). Both check the range with guest_range_check.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "svsm/addr.h"

/*
 * Copies between SVSM memory and guest physical memory (a gpa_t: the
 * guest's address, checked here) through the temporary window. gpa must
 * be aligned to align (a power of two), the range must lie in guest RAM
 * and outside SVSM memory. SVSM_OK; SVSM_EINVAL
 * (alignment), SVSM_ERANGE (longer than GUEST_COPY_MAX or wraps),
 * SVSM_EPERM (SVSM memory), SVSM_EFAULT (not guest RAM, or the access
 * faulted: the kernel recovers and reports it).
 */
int copy_from_guest(void *dst, gpa_t gpa, size_t len, size_t align);
int copy_to_guest(gpa_t gpa, const void *src, size_t len, size_t align);
