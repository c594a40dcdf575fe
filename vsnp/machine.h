/* SPDX-License-Identifier: MIT */
/*
 * The emulated SEV-SNP machine's state (vsnp/machine.c): guest RAM and
 * its backing, the RMP over guest RAM, the nested views derived from it,
 * the CPUID table the hypervisor gives the guest, the secrets the PSP
 * made for this launch, and the hypervisor's GHCB protocol state.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/snp.h"
#include "abi/snp_pages.h"
#include "lib/cpu.h"
#include "gmem.h"
#include "hostram.h"
#include "mm/memmap.h"
#include "vsnp/psp_model.h"
#include "vsnp/rmp_model.h"
#include "svsm/snp_cpuid.h"
#include "vsnp/vsnp.h"

/* Guest RAM the machine gives by default, and the most it gives (vsnp.mem=MiB). */
#define VSNP_RAM_DEFAULT_MIB 256u
#define VSNP_RAM_MAX_MIB 1024u
/*
 * Guest memory outside RAM for a guest firmware's image, which ends at
 * 4 GiB (an OVMF flash image; IGVM PAGE_DATA there): private memory a
 * launch may load, as QEMU gives an SNP guest memory for the IGVM pages
 * it has no RAM for. Not RAM: not in the memory map the guest is given.
 */
#define VSNP_FW_WINDOW_BASE 0xFF000000ull
#define VSNP_FW_WINDOW_SIZE 0x1000000ull
/* vCPUs the machine has by default (vsnp.cpus=N): two, so AP creation has a vCPU to start. */
#define VSNP_CPUS_DEFAULT 2u

/*
 * A hostile hypervisor (vsnp.lie=NAME): one way it lies, to show the SVSM
 * refuses to go on, or ignores the lie, and never uses the bad value.
 */
enum vsnp_lie {
	VSNP_LIE_NONE,
	VSNP_LIE_CBIT,         /* "cbit": SEV information with another C-bit than the CPUID page's */
	VSNP_LIE_VERSION,      /* "version": SEV information with no GHCB version in common (max 1) */
	VSNP_LIE_FEATURES,     /* "features": hypervisor features without AP creation */
	VSNP_LIE_CPUID_VALID,  /* "cpuid-valid": GHCB CPUID answers with no output marked valid */
	VSNP_LIE_UNVALIDATE,   /* "unvalidate": at the first Run VMPL, an RMPUPDATE that unvalidates the SVSM's stack page */
	VSNP_LIE_PSC_UNDONE,   /* "psc-undone": VMPL0's first page state change to shared answered done, not done */
	VSNP_LIE_REQ_TAG,      /* "req-tag": VMPL0's guest-request answers with one bit of their tag flipped */
	VSNP_LIE_REQ_REPLAY,   /* "req-replay": VMPL0's second guest request answered with its first answer again */
	VSNP_LIE_REWRITE,      /* "rewrite": VMPL0's answers (GHCB outputs, guest-request response) rewritten at its next exit */
};

struct vsnp_machine {
	enum vsnp_lie lie;         /* the lie still to tell (each once) */
	bool hostile;              /* a lie was asked for: the hypervisor does the guest no favours (implicit conversions) */
	struct vsnp_hostram hostram;
	struct vsnp_gmem gmem;
	uint64_t ram_size;         /* guest RAM: GPA [0, ram_size), 2 MiB multiple */
	struct memmap guest_ram;   /* the same and the firmware window, for the nested views and the GHCB server */
	struct rmp_model rmp;
	unsigned cbit_pos;         /* the guest's C-bit: the CPU's highest physical address bit */
	/*
	 * The nested views, one pair per VMPL (a VMPL's RMP rights): [vmpl][0]
	 * paging on (private alias GPA|C, shared alias GPA), [vmpl][1] paging
	 * off (all private). All are chained from views[0][0], so one drop
	 * after an RMP change reaches every view.
	 */
	struct vsnp_npt views[SNP_VMPL_COUNT][2];
	/* Counts nested-entry removals: a CPU that saw another count flushes its guest TLB at its next VMRUN. */
	uint64_t flush_gen;
	struct vsnp_hv hv;
	struct vsnp_io io;         /* the guest's ports: the allow-list (vsnp/io_ports.c) */
	struct snp_cpuid_table cpuid_page; /* what the hypervisor puts into the guest's CPUID page */
	struct snp_cpuid cpuid;            /* its checked copy (the PSP's check; MSR-protocol CPUID answers) */
	struct snp_secrets_page secrets;   /* the PSP's secrets page for this launch (fresh VMPCKs) */
	struct psp_model psp;              /* the PSP: the chip's keys, this launch's VMPCKs and digest */
};

/*
 * Sets the machine up with ram_mib MiB of guest RAM (2..VSNP_RAM_MAX_MIB,
 * even). SVSM_OK, or an error with *why: out of memory, a CPU physical
 * address width the C-bit cannot be placed in, no random numbers.
 */
int vsnp_machine_init(struct vsnp_machine *m, unsigned ram_mib, const char **why);

/*
 * The hypervisor's CPUID answer for a vCPU (GHCB and MSR protocol): the
 * table it gave the guest at launch, with the vCPU's APIC ID and the XSAVE
 * size for xcr0. SVSM_OK, or SVSM_EINVAL (an XSAVE size the table cannot give).
 */
/*
 * The PSP's side of a launch with policy, after its pages (SNP_LAUNCH_START
 * with the secrets page's VMPCKs, SNP_LAUNCH_FINISH with digest, no ID
 * block). SVSM_OK, or SVSM_EIO with *why.
 */
int vsnp_machine_psp(struct vsnp_machine *m, uint64_t policy, const uint8_t digest[48], const char **why);

/* The nested view for a vCPU at vmpl with paging on or off. */
static inline struct vsnp_npt *vsnp_machine_view(struct vsnp_machine *m, unsigned vmpl, bool paging)
{
	return &m->views[vmpl][paging ? 0 : 1];
}

/* Drops every view's mappings of [pa, pa + size) after an RMP change there. SVSM_OK or an mm error. */
static inline int vsnp_machine_drop(struct vsnp_machine *m, uint64_t pa, uint64_t size)
{
	return vsnp_npt_drop(&m->views[0][0], pa, size);
}

/* The lie vsnp.lie= names, or -1 for a name this machine does not know. */
int vsnp_lie_parse(const char *name);

/*
 * The machine's virtio disks (vsnp/disk.c): QEMU's, up to two: the one
 * whose serial is VSNP_BOOT_DISK_ID is the guest's boot disk
 * (vsnp_disk_boot: its device model, for a firmware VM's q35 bus; NULL
 * without one), the first other is the SVSM's, behind the virtio device
 * offered to VMPL0 (m->io.blk); says on the console what it found. cut
 * (vsnp.disk-cut, 0: none): the machine loses power as the cut-th sector
 * written through the SVSM's device this run would land.
 * vsnp_disk_report prints what the devices did.
 */
#define VSNP_BOOT_DISK_ID "vsnp-boot"
void vsnp_disk_init(struct vsnp_machine *m, uint64_t cut);
struct vsnp_vblk *vsnp_disk_boot(void);
void vsnp_disk_report(void);

/* The hypervisor's CPUID answer for the vCPU with APIC ID apic_id: the CPUID page, with that vCPU's IDs. */
int vsnp_machine_cpuid(struct vsnp_machine *m, uint32_t apic_id, uint32_t leaf, uint32_t subleaf, uint64_t xcr0,
		       struct cpuid_regs *out);
