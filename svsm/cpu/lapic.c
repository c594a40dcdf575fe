/* SPDX-License-Identifier: MIT */
/* The local APIC timer (include/svsm/lapic.h). */
#include "svsm/lapic.h"

#include "abi/x86.h"
#include "lib/cpu.h"
#include "mm/layout.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/mm.h"
#include "svsm/platform.h"
#include "svsm/tsc.h"

/* APM vol.2 §16.3.1: IA32_APIC_BASE (MSR 0x1B) bit 11 enables the APIC; bit 10 is x2APIC. */
#define MSR_APIC_BASE 0x1Bu
#define APIC_BASE_EN (1ull << 11)
#define APIC_BASE_X2 (1ull << 10)
#define APIC_BASE_ADDR 0x000FFFFFFFFFF000ull
/* APM vol.2 Table 16-2: register offsets. */
#define APIC_TPR 0x80
#define APIC_EOI 0xB0
#define APIC_SVR 0xF0
#define APIC_SVR_ENABLE (1u << 8)
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_MASKED (1u << 16)
#define APIC_TIMER_ICR 0x380
#define APIC_TIMER_CCR 0x390
#define APIC_TIMER_DCR 0x3E0
#define APIC_DCR_DIV1 0xB
/* CPUID 1 EDX[9]: an on-chip APIC. */
#define CPUID1_EDX_APIC (1u << 9)

static bool ready, held_off;
static bool x2apic; /* registers as MSRs 0x800 + off/16 (APM vol.2 §16.11), not the MMIO page */
static uint64_t ticks_per_ms;

/* x2APIC register MSRs: 0x800 + the xAPIC offset / 16 (APM vol.2 §16.11.1). */
#define X2APIC_MSR_BASE 0x800u

static uint32_t reg_read(unsigned off)
{
	if (x2apic)
		return (uint32_t)cpu_rdmsr(X2APIC_MSR_BASE + (off >> 4));
	return *(volatile uint32_t *)(uintptr_t)(PERCPU_LAPIC + off);
}

static void reg_write(unsigned off, uint32_t v)
{
	if (x2apic)
		cpu_wrmsr(X2APIC_MSR_BASE + (off >> 4), v);
	else
		*(volatile uint32_t *)(uintptr_t)(PERCPU_LAPIC + off) = v;
}

bool lapic_ready(void)
{
	return ready && !held_off;
}

void lapic_hold_off(bool off)
{
	held_off = off;
}

