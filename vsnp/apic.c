/* SPDX-License-Identifier: MIT */
/*
 * The emulated x2APIC (vsnp/apic.h). Registers and bits: AMD APM vol.2
 * §16 (Table 16-2 register offsets, §16.4 timer, §16.5 interprocessor
 * interrupts, §16.6 priorities, IRR/ISR and EOI, §16.11 x2APIC MSRs); the
 * TSC-deadline timer mode and IA32_TSC_DEADLINE (MSR 0x6E0) as the Intel
 * SDM vol.3A APIC chapter ("TSC-Deadline Mode") defines them, which KVM
 * offers AMD guests too.
 */
#include "apic.h"

#include "svsm/errno.h"

#define MSR_APIC_BASE 0x1Bu
#define MSR_TSC_DEADLINE 0x6E0u
#define APIC_BASE_DEFAULT 0xFEE00000ull
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
#define X2APIC_FIRST 0x800u
#define X2APIC_LAST 0x8FFu
/* x2APIC MSR = 0x800 + the xAPIC offset / 16. */
#define R_ID 0x802u
#define R_VERSION 0x803u
#define R_TPR 0x808u
#define R_PPR 0x80Au
#define R_EOI 0x80Bu
#define R_LDR 0x80Du
#define R_SVR 0x80Fu
#define R_ISR 0x810u /* .. 0x817 */
#define R_TMR 0x818u /* .. 0x81F: every interrupt here is edge-triggered, all zero */
#define R_IRR 0x820u /* .. 0x827 */
#define R_ESR 0x828u
#define R_LVT_TIMER 0x832u
#define R_LVT_FIRST 0x82Fu /* CMCI .. error: read back as written, masked by default (0x830 is the ICR, 0x831 reserved) */
#define R_ICR 0x830u
#define R_ICR_HI 0x831u
#define R_LVT_LAST 0x837u
#define R_TMICT 0x838u
#define R_TMCCT 0x839u
#define R_TDCR 0x83Eu
#define R_SELF_IPI 0x83Fu
#define LVT_MASKED (1u << 16)
#define LVT_MODE_SHIFT 17
#define LVT_MODE_MASK (3u << LVT_MODE_SHIFT)
#define LVT_PERIODIC (1u << LVT_MODE_SHIFT)
#define LVT_TSC_DEADLINE (2u << LVT_MODE_SHIFT)
#define SVR_ENABLE (1u << 8)
#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)
/* ICR (x2APIC: one 64-bit MSR): vector 7:0, delivery mode 10:8, logical 11, level 14, trigger 15, shorthand 19:18, destination 63:32. */
#define ICR_MODE_SHIFT 8
#define ICR_MODE_FIXED 0u
#define ICR_MODE_NMI 4u
#define ICR_MODE_INIT 5u
#define ICR_MODE_STARTUP 6u
#define ICR_LOGICAL (1ull << 11)
#define ICR_SHORTHAND_SHIFT 18
#define ICR_RESERVED 0xFFF33000ull /* 12 (delivery status, none in x2APIC), 13, 16, 17, 20-31 */
#define BROADCAST 0xFFFFFFFFu
/* Version: 0x14 (integrated APIC), 6 LVT entries (max LVT 5 in [23:16]). */
#define APIC_VERSION 0x00050014u

_Static_assert(R_LVT_LAST - R_LVT_FIRST + 1 == VSNP_APIC_LVT_OTHER, "LVT registers");
_Static_assert(R_TMR - R_ISR == VSNP_APIC_WORDS && R_ESR - R_IRR == VSNP_APIC_WORDS, "IRR and ISR registers");

void vsnp_apic_init(struct vsnp_apic *a, uint32_t id)
{
	*a = (struct vsnp_apic){ .id = id, .svr = 0xFF, .lvt_timer = LVT_MASKED, .offered = -1 };
	for (unsigned i = 0; i < VSNP_APIC_LVT_OTHER; i++)
		a->lvt_other[i] = LVT_MASKED;
}

/* The divide configuration: bits 0, 1 and 3 (APM vol.2 §16.4.1); 111b is divide by 1. */
static uint64_t divisor(const struct vsnp_apic *a)
{
	unsigned v = (a->tdcr & 3) | ((a->tdcr >> 1) & 4);

	return v == 7 ? 1 : 2ull << v;
}

int vsnp_apic_highest(const uint32_t *r)
{
	for (int w = VSNP_APIC_WORDS - 1; w >= 0; w--)
		if (r[w] != 0)
			return w * 32 + 31 - __builtin_clz(r[w]);
	return -1;
}

