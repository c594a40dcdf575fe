/* SPDX-License-Identifier: MIT */
/*
 * The guest as the SVSM protocols see it: its VMPL and SEV features, its
 * vCPUs (VMSA page, calling area, APIC ID), and where guest RAM and SVSM
 * memory are. Portable: the kernel and host tests (on the fake backend)
 * run the same protocol code (SVSM spec 58019).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/rwlock.h"
#include "lib/spinlock.h"
#include "mm/memmap.h"
#include "svsm/addr.h"

#define SVSM_MAX_VCPUS 64

/*
 * Where SVSM_VTPM_CMD goes (the CPL3 vTPM module, modules issue). Runs one
 * TPM command: SVSM_OK with *resp_len bytes in resp; SVSM_EBUSY while the
 * TPM is still working on an earlier command (the guest retries); any
 * other error fails the call. Without a back end the vTPM protocol is not
 * offered at all.
 */
struct vtpm_backend {
	int (*send_command)(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
			    size_t resp_max, size_t *resp_len);
	/*
	 * The vTPM's attestation manifest (its EK public area, §5.7): SVSM_OK
	 * with *len bytes. NULL while the TPM cannot give one: the vTPM is
	 * then left out of the services manifest.
	 */
	int (*manifest)(void *ctx, uint8_t *buf, size_t max, size_t *len);
	/*
	 * Where the vTPM's state is kept (struct svsm_vtpm_state_entry, the
	 * SVSM_VTPM_STATE_GUID entry beside the vTPM's): SVSM_OK with *len
	 * bytes. NULL: no such entry.
	 */
	int (*state_manifest)(void *ctx, uint8_t *buf, size_t max, size_t *len);
	void *ctx;
};

struct svsm_attest;

/*
 * Pages the guest lent the SVSM (DEPOSIT_MEM) and may take back
 * (WITHDRAW_MEM) while the SVSM does not use them. 4 KiB granularity; a
 * fixed capacity so a guest cannot make the SVSM's bookkeeping grow.
 */
#define SVSM_LENT_MAX 4096
struct svsm_lent_pool {
	uint64_t page[SVSM_LENT_MAX]; /* GPAs; [0, free) not in use, then [free, count) in use */
	uint64_t sorted[SVSM_LENT_MAX]; /* the same count GPAs in ascending order (range checks) */
	unsigned free;
	unsigned count;
};
#define SVSM_PAGE 4096ull

struct svsm_vcpu {
	bool used;
	bool running;     /* its VMSA is in use by the hypervisor (DELETE_VCPU refuses it) */
	uint32_t apic_id;
	uint8_t vmpl;     /* the VMSA's VMPL */
	paddr_t vmsa_pa; /* the VMSA page: checked when the vCPU was made, the SVSM's since */
	gpa_t ca_gpa;    /* the calling area: guest memory, reached through guest copies */
	uint64_t made;    /* when CREATE_VCPU made it (vm->vcpus_made then): the newest for an APIC ID runs */
};

