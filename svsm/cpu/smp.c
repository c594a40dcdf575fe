/* SPDX-License-Identifier: MIT */
/* Starting the APs (include/svsm/smp.h). */
#include "svsm/smp.h"

#include "abi/snp.h"
#include "abi/vmsa.h"
#include "abi/x86.h"
#include "lib/cpu.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/cr.h"
#include "svsm/errno.h"
#include "svsm/exc.h"
#include "svsm/fpu.h"
#include "svsm/lapic.h"
#include "svsm/mm.h"
#include "svsm/percpu.h"
#include "svsm/platform.h"
#include "svsm/task.h"
#include "svsm/tsc.h"

extern const uint8_t ap_tramp_start[], ap_tramp_end[], ap_tramp_cr3[], ap_tramp_stack[],
	ap_tramp_entry[], ap_tramp_arg[];

#define AP_BOOT_STACK_ORDER 2 /* 16 KiB: only until the AP is on its per-CPU stack */
#define AP_WAIT_US 100000

static volatile unsigned cpus_up = 1;
static volatile unsigned ap_reported;
static void (*volatile ap_work)(unsigned cpu);
/* What an AP does first on its per-CPU stack, before anything may exit (smp_start_aps_vmsa). */
static void (*ap_prepare)(unsigned cpu);

unsigned smp_cpus(void)
{
	return cpus_up;
}

void smp_set_ap_work(void (*work)(unsigned cpu))
{
	ap_work = work;
}

/* On the AP, on its per-CPU kernel stack. */
static void ap_online(void)
{
	struct percpu *pc = this_cpu();

	if (ap_prepare != NULL)
		ap_prepare(pc->cpu_index);
	idt_load();
	fpu_init();
	task_cpu_init();
	(void)lapic_init();
	__atomic_add_fetch(&cpus_up, 1, __ATOMIC_ACQ_REL);
	log_info("smp: CPU %u up", pc->cpu_index);
	__atomic_store_n(&ap_reported, pc->cpu_index, __ATOMIC_RELEASE);
	for (;;) {
		void (*work)(unsigned) = __atomic_load_n(&ap_work, __ATOMIC_ACQUIRE);

		if (work != NULL)
			work(pc->cpu_index); /* does not come back while the guest runs */
		__asm__ volatile("pause");
	}
}

/* The trampoline's jump target: long mode, on the boot stack smp.c gave, RDI = the CPU index. */
void smp_ap_c_entry(uint64_t cpu);

void smp_ap_c_entry(uint64_t cpu)
{
	vm_ap_cpu_switch((unsigned)cpu, ap_online);
}