/* Processor priority (APM vol.2 §16.6.2): the TPR, or the class of the highest vector in service if that is higher. */
static uint32_t ppr(const struct vsnp_apic *a)
{
	int isrv = vsnp_apic_highest(a->isr);
	uint32_t in_service = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;

	return (a->tpr & 0xF0) >= in_service ? a->tpr : in_service;
}

bool vsnp_apic_accept(struct vsnp_apic *a, unsigned vector)
{
	if (!(a->svr & SVR_ENABLE) || vector > 0xFF)
		return false;
	if (vector < 16) {
		a->esr |= ESR_RECV_ILLEGAL;
		return false;
	}
	if ((int)vector == a->offered)
		a->offered_again = true; /* the guest may have taken the first already */
	a->irr[vector / 32] |= 1u << (vector % 32);
	return true;
}

static void timer_fire(struct vsnp_apic *a)
{
	a->fired++;
	if (!(a->lvt_timer & LVT_MASKED))
		(void)vsnp_apic_accept(a, a->lvt_timer & 0xFF);
}

void vsnp_apic_tick(struct vsnp_apic *a, uint64_t now)
{
	if ((a->lvt_timer & LVT_MODE_MASK) == LVT_TSC_DEADLINE) {
		if (a->tsc_deadline != 0 && now >= a->tsc_deadline) {
			a->tsc_deadline = 0; /* one expiry per write */
			timer_fire(a);
		}
		return;
	}
	if (a->tmict == 0 || now < a->t_start)
		return;

	uint64_t period = (uint64_t)a->tmict * divisor(a);

	if (now - a->t_start < period)
		return;
	timer_fire(a);
	if (a->lvt_timer & LVT_PERIODIC)
		a->t_start += period * ((now - a->t_start) / period);
	else
		a->tmict = 0; /* one-shot: the count stays at zero */
}

uint64_t vsnp_apic_cycles_left(const struct vsnp_apic *a, uint64_t now)
{
	if ((a->lvt_timer & LVT_MODE_MASK) == LVT_TSC_DEADLINE)
		return a->tsc_deadline == 0 ? 0 : a->tsc_deadline > now ? a->tsc_deadline - now : 1;
	if (a->tmict == 0)
		return 0;

	uint64_t period = (uint64_t)a->tmict * divisor(a);
	uint64_t gone = now > a->t_start ? now - a->t_start : 0;

	return gone >= period ? 1 : period - gone;
}

int vsnp_apic_deliverable(const struct vsnp_apic *a)
{
	int v = vsnp_apic_highest(a->irr);

	if (v < 0 || !(a->svr & SVR_ENABLE) || ((uint32_t)v & 0xF0) <= (ppr(a) & 0xF0))
		return -1;
	return v;
}

bool vsnp_apic_eoi(struct vsnp_apic *a)
{
	int v_isr = vsnp_apic_highest(a->isr);

	if (v_isr < 0)
		return false;
	a->isr[v_isr / 32] &= ~(1u << (v_isr % 32));
	return true;
}

bool vsnp_apic_pv_eoi_offer(const struct vsnp_apic *a, int offered)
{
	uint32_t irr[VSNP_APIC_WORDS];

	if (!(a->pv_eoi_msr & 1) || offered > 0xFF)
		return false;
	for (unsigned w = 0; w < VSNP_APIC_WORDS; w++)
		irr[w] = a->irr[w];
	if (offered >= 0)
		irr[offered / 32] &= ~(1u << (offered % 32));
	return vsnp_apic_highest(irr) < 0 && (offered >= 0 || vsnp_apic_highest(a->isr) >= 0);
}

void vsnp_apic_offer(struct vsnp_apic *a, int vector)
{
	a->offered = vector >= 0 && vector <= 0xFF ? vector : -1;
	a->offered_again = false;
}

void vsnp_apic_offer_done(struct vsnp_apic *a, bool taken)
{
	int v = a->offered;
	bool again = a->offered_again;

	a->offered = -1;
	a->offered_again = false; /* nothing is offered now, taken or not */
	if (v < 0 || !taken)
		return;
	vsnp_apic_delivered(a, (unsigned)v);
	if (again)
		a->irr[v / 32] |= 1u << (v % 32);
}

void vsnp_apic_delivered(struct vsnp_apic *a, unsigned vector)
{
	a->irr[(vector & 0xFF) / 32] &= ~(1u << (vector % 32));
	a->isr[(vector & 0xFF) / 32] |= 1u << (vector % 32);
}

