/* SPDX-License-Identifier: MIT */
/*
 * Guest memory for self-tests that act as a guest would: under SNP the
 * guest's RAM starts private and unvalidated (a copy into it takes
 * #VC 0x404 and is refused), so a test validates the 2 MiB page it uses
 * first and gives it back unvalidated, leaving the RMP as it found it.
 */
#pragma once

#include <stdint.h>

/* A 2 MiB-aligned page of guest RAM, validated; 0 if none could be. */
uint64_t st_guest_2m_take(void);
/* Rescinds the validation st_guest_2m_take made. */
void st_guest_2m_give(uint64_t gpa);