struct svsm_vm {
	unsigned guest_vmpl;      /* 1..3 */
	uint64_t sev_features;    /* the guest's SEV_FEATURES: every new VMSA must match */
	const struct memmap *guest_ram;
	const struct memmap *svsm_mem;
	/*
	 * Guards vcpu[] (which pages are VMSAs and calling areas) and the lent
	 * pool's contents. Readers: PVALIDATE, the guest-memory steps of the
	 * attestation and vTPM calls (never the PSP's or the TPM's work), the
	 * kernel looking up a vCPU by APIC ID; writers: CREATE_VCPU,
	 * DELETE_VCPU, REMAP_CA, DEPOSIT_MEM, WITHDRAW_MEM and the lent pool's
	 * take/release, so a list never runs while the set of pages it was
	 * checked against changes. Held only while the SVSM itself works:
	 * nothing runs a CPL3 task or waits for the PSP under it
	 * (docs/ARCHITECTURE.md, Locks).
	 */
	struct rwlock lock;
	struct svsm_vcpu vcpu[SVSM_MAX_VCPUS];
	uint64_t vcpus_made;      /* CREATE_VCPU calls that succeeded (orders vcpu[].made) */
	/*
	 * The vTPM back end (NULL: protocol 2 not offered) and the lock that
	 * guards it: one command (one slice of the CPL3 module) at a time, and
	 * the back end not swapped meanwhile. vm->lock nests inside it for the
	 * command's guest-memory steps. A vCPU that finds it taken gets
	 * SVSM_ERR_BUSY and retries (§5.3), so a long TPM command never stalls
	 * other calls or other vCPUs.
	 */
	struct spinlock vtpm_lock;
	const struct vtpm_backend *vtpm;
	/* Lent memory (DEPOSIT_MEM/WITHDRAW_MEM); NULL: those calls are refused as unsupported. */
	struct svsm_lent_pool *lent;
	/*
	 * Attestation (protocol 1; NULL: not offered) and its lock: one report
	 * at a time (the static request buffers, VMPCK0's message sequence),
	 * held across the PSP's guest request, taken with trylock (BUSY);
	 * vm->lock nests inside it for the guest-memory steps.
	 */
	struct spinlock attest_lock;
	struct svsm_attest *attest;
};

/* Connects the vTPM protocol to a back end (NULL disconnects it). */
void svsm_vm_set_vtpm(struct svsm_vm *vm, const struct vtpm_backend *backend);

/* Gives vm a pool for lent pages (before the guest runs). */
void svsm_vm_set_lent_pool(struct svsm_vm *vm, struct svsm_lent_pool *pool);
/*
 * The SVSM's own use of lent memory: a page to use (SVSM_OK and *gpa;
 * SVSM_ENOMEM when none is free) and giving one back to the free part.
 */
int svsm_lent_take(struct svsm_vm *vm, uint64_t *gpa);
int svsm_lent_release(struct svsm_vm *vm, uint64_t gpa);

/* The guest's registers an SVSM call reads and writes (SVSM spec, calling convention). */
struct svsm_regs {
	uint64_t rax, rcx, rdx, r8, r9;
};

/*
 * Sets vm up with the boot vCPU (index 0): its VMSA and calling area.
 * SVSM_OK or SVSM_EINVAL (vmpl not 1..3, pages unaligned or the same).
 */
int svsm_vm_init(struct svsm_vm *vm, unsigned guest_vmpl, uint64_t sev_features,
		 const struct memmap *guest_ram, const struct memmap *svsm_mem, paddr_t vmsa_pa,
		 gpa_t ca_gpa, uint32_t apic_id);

/*
 * The exit of vCPU `vcpu` to the SVSM: an SVSM call only if its calling
 * area's call-pending byte is set (SVSM spec, calling convention), which is cleared before the call
 * runs. Returns true if it was a call (regs then hold the results).
 */
bool svsm_handle_call(struct svsm_vm *vm, unsigned vcpu, struct svsm_regs *regs);
/*
 * The vCPU that runs for APIC ID apic_id (not the boot vCPU's): of the
 * VMSAs made for it, the newest (a guest makes its next VMSA before it
 * deletes the last: Linux bringing a CPU online again, OVMF's DXE after
 * its PEI), or -1. The caller holds vm->lock.
 */
int svsm_vcpu_current(const struct svsm_vm *vm, uint32_t apic_id);
/* Runs the call in regs->rax (protocol << 32 | call) for vCPU `vcpu`. */
void svsm_dispatch(struct svsm_vm *vm, unsigned vcpu, struct svsm_regs *regs);
/* How many calls protocol defines (SVSM_CORE_CALLS and the others; 0 for a protocol the SVSM does not know). */
uint32_t svsm_protocol_calls(uint32_t protocol);