/* The trampoline's tables: the kernel half of this CPU's, and the low 2 MiB identity-mapped. */
static uint64_t tramp_tables(void)
{
	uint64_t pml4 = buddy_alloc(mm_buddy(), 0), pdpt = buddy_alloc(mm_buddy(), 0),
		 pd = buddy_alloc(mm_buddy(), 0);

	if (pml4 == MM_PA_NONE || pdpt == MM_PA_NONE || pd == MM_PA_NONE || pml4 >= (4ull << 30))
		return MM_PA_NONE;
	uint64_t *l4 = phys_to_virt(pml4), *l3 = phys_to_virt(pdpt), *l2 = phys_to_virt(pd);
	const uint64_t *cpu = phys_to_virt(vm_cpu_pt()->root_pa);

	memset(l4, 0, PAGE_SIZE);
	memset(l3, 0, PAGE_SIZE);
	memset(l2, 0, PAGE_SIZE);
	for (unsigned i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		l4[i] = cpu[i];
	l4[0] = pdpt | PTE_P | PTE_W;
	l3[0] = pd | PTE_P | PTE_W;
	l2[0] = 0 | PTE_P | PTE_W | PTE_PS;
	return pml4;
}

unsigned smp_start_aps(void)
{
	unsigned n = (cpu_cpuid(0x80000000, 0).eax >= 0x80000008 ? (cpu_cpuid(0x80000008, 0).ecx & 0xFF) : 0) + 1;
	size_t len = (size_t)(ap_tramp_end - ap_tramp_start);
	uint64_t cr3 = tramp_tables();
	void *page;

	if (n > SMP_MAX_CPUS)
		n = SMP_MAX_CPUS;
	if (n < 2)
		return 0;
	if (!lapic_ready() || cr3 == MM_PA_NONE || len > PAGE_SIZE ||
	    tmpmap(pa_init(AP_TRAMP_BASE), 1, PGT_WRITE, &page) != SVSM_OK) {
		log_warn("smp: %u CPUs reported, but no APIC or no trampoline: the APs stay off", n);
		return 0;
	}
	for (uint32_t id = 1; id < n; id++) {
		uint64_t stack = buddy_alloc(mm_buddy(), AP_BOOT_STACK_ORDER);
		uint64_t top = (uint64_t)(uintptr_t)phys_to_virt(stack) + (PAGE_SIZE << AP_BOOT_STACK_ORDER);
		uint64_t entry = (uint64_t)(uintptr_t)smp_ap_c_entry, arg = cpus_up;
		uint32_t cr3_lo = (uint32_t)cr3;

		if (stack == MM_PA_NONE)
			break;
		memcpy(page, ap_tramp_start, len);
		memcpy((uint8_t *)page + (ap_tramp_cr3 - ap_tramp_start), &cr3_lo, sizeof(cr3_lo));
		memcpy((uint8_t *)page + (ap_tramp_stack - ap_tramp_start), &top, sizeof(top));
		memcpy((uint8_t *)page + (ap_tramp_entry - ap_tramp_start), &entry, sizeof(entry));
		memcpy((uint8_t *)page + (ap_tramp_arg - ap_tramp_start), &arg, sizeof(arg));
		__atomic_store_n(&ap_reported, 0, __ATOMIC_RELEASE);
		lapic_start_ap(id, AP_TRAMP_BASE);

		uint64_t t0 = cpu_rdtsc(), span = tsc_hz() / 1000000 * AP_WAIT_US;

		while (__atomic_load_n(&ap_reported, __ATOMIC_ACQUIRE) != arg && cpu_rdtsc() - t0 < span)
			__asm__ volatile("pause");
		if (__atomic_load_n(&ap_reported, __ATOMIC_ACQUIRE) != arg) {
			log_warn("smp: the CPU with APIC ID %u did not answer", id);
			break; /* its boot stack stays: it might still run on it */
		}
	}
	tmpunmap(page, 1);
	log_info("smp: %u CPU(s) running", cpus_up);
	return cpus_up - 1;
}

/*
 * The first state of an AP started from a VMSA: this CPU's long mode,
 * tables, descriptor tables and control registers, at smp_ap_c_entry with
 * RDI = the CPU index and RSP on its boot stack (as after a CALL).
 */
static void ap_vmsa(struct vmsa *v, unsigned index, uint64_t stack_top, uint64_t sev_features)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr, idtr;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	memset(v, 0, sizeof(*v));
	v->cs = (struct vmsa_seg){ GDT_KERNEL_CS, VMSA_ATTR_CODE64, 0xFFFFFFFF, 0 };
	v->ds = v->es = v->ss = v->fs = v->gs = (struct vmsa_seg){ GDT_KERNEL_DS, VMSA_ATTR_DATA | 0xC00, 0xFFFFFFFF, 0 };
	v->tr = (struct vmsa_seg){ 0, VMSA_ATTR_TSS_BUSY, 0xFFFF, 0 };
	v->ldtr = (struct vmsa_seg){ 0, VMSA_ATTR_LDT, 0xFFFF, 0 };
	v->gdtr = (struct vmsa_seg){ 0, 0, gdtr.limit, gdtr.base };
	v->idtr = (struct vmsa_seg){ 0, 0, idtr.limit, idtr.base };
	v->efer = cpu_rdmsr(MSR_EFER);
	v->cr0 = cr0_read();
	v->cr3 = cr3_read();
	v->cr4 = cr4_read();
	v->rflags = 2;
	v->dr6 = 0xFFFF0FF0;
	v->dr7 = 0x400;
	v->rip = (uint64_t)(uintptr_t)smp_ap_c_entry;
	v->rsp = stack_top - 8;
	v->rdi = index;
	v->g_pat = 0x0007040600070406ull; /* the power-on PAT (APM vol.2 §7.8.2) */
	v->xcr0 = 1;
	v->mxcsr = 0x1F80;
	v->x87_fcw = 0x37F;
	v->vmpl = 0;
	v->sev_features = sev_features;
}

unsigned smp_start_aps_vmsa(unsigned n, uint64_t sev_features, void (*prepare)(unsigned cpu))
{
	unsigned created = 0;

	if (n > SMP_MAX_CPUS)
		n = SMP_MAX_CPUS;
	ap_prepare = prepare;
	for (uint32_t id = 1; id < n; id++) {
		uint64_t stack = buddy_alloc(mm_buddy(), AP_BOOT_STACK_ORDER), vmsa = buddy_alloc(mm_buddy(), 0);

		/* A VMSA must not be 2 MiB aligned (an erratum; hypervisors refuse it): the next page then. */
		if (vmsa != MM_PA_NONE && (vmsa & (LARGE_PAGE_SIZE - 1)) == 0) {
			uint64_t other = buddy_alloc(mm_buddy(), 0);

			buddy_free(mm_buddy(), vmsa, 0);
			vmsa = other;
		}
		if (stack == MM_PA_NONE || vmsa == MM_PA_NONE || (vmsa & (LARGE_PAGE_SIZE - 1)) == 0) {
			log_warn("smp: no memory for the AP with APIC ID %u", id);
			break;
		}
		/* CPU index = APIC ID: each AP knows its own, whatever order they come up in. */
		ap_vmsa(phys_to_virt(vmsa), id, (uint64_t)(uintptr_t)phys_to_virt(stack) + (PAGE_SIZE << AP_BOOT_STACK_ORDER),
			sev_features);
		/* The VMSA bit through VMPL1's RMPADJUST (VMPL0 VMSAs get no rights below), then AP creation. */
		if (!insn_rc_ok(platform_rmpadjust(pa_init(vmsa), RMP_PG_SIZE_4K, 1 | RMPADJUST_VMSA)) ||
		    platform_ap_create(id, pa_init(vmsa), 0, sev_features) != SVSM_OK) {
			log_warn("smp: the AP with APIC ID %u could not be created from its VMSA", id);
			break;
		}
		created++;
	}
	/* Not waited for: each comes up in its own time (its first exits set up its GHCB) and says so. */
	log_info("smp: %u AP(s) created from VMSAs", created);
	return created;
}
