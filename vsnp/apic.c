/* SPDX-License-Identifier: MIT */
/*
 * The emulated x2APIC (vsnp/apic.h). Registers and bits: AMD APM vol.2
 * §16 (Table 16-2 register offsets, §16.4 timer, §16.11 x2APIC MSRs).
 */
#include "apic.h"

#include "svsm/errno.h"

#define MSR_APIC_BASE 0x1Bu
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
#define LVT_PERIODIC (1u << 17)
#define SVR_ENABLE (1u << 8)
/* Version: 0x14 (integrated APIC), 6 LVT entries (max LVT 5 in [23:16]). */
#define APIC_VERSION 0x00050014u

_Static_assert(R_LVT_LAST - R_LVT_FIRST + 1 == VSNP_APIC_LVT_OTHER, "LVT registers");

void vsnp_apic_init(struct vsnp_apic *a, uint32_t id)
{
	*a = (struct vsnp_apic){ .id = id, .svr = 0xFF, .lvt_timer = LVT_MASKED };
	for (unsigned i = 0; i < VSNP_APIC_LVT_OTHER; i++)
		a->lvt_other[i] = LVT_MASKED;
}

/* The divide configuration: bits 0, 1 and 3 (APM vol.2 §16.4.1); 111b is divide by 1. */
static uint64_t divisor(const struct vsnp_apic *a)
{
	unsigned v = (a->tdcr & 3) | ((a->tdcr >> 1) & 4);

	return v == 7 ? 1 : 2ull << v;
}

void vsnp_apic_tick(struct vsnp_apic *a, uint64_t now)
{
	if (a->tmict == 0 || now < a->t_start)
		return;

	uint64_t period = (uint64_t)a->tmict * divisor(a);

	if (now - a->t_start < period)
		return;
	a->pending = true;
	a->fired++;
	if (a->lvt_timer & LVT_PERIODIC)
		a->t_start += period * ((now - a->t_start) / period);
	else
		a->tmict = 0; /* one-shot: the count stays at zero */
}

uint64_t vsnp_apic_cycles_left(const struct vsnp_apic *a, uint64_t now)
{
	if (a->tmict == 0)
		return 0;

	uint64_t period = (uint64_t)a->tmict * divisor(a);
	uint64_t gone = now > a->t_start ? now - a->t_start : 0;

	return gone >= period ? 1 : period - gone;
}

int vsnp_apic_deliverable(const struct vsnp_apic *a)
{
	if (!a->pending || a->in_service || (a->lvt_timer & LVT_MASKED) || !(a->svr & SVR_ENABLE) ||
	    (a->lvt_timer & 0xFF) < 16)
		return -1;
	return (int)(a->lvt_timer & 0xFF);
}

void vsnp_apic_delivered(struct vsnp_apic *a)
{
	a->pending = false;
	a->in_service = true;
}

int vsnp_apic_rdmsr(struct vsnp_apic *a, uint32_t msr, uint64_t now, uint64_t *v)
{
	if (msr == MSR_APIC_BASE) {
		*v = APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD | (a->id == 0 ? APIC_BASE_BSP : 0);
		return SVSM_OK;
	}
	if (msr < X2APIC_FIRST || msr > X2APIC_LAST)
		return SVSM_ENOENT;
	vsnp_apic_tick(a, now);
	switch (msr) {
	case R_ID: *v = a->id; break;
	case R_VERSION: *v = APIC_VERSION; break;
	case R_TPR: *v = a->tpr; break;
	case R_PPR: *v = a->tpr; break;
	case R_LDR: *v = ((a->id >> 4) << 16) | (1u << (a->id & 15)); break; /* logical x2APIC ID */
	case R_SVR: *v = a->svr; break;
	case R_ESR: *v = 0; break;
	case R_LVT_TIMER: *v = a->lvt_timer; break;
	case R_TMICT: *v = a->tmict; break;
	case R_TMCCT: {
		uint64_t left = vsnp_apic_cycles_left(a, now);

		*v = left == 0 ? 0 : (left + divisor(a) - 1) / divisor(a);
		break;
	}
	case R_TDCR: *v = a->tdcr; break;
	default:
		if (msr >= R_LVT_FIRST && msr <= R_LVT_LAST && msr != R_ICR && msr != R_ICR_HI) {
			*v = a->lvt_other[msr - R_LVT_FIRST];
			break;
		}
		return SVSM_EINVAL; /* reserved, write-only (EOI, self IPI) or not emulated (ICR, ISR/IRR) */
	}
	return SVSM_OK;
}

int vsnp_apic_wrmsr(struct vsnp_apic *a, uint32_t msr, uint64_t now, uint64_t v)
{
	if (msr == MSR_APIC_BASE) {
		uint64_t cur;

		(void)vsnp_apic_rdmsr(a, msr, now, &cur);
		return v == cur ? SVSM_OK : SVSM_EINVAL; /* it stays enabled, in x2APIC mode, at its base */
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
		a->in_service = false;
		return SVSM_OK;
	case R_SVR:
		if (v > 0x1FFF)
			return SVSM_EINVAL;
		a->svr = (uint32_t)v;
		return SVSM_OK;
	case R_ESR:
		return v == 0 ? SVSM_OK : SVSM_EINVAL;
	case R_LVT_TIMER:
		if (v & ~(uint64_t)(0xFF | LVT_MASKED | LVT_PERIODIC))
			return SVSM_EINVAL; /* TSC-deadline mode is not offered */
		a->lvt_timer = (uint32_t)v;
		return SVSM_OK;
	case R_TMICT:
		if (v > 0xFFFFFFFFull)
			return SVSM_EINVAL;
		a->tmict = (uint32_t)v;
		a->t_start = now;
		return SVSM_OK;
	case R_TDCR:
		if (v & ~0xBull)
			return SVSM_EINVAL;
		a->tdcr = (uint32_t)v;
		return SVSM_OK;
	default:
		if (msr >= R_LVT_FIRST && msr <= R_LVT_LAST && msr != R_ICR && msr != R_ICR_HI && v <= 0x1FFFF) {
			a->lvt_other[msr - R_LVT_FIRST] = (uint32_t)v;
			return SVSM_OK;
		}
		return SVSM_EINVAL; /* read-only, reserved, or not emulated (ICR: no IPIs yet) */
	}
}
