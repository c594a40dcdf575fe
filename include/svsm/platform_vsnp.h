/* SPDX-License-Identifier: MIT */
/*
 * The vsnp backend in the kernel (svsm/platform/vsnp/vsnp.c, vcpu.c): the
 * emulated SNP machine's set-up and the loop that runs a guest vCPU.
 */
#pragma once

#include <stdint.h>

#include "abi/snp_pages.h"
#include "mm/memmap.h"

struct svsm_vm;

/*
 * Brings up the emulated machine on an SVM+NPT CPU: the RMP model over RAM
 * (SVSM memory private, validated, VMPL0 only; guest RAM private and not
 * validated), EFER.SVME and the host save area, the nested page table, the
 * guest's CPUID page and VMPCKs; then installs the vsnp platform backend.
 * SVSM_OK, or an error with *why.
 */
int vsnp_init(const char **why);

/* After vsnp_init: the guest's C-bit (address mask), CPUID page and firmware secrets page. */
uint64_t vsnp_guest_cbit(void);
const struct snp_cpuid_table *vsnp_guest_cpuid(void);
const struct snp_secrets_page *vsnp_secrets(void);
/* Guest RAM as the emulated machine has it (the RMP model's guest part). */
const struct memmap *vsnp_guest_ram(void);

/*
 * The launch digest the guest launch measures into (guest_launch_cfg's
 * digest); vsnp_launch_finish hands it to the PSP model as the
 * measurement of every report from then on, and prints it.
 */
struct launch_digest *vsnp_launch_digest(void);
void vsnp_launch_finish(void);

/* How a guest run ended. */
struct vsnp_exit {
	enum { VSNP_EXIT_TERMINATED, VSNP_EXIT_STOPPED } kind;
	unsigned set, code; /* TERMINATED: the guest's termination reason */
	const char *why;    /* STOPPED: what the hardware/hypervisor would have done */
	uint64_t rip;       /* STOPPED: the guest's RIP */
	uint64_t exits;     /* exits served */
	uint64_t calls;     /* SVSM calls served */
	uint64_t lent_used; /* pages the guest lent that the SVSM took (nested page tables) */
	uint64_t switches;  /* times the CPU went from one vCPU to another */
	uint64_t npt_faults; /* nested page faults resolved by mapping */
	uint64_t npt_large;  /* of those, mapping a whole 2 MiB RMP entry */
	uint64_t kicks;      /* CPUs kicked out of the guest so a nested-table change reached them */
	uint64_t io_refused; /* port accesses the allow-list refused */
	unsigned io_last_refused_port;
};

/*
 * Runs the guest from its boot vCPU (vcpu must be 0, on CPU 0) until it
 * terminates or is stopped. vCPUs the guest starts with AP creation (after
 * CREATE_VCPU) run on the APs (spread over them), or take turns with the
 * boot vCPU on CPU 0 when there are none, switching at VMGEXITs and HLT. A
 * vCPU that halts stops (nothing would wake it); when none is left
 * runnable the guest is stopped.
 */
void vsnp_run(struct svsm_vm *vm, unsigned vcpu, struct vsnp_exit *out);
/*
 * With more than one CPU, the guest may end on an AP: vsnp then calls the
 * hook there with the exit record (it reports and exits the machine, so
 * vsnp_run does not return on CPU 0 in that case).
 */
void vsnp_set_end_hook(void (*hook)(const struct vsnp_exit *out));
/* Lets the APs (svsm/cpu/smp.c) run vCPUs: call before vsnp_run. */
void vsnp_start_aps_work(void);