bool lapic_init(void)
{
	uint64_t base;

	if ((cpu_cpuid(1, 0).edx & CPUID1_EDX_APIC) == 0 || tsc_hz() == 0) {
		log_warn("lapic: no APIC (or no calibrated TSC): CPL3 tasks run without preemption");
		return false;
	}
	base = cpu_rdmsr(MSR_APIC_BASE);
	/*
	 * x2APIC when the APIC is in that mode already: under SNP the
	 * hypervisor's APIC (MSRs through the GHCB), where an MMIO page would
	 * need MMIO emulation in the #VC handler.
	 */
	x2apic = (base & APIC_BASE_X2) != 0;
	if (!x2apic && pgt_map(vm_cpu_pt(), PERCPU_LAPIC, base & APIC_BASE_ADDR, PAGE_SIZE, PGT_WRITE) != SVSM_OK) {
		log_warn("lapic: cannot map the APIC page: no preemption");
		return false;
	}
	if (!(base & APIC_BASE_EN))
		cpu_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
	/* The 8259s (ports 0x21, 0xA1): every line masked; the firmware left IRQ0 on exception vectors. */
	(void)platform_io_out(0x21, 1, 0xFF);
	(void)platform_io_out(0xA1, 1, 0xFF);
	reg_write(APIC_TPR, 0);
	reg_write(APIC_SVR, APIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
	reg_write(APIC_LVT_TIMER, APIC_LVT_MASKED | LAPIC_TIMER_VECTOR);
	reg_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	/*
	 * The timer's rate is the machine's: the boot CPU measures it, an AP
	 * keeps that (measured again on a vCPU that shares its CPU with others,
	 * it came out twice too fast).
	 */
	if (ready)
		return true;
	/* Calibrate: count down from the top for 1 ms of TSC. */
	reg_write(APIC_TIMER_ICR, 0xFFFFFFFFu);
	uint64_t t0 = cpu_rdtsc(), span = tsc_hz() / 1000;

	while (cpu_rdtsc() - t0 < span)
		;
	ticks_per_ms = 0xFFFFFFFFu - reg_read(APIC_TIMER_CCR);
	reg_write(APIC_TIMER_ICR, 0);
	if (ticks_per_ms == 0) {
		log_warn("lapic: the timer does not count: no preemption");
		return false;
	}
	ready = true;
	log_info("lapic: %s timer %llu kHz; CPL3 tasks preempted by vector 0x%x", x2apic ? "x2APIC" : "xAPIC",
		 (unsigned long long)ticks_per_ms, LAPIC_TIMER_VECTOR);
	return true;
}

void lapic_arm(uint64_t us)
{
	uint64_t ticks = ticks_per_ms * us / 1000;

	reg_write(APIC_LVT_TIMER, LAPIC_TIMER_VECTOR); /* one-shot, unmasked */
	reg_write(APIC_TIMER_ICR, (uint32_t)(ticks == 0 ? 1 : ticks > 0xFFFFFFFFu ? 0xFFFFFFFFu : ticks));
}

void lapic_disarm(void)
{
	reg_write(APIC_TIMER_ICR, 0);
	reg_write(APIC_LVT_TIMER, APIC_LVT_MASKED | LAPIC_TIMER_VECTOR);
}

/* APM vol.2 §16.5: the interrupt command register; delivery modes INIT (101b) and startup (110b). */
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_ICR_INIT 0x00004500u /* INIT, level assert */
#define APIC_ICR_SIPI 0x00004600u /* startup, vector = the page number */
#define APIC_ICR_FIXED 0x00004000u /* fixed, level assert; the vector in bits 7:0 */
#define APIC_ICR_BUSY (1u << 12)

/* true once the APIC reports the IPI sent (delivery status idle; an x2APIC has none to wait for). */
static bool icr_send(uint32_t apic_id, uint32_t lo)
{
	if (x2apic) {
		/* One 64-bit write: the destination in [63:32] (APM vol.2 §16.11.2). */
		cpu_wrmsr(X2APIC_MSR_BASE + (APIC_ICR_LO >> 4), (uint64_t)apic_id << 32 | lo);
		return true;
	}
	reg_write(APIC_ICR_HI, apic_id << 24);
	reg_write(APIC_ICR_LO, lo);
	for (unsigned i = 0; i < 1000000; i++) {
		if ((reg_read(APIC_ICR_LO) & APIC_ICR_BUSY) == 0)
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

bool lapic_send_fixed(uint32_t apic_id, uint8_t vector)
{
	return ready && icr_send(apic_id, APIC_ICR_FIXED | vector); /* IPIs do not depend on the timer hold */
}

static void wait_us(uint64_t us)
{
	uint64_t t0 = cpu_rdtsc(), span = tsc_hz() / 1000000 * us;

	while (cpu_rdtsc() - t0 < span)
		__asm__ volatile("pause");
}

void lapic_start_ap(uint32_t apic_id, uint64_t page_pa)
{
	(void)icr_send(apic_id, APIC_ICR_INIT);
	wait_us(10000);
	for (unsigned i = 0; i < 2; i++) {
		(void)icr_send(apic_id, APIC_ICR_SIPI | (uint32_t)(page_pa >> 12));
		wait_us(200);
	}
}

void lapic_eoi(void)
{
	reg_write(APIC_EOI, 0);
}
