/* SPDX-License-Identifier: MIT */
/*
 * The local APIC's one-shot timer, which preempts CPL3 tasks so a long
 * module command (RSA key generation in the vTPM) cannot hold up the
 * guest: the task runs for a slice, then the SVSM answers BUSY and the
 * guest retries (include/svsm/task.h, task_run_slice). xAPIC registers
 * through their MMIO page (APM vol.2 §16.3, §16.4 "APIC Timer"); the
 * 8259 PICs are masked so only this timer interrupts a task.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The vector of the timer interrupt (an IDT vector with no exception meaning). */
#define LAPIC_TIMER_VECTOR 0x40u
/*
 * The vector of the kick IPI, whose only job is to make a CPU take an
 * interrupt: vsnp's CPU inside VMRUN leaves the guest (an INTR exit), one
 * idle in HLT wakes. Its handler only EOIs.
 */
#define LAPIC_KICK_VECTOR 0x41u
#define LAPIC_SPURIOUS_VECTOR 0xFFu

/*
 * On this CPU: maps the APIC page into the per-CPU region, enables the
 * APIC, masks the PICs, calibrates the timer against the TSC. false (and
 * a log line) when there is no usable APIC: tasks then run to completion.
 */
bool lapic_init(void);
/* The timer can preempt: lapic_init succeeded and no self-test holds it off. */
bool lapic_ready(void);
/* Self-tests of what needs a preemption source: lapic_ready() answers false while held off. */
void lapic_hold_off(bool off);
/* One-shot: the timer interrupt fires after us microseconds. */
void lapic_arm(uint64_t us);
void lapic_disarm(void);
void lapic_eoi(void);
/* A fixed-delivery IPI with vector to the CPU with apic_id; false if the APIC never took it. */
bool lapic_send_fixed(uint32_t apic_id, uint8_t vector);
/* INIT, then two startup IPIs with page_pa (below 1 MiB, page aligned) to the CPU with apic_id. */
void lapic_start_ap(uint32_t apic_id, uint64_t page_pa);
