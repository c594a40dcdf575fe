/* SPDX-License-Identifier: MIT */
/*
 * vsnp: the emulated SEV-SNP machine on AMD SVM with nested paging
 * (vsnp.img, vsnp/README.md). Its RMP model (include/vsnp/rmp_model.h)
 * decides what each VMPL may touch, and its hypervisor answers the
 * guest's GHCB requests as KVM and the hardware would. It gives no
 * confidentiality.
 *
 * Portable parts (host-tested and fuzzed): the nested page tables derived
 * from the RMP model (npt.c), the hypervisor's GHCB MSR and page protocol
 * (hv_serve.c), the I/O port allow-list (io_ports.c). Kernel parts: the
 * vCPUs and their exits (cpu.c), VMRUN (svm_run.S) and the VMSA/VMCB
 * mapping (vmsa_vmcb.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/vmcb.h"

#include "mm/memmap.h"
#include "mm/pgtable.h"
#include "vsnp/rmp_model.h"

/* ---- nested page table (npt.c) ---- */

/*
 * The guest's nested page table. It is filled on demand: every nested page
 * fault is judged against the RMP model and either maps the page (rights from
 * the VMPL's RMP permissions; all of a 2 MiB RMP entry at once, else 4 KiB with
 * the readable neighbours in its 256 KiB; never a VMSA, never rights without
 * read), asks for #VC 0x404, or is an RMP violation. Every RMP change drops the
 * pages it touches (vsnp_npt_drop), so the table never grants more than the RMP
 * does.
 *
 * Two guest-physical views of RAM, as SNP has them: the private view
 * (GPA | C-bit: only pages the guest owns and validated, with the VMPL's
 * permissions) and the shared view (GPA without C-bit: only pages in
 * shared state, never executable). QEMU TCG keeps the C-bit in the address
 * it walks the nested table with, so both views are real nested mappings.
 */
struct vsnp_npt {
	struct pgtable pt;
	struct rmp_model *rmp;
	const struct memmap *guest_ram; /* the shared view covers only this */
	uint64_t cbit;                  /* the guest's C-bit as an address mask */
	unsigned vmpl;                  /* the VMPL whose permissions apply */
	/*
	 * Set after vsnp_npt_init by a machine whose guest pages are not at
	 * their own addresses (vsnp.img): the machine page behind a guest
	 * page, SVSM_OK or an error (not RAM). NULL: the page is at its GPA.
	 */
	int (*backing)(void *ctx, uint64_t gpa, uint64_t *hpa);
	/*
	 * With backing: the machine address of the 2 MiB at gpa (2 MiB
	 * aligned) when they are one machine-contiguous, aligned block, else
	 * an error; a 2 MiB nested page needs it. NULL: never one block, so
	 * 4 KiB nested pages only.
	 */
	int (*backing_large)(void *ctx, uint64_t gpa, uint64_t *hpa);
	void *backing_ctx;
	/*
	 * A view for a CPU running with paging off, where every access is
	 * private (APM vol.2 §15.34.5) and carries no C-bit: the GPA is
	 * judged as the private page it names, and there is no shared view.
	 */
	bool paging_off;
	struct vsnp_npt *next;          /* further views of the same RMP: vsnp_npt_drop drops in all */
	/*
	 * Set by the machine on the first view (vsnp/cpu.c): called at every
	 * vsnp_npt_drop before it changes anything, it applies the RMP change
	 * to the vCPUs (a VMSA that is none any more) and, when tables is true
	 * (some view maps part of the range), brings every other CPU out of
	 * the guest (they wait for the caller's lock), so no CPU walks a table
	 * or uses a TLB entry that is going away. NULL: nothing to tell.
	 */
	void (*quiesce)(void *ctx, bool tables);
	void *quiesce_ctx;
	uint64_t faults;                /* faults resolved by mapping */
	uint64_t large_maps;            /* of those, mapped a whole 2 MiB RMP entry at once */
	uint64_t mapped_around;         /* 4 KiB pages mapped beside a faulting one (fault-around), not faulted on */
};

enum vsnp_npf_verdict {
	VSNP_NPF_MAPPED,        /* resume: the access is allowed now */
	VSNP_NPF_INJECT_VC_404, /* private access to an unvalidated page (APM vol. 2 (24593) §15.36: #VC 0x404) */
	VSNP_NPF_VIOLATION,     /* RMP violation: the hardware would stop the guest */
	VSNP_NPF_NOT_RAM,       /* neither view has this address (holes; fetches, table walks, private accesses there) */
	VSNP_NPF_MMIO,          /* a shared data access to an address that is no RAM of the VM: #VC 0x400 */
};

