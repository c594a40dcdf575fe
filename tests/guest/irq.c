/* SPDX-License-Identifier: MIT */
/*
 * The test guest's interrupts (guest.h, guest_irq_*): its x2APIC, which
 * the hypervisor emulates (registers as MSRs 0x800-0x8FF and
 * IA32_TSC_DEADLINE, APM vol.2 §16.11; each access a #VC for MSR and an
 * MSR NAE event, GHCB spec 56421 §4.1.4), the handler of its own vectors,
 * and the second vCPU that waits for IPIs in HLT.
 *
 * The boot vCPU reaches its APIC through its #VC handler (vc.c). The
 * second vCPU has a GHCB of its own and writes its APIC's MSRs through it
 * directly, so it never shares the boot vCPU's GHCB.
 */
#include "guest.h"

#include <stddef.h>

#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"
#include "svsm/snp_hv.h"

struct guest_irq_counts guest_irqs;
volatile uint32_t guest_irq_ap_ready, guest_irq_ap_stop, guest_irq_ap_done, guest_irq_ap_worked;
void (*volatile guest_irq_ap_work)(void);

static uint8_t ap_stack[8192] __attribute__((aligned(16)));
static struct snp_hv ap_hv;

/* Whether the code runs on the second vCPU: its stack is ap_stack. */
static bool on_ap(void)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

	return sp >= (uintptr_t)ap_stack && sp < (uintptr_t)ap_stack + sizeof(ap_stack);
}

void guest_irq(struct guest_exc_frame *f)
{
	bool ap = on_ap();

	switch (f->vector) {
	case GUEST_IRQ_TIMER: guest_irqs.timer++; break;
	case GUEST_IRQ_SELF: guest_irqs.self++; break;
	case GUEST_IRQ_IPI:
		if (ap)
			guest_irqs.ipi_ap++;
		else
			guest_irqs.ipi_boot++;
		break;
	default: guest_irqs.other++; break;
	}
	if (ap) {
		if (snp_ghcb_wrmsr(&ap_hv, GUEST_APIC_EOI, 0) != SVSM_OK)
			guest_irqs.ap_errors++;
	} else {
		guest_wrmsr(GUEST_APIC_EOI, 0);
	}
}

/* The GHCB MSR (APM vol.2 §15.35.6: MSR C001_0130h). */
#define MSR_GHCB 0xC0010130u

/* The boot vCPU's GHCB is the #VC handler's (vc.c); the second vCPU's is its own. */
static struct snp_hv *nmi_hv(bool ap)
{
	return ap ? &ap_hv : guest_vc_hv();
}

/*
 * The page is kept per vCPU and nesting depth: the next NMI can come as
 * soon as the hypervisor has this one's NMI_COMPLETE, inside this code.
 */
#define NMI_DEPTH 4

static bool nmi_complete(bool ap)
{
	static uint8_t kept[2][NMI_DEPTH][4096] __attribute__((aligned(64)));
	static unsigned depth[2];
	struct snp_hv *h = nmi_hv(ap);
	uint64_t msr = guest_rdmsr(MSR_GHCB);
	unsigned d = depth[ap];
	bool ok;

	if (h == NULL || h->ghcb == NULL || d == NMI_DEPTH)
		return false;
	depth[ap]++;
	memcpy(kept[ap][d], h->ghcb, sizeof(kept[ap][d]));
	memset(h->ghcb, 0, sizeof(*h->ghcb));
	h->ghcb->protocol_version = 2;
	h->ghcb->ghcb_usage = GHCB_USAGE_STANDARD;
	GHCB_SET(h->ghcb, sw_exit_code, SVM_VMGEXIT_NMI_COMPLETE);
	GHCB_SET(h->ghcb, sw_exit_info_1, 0);
	GHCB_SET(h->ghcb, sw_exit_info_2, 0);
	guest_ghcb_exit(h->ghcb_gpa);
	ok = h->ghcb->sw_exit_info_1 == GHCB_RESULT_OK;
	memcpy(h->ghcb, kept[ap][d], sizeof(kept[ap][d]));
	guest_wrmsr(MSR_GHCB, msr);
	depth[ap]--;
	return ok;
}

bool guest_nmi_complete(void)
{
	return nmi_complete(on_ap());
}

void guest_nmi(struct guest_exc_frame *f)
{
	bool ap = on_ap();

	(void)f;
	if (ap)
		guest_irqs.nmi_ap++;
	else
		guest_irqs.nmi_boot++;
	if (guest_irqs.nmi_hold) {
		guest_irqs.nmi_hold = 0;
		return;
	}
	if (!nmi_complete(ap))
		guest_irqs.nmi_errors++;
}

void guest_irq_wait(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void guest_irq_ap_prepare(struct ghcb *ghcb, uint64_t ghcb_gpa)
{
	guest_hv_init(&ap_hv, ghcb, ghcb_gpa);
	guest_irq_ap_ready = guest_irq_ap_stop = guest_irq_ap_done = guest_irq_ap_worked = 0;
	guest_irq_ap_work = NULL;
}

uint64_t guest_irq_ap_stack_top(void)
{
	return (uint64_t)(uintptr_t)(ap_stack + sizeof(ap_stack)) - 8; /* as after a call: RSP + 8 16-byte aligned */
}

/*
 * The second vCPU (its VMSA starts it here, RSP at guest_irq_ap_stack_top): registers
 * its GHCB, enables its APIC, says it is ready, and waits in HLT for
 * IPIs until the boot vCPU asks it to stop; then it halts with
 * interrupts off for good. Woken with guest_irq_ap_work set, it runs
 * that (interrupts off) and counts it in guest_irq_ap_worked.
 */
void guest_irq_ap_main(void)
{
	if (guest_msr_protocol(GHCB_MSR_REG_GPA_REQ | ap_hv.ghcb_gpa) != (GHCB_MSR_REG_GPA_RESP | ap_hv.ghcb_gpa) ||
	    snp_ghcb_wrmsr(&ap_hv, GUEST_APIC_SVR, 0x1FF) != SVSM_OK)
		guest_irqs.ap_errors++;
	guest_irq_ap_ready = 1;
	while (!guest_irq_ap_stop) {
		void (*work)(void) = guest_irq_ap_work;

		if (work != NULL) {
			work();
			guest_irq_ap_work = NULL;
			guest_irq_ap_worked++;
		}
		guest_irq_wait();
	}
	guest_irq_ap_done = 1;
	for (;;)
		__asm__ volatile("cli; hlt");
}