bool vsnp_apic_ipi_targets(const struct vsnp_ipi *ipi, uint32_t from, const struct vsnp_apic *to)
{
	switch (ipi->shorthand) {
	case VSNP_IPI_SELF: return to->id == from;
	case VSNP_IPI_ALL: return true;
	case VSNP_IPI_OTHERS: return to->id != from;
	default: break;
	}
	if (ipi->dest == BROADCAST)
		return true;
	if (!ipi->logical)
		return ipi->dest == to->id;
	/* x2APIC logical: cluster (ID bits 31:4) in 31:16, one bit per ID bits 3:0 in 15:0 (APM vol.2 §16.11). */
	return (ipi->dest >> 16) == (to->id >> 4) && (ipi->dest & (1u << (to->id & 15))) != 0;
}

/* An IPI for the caller to send; a fixed one with a vector below 16 is not sent (ESR "sent illegal vector"). */
static void send(struct vsnp_apic *a, bool nmi, uint8_t vector, unsigned shorthand, bool logical, uint32_t dest)
{
	if (!nmi && vector < 16) {
		a->esr |= ESR_SEND_ILLEGAL;
		return;
	}
	a->ipi = (struct vsnp_ipi){ .nmi = nmi, .vector = nmi ? 0 : vector, .shorthand = (uint8_t)shorthand,
				    .logical = logical, .dest = dest };
	a->ipi_out = true;
}

void vsnp_apic_nmi(struct vsnp_apic *a)
{
	a->nmi_pending = true;
}

bool vsnp_apic_nmi_ready(const struct vsnp_apic *a)
{
	return a->nmi_pending && !a->nmi_in_progress;
}

void vsnp_apic_nmi_delivered(struct vsnp_apic *a)
{
	a->nmi_pending = false;
	a->nmi_in_progress = true;
	a->nmis++;
}

void vsnp_apic_nmi_done(struct vsnp_apic *a)
{
	a->nmi_in_progress = false;
}

int vsnp_apic_rdmsr(struct vsnp_apic *a, uint32_t msr, uint64_t now, uint64_t *v)
{
	if (msr == MSR_APIC_BASE) {
		*v = APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD | (a->id == 0 ? APIC_BASE_BSP : 0);
		return SVSM_OK;
	}
	if (msr == MSR_TSC_DEADLINE) {
		vsnp_apic_tick(a, now);
		*v = (a->lvt_timer & LVT_MODE_MASK) == LVT_TSC_DEADLINE ? a->tsc_deadline : 0;
		return SVSM_OK;
	}
	if (msr < X2APIC_FIRST || msr > X2APIC_LAST)
		return SVSM_ENOENT;
	vsnp_apic_tick(a, now);
	if (msr >= R_ISR && msr < R_ISR + VSNP_APIC_WORDS) {
		*v = a->isr[msr - R_ISR];
		return SVSM_OK;
	}
	if (msr >= R_TMR && msr < R_TMR + VSNP_APIC_WORDS) {
		*v = 0;
		return SVSM_OK;
	}
	if (msr >= R_IRR && msr < R_IRR + VSNP_APIC_WORDS) {
		*v = a->irr[msr - R_IRR];
		return SVSM_OK;
	}
	switch (msr) {
	case R_ID: *v = a->id; break;
	case R_VERSION: *v = APIC_VERSION; break;
	case R_TPR: *v = a->tpr; break;
	case R_PPR: *v = ppr(a); break;
	case R_LDR: *v = ((a->id >> 4) << 16) | (1u << (a->id & 15)); break; /* logical x2APIC ID */
	case R_SVR: *v = a->svr; break;
	case R_ESR: *v = a->esr; break;
	case R_ICR: *v = a->icr; break;
	case R_LVT_TIMER: *v = a->lvt_timer; break;
	case R_TMICT: *v = a->tmict; break;
	case R_TMCCT: {
		uint64_t left = (a->lvt_timer & LVT_MODE_MASK) == LVT_TSC_DEADLINE ? 0 : vsnp_apic_cycles_left(a, now);

		*v = left == 0 ? 0 : (left + divisor(a) - 1) / divisor(a);
		break;
	}
	case R_TDCR: *v = a->tdcr; break;
	default:
		if (msr >= R_LVT_FIRST && msr <= R_LVT_LAST && msr != R_ICR && msr != R_ICR_HI) {
			*v = a->lvt_other[msr - R_LVT_FIRST];
			break;
		}
		return SVSM_EINVAL; /* reserved, or write-only (EOI, self IPI) */
	}
	return SVSM_OK;
}

