/* SPDX-License-Identifier: MIT */
/* State shared by the vsnp backend's kernel files (vsnp.c set-up, vcpu.c run loop). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/snp_pages.h"
#include "lib/cpu.h"
#include "lib/spinlock.h"
#include "mm/memmap.h"
#include "svsm/launch_digest.h"
#include "svsm/psp_model.h"
#include "svsm/rmp_model.h"
#include "svsm/smp.h"
#include "svsm/snp_cpuid.h"
#include "svsm/vsnp.h"

struct vsnp_state {
	struct rmp_model rmp;
	struct vsnp_npt npt;
	struct vsnp_hv hv;
	struct memmap guest_ram;
	unsigned cbit_pos;
	struct snp_cpuid_table cpuid_page; /* what the guest's CPUID page holds */
	struct snp_cpuid cpuid;            /* its checked copy, for intercepted CPUID */
	struct snp_secrets_page secrets;   /* the "firmware" secrets page (all VMPCKs) */
	struct psp_model psp;              /* the emulated chip's PSP */
	struct launch_digest digest;       /* the guest launch's measurement so far */
	uint64_t msrpm_pa, iopm_pa;        /* SVM permission maps */
	struct vsnp_io io;                 /* the guest's I/O ports (all intercepted) */
	/* Per CPU (index = cpu_index): VM_HSAVE_PA, the VMSAVE/VMLOAD area of the host's FS/GS/TR, */
	uint64_t hsave_pa[SMP_MAX_CPUS], host_save_pa[SMP_MAX_CPUS];
	/* and "a nested entry changed: flush the guest's TLB at this CPU's next VMRUN". */
	bool flush_guest_tlb[SMP_MAX_CPUS];
	/* and "inside VMRUN" (set under the lock before it, cleared after it; read with __atomic). */
	bool in_guest[SMP_MAX_CPUS];
	uint64_t kicks;                    /* kick IPIs sent for nested-table changes */
	/* Everything an exit touches (RMP and PSP models, nested table, the VM) is under this lock. */
	struct spinlock lock;
	struct svsm_vm *vm;                /* the guest vsnp_run serves (its lent pages) */
	uint64_t *lent_map;                /* one bit per RMP page: a lent page the SVSM mapped */
	uint64_t lent_pages_used;          /* lent pages taken for nested page tables */
};

extern struct vsnp_state vsnp;

/*
 * A hypervisor's access to a shared guest page: gpa..gpa+len within one
 * page of guest RAM whose RMP entry is not assigned (shared), mapped
 * without the C-bit. SVSM_OK; SVSM_EINVAL (crosses a page), SVSM_EFAULT
 * (not guest RAM, or the access faulted), SVSM_EPERM (a private page).
 */
int vsnp_shared_copy(uint64_t gpa, void *buf, size_t len, bool write);

/*
 * After a nested-table change, under vsnp.lock: every other CPU inside
 * VMRUN is kicked out of it (an IPI, an intercepted INTR) and waited for,
 * so no CPU runs the guest on a translation the change took away. They
 * cannot enter again before this CPU lets go of the lock, and enter with
 * their guest TLB flushed. A CPU that does not leave within
 * VSNP_KICK_WAIT_MS stops the machine: going on would be unsafe.
 */
#define VSNP_KICK_WAIT_MS 5000u
void vsnp_kick_guest_cpus(void);

/* This CPU ready for VMRUN: EFER.SVME and its VM_HSAVE_PA (each CPU that runs vCPUs). */
void vsnp_cpu_init(void);

/* The guest's CPUID answer from its CPUID page, for its CR4 and XCR0. */
int vsnp_cpuid_answer(uint32_t leaf, uint32_t subleaf, uint64_t cr4, uint64_t xcr0,
		      struct cpuid_regs *out);
