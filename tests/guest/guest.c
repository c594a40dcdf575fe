/* SPDX-License-Identifier: MIT */
/* The test guest's helpers: console, CPU tables, exceptions, the GHCB MSR protocol, SVSM calls. */
#include <stdarg.h>

#include "abi/ghcb.h"
#include "guest.h"
#include "lib/fmt.h"
#include "lib/io.h"
#include "lib/uart.h"

volatile unsigned guest_last_vector;
volatile uint32_t guest_last_error;

extern const uint8_t guest_probe_read_insn[], guest_probe_read_fixup[];
extern const uint8_t guest_probe_write_insn[], guest_probe_write_fixup[];
extern const uint8_t exc_entry_0[], exc_entry_2[], exc_entry_3[], exc_entry_6[], exc_entry_8[], exc_entry_13[],
	exc_entry_14[], exc_entry_29[], exc_entry_96[], exc_entry_97[], exc_entry_98[];

/*
 * COM1 is the guest's own 16550, which the hypervisor emulates (vsnp:
 * io_ports.c): lib/uart16550.c drives it, a line at a time in bursts of
 * its FIFO's depth, each one OUTSB request through the GHCB.
 */
static const struct uart_port_io console_io = { io_outb, io_inb, guest_vc_outs };
static struct uart_line line;

void guest_console_init(void)
{
	uart_set_port_io(&console_io);
	uart_console_init();
}

void guest_vprintf(const char *fmt, va_list ap)
{
	fmt_vformat(uart_line_out, &line, fmt, ap);
	uart_line_flush(&line);
}

void guest_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	guest_vprintf(fmt, ap);
	va_end(ap);
}

/* ---- GDT and IDT ---- */

static uint64_t gdt[3] = {
	0,
	0x00AF9A000000FFFFull, /* 0x08: 64-bit code */
	0x00CF92000000FFFFull, /* 0x10: data */
};

struct idt_gate {
	uint16_t off0, sel;
	uint16_t flags; /* present, DPL 0, 64-bit interrupt gate */
	uint16_t off1;
	uint32_t off2, zero;
};
static struct idt_gate idt[256];

static void set_gate(unsigned v, const uint8_t *entry)
{
	uint64_t a = (uint64_t)(uintptr_t)entry;

	idt[v] = (struct idt_gate){ (uint16_t)a, 0x08, 0x8E00, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0 };
}

void guest_cpu_init(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d;

	d.limit = sizeof(gdt) - 1;
	d.base = (uint64_t)(uintptr_t)gdt;
	__asm__ volatile("lgdt %0" : : "m"(d));
	set_gate(0, exc_entry_0);
	set_gate(2, exc_entry_2);
	set_gate(3, exc_entry_3);
	set_gate(6, exc_entry_6);
	set_gate(8, exc_entry_8);
	set_gate(13, exc_entry_13);
	set_gate(14, exc_entry_14);
	set_gate(29, exc_entry_29);
	set_gate(GUEST_IRQ_TIMER, exc_entry_96);
	set_gate(GUEST_IRQ_SELF, exc_entry_97);
	set_gate(GUEST_IRQ_IPI, exc_entry_98);
	d.limit = sizeof(idt) - 1;
	d.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(d));
}

void guest_exception(struct guest_exc_frame *f);