/*
 * cbit: a single bit (1 << n) above every RAM address; vmpl: whose RMP
 * permissions the view applies (0..3). SVSM_OK, SVSM_EINVAL, SVSM_ENOMEM.
 */
int vsnp_npt_init(struct vsnp_npt *n, const struct pgtable_ops *ops, void *ctx,
		  struct rmp_model *rmp, const struct memmap *guest_ram, uint64_t cbit,
		  unsigned vmpl);
/*
 * Judges a nested page fault at gpa with the fault's EXITINFO1 (VMCB_NPF_*)
 * and the guest's CPL (for Xu vs Xs). VSNP_NPF_MAPPED after mapping the page;
 * the other verdicts change nothing. *why names the reason for a violation.
 */
enum vsnp_npf_verdict vsnp_npt_fault(struct vsnp_npt *n, uint64_t gpa, uint64_t exit_info_1,
				     unsigned cpl, const char **why);
/* Drops both aliases of [pa, pa + size) in n and every view chained after it (after any RMP change there). SVSM_OK or an mm error. */
int vsnp_npt_drop(struct vsnp_npt *n, uint64_t pa, uint64_t size);

/* ---- the GHCB MSR protocol as the hypervisor serves it (hv_serve.c) ---- */

/* What a VMGEXIT asks of the SVSM after the protocol layer has answered what it can. */
enum vsnp_hv_action {
	VSNP_HV_RESUME,    /* the answer is in the GHCB MSR; resume the guest */
	VSNP_HV_SVSM_CALL, /* Run VMPL0: serve the SVSM call, then resume */
	VSNP_HV_TERMINATE, /* the guest asked to end (set/code in the request) */
	VSNP_HV_BAD,       /* a request no hypervisor answers: stop the guest */
	VSNP_HV_GUEST_REQUEST, /* GHCB page: SNP guest request, pages in SW_EXITINFO1/2 (the kernel's) */
	VSNP_HV_AP_CREATE,     /* GHCB page: AP creation; ap_* hold the checked request (the kernel's) */
	VSNP_HV_APIC_IDS,      /* GHCB page: the APIC ID list goes to apic_ids_gpa, checked shared (the kernel writes it) */
};

