/* SPDX-License-Identifier: MIT */
/*
 * Exception dispatch: recover through the exception table where the
 * faulting instruction has an entry, otherwise print everything needed to
 * find the fault (vector, error code, RIP, CR2, registers, backtrace) and
 * stop with a failure status.
 */
#include "abi/x86.h"
#include "svsm/cr.h"
#include "svsm/console.h"
#include "svsm/exc.h"
#include "svsm/lapic.h"
#include "svsm/machine.h"
#include "svsm/panic.h"
#include "svsm/percpu.h"

void exc_dispatch(struct exc_frame *f);

static const char *const exc_names[X86_EXC_COUNT] = {
	[X86_EXC_DE] = "#DE divide error",
	[X86_EXC_DB] = "#DB debug",
	[X86_EXC_NMI] = "NMI",
	[X86_EXC_BP] = "#BP breakpoint",
	[X86_EXC_OF] = "#OF overflow",
	[X86_EXC_BR] = "#BR bound range",
	[X86_EXC_UD] = "#UD invalid opcode",
	[X86_EXC_NM] = "#NM device not available",
	[X86_EXC_DF] = "#DF double fault",
	[X86_EXC_TS] = "#TS invalid TSS",
	[X86_EXC_NP] = "#NP segment not present",
	[X86_EXC_SS] = "#SS stack fault",
	[X86_EXC_GP] = "#GP general protection",
	[X86_EXC_PF] = "#PF page fault",
	[X86_EXC_MF] = "#MF x87 floating point",
	[X86_EXC_AC] = "#AC alignment check",
	[X86_EXC_MC] = "#MC machine check",
	[X86_EXC_XF] = "#XF SIMD floating point",
	[X86_EXC_CP] = "#CP control protection",
	[X86_EXC_HV] = "#HV hypervisor injection",
	[X86_EXC_VC] = "#VC VMM communication",
	[X86_EXC_SX] = "#SX security",
};

const char *exc_name(uint64_t vector)
{
	if (vector < X86_EXC_COUNT && exc_names[vector] != NULL)
		return exc_names[vector];
	return vector < X86_EXC_COUNT ? "reserved exception" : "external interrupt";
}

/* Faults with architectural meaning beyond "this instruction failed" never recover. */
static bool recoverable(uint64_t vector)
{
	return vector < X86_EXC_COUNT && vector != X86_EXC_DF && vector != X86_EXC_NMI &&
	       vector != X86_EXC_MC;
}

static void (*fatal_hook)(void);

void exc_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

void exc_fatal(const struct exc_frame *f, uint64_t cr2, const char *why)
{
	void (*hook)(void) = fatal_hook;

	fatal_hook = NULL; /* once: a fault inside the hook must not loop */
	if (hook != NULL)
		hook();
	console_printf("\nFATAL: %s: vector %llu (%s), error code 0x%llx\n", why,
		       (unsigned long long)f->vector, exc_name(f->vector),
		       (unsigned long long)f->error_code);
	console_printf("  RIP 0x%016llx CS 0x%llx RFLAGS 0x%llx\n", (unsigned long long)f->rip,
		       (unsigned long long)f->cs, (unsigned long long)f->rflags);
	console_printf("  RSP 0x%016llx SS 0x%llx CR2 0x%016llx CR3 0x%llx\n",
		       (unsigned long long)f->rsp, (unsigned long long)f->ss,
		       (unsigned long long)cr2, (unsigned long long)cr3_read());
	console_printf("  RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n",
		       (unsigned long long)f->rax, (unsigned long long)f->rbx,
		       (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	console_printf("  RSI %016llx RDI %016llx RBP %016llx R8  %016llx\n",
		       (unsigned long long)f->rsi, (unsigned long long)f->rdi,
		       (unsigned long long)f->rbp, (unsigned long long)f->r8);
	console_printf("  R9  %016llx R10 %016llx R11 %016llx R12 %016llx\n",
		       (unsigned long long)f->r9, (unsigned long long)f->r10,
		       (unsigned long long)f->r11, (unsigned long long)f->r12);
	console_printf("  R13 %016llx R14 %016llx R15 %016llx\n", (unsigned long long)f->r13,
		       (unsigned long long)f->r14, (unsigned long long)f->r15);
	backtrace_print(f->rip, f->rbp);
	machine_exit(SVSM_EXIT_FAIL);
}

static bool (*vc_handler)(struct exc_frame *f);

void exc_set_vc_handler(bool (*handler)(struct exc_frame *f))
{
	vc_handler = handler;
}

void task_user_exception(struct exc_frame *f, uint64_t cr2);

void exc_dispatch(struct exc_frame *f)
{
	uint64_t cr2 = cr2_read();
	struct percpu *pc = this_cpu();
	unsigned ist = exc_ist_of(f->vector);

	/* A kick IPI (vsnp: leave the guest, or wake from HLT) has done its work by arriving. */
	if ((f->cs & 3) == 0 && f->vector == LAPIC_KICK_VECTOR) {
		lapic_eoi();
		return;
	}
	/* The preemption timer's tick after its task stopped, and the APIC's spurious vector. */
	if ((f->cs & 3) == 0 && (f->vector == LAPIC_TIMER_VECTOR || f->vector == LAPIC_SPURIOUS_VECTOR)) {
		if (f->vector == LAPIC_TIMER_VECTOR)
			lapic_eoi();
		return;
	}
	switch (exc_route(f->cs, f->vector, f->error_code)) {
	case EXC_ROUTE_KERNEL:
		break;
	case EXC_ROUTE_USER_VC:
		/* Served on the #VC stack like the kernel's: a #VC inside it is fatal, not nested. */
		if (pc->exc_depth[ist]++ != 0)
			exc_fatal(f, cr2, "exception inside an exception handler");
		if (vc_handler != NULL && vc_handler(f)) {
			pc->exc_depth[ist]--;
			return;
		}
		pc->exc_depth[ist]--;
		task_user_exception(f, cr2); /* not served: the task's fault */
		break;
	case EXC_ROUTE_TASK:
		/* A task's fault: the task stops, the kernel goes on (svsm/task/task.c). */
		task_user_exception(f, cr2);
		break;
	}

	if (pc->exc_depth[ist]++ != 0)
		exc_fatal(f, cr2, "exception inside an exception handler");

	/* Under SEV-ES/SNP a #VC stands for an intercepted instruction the platform emulates. */
	if (f->vector == X86_EXC_VC && vc_handler != NULL && vc_handler(f)) {
		pc->exc_depth[ist]--;
		return;
	}

	const struct extable_entry *e = recoverable(f->vector) ? extable_find(f->rip) : NULL;

	if (e == NULL)
		exc_fatal(f, cr2, "unhandled exception");

	pc->last_fault = (struct exc_record){
		.vector = f->vector,
		.error_code = f->error_code,
		.rip = f->rip,
		.cr2 = cr2,
		.count = pc->last_fault.count + 1,
	};
	f->rip = e->fixup;
	pc->exc_depth[ist]--;
}
