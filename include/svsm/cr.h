/* SPDX-License-Identifier: MIT */
/* Control-register access for the 64-bit kernel (APM vol.2 §3.1). */
#pragma once

#include <stdint.h>

static inline uint64_t cr0_read(void)
{
	uint64_t v;

	__asm__ volatile("movq %%cr0, %0" : "=r"(v));
	return v;
}

static inline void cr0_write(uint64_t v)
{
	__asm__ volatile("movq %0, %%cr0" : : "r"(v) : "memory");
}

static inline uint64_t cr2_read(void)
{
	uint64_t v;

	__asm__ volatile("movq %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t cr3_read(void)
{
	uint64_t v;

	__asm__ volatile("movq %%cr3, %0" : "=r"(v));
	return v;
}

static inline void cr3_write(uint64_t v)
{
	__asm__ volatile("movq %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t cr4_read(void)
{
	uint64_t v;

	__asm__ volatile("movq %%cr4, %0" : "=r"(v));
	return v;
}

static inline void cr4_write(uint64_t v)
{
	__asm__ volatile("movq %0, %%cr4" : : "r"(v) : "memory");
}