struct vsnp_hv {
	struct rmp_model *rmp;
	struct vsnp_npt *npt;           /* RMP changes drop nested mappings */
	const struct memmap *guest_ram; /* GHCB and PSC GFNs must be guest RAM */
	unsigned cbit_pos;
	uint64_t features;              /* hypervisor features (GHCB_HV_FT_*) */
	unsigned ncpus;                 /* the VM's vCPUs: APIC IDs 0 .. ncpus - 1 (GET_APIC_IDS) */
	/* The guest's CPUID as the launch's CPUID page states it (MSR-protocol CPUID). */
	int (*cpuid)(void *ctx, uint32_t apic_id, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
	void *ctx;
	uint64_t implicit_shared;       /* pages vsnp_hv_implicit_shared converted (the run's report) */
};

/* One vCPU's view of the protocol: the GHCB MSR as the guest last wrote it. */
struct vsnp_hv_vcpu {
	uint64_t ghcb_msr;
	uint64_t ghcb_gpa; /* registered GHCB page, 0 if none */
	unsigned term_set, term_code; /* VSNP_HV_TERMINATE */
	const char *why;   /* VSNP_HV_BAD */
	/* VSNP_HV_AP_CREATE: SVM_AP_CREATE or SVM_AP_DESTROY, the VMPL, APIC ID and VMSA GPA asked for. */
	unsigned ap_request, ap_vmpl;
	uint32_t ap_apic_id;
	uint64_t ap_vmsa;
	/* VSNP_HV_APIC_IDS: where the list goes (shared guest RAM, page-aligned) and its size in bytes. */
	uint64_t apic_ids_gpa, apic_ids_len;
	uint32_t apic_id;  /* the vCPU's, for the per-CPU fields of CPUID answers */
	/* The paravirtual MSRs' values (vsnp/kvm_msr.c). */
	uint64_t tsc_aux, kvm_system_time, kvm_wall_clock, hwcr;
	/* The MTRRs, kept as KVM keeps them (no effect on memory types here): default type, 8 variable pairs, 11 fixed. */
	uint64_t mtrr_def, mtrr_var[16], mtrr_fixed[11];
};

/*
 * A VMGEXIT with the GHCB MSR holding an MSR-protocol request (GHCBInfo != 0):
 * writes the response to v->ghcb_msr (GHCB spec 56421, GHCB MSR protocol) and
 * says what else to do. A GHCB-page request (GHCBInfo == 0) is VSNP_HV_BAD
 * here: the caller hands those to vsnp_hv_ghcb_exit instead.
 */
enum vsnp_hv_action vsnp_hv_msr_exit(struct vsnp_hv *hv, struct vsnp_hv_vcpu *v);

/*
 * A shared access to a page of guest memory that is private but was
 * never validated: converted to shared (RMPUPDATE, the nested mappings
 * dropped), as KVM with guest_memfd converts a page on a shared access
 * to a private one (its memory-fault exit, the VMM's conversion). OVMF
 * relies on it for its GHCB page, which it uses unencrypted without a
 * page state change. A validated page, a VMSA or an immutable page is
 * not converted: SVSM_EINVAL, and the access stays an RMP violation.
 */
int vsnp_hv_implicit_shared(struct vsnp_hv *hv, uint64_t gpa);

struct ghcb;
/*
 * A VMGEXIT with the GHCB MSR holding the registered GHCB's GPA: the GHCB page
 * protocol (GHCB spec 56421: GHCB layout, NAE events) on g, the SVSM's copy of
 * the guest's shared page, read once; the answer is written into g
 * (SW_EXITINFO1/2 marked valid, the PSC header advanced) for the caller to copy
 * back. Served: Run VMPL (VMPL0: an SVSM call), page state change (4 KiB and 2
 * MiB entries, SW_SCRATCH the shared buffer), guest request (the kernel
 * finishes it), hypervisor features, termination, AP creation (create or
 * destroy, checked here, carried out by the kernel: SW_EXITINFO1 = request
 * [15:0], VMPL [19:16], APIC ID [63:32] as GHCB spec 56421, NAE events has it,
 * [UNCONFIRMED] widths; SW_EXITINFO2 = the VMSA), the APIC ID list (RAX
 * the buffer's pages: too few, and RAX comes back with the pages needed;
 * else SW_EXITINFO1 the buffer, shared guest RAM, which the kernel fills
 * with a u32 count and the u32 APIC IDs). Everything else answers
 * GHCB_RESULT_ERROR / GHCB_ERR_INVALID_INPUT; a bad usage or missing inputs
 * their GHCB errors.
 */
enum vsnp_hv_action vsnp_hv_ghcb_exit(struct vsnp_hv *hv, struct vsnp_hv_vcpu *v, struct ghcb *g);

/* ---- the guest's I/O ports (io_ports.c) ---- */

/* Where the allow-listed ports go: the machine's ports, and the console for the guest's UART lines. */
struct vsnp_io_ops {
	uint8_t (*inb)(void *ctx, uint16_t port);
	void (*outb)(void *ctx, uint16_t port, uint8_t v);
	void (*console)(void *ctx, const char *line, size_t len);
	/* The ACPI PM timer's count (3.579545 MHz since some start; NULL: no timer, the port is an empty bus). */
	uint32_t (*pm_timer)(void *ctx);
	/* The machine's TSC now (the CMOS clock's time base; NULL: 0). */
	uint64_t (*tsc)(void *ctx);
	void *ctx;
};

/*
 * Writers the UART keeps apart: each vCPU at each VMPL (the SVSM's APs and
 * the guest's vCPUs write at once; their lines must not interleave byte by
 * byte, and one's settings must not swallow another's bytes).
 */
#define VSNP_IO_WRITERS 32

/*
 * A 16550 on COM1's ports for each writer: its registers and the line it
 * is writing. On a real host the VMPLs share the hypervisor's one device,
 * and a guest that sets DLAB there sends the SVSM's next bytes into the
 * divisor latch; here each has its own, so the SVSM's console stays whole
 * whatever the guest does to its UART.
 */
/*
 * A line goes to the console whole, so lines of different writers never
 * interleave; the buffer takes the longest line Linux's console prints (a
 * kernel log record: at most 1024 bytes with its prefix). A longer line
 * goes out in pieces of this size, which another writer's line may split.
 */
#define VSNP_UART_LINE_MAX 1024u

struct vsnp_uart {
	uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
	size_t len;
	char line[VSNP_UART_LINE_MAX];
};

struct vsnp_vblk;
struct vsnp_fw_cfg;
struct vsnp_q35;
struct vsnp_rtc;

struct vsnp_io {
	const struct vsnp_io_ops *ops;
	/*
	 * A VM that boots a guest firmware (NULL: none): its fw_cfg device
	 * (vsnp/fw_cfg.c) and QEMU's debug console port 0x402, both for
	 * the lower VMPLs only (the firmware's).
	 */
	struct vsnp_fw_cfg *fw_cfg;
	struct vsnp_uart debugcon;  /* its line buffer */
	struct vsnp_q35 *q35;       /* and the q35 host and LPC bridges' configuration (vsnp/q35.c) */
	struct vsnp_rtc *rtc;       /* and a CMOS clock at 0x70/0x71 (vsnp/rtc.c) */
	/*
	 * The virtio disk the machine offers VMPL0 (vsnp/vblk.c; NULL: none):
	 * its PCI configuration and I/O ports answer VMPL0's accesses only; a
	 * lower VMPL sees an empty bus there.
	 */
	struct vsnp_vblk *blk;
	/*
	 * The guest's boot disk on a firmware VM's q35 bus (NULL: none): its
	 * configuration through vsnp/q35.c, its I/O BAR (where the firmware
	 * put it) for the firmware's VMPLs only; VMPL0 never reaches it.
	 */
	struct vsnp_vblk *guest_blk;
	unsigned vmpl;              /* the VMPL of the next access (the caller sets it, with writer) */
	struct vsnp_uart com1[VSNP_IO_WRITERS];
	unsigned writer;            /* who the next access is from (0..VSNP_IO_WRITERS-1; the caller sets it) */
	uint64_t refused;           /* port accesses the allow-list does not have */
	uint16_t last_refused_port;
	uint64_t mmio_refused;      /* MMIO accesses (none is on the allow-list) */
	uint64_t last_refused_mmio;
	uint16_t pm1_enable, pm1_control; /* the ACPI PM1a event enable and control registers */
	/*
	 * vsnp.trace=N: the first N device requests of the lower VMPLs (ports,
	 * MMIO, MSRs through the GHCB) each said on the console with the
	 * answer, to see what a guest waits for (0: off).
	 */
	uint64_t trace_left;
	bool power_off;             /* the guest entered S5 through PM1a control: the machine is off */
};

void vsnp_io_init(struct vsnp_io *io, const struct vsnp_io_ops *ops);
/* One traced request (vsnp.trace): a console line, while trace_left lasts and the access is a lower VMPL's. */
void vsnp_io_trace(struct vsnp_io *io, const char *what, uint64_t where, unsigned size, bool in, uint64_t val,
		   bool served);
/*
 * One IN or OUT of size 1, 2 or 4 bytes by the guest (every port is
 * intercepted): served from the allow-list (io_ports.c says which ports
 * and why), else refused as an empty bus answers: a read gives all ones,
 * a write is dropped, and the refusal is counted. *val is the value
 * written, or on return the value read (zero-extended to the size).
 */
void vsnp_io_access(struct vsnp_io *io, uint16_t port, unsigned size, bool in, uint32_t *val);
/*
 * An IOIO request through the GHCB page (GHCB spec 56421 §4.1.2, exit
 * 0x7B), g being the hypervisor's private copy of the page, shared buffer
 * included, and ghcb_gpa where the page is: SW_EXITINFO1 the IOIO
 * information as the SVM intercept gives it (APM vol.2 §15.10.2). IN and
 * OUT carry the value in RAX. INS and OUTS (the string bit) carry
 * SW_EXITINFO2 elements at SW_SCRATCH, which must lie within the GHCB's
 * own shared buffer (this machine serves no scratch area outside the
 * GHCB: GHCB_ERR_INVALID_SCRATCH). Each element is one access, in order.
 * The answer (SW_EXITINFO1/2, RAX, the buffer for INS) is written into g.
 */
struct ghcb;
void vsnp_io_ghcb(struct vsnp_io *io, struct ghcb *g, uint64_t ghcb_gpa);
/*
 * An MMIO read or write NAE event through the GHCB page (g the
 * hypervisor's copy, shared buffer included, at ghcb_gpa), as mmio.c
 * says: an address that is RAM of the VM (rmp has an entry for it) or
 * has the C-bit (cbit) is refused; the rest reach the MMIO allow-list,
 * which is empty.
 */
struct rmp_model;
void vsnp_mmio_ghcb(struct vsnp_io *io, const struct rmp_model *rmp, uint64_t cbit, struct ghcb *g,
		    uint64_t ghcb_gpa);
/* Writes out a partial line the guest's UART holds (when the guest ends). */
void vsnp_io_flush(struct vsnp_io *io);

/* ---- events ---- */

/*
 * Whether EXITINTINFO is an external interrupt whose delivery an exit cut
 * short: type INTR, or, as QEMU TCG writes every event that is not a
 * software interrupt, an "exception" with a vector above 31 (exceptions
 * are 0-31; APM vol.2 §15.7.2 gives interrupts type 0).
 */
static inline bool vsnp_event_is_interrupt(uint64_t info)
{
	uint64_t vector = info & 0xFF, type = info & VMCB_EVENT_TYPE_MASK;

	return type == VMCB_EVENT_TYPE_INTR || (type == VMCB_EVENT_TYPE_EXCEPTION && vector >= 32);
}

/*
 * EXITINTINFO as the event to inject again (EVENTINJ; 0: none).
 *
 * An exception goes in again as it was. An NMI QEMU TCG wrote as an
 * exception (vector 2) gets its own type back: VMRUN refuses to inject an
 * "exception" with vector 2 or above 31 (VMEXIT_INVALID).
 *
 * An external interrupt is not injected again: it came from the APIC as
 * a virtual interrupt (V_IRQ), which stays pending when its delivery is
 * cut short, so the APIC still requests it and the next entry offers it
 * again. Injected instead, QEMU 7.2's VMRUN would deliver it and keep its
 * vector as a pending exception, delivered a second time at the handler's
 * first instruction, and the still pending V_IRQ a third (an earlier
 * version injected it, typed INTR after a VMEXIT_INVALID seen under load
 * where the SVSM's timer interrupt met a nested fault).
 *
 * A software interrupt (type 4: INTn, and under QEMU TCG INT3 and INTO)
 * is not injected: the exit left RIP at the instruction, and an injected
 * type 4 event returns to the VMCB's RIP (no NRIP here), so the handler
 * would return to the INT3 itself (Linux then finds no text_poke INT3
 * just before it: "Oops: int3"). The instruction runs again instead and
 * raises its event anew, as KVM has it without NRIP.
 */
static inline uint64_t vsnp_event_again(uint64_t info)
{
	uint64_t vector = info & 0xFF, type = info & VMCB_EVENT_TYPE_MASK;

	if (type == VMCB_EVENT_TYPE_SOFT || vsnp_event_is_interrupt(info))
		return 0;
	if (type == VMCB_EVENT_TYPE_EXCEPTION && vector == VMCB_EVENT_NMI_VECTOR)
		return (info & ~(VMCB_EVENT_TYPE_MASK | VMCB_EVENT_ERROR_VALID | 0xFFFFFFFF00000000ull)) |
		       VMCB_EVENT_TYPE_NMI;
	return info;
}

/* ---- kernel ---- */

/* The general registers VMRUN leaves alone (svm_run.S uses these offsets). */
struct svm_gprs {
	uint64_t rbx, rcx, rdx, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
};
_Static_assert(offsetof(struct svm_gprs, rbx) == 0x00, "svm_run.S G_RBX");
_Static_assert(offsetof(struct svm_gprs, rsi) == 0x20, "svm_run.S G_RSI");
_Static_assert(offsetof(struct svm_gprs, r8) == 0x30, "svm_run.S G_R8");
_Static_assert(offsetof(struct svm_gprs, r15) == 0x68, "svm_run.S G_R15");

void svm_run(uint64_t vmcb_pa, struct svm_gprs *gprs, uint64_t host_save_pa);
/* The instruction after svm_run's VMRUN: the host RIP VMRUN saves. */
extern const uint8_t svm_run_after_vmrun[];

struct vmsa;
struct vmcb_save;
/* A VMSA into what VMRUN runs (EFER.SVME kept set), and back (vmsa_vmcb.c). */
void vmsa_to_vmcb(const struct vmsa *s, struct vmcb_save *v, struct svm_gprs *g, uint8_t fpu[512]);
void vmcb_to_vmsa(const struct vmcb_save *v, const struct svm_gprs *g, const uint8_t fpu[512], struct vmsa *s);