/* An ICR write (x2APIC: the whole command in one MSR write sends it). */
static int icr_write(struct vsnp_apic *a, uint64_t v)
{
	if (v & ICR_RESERVED)
		return SVSM_EINVAL;
	unsigned mode = (unsigned)(v >> ICR_MODE_SHIFT) & 7;

	/*
	 * INIT and start-up: a vCPU of this machine starts by AP creation
	 * (GHCB spec 56421 §4.1.9) from a VMSA; starting one from an INIT-SIPI
	 * sequence (a VMSA the hypervisor made at launch for it) is not
	 * modelled. SVSM_EPERM: the caller stops the machine, saying so.
	 */
	if (mode == ICR_MODE_INIT || mode == ICR_MODE_STARTUP)
		return SVSM_EPERM;
	if (mode != ICR_MODE_FIXED && mode != ICR_MODE_NMI)
		return SVSM_ENOTSUP; /* lowest priority, SMI: not emulated */
	a->icr = v;
	send(a, mode == ICR_MODE_NMI, (uint8_t)v, (unsigned)(v >> ICR_SHORTHAND_SHIFT) & 3, (v & ICR_LOGICAL) != 0,
	     (uint32_t)(v >> 32));
	return SVSM_OK;
}

/* LVT timer: vector, mask, mode (a change of mode stops the timer; 11b is reserved). */
static int lvt_timer_write(struct vsnp_apic *a, uint64_t v)
{
	if ((v & ~(uint64_t)(0xFF | LVT_MASKED | LVT_MODE_MASK)) || (v & LVT_MODE_MASK) == LVT_MODE_MASK)
		return SVSM_EINVAL;
	if (!(a->svr & SVR_ENABLE))
		v |= LVT_MASKED; /* a software-disabled APIC keeps its LVTs masked */
	if ((v & LVT_MODE_MASK) != (a->lvt_timer & LVT_MODE_MASK))
		a->tmict = 0, a->tsc_deadline = 0;
	a->lvt_timer = (uint32_t)v;
	return SVSM_OK;
}

int vsnp_apic_wrmsr(struct vsnp_apic *a, uint32_t msr, uint64_t now, uint64_t v)
{
	if (msr == MSR_APIC_BASE) {
		uint64_t cur;

		(void)vsnp_apic_rdmsr(a, msr, now, &cur);
		return v == cur ? SVSM_OK : SVSM_EINVAL; /* it stays enabled, in x2APIC mode, at its base */
	}
	if (msr == MSR_TSC_DEADLINE) {
		if ((a->lvt_timer & LVT_MODE_MASK) == LVT_TSC_DEADLINE)
			a->tsc_deadline = v; /* 0 disarms; a time gone by fires at once */
		vsnp_apic_tick(a, now);
		return SVSM_OK; /* ignored in the other modes */
	}
	if (msr < X2APIC_FIRST || msr > X2APIC_LAST)
		return SVSM_ENOENT;
	vsnp_apic_tick(a, now);
	switch (msr) {
	case R_TPR:
		if (v > 0xFF)
			return SVSM_EINVAL;
		a->tpr = (uint32_t)v;
		return SVSM_OK;
	case R_EOI:
		if (v != 0)
			return SVSM_EINVAL; /* x2APIC: a non-zero EOI write is a #GP */
		(void)vsnp_apic_eoi(a);
		return SVSM_OK;
	case R_SVR:
		if (v > 0x1FFF)
			return SVSM_EINVAL;
		a->svr = (uint32_t)v;
		if (!(v & SVR_ENABLE)) {
			a->lvt_timer |= LVT_MASKED; /* software disable masks every LVT */
			for (unsigned i = 0; i < VSNP_APIC_LVT_OTHER; i++)
				a->lvt_other[i] |= LVT_MASKED;
		}
		return SVSM_OK;
	case R_ESR:
		if (v != 0)
			return SVSM_EINVAL;
		a->esr = 0;
		return SVSM_OK;
	case R_ICR:
		return icr_write(a, v);
	case R_LVT_TIMER:
		return lvt_timer_write(a, v);
	case R_TMICT:
		if (v > 0xFFFFFFFFull)
			return SVSM_EINVAL;
		if ((a->lvt_timer & LVT_MODE_MASK) != LVT_TSC_DEADLINE) { /* ignored in TSC-deadline mode */
			a->tmict = (uint32_t)v;
			a->t_start = now;
		}
		return SVSM_OK;
	case R_TDCR:
		if (v & ~0xBull)
			return SVSM_EINVAL;
		a->tdcr = (uint32_t)v;
		return SVSM_OK;
	case R_SELF_IPI:
		if (v > 0xFF)
			return SVSM_EINVAL;
		send(a, false, (uint8_t)v, VSNP_IPI_SELF, false, a->id);
		return SVSM_OK;
	default:
		if (msr >= R_LVT_FIRST && msr <= R_LVT_LAST && msr != R_ICR && msr != R_ICR_HI && v <= 0x1FFFF) {
			a->lvt_other[msr - R_LVT_FIRST] = (uint32_t)v | (a->svr & SVR_ENABLE ? 0 : LVT_MASKED);
			return SVSM_OK;
		}
		return SVSM_EINVAL; /* read-only or reserved */
	}
}
