/* SPDX-License-Identifier: MIT */
/*
 * The VMPL2 test guest's view of the machine: only the guest ABI (the boot
 * page, the secrets and CPUID pages, the calling area, the GHCB MSR
 * protocol with VMGEXIT), as a guest OS on SNP hardware has it.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/ghcb.h"
#include "abi/guest_boot.h"
#include "abi/snp_pages.h"
#include "abi/svsm_abi.h"

struct guest_exc_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax, rbx;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* The last exception a probe took (vector, error code); reset by guest_probe_*. */
extern volatile unsigned guest_last_vector;
extern volatile uint32_t guest_last_error;

void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void guest_vprintf(const char *fmt, va_list ap);
/* Sets up what the guest-message layer needs (the %fs:0x28 stack canary of libmbedcrypto.a). */
void guest_crypto_init(void);
/*
 * The #VC handler's GHCB (guest/vc.c): g mapped shared at its GPA, the
 * CPUID page the SVSM gave. From then on a #VC for CPUID, port I/O or an
 * MSR is emulated through the GHCB, as an SNP guest OS does. 0, or -1 if
 * the CPUID page does not check out.
 */
int guest_vc_init(struct ghcb *g, uint64_t ghcb_gpa, const struct snp_cpuid_table *cpuid);
/*
 * n console bytes to port in one OUTSB request through that GHCB (the
 * page kept as the code it interrupts left it), or byte by byte through
 * #VC before guest_vc_init or if the hypervisor refuses the request.
 */
void guest_vc_outs(uint16_t port, const uint8_t *b, size_t n);
/* The #VC handler's GHCB client (the boot vCPU's), NULL before guest_vc_init. */
struct snp_hv *guest_vc_hv(void);
/* The console (lib/uart16550.c on COM1, bursts through guest_vc_outs): after the GHCB, before any output. */
void guest_console_init(void);
/* A GHCB client (svsm/snp_hv.h) on the registered GHCB g at ghcb_gpa: the MSR protocol and VMGEXIT of this vCPU. */
struct snp_hv;
void guest_hv_init(struct snp_hv *hv, struct ghcb *g, uint64_t ghcb_gpa);
/* True if f was a #VC the handler emulated (f updated, RIP past the instruction). */
bool guest_vc(struct guest_exc_frame *f);
/* Whether a #VC was emulated yet: true on an SNP machine once the console has printed (port I/O is NAE there). */
bool guest_vc_seen(void);
void guest_cpu_init(void);
/* Returns 0 if the access completed, 1 if it faulted (guest_last_vector/error say how). */
int guest_probe_read(const volatile uint8_t *p, uint8_t *out);
int guest_probe_write(volatile uint8_t *p, uint8_t v);
/* An INT3 with its #BP frame at stack_top: the return address the frame held (guest_int3_after if right). */
uint64_t guest_int3_on_stack(void *stack_top);
extern const uint8_t guest_int3_insn[], guest_int3_after[];

/* GHCB MSR protocol: write the request, VMGEXIT, return what the MSR holds afterwards. */
uint64_t guest_msr_protocol(uint64_t request);
uint64_t guest_rdmsr(uint32_t msr);
void guest_wrmsr(uint32_t msr, uint64_t v);
__attribute__((noreturn)) void guest_terminate(unsigned set, unsigned code);

/* An SVSM call (SVSM spec 58019, calling convention) through the calling area at ca. */
struct guest_call {
	uint64_t rax, rcx, rdx, r8, r9; /* in: request; out: results */
	bool serviced;                  /* call_pending was cleared by the SVSM */
	bool vmpl_ok;                   /* the Run VMPL answer had no error */
};
void guest_svsm_call(volatile struct svsm_ca *ca, struct guest_call *c);
/* A VMGEXIT with the GHCB MSR holding the registered GHCB's GPA (the GHCB page protocol). */
void guest_ghcb_exit(uint64_t ghcb_gpa);
/* An SVSM call whose Run VMPL goes through the GHCB page (already filled in by the caller). */
void guest_svsm_call_ghcb(volatile struct svsm_ca *ca, uint64_t ghcb_gpa, struct guest_call *c);

/* ---- interrupts (irq.c): the guest's vectors and its x2APIC ---- */
#define GUEST_IRQ_TIMER 0x60
#define GUEST_IRQ_SELF 0x61
#define GUEST_IRQ_IPI 0x62
/* x2APIC MSRs: 0x800 + the xAPIC register offset / 16 (APM vol.2 §16.11); IA32_TSC_DEADLINE. */
#define GUEST_APIC_TPR 0x808u
#define GUEST_APIC_EOI 0x80Bu
#define GUEST_APIC_SVR 0x80Fu
#define GUEST_APIC_ISR 0x810u
#define GUEST_APIC_IRR 0x820u
#define GUEST_APIC_ICR 0x830u
#define GUEST_APIC_LVT_TIMER 0x832u
#define GUEST_APIC_TMICT 0x838u
#define GUEST_APIC_TDCR 0x83Eu
#define GUEST_APIC_SELF_IPI 0x83Fu
#define GUEST_TSC_DEADLINE 0x6E0u
/* Interrupts taken, by vector (the IPI vector by vCPU), and the second vCPU's failed GHCB calls. */
struct guest_irq_counts {
	volatile uint32_t timer, self, ipi_boot, ipi_ap, other, ap_errors;
	volatile uint32_t nmi_boot, nmi_ap; /* NMIs taken on each vCPU */
	volatile uint32_t nmi_errors;       /* NMI_COMPLETE refused, or NMIs nested too deep */
	volatile uint32_t nmi_hold;         /* the next NMI handler leaves its NMI in progress (no NMI_COMPLETE) */
};
extern struct guest_irq_counts guest_irqs;
/* The second vCPU's handshake: it is ready (waiting in HLT), asked to stop, stopped; work for it, work done. */
extern volatile uint32_t guest_irq_ap_ready, guest_irq_ap_stop, guest_irq_ap_done, guest_irq_ap_worked;
extern void (*volatile guest_irq_ap_work)(void);
/* An interrupt at vector >= 32: counted, then EOI. */
void guest_irq(struct guest_exc_frame *f);
/*
 * An NMI: counted, then NMI_COMPLETE through this vCPU's GHCB (GHCB spec
 * 56421; the hypervisor cannot see the IRET), the GHCB page and the GHCB
 * MSR left as the code it interrupted had them.
 */
void guest_nmi(struct guest_exc_frame *f);
/* NMI_COMPLETE through the vCPU's GHCB as the handler sends it: whether the hypervisor said OK. */
bool guest_nmi_complete(void);
/* STI; HLT; CLI: waits for one interrupt (the STI shadow lets none in between). */
void guest_irq_wait(void);
/* The second vCPU's GHCB (shared, mapped at ghcb) and a fresh handshake, before it starts. */
void guest_irq_ap_prepare(struct ghcb *ghcb, uint64_t ghcb_gpa);
/* Its entry and initial RSP (for its VMSA). */
void guest_irq_ap_main(void);
uint64_t guest_irq_ap_stack_top(void);

/* One TAP check line (ok / not ok N - what); a failed one fails the run. */
void guest_check(bool ok, const char *what);
/* The guest's I/O ports: its own UART, PIT channel 2, and nothing else (io_ports.c). */
void guest_test_io_ports(void);
/* INVD, WBINVD, MONITOR, MWAIT come back (io_ports.c). */
void guest_test_machine_insns(void);
/* Last thing before terminating: leaves its UART's DLAB set (io_ports.c). */
void guest_uart_leave_dlab(void);
