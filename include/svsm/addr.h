/* SPDX-License-Identifier: MIT */
/*
 * The SVSM's kinds of address, each its own type: one-member structs
 * (Hafnium's ipaddr_t / paddr_t / vaddr_t are the model), so the compiler
 * refuses one where another, a length or a plain number is expected.
 *
 *  - gpa_t: a guest physical address as the guest hands it over (in a
 *    register, a list entry, a VMSA field), without the C-bit: input to
 *    check, never memory the SVSM may touch or an RMP operation may take.
 *  - paddr_t: a physical address the SVSM vouches for: a page of its own
 *    (the allocator, the memory map), or a guest page after its checks
 *    passed. What the platform seam's RMP operations, page state changes,
 *    AP creation and guest requests take.
 *  - vaddr_t: an address in the SVSM's own virtual address space.
 *
 * Under SEV-SNP a guest's physical address and the SVSM's name the same
 * page: every VMPL shares the VM's one guest-physical space (AMD APM vol. 2
 * (24593), Secure Nested Paging: VMPLs), so gpa -> paddr keeps the
 * number. The conversion is about trust, not arithmetic, and has its own
 * function, pa_from_checked_gpa, called only where the check it stands for
 * was made (core_check_range for the protocols, the guest copies, the
 * launch code placing the guest's pages).
 */
#pragma once

#include <stdint.h>

typedef struct {
	uint64_t gpa;
} gpa_t;

typedef struct {
	uint64_t pa;
} paddr_t;

typedef struct {
	uint64_t va;
} vaddr_t;

/* ---- guest physical: made where a guest value enters ---- */

static inline gpa_t gpa_init(uint64_t gpa)
{
	return (gpa_t){ .gpa = gpa };
}

static inline uint64_t gpa_addr(gpa_t a)
{
	return a.gpa;
}

static inline gpa_t gpa_add(gpa_t a, uint64_t off)
{
	return (gpa_t){ .gpa = a.gpa + off };
}

/* ---- SVSM-vouched physical ---- */

/* A physical address from the SVSM's own sources (allocator, memory map, boot information). */
static inline paddr_t pa_init(uint64_t pa)
{
	return (paddr_t){ .pa = pa };
}

static inline uint64_t pa_addr(paddr_t a)
{
	return a.pa;
}

static inline paddr_t pa_add(paddr_t a, uint64_t off)
{
	return (paddr_t){ .pa = a.pa + off };
}

/*
 * A guest page the caller has checked (guest RAM, not SVSM memory, not a
 * page the SVSM keeps from the guest) as the physical page it names.
 */
static inline paddr_t pa_from_checked_gpa(gpa_t a)
{
	return (paddr_t){ .pa = a.gpa };
}

/* ---- SVSM virtual ---- */

static inline vaddr_t va_init(uint64_t va)
{
	return (vaddr_t){ .va = va };
}

static inline uint64_t va_addr(vaddr_t a)
{
	return a.va;
}

static inline vaddr_t va_add(vaddr_t a, uint64_t off)
{
	return (vaddr_t){ .va = a.va + off };
}

static inline vaddr_t va_from_ptr(const void *p)
{
	return (vaddr_t){ .va = (uint64_t)(uintptr_t)p };
}

static inline void *va_ptr(vaddr_t a)
{
	return (void *)(uintptr_t)a.va;
}