void guest_exception(struct guest_exc_frame *f)
{
	if (f->vector == 2) {
		guest_nmi(f);
		return;
	}
	if (guest_vc(f))
		return; /* CPUID, port I/O or an MSR, emulated through the GHCB */
	if (f->vector >= 32) {
		guest_irq(f); /* an interrupt from the guest's APIC */
		return;
	}
	guest_last_vector = (unsigned)f->vector;
	guest_last_error = (uint32_t)f->error;
	if (f->vector == 3 && (f->rip == (uint64_t)(uintptr_t)guest_int3_after ||
			      f->rip == (uint64_t)(uintptr_t)guest_int3_insn)) {
		f->rax = f->rip; /* guest_int3_on_stack's result: where the #BP would have returned */
		f->rip = (uint64_t)(uintptr_t)guest_int3_after;
		return;
	}
	if (f->rip == (uint64_t)(uintptr_t)guest_probe_read_insn) {
		f->rip = (uint64_t)(uintptr_t)guest_probe_read_fixup;
		return;
	}
	if (f->rip == (uint64_t)(uintptr_t)guest_probe_write_insn) {
		f->rip = (uint64_t)(uintptr_t)guest_probe_write_fixup;
		return;
	}
	guest_printf("guest: exception %llu (error 0x%llx) at RIP 0x%llx\n",
		     (unsigned long long)f->vector, (unsigned long long)f->error,
		     (unsigned long long)f->rip);
	guest_printf("Bail out! unexpected exception\n");
	guest_terminate(GUEST_TERM_SET, 2);
}

/* ---- the GHCB MSR protocol ---- */

void guest_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

uint64_t guest_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void vmgexit(void)
{
	__asm__ volatile("rep; vmmcall" : : : "memory");
}

uint64_t guest_msr_protocol(uint64_t request)
{
	guest_wrmsr(MSR_GHCB, request);
	vmgexit();
	return guest_rdmsr(MSR_GHCB);
}

void guest_terminate(unsigned set, unsigned code)
{
	for (;;)
		guest_msr_protocol(GHCB_MSR_TERM_REQ | ((uint64_t)(set & 0xF) << GHCB_TERM_SET_SHIFT) |
				   ((uint64_t)(code & 0xFF) << GHCB_TERM_CODE_SHIFT));
}

void guest_ghcb_exit(uint64_t ghcb_gpa)
{
	guest_wrmsr(MSR_GHCB, ghcb_gpa);
	vmgexit();
}

void guest_svsm_call_ghcb(volatile struct svsm_ca *ca, uint64_t ghcb_gpa, struct guest_call *c)
{
	register uint64_t r8 __asm__("r8") = c->r8;
	register uint64_t r9 __asm__("r9") = c->r9;
	uint64_t rax = c->rax, rcx = c->rcx, rdx = c->rdx;

	ca->call_pending = 1;
	guest_wrmsr(MSR_GHCB, ghcb_gpa);
	__asm__ volatile("rep; vmmcall"
			 : "+a"(rax), "+c"(rcx), "+d"(rdx), "+r"(r8), "+r"(r9)
			 :
			 : "memory");
	c->rax = rax, c->rcx = rcx, c->rdx = rdx, c->r8 = r8, c->r9 = r9;
	uint8_t old = 0;

	__asm__ volatile("xchgb %0, %1" : "+q"(old), "+m"(ca->call_pending) : : "memory");
	c->serviced = old == 0;
}

void guest_svsm_call(volatile struct svsm_ca *ca, struct guest_call *c)
{
	register uint64_t r8 __asm__("r8") = c->r8;
	register uint64_t r9 __asm__("r9") = c->r9;
	uint64_t rax = c->rax, rcx = c->rcx, rdx = c->rdx;

	ca->call_pending = 1;
	guest_wrmsr(MSR_GHCB, GHCB_MSR_RUN_VMPL_REQ | (0ull << GHCB_MSR_VMPL_SHIFT));
	__asm__ volatile("rep; vmmcall"
			 : "+a"(rax), "+c"(rcx), "+d"(rdx), "+r"(r8), "+r"(r9)
			 :
			 : "memory");
	uint64_t resp = guest_rdmsr(MSR_GHCB);

	c->vmpl_ok = resp == GHCB_MSR_RUN_VMPL_RESP;
	c->rax = rax, c->rcx = rcx, c->rdx = rdx, c->r8 = r8, c->r9 = r9;
	/* SVSM spec, calling convention: an atomic exchange; still 1 means the SVSM did not take the call. */
	uint8_t old = 0;

	__asm__ volatile("xchgb %0, %1" : "+q"(old), "+m"(ca->call_pending) : : "memory");
	c->serviced = old == 0;
}
