/* SPDX-License-Identifier: MIT */
/*
 * The launched boot CPU on SVM (vsnp/cpu.h), as SEV-SNP hardware and a
 * KVM-like hypervisor would run it (AMD APM vol.2 §15.35, §15.36; GHCB
 * spec 56421):
 *
 *   automatic exits (served here, the guest sees nothing)
 *     VMGEXIT (F3 0F 01 D9; TCG exits it as VMMCALL)  GHCB MSR protocol or GHCB page
 *     nested page fault   the RMP: map, #VC 0x404, or stop (an RMP violation)
 *     CR0 write           the CPU's own: mode switch, nested view switch
 *     HLT                 the vCPU waits until its APIC has an interrupt its IF lets in
 *     shutdown            stop
 *   what the CPU does itself for an SNP guest
 *     RDMSR/WRMSR of GHCB (0xC0010130), SEV_STATUS (0xC0010131), EFER
 *     #UD of an SNP instruction   emulated (vsnp/snp_insn.c)
 *   non-automatic exits: #VC with the exit code, RIP unchanged
 *     CPUID, IOIO, other MSRs, plain VMMCALL, INVD, WBINVD, RDPMC, MONITOR,
 *     MWAIT, the SVM instructions
 *
 * #VC is delivered in software (vsnp_deliver_exception): QEMU TCG drops
 * the error code of an injected vector 29. QEMU TCG saves no next RIP, so
 * RIP is advanced here by the instruction's length.
 */
#include "cpu.h"

#include <stdarg.h>

#include "abi/ghcb.h"
#include "abi/snp.h"
#include "abi/vmcb.h"
#include "abi/x86.h"
#include "lib/cpu.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"
#include "svsm/lapic.h"
#include "lib/spinlock.h"
#include "svsm/mm.h"
#include "svsm/panic.h"
#include "svsm/percpu.h"
#include "svsm/smp.h"
#include "svsm/tsc.h"
#include "vsnp/vblk.h"
#include "vcpu.h"

#define GUEST_ASID 1
#define VC_VECTOR 29
#define UD_VECTOR 6
#define GP_VECTOR 13
#define EXIT_CR8_WRITE 0x18ull
#define EXIT_CR0_WRITE 0x10ull
#define EXIT_EXCP_UD (SVM_EXIT_EXCP_BASE + UD_VECTOR)
#define EXIT_INTR 0x60ull
#define EXIT_HLT 0x78ull
#define EXIT_SHUTDOWN 0x7Full
#define EXIT_INVALID (~0ull)
#define EXIT_INVALID_32 0xFFFFFFFFull /* as QEMU TCG writes VMEXIT_INVALID: -1 in 32 bits */
/* SEV_STATUS as the guest reads it: SEV and SEV-ES enabled, then SEV_FEATURES from bit 2 (APM vol.2 §15.34.10). */
#define SEV_STATUS_FEATURES_SHIFT 2

/* MSRs SVM keeps in the VMCB or VMSAVE area, which a guest reaches directly (as KVM lets an SEV-ES guest). */
static const uint32_t passthrough_msrs[] = {
	0xC0000100, 0xC0000101, 0xC0000102,             /* FS_BASE, GS_BASE, KERNEL_GS_BASE */
	0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, /* STAR, LSTAR, CSTAR, SFMASK */
	0x174, 0x175, 0x176,                            /* SYSENTER_CS, _ESP, _EIP */
};

struct run {
	struct vsnp_vcpu *c;        /* the vCPU whose exit is being handled */
	struct vsnp_cpu_end *end;
	bool yield;                 /* let the next runnable vCPU have the CPU */
	uint64_t kind;              /* what the exit being served is, for the profile (struct vsnp_cpu_end) */
	uint64_t slice_end;         /* TSC at which the running vCPU's turn ends */
};

/*
 * The machine's physical CPUs: QEMU's, started by smp_start_aps (APIC ID =
 * index). vCPU i runs on CPU i mod n, so its VMCB never moves. Only VMRUN
 * runs outside machine_lock: exits are served, vCPUs and their APICs, the
 * RMP and the nested tables changed under it. A CPU that changes what
 * another's vCPU sees kicks it (an IPI: an INTR exit inside VMRUN, or a
 * wake-up from HLT); a nested entry that goes away, or a vCPU context
 * another CPU takes over, first brings that CPU out of VMRUN (pull_out).
 */
struct pcpu {
	struct run r;
	unsigned index;
	struct vsnp_vcpu *cur;      /* the vCPU it runs: inside VMRUN or its exit being served; NULL: none */
	unsigned nvcpus;            /* the vCPUs that run on it */
	uint64_t host_pa, hsave_pa; /* its VMSAVE area and VM_HSAVE_PA page */
	uint64_t armed_until;       /* the TSC at which its own timer fires next (arm_machine_timer), 0: not armed */
	uint64_t flush_gen;         /* the machine's flush_gen at its last guest TLB flush */
	bool in_guest;              /* from before VMRUN (set under the lock) until VMRUN returned (atomic) */
	bool idle;                  /* in HLT, the lock released, until a timer or a kick */
	bool stuck;                 /* idle with nothing of its own that will wake it: only another CPU can */
	bool out;                   /* it left its loop: the run is over (atomic) */
};

static struct pcpu pcpus[SMP_MAX_CPUS];
static unsigned npcpus, nstuck;
/*
 * The run's record (every CPU's r.end), in the shared kernel half: the
 * caller's is on the boot CPU's stack, in the per-CPU region, which is
 * each AP's own stack at the same address. Copied out at the end.
 */
static struct vsnp_cpu_end run_record;
/*
 * Guards the machine: every vCPU's state and APICs, the RMP model, the
 * nested tables (their own pgtable locks and the allocator's nest inside
 * it), pcpus[] and the run record. Each CPU holds it except inside VMRUN
 * and HLT (struct pcpu above).
 */
static struct spinlock machine_lock = SPINLOCK_INIT;
static bool ended;              /* the guest terminated or the machine stopped: every CPU leaves its loop */
/* How long a kicked CPU may take to leave VMRUN before the machine gives up (TCG, a loaded host). */
#define KICK_WAIT_MS 2000

/*
 * A vCPU's turn on the machine's CPU when others are runnable: a guest
 * that spins without an exit (a vCPU polling memory another writes) is
 * taken off at its end by the machine's own timer, as a host scheduler
 * preempts a KVM vCPU thread.
 */
#define SLICE_US 2000

static void stop(struct run *r, const char *why)
{
	r->end->kind = VSNP_CPU_STOPPED;
	r->end->why = why;
	ended = true;
}

__attribute__((format(printf, 2, 3))) static void stopf(struct run *r, const char *fmt, ...)
{
	static char msg[224];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	stop(r, msg);
}

/* The guest asked to end (GHCB MSR protocol or page): its reason set and code. */
static void terminated(struct run *r)
{
	r->end->kind = VSNP_CPU_TERMINATED;
	r->end->set = r->c->hv.term_set;
	r->end->code = r->c->hv.term_code;
	r->end->last_vc_code = r->c->last_vc_code;
	r->end->last_vc_rip = r->c->last_vc_rip;
	r->end->last_vc_rax = r->c->last_vc_rax;
	r->end->last_vc_rcx = r->c->last_vc_rcx;
	ended = true;
}

/* The guest put the machine into S5 (ACPI PM1a control, vsnp/io_ports.c). */
static void powered_off(struct run *r)
{
	r->end->kind = VSNP_CPU_POWERED_OFF;
	ended = true;
}

static uint64_t zeroed(unsigned order, uint8_t fill)
{
	uint64_t pa = buddy_alloc(mm_buddy(), order);

	if (pa != MM_PA_NONE)
		memset(phys_to_virt(pa), fill, PAGE_SIZE << order);
	return pa;
}

/* MSRPM: 2 bits per MSR (read, write) in three 2 KiB ranges (APM vol.2 §15.11). */
static void msr_passthrough(uint8_t *msrpm, uint32_t msr)
{
	uint32_t base = msr < 0x2000 ? 0 : msr >= 0xC0010000 ? 0x1000 : 0x800;
	uint32_t bit = 2 * (msr & 0x1FFF);

	msrpm[base + bit / 8] &= (uint8_t)~(3u << (bit % 8));
}

/* The nested view for the CPU's paging: with paging off every access is private. */
static void pick_view(struct vsnp_vcpu *c)
{
	struct vsnp_npt *v = vsnp_machine_view(c->m, c->vmpl, (c->vmcb->save.cr0 & CR0_PG) != 0);

	if (c->vmcb->ctl.n_cr3 != v->pt.root_pa) {
		c->vmcb->ctl.n_cr3 = v->pt.root_pa;
		c->flush_tlb = true;
	}
}

/* A non-automatic exit: #VC with the exit code as error code, RIP unchanged. */
static void vc(struct run *r, uint64_t code)
{
	if (vsnp_deliver_exception(r->c, VC_VECTOR, code) != SVSM_OK) {
		stopf(r, "#VC (error code 0x%llx) at RIP 0x%llx with no usable handler (no 64-bit or 32-bit CPL0 IDT gate, or no stack): "
			 "the CPU would shut down", (unsigned long long)code, (unsigned long long)r->c->vmcb->save.rip);
		return;
	}
	r->end->vc_delivered++;
	r->c->last_vc_code = code;
	r->c->last_vc_rip = r->c->vmcb->save.rip;
	r->c->last_vc_rax = r->c->vmcb->save.rax;
	r->c->last_vc_rcx = r->c->g.rcx;
}

/*
 * A vCPU's FPU state is in its fpu buffer except inside VMRUN: loaded just
 * before, saved just after, so another CPU that takes over its context
 * (AP creation) finds it there. The machine's own code uses no FPU.
 */
static void fpu_load(const struct vsnp_vcpu *c)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(*(const uint8_t(*)[512])c->fpu));
}

static void fpu_save(struct vsnp_vcpu *c)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])c->fpu));
}

/* The VMSA page of the vCPU's vmpl in guest memory, or NULL. */
static struct vmsa *vmsa_of(struct vsnp_vcpu *c, unsigned vmpl)
{
	void *va;

	if (c->vmsa_gpa[vmpl] == 0 || vsnp_gmem_find(&c->m->gmem, c->vmsa_gpa[vmpl], &va) != SVSM_OK)
		return NULL;
	return va;
}

/* Makes vmpl's VMSA the running context: registers, FPU, its GHCB state, its nested view. */
static int load_context(struct vsnp_vcpu *c, unsigned vmpl)
{
	const struct vmsa *s = vmsa_of(c, vmpl);

	if (s == NULL || s->vmpl != vmpl || !(s->sev_features & 1))
		return SVSM_EINVAL; /* a VMSA must say its VMPL and SNPActive (APM vol.2 §15.36.20) */
	vmsa_to_vmcb(s, &c->vmcb->save, &c->g, c->fpu);
	c->vmcb->ctl.event_inj = 0; /* an event for the context before is not this one's */
	c->vmpl = vmpl;
	if (c->start_at_hlt == vmpl)
		c->start_at_hlt = 0; /* it runs (Run VMPL, or an AP creation that started it at once) */
	c->sev_features = s->sev_features;
	c->hv = c->hv_saved[vmpl];
	c->hv.apic_id = c->apic_id;
	c->vmcb->ctl.n_cr3 = 0;
	pick_view(c);
	c->flush_tlb = true;
	return SVSM_OK;
}

/*
 * Writes the running context back into its VMSA page, with the exit that
 * ended it (GUEST_EXIT_CODE/INFO: what the SVSM reads after Run VMPL,
 * APM vol.2 §15.36.9).
 */
static void store_context(struct vsnp_vcpu *c, uint64_t exit_code, uint64_t info1, uint64_t info2)
{
	struct vmsa *s = vmsa_of(c, c->vmpl);

	if (s == NULL)
		return; /* its VMSA was destroyed: nothing left to keep */
	vmcb_to_vmsa(&c->vmcb->save, &c->g, c->fpu, s);
	s->guest_exit_code = exit_code;
	s->guest_exit_info_1 = info1;
	s->guest_exit_info_2 = info2;
	c->hv_saved[c->vmpl] = c->hv;
}

/*
 * Whether the running VMPL may Run target: VMPL0 any other VMPL with a
 * VMSA; a lower VMPL only VMPL0 (its call to the SVSM, GHCB spec 56421
 * GHCB spec §4.1.8). The target's VMSA must still be one in the RMP (a page in RAM).
 */
static bool may_run(struct vsnp_vcpu *c, uint64_t target)
{
	if (target >= SNP_VMPL_COUNT || target == c->vmpl || (c->vmpl != 0 && target != 0) ||
	    vmsa_of(c, (unsigned)target) == NULL)
		return false;
	const struct rmp_entry *e = rmp_model_entry(&c->m->rmp, c->vmsa_gpa[target]);

	/* In guest memory (RAM or the firmware window) its RMP entry must still say VMSA. */
	return e == NULL || (e->assigned && e->vmsa);
}

/* Run VMPL: the caller's answer is already in its context; store it, load the target. */
static void run_vmpl(struct run *r, unsigned target)
{
	struct vsnp_vcpu *c = r->c;

	store_context(c, SVM_EXIT_VMGEXIT, 0, 0);
	if (load_context(c, target) != SVSM_OK) {
		stopf(r, "Run VMPL%u: its VMSA at 0x%llx is not a VMSA of that VMPL", target,
		      (unsigned long long)c->vmsa_gpa[target]);
		return;
	}
	r->end->vmpl_switches++;
}

/*
 * v's running context (VMPL `lost`) is gone: destroyed, or its page is no
 * VMSA any more. A more privileged context the vCPU has (the SVSM's, which
 * ran it) goes on from where it asked to run the lost one; else the vCPU
 * is off.
 */
static void context_lost(struct vsnp_vcpu *v, unsigned lost)
{
	v->vmsa_gpa[lost] = 0;
	v->state = VCPU_OFF;
	for (unsigned up = 0; up < lost; up++) {
		if (v->vmsa_gpa[up] != 0 && load_context(v, up) == SVSM_OK) {
			v->state = VCPU_RUNNABLE;
			return;
		}
	}
}

/* The vCPUs of the machine: the run loop's (vsnp_cpu_run), reached by AP creation. */
static struct vsnp_vcpu vcpus[VSNP_MAX_VCPUS];
static unsigned nvcpus;
static uint64_t halted_timer_left(const struct pcpu *p, const struct vsnp_vcpu *skip, uint64_t now);

static bool is_this_cpu(const struct pcpu *p)
{
	return p->index == this_cpu()->cpu_index;
}

/* Whether p idles with nothing of its own to wake it (the machine is stuck when every CPU is). */
static void set_stuck(struct pcpu *p, bool stuck)
{
	if (p->stuck != stuck)
		nstuck += stuck ? 1 : -1u;
	p->stuck = stuck;
}

/*
 * Makes CPU p look at its vCPUs again (under machine_lock): something
 * changed for one of them. A CPU inside VMRUN takes an INTR exit, one in
 * HLT wakes; one on its way to the lock looks anyway. It is no longer
 * stuck: the change may be what it waits for.
 */
static void kick(struct pcpu *p)
{
	set_stuck(p, false);
	if (is_this_cpu(p))
		return;
	if (!__atomic_load_n(&p->in_guest, __ATOMIC_ACQUIRE) && !p->idle)
		return;
	/* APIC ID = CPU index: smp_start_aps starts the APs so. */
	if (!lapic_send_fixed(p->index, LAPIC_KICK_VECTOR))
		panic("vsnp: the kick IPI to CPU %u was not sent: it may go on running a guest on state that changed",
		      p->index);
	run_record.kicks++;
}

/*
 * Brings CPU p out of VMRUN before its vCPU's context or the nested tables
 * change under it (under machine_lock, which p then waits for): no stale
 * guest TLB entry, no table walk of a freed page, no VMCB in use.
 */
static void pull_out(struct pcpu *p)
{
	uint64_t t0 = cpu_rdtsc(), span = tsc_hz() / 1000 * KICK_WAIT_MS;

	if (is_this_cpu(p) || !__atomic_load_n(&p->in_guest, __ATOMIC_ACQUIRE))
		return;
	kick(p);
	while (__atomic_load_n(&p->in_guest, __ATOMIC_ACQUIRE)) {
		if (cpu_rdtsc() - t0 > span)
			panic("vsnp: CPU %u did not leave the guest within %u ms of a kick: it may go on running it "
			      "on state that changed", p->index, KICK_WAIT_MS);
		__asm__ volatile("pause");
	}
}

/*
 * Before this CPU changes vCPU t's context (AP creation): if t's own CPU
 * runs it (inside VMRUN, or back with an exit not yet served), that CPU
 * leaves VMRUN and drops the exit (pulled): the exit belonged to the
 * context being replaced.
 */
static void take_over(struct vsnp_vcpu *t)
{
	struct pcpu *p = &pcpus[t->pcpu];

	if (!is_this_cpu(p) && p->cur == t) {
		pull_out(p);
		t->pulled = true;
	}
}

static bool vmsa_still_runnable(const struct vsnp_vcpu *v);

/*
 * The nested tables' quiesce hook (vsnp_npt_drop after an RMP change,
 * under machine_lock): every other CPU out of VMRUN before the tables
 * change, if they do (tables). And the change takes effect now on every vCPU: a context whose
 * VMSA page is no VMSA any more is not run again (VMRUN would fail) — the
 * vCPU goes on in a more privileged context or is off — so an AP creation
 * that comes next finds the vCPU as it is, whichever CPU it runs on. The
 * context whose exit this CPU is serving is left to next_vcpu, after it.
 */
static void quiesce_others(void *ctx, bool tables)
{
	(void)ctx;
	for (unsigned i = 0; i < npcpus && tables; i++)
		pull_out(&pcpus[i]);
	for (unsigned i = 0; i < nvcpus; i++) {
		struct vsnp_vcpu *v = &vcpus[i];
		struct pcpu *p = &pcpus[v->pcpu];

		if (v->state == VCPU_OFF || vmsa_still_runnable(v) ||
		    (is_this_cpu(p) && p->cur == v))
			continue;
		take_over(v);
		context_lost(v, v->vmpl);
		kick(p);
	}
}

/*
 * Vcpu t, halted at a more privileged VMPL, starts the VMSA AP creation gave
 * vmpl: the halted context is kept (it resumes after its HLT when the new
 * one runs it). Whether the new one runs; if not, the halted one waits on.
 */
static bool start_from_hlt(struct run *r, struct vsnp_vcpu *t, unsigned vmpl)
{
	store_context(t, EXIT_HLT, 0, 0);
	if (load_context(t, vmpl) != SVSM_OK)
		return false; /* nothing changed: the halted context is still the loaded one */
	t->state = VCPU_RUNNABLE;
	r->end->aps_started++;
	return true;
}

/*
 * AP creation (GHCB page, checked by hv_serve.c; GHCB spec 56421 §4.1.9
 * with multi-VMPL): CREATE gives vCPU apic_id a VMSA for vmpl and, if the
 * vCPU is off, starts it there; if it waits in HLT at a more privileged
 * VMPL (the SVSM's AP, waiting for its guest vCPU), the new VMSA runs
 * now and the waiting context resumes after its HLT when the new one
 * asks for it (Run VMPL); DESTROY takes that VMPL's VMSA away and
 * stops the vCPU if it was running it. A vCPU asks for its own VMPL or a
 * lower one (a VMPL0 VMSA only from VMPL0, never for itself, as KVM
 * requires). The page must be a VMSA in the RMP saying that VMPL, not 2 MiB
 * aligned (KVM refuses those).
 */
static void ap_create(struct run *r, struct ghcb *g)
{
	struct vsnp_vcpu *c = r->c;
	const struct vsnp_hv_vcpu *h = &c->hv;
	struct vsnp_vcpu *t = h->ap_apic_id < nvcpus ? &vcpus[h->ap_apic_id] : NULL;
	bool ok = t != NULL && h->ap_vmpl >= c->vmpl && (h->ap_vmpl != 0 || (c->vmpl == 0 && t != c));
	void *va;

	if (ok && h->ap_request == SVM_AP_CREATE) {
		const struct rmp_entry *e = rmp_model_entry(&c->m->rmp, h->ap_vmsa);

		/* A VMSA page of that VMPL, SNPActive (what load_context needs, so the switch below cannot fail). */
		ok = e != NULL && e->assigned && e->vmsa && (h->ap_vmsa & (LARGE_PAGE_SIZE - 1)) != 0 &&
		     vsnp_gmem_page(&c->m->gmem, h->ap_vmsa, &va, NULL) == SVSM_OK &&
		     ((const struct vmsa *)va)->vmpl == h->ap_vmpl && (((const struct vmsa *)va)->sev_features & 1);
		if (ok) {
			/*
			 * The context the vCPU has loaded is the one replaced (it runs,
			 * or halts, at that VMPL; the caller itself too): its state goes
			 * into its own VMSA first, as the hardware saved it there at its
			 * last exit, and the vCPU goes on from the new VMSA, woken if it
			 * was halted, as KVM switches a vCPU to the new VMSA at its next
			 * entry. Written into the new page instead, it would overwrite
			 * what the guest put there (OVMF's DXE makes each AP a new VMSA
			 * while the AP halts in its PEI one).
			 */
			bool loaded = t->state != VCPU_OFF && t->vmpl == h->ap_vmpl;

			if (loaded) {
				if (t != c)
					take_over(t);
				store_context(t, t->vmcb->ctl.exit_code, 0, 0);
			}
			t->vmsa_gpa[h->ap_vmpl] = h->ap_vmsa;
			/*
			 * The context's GHCB MSR, registered GHCB and MSRs stay as they
			 * were: KVM keeps them in the vCPU (the VMCB's GHCB GPA, its
			 * registered GPA), not in the VMSA an AP creation replaces. OVMF
			 * relies on it: an AP it re-creates for a later wake-up finds its
			 * GHCB MSR as it left it (MpInitLib sets the GHCB only the first time).
			 */
			/*
			 * A new context starts with no NMI waiting or in progress: those
			 * were the old one's (one it never completed would hold back the
			 * new one's NMIs for good, and one still waiting would hit a
			 * context that has no handler yet).
			 */
			t->apic[h->ap_vmpl].nmi_pending = t->apic[h->ap_vmpl].nmi_in_progress = false;
			if (t->state == VCPU_OFF || loaded) {
				if (!loaded)
					take_over(t);
				if (load_context(t, h->ap_vmpl) == SVSM_OK) {
					t->state = VCPU_RUNNABLE;
					r->end->aps_started++;
				} else {
					context_lost(t, h->ap_vmpl); /* not expected: checked above */
					ok = false;
				}
			} else if (t != c && t->state == VCPU_HALTED && t->vmpl < h->ap_vmpl) {
				take_over(t);
				ok = start_from_hlt(r, t, h->ap_vmpl);
			} else if (t != c && t->vmpl < h->ap_vmpl) {
				/*
				 * The more privileged context runs: the SVSM's AP between a
				 * wake-up and the HLT it waits in (it found no vCPU of the
				 * guest's yet). Its HLT starts the new VMSA, as if it had
				 * halted first; the kick alone would be lost before that HLT.
				 */
				t->start_at_hlt = h->ap_vmpl;
				t->start_at_hlt_gpa = h->ap_vmsa;
			}
		}
	} else if (ok) {
		/* DESTROY: a running context of another vCPU is stopped, its state kept in its VMSA. */
		ok = t != c || t->vmpl != h->ap_vmpl;
		if (ok && t->state != VCPU_OFF && t->vmpl == h->ap_vmpl) {
			take_over(t);
			store_context(t, t->vmcb->ctl.exit_code, 0, 0);
			context_lost(t, h->ap_vmpl);
		} else if (ok) {
			t->vmsa_gpa[h->ap_vmpl] = 0;
		}
	}
	if (ok)
		kick(&pcpus[t->pcpu]);
	ghcb_answer(g, ok ? GHCB_RESULT_OK : GHCB_RESULT_ERROR, ok ? 0 : GHCB_ERR_INVALID_INPUT);
}

bool vsnp_vmsa_in_use(uint64_t gpa)
{
	/*
	 * In use is inside VMRUN (APM vol.2 §15.36.6): the context each CPU
	 * runs now (the caller's own too); a halted vCPU's, or one waiting for
	 * its turn, is not.
	 */
	for (unsigned i = 0; i < npcpus; i++) {
		const struct vsnp_vcpu *v = pcpus[i].cur;

		if (v != NULL && v->state == VCPU_RUNNABLE && v->vmsa_gpa[v->vmpl] == gpa)
			return true;
	}
	return false;
}

/*
 * Whether v's VMSA for vmpl is still one the hardware would run: a page in
 * RAM must still be a VMSA in the RMP (DELETE_VCPU takes the bit away).
 */
static bool vmsa_page_runnable(const struct vsnp_vcpu *v, unsigned vmpl)
{
	uint64_t gpa = v->vmsa_gpa[vmpl];
	const struct rmp_entry *e;

	if (gpa == 0)
		return false;
	e = rmp_model_entry(&v->m->rmp, gpa);
	if (e == NULL)
		return true; /* the launch's VMSA outside guest memory (no RMP entry to change it) */
	return e->assigned && e->vmsa;
}

/* Whether v's running VMSA is still one the hardware would run (vmsa_page_runnable). */
static bool vmsa_still_runnable(const struct vsnp_vcpu *v)
{
	return vmsa_page_runnable(v, v->vmpl);
}

/*
 * CR0 write (MOV to CR0 or CLTS; LMSW is not emulated): the value the
 * instruction writes, with the long-mode activation the CPU does (EFER.LMA
 * when PG turns on with LME, APM vol.2 §14.6.1) and the nested view of
 * the new paging mode.
 */
/*
 * The MOV to CRn at RIP (APM vol.3, MOV CRn: [prefix] 0F 22 /r with mod 3):
 * for CR0 a plain one (REX.R clear), for CR8 REX.R or AMD's LOCK prefix.
 * True with the source register's value (32 bits outside long mode) and
 * the instruction's length; false after stopping the machine, saying why.
 */
static bool mov_to_cr(struct run *r, unsigned cr, uint64_t *val, unsigned *len)
{
	const struct vmcb_save *s = &r->c->vmcb->save;
	uint8_t b[4];
	unsigned n = 0, rex = 0;
	bool lock = false;

	if (vsnp_guest_insn(r->c, b, sizeof(b)) != SVSM_OK) {
		stopf(r, "CR%u write: the instruction cannot be read", cr);
		return false;
	}
	if ((s->efer & EFER_LMA) && (b[0] & 0xF0) == 0x40)
		rex = b[n++];
	else if (b[0] == 0xF0)
		lock = true, n++;
	if (b[n] != 0x0F || b[n + 1] != 0x22 || (b[n + 2] & 0xF8) != 0xC0 ||
	    (cr == 0 ? (rex & 4) != 0 || lock : !(rex & 4) && !lock)) {
		stopf(r, "CR%u write by an instruction other than MOV to CR%u (not emulated)", cr, cr);
		return false;
	}
	*val = vsnp_gpr(r->c, (b[n + 2] & 7) | ((rex & 1) << 3));
	if (!(s->efer & EFER_LMA))
		*val &= 0xFFFFFFFFull;
	*len = n + 3;
	return true;
}

static void exit_cr0(struct run *r)
{
	struct vmcb_save *s = &r->c->vmcb->save;
	uint8_t b[3];
	unsigned len = 0;
	uint64_t val;

	/* CLTS (0F 06), else MOV to CR0. */
	if (vsnp_guest_insn(r->c, b, 2) == SVSM_OK && b[0] == 0x0F && b[1] == 0x06) {
		val = s->cr0 & ~(uint64_t)CR0_TS;
		len = 2;
	} else if (!mov_to_cr(r, 0, &val, &len)) {
		return;
	}
	r->end->cr0_writes++;
	if ((val >> 32) != 0 || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_PG) && !(s->cr0 & CR0_PG) && (s->efer & EFER_LME) && !(s->cr4 & CR4_PAE))) {
		vsnp_inject(r->c, GP_VECTOR, true, 0);
		return;
	}
	if ((val & CR0_PG) && !(s->cr0 & CR0_PG) && (s->efer & EFER_LME))
		s->efer |= EFER_LMA;
	if (!(val & CR0_PG))
		s->efer &= ~(uint64_t)EFER_LMA;
	s->cr0 = val;
	s->rip += len;
	pick_view(r->c);
}

/*
 * CR8 write (MOV to CR8: REX.R with 0F 22 /r, or AMD's LOCK 0F 22 /r
 * alternative; APM vol.3, MOV CRn): intercepted, because QEMU 7.2's TCG
 * aborts on its own assertion when a guest with V_INTR_MASKING writes CR8
 * while a virtual interrupt is pending (it raises the interrupt without
 * the iothread lock). The task priority goes to the VMPL's APIC (CR8[3:0]
 * is TPR[7:4], APM vol.2 §16.6.4), which decides what is delivered, and to
 * V_TPR, which a CR8 read returns; a value above 15 is a #GP.
 */
static void exit_cr8(struct run *r)
{
	struct vmcb_save *s = &r->c->vmcb->save;
	unsigned len;
	uint64_t val;

	if (!mov_to_cr(r, 8, &val, &len))
		return;
	if (val > 15) {
		vsnp_inject(r->c, GP_VECTOR, true, 0);
		return;
	}
	r->c->apic[r->c->vmpl].tpr = (uint32_t)val << 4;
	r->c->vmcb->ctl.int_ctl = (r->c->vmcb->ctl.int_ctl & ~0xFull) | val;
	s->rip += len;
}

/* VMGEXIT: REP VMMCALL (APM vol.3, VMGEXIT). */
static const uint8_t vmgexit_insn[4] = { 0xF3, 0x0F, 0x01, 0xD9 };

static void vmgexit(struct run *r);

/*
 * Whether the VMGEXIT that follows a GHCB MSR write may be served in the
 * write's exit. A guest starts each GHCB call with WRMSR, then VMGEXIT; on
 * hardware only the VMGEXIT exits, here the write does too (QEMU has no
 * such MSR), so serving both at once saves a world switch per call (under
 * TCG about 10 us and a flush of QEMU's TLB). It is as if the two ran
 * back to back: an interrupt that arrives between them is taken after the
 * VMGEXIT, as it may be on hardware. Not when the guest single-steps or
 * has a breakpoint armed (the #DB between them), nor with a lying
 * hypervisor (vsnp.lie), whose tests count exits one by one.
 */
static bool vmgexit_follows(struct run *r)
{
	const struct vmcb_save *s = &r->c->vmcb->save;
	uint8_t insn[sizeof(vmgexit_insn)];

	return !(s->rflags & RFLAGS_TF) && (s->dr7 & DR7_ENABLE_MASK) == 0 && r->c->m->lie == VSNP_LIE_NONE &&
	       vsnp_guest_insn(r->c, insn, sizeof(insn)) == SVSM_OK && memcmp(insn, vmgexit_insn, sizeof(insn)) == 0;
}

/* The MSRs the CPU itself answers for an SNP guest; every other one is #VC. */
static void exit_msr(struct run *r)
{
	struct vsnp_vcpu *c = r->c;
	struct vmcb_save *s = &c->vmcb->save;
	uint32_t msr = (uint32_t)c->g.rcx;
	bool write = c->vmcb->ctl.exit_info_1 == 1;
	uint64_t val = (s->rax & 0xFFFFFFFFull) | (c->g.rdx << 32);
	uint64_t cur;

	r->end->msr_exits++;
	switch (msr) {
	case MSR_GHCB:
		if (write)
			c->hv.ghcb_msr = val;
		cur = c->hv.ghcb_msr;
		break;
	case MSR_SEV_STATUS:
		if (write) {
			vsnp_inject(c, GP_VECTOR, true, 0);
			return;
		}
		cur = SEV_STATUS_SEV | SEV_STATUS_SEV_ES | (c->sev_features << SEV_STATUS_FEATURES_SHIFT);
		break;
	case MSR_EFER:
		/* SCE, LME, NXE may change; LMA is the CPU's, SVME stays set (an SNP guest runs with it). */
		if (write && (val & ~(uint64_t)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME))) {
			vsnp_inject(c, GP_VECTOR, true, 0);
			return;
		}
		if (write)
			s->efer = (val & ~(uint64_t)EFER_LMA) | (s->efer & EFER_LMA) | EFER_SVME;
		cur = s->efer;
		break;
	case MSR_PAT:
		/*
		 * The guest's PAT is VMSA state (G_PAT) the CPU swaps, not an
		 * exit: each of the 8 entries a defined memory type (0, 1, 4-7)
		 * or #GP (APM vol.2 §7.8.1).
		 */
		for (unsigned i = 0; write && i < 8; i++) {
			unsigned t = (val >> (8 * i)) & 0xFF;

			if (t == 2 || t == 3 || t > 7) {
				vsnp_inject(c, GP_VECTOR, true, 0);
				return;
			}
		}
		if (write)
			s->g_pat = val;
		cur = s->g_pat;
		break;
	default:
		vc(r, SVM_EXIT_MSR);
		return;
	}
	if (!write) {
		s->rax = cur & 0xFFFFFFFFull;
		c->g.rdx = cur >> 32;
	}
	s->rip += 2;
	if (write && msr == MSR_GHCB && vmgexit_follows(r)) {
		r->end->vmgexits_fused++;
		vmgexit(r);
	}
}

static void exit_npf(struct run *r)
{
	struct vsnp_vcpu *c = r->c;
	struct vsnp_npt *v = vsnp_machine_view(c->m, c->vmpl, (c->vmcb->save.cr0 & CR0_PG) != 0);
	uint64_t gpa = c->vmcb->ctl.exit_info_2;
	const char *why;

	switch (vsnp_npt_fault(v, gpa, c->vmcb->ctl.exit_info_1, c->vmcb->save.cpl, &why)) {
	case VSNP_NPF_MAPPED:
		r->end->npf_mapped++;
		return;
	case VSNP_NPF_INJECT_VC_404:
		/* CR2 gets the faulting linear address; the hardware reports it, TCG's NPF does not: the GPA is what is known. */
		c->vmcb->save.cr2 = gpa & ~(1ull << c->m->cbit_pos);
		vc(r, SVM_EXIT_PAGE_NOT_VALIDATED);
		return;
	case VSNP_NPF_VIOLATION: {
		const uint64_t page = (gpa & ~(1ull << c->m->cbit_pos)) & ~(PAGE_SIZE - 1);
		const struct rmp_entry *e = rmp_model_entry(&c->m->rmp, page);
		static char msg[224];

		/*
		 * A shared data access to a private page nobody validated: converted, as KVM does; the access
		 * retried. A hypervisor told to lie (vsnp.lie=) is a hostile one and does the guest no such favour:
		 * a page state change it only claimed to make stays the RMP fault it is.
		 */
		if (!c->m->hostile && (c->vmcb->save.cr0 & CR0_PG) && !(gpa & (1ull << c->m->cbit_pos)) &&
		    !(c->vmcb->ctl.exit_info_1 & (VMCB_NPF_TABLE | VMCB_NPF_FETCH)) &&
		    vsnp_hv_implicit_shared(&c->m->hv, page) == SVSM_OK)
			return;

		fmt_snprintf(msg, sizeof(msg),
			     "RMP violation at GPA 0x%llx (%s); RMP entry: assigned %u validated %u VMSA %u 2M %u, VMPL%u rights 0x%x",
			     (unsigned long long)gpa, why, e ? e->assigned : 0, e ? e->validated : 0, e ? e->vmsa : 0,
			     e ? e->large : 0, c->vmpl, e ? e->perms[c->vmpl] : 0);
		stop(r, msg);
		return;
	}
	case VSNP_NPF_MMIO:
		r->end->mmio_vc++;
		vc(r, SVM_EXIT_NPF);
		return;
	case VSNP_NPF_NOT_RAM:
		stopf(r, "access to GPA 0x%llx, which is not guest RAM (%s; RIP 0x%llx)", (unsigned long long)gpa, why,
		      (unsigned long long)c->vmcb->save.rip);
		return;
	}
}

/* The registered GHCB page, if it is a shared page of guest RAM: its machine mapping. */
static struct ghcb *ghcb_page(struct vsnp_vcpu *c, uint64_t gpa)
{
	const struct rmp_entry *e = rmp_model_entry(&c->m->rmp, gpa);
	void *va;

	if (gpa == 0 || gpa != c->hv.ghcb_gpa || e == NULL || e->assigned ||
	    vsnp_gmem_page(&c->m->gmem, gpa, &va, NULL) != SVSM_OK)
		return NULL;
	return va;
}

/*
 * CPUID through the GHCB (GHCB spec 56421 §4.1.x, exit 0x72): RAX and RCX
 * in, XCR0 too for leaf 0xD; RAX-RDX out, from the machine's table.
 */
static void ghcb_cpuid(struct vsnp_machine *m, uint32_t apic_id, struct ghcb *g)
{
	uint32_t leaf = (uint32_t)g->rax, subleaf = (uint32_t)g->rcx;
	struct cpuid_regs out;

	if (!GHCB_VALID(g, rax) || !GHCB_VALID(g, rcx) || (leaf == 0xD && !GHCB_VALID(g, xcr0))) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_MISSING_INPUT);
		return;
	}
	if (vsnp_machine_cpuid(m, apic_id, leaf, subleaf, leaf == 0xD ? g->xcr0 : 1, &out) != SVSM_OK) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT);
		return;
	}
	ghcb_invalidate(g);
	if (m->lie == VSNP_LIE_CPUID_VALID) {
		/* The answer is written, but not one output is marked valid. */
		g->rax = out.eax, g->rbx = out.ebx, g->rcx = out.ecx, g->rdx = out.edx;
		ghcb_answer(g, GHCB_RESULT_OK, 0);
		return;
	}
	GHCB_SET(g, rax, out.eax);
	GHCB_SET(g, rbx, out.ebx);
	GHCB_SET(g, rcx, out.ecx);
	GHCB_SET(g, rdx, out.edx);
	ghcb_answer(g, GHCB_RESULT_OK, 0);
}

/*
 * An IPI the running VMPL's APIC asked for (an ICR or self-IPI write):
 * each target vCPU's APIC at the same VMPL takes it (a halted target
 * wakes at its next turn, next_vcpu). A VMPL signals only its own kind on
 * other vCPUs, never another VMPL's APIC.
 */
static void ipi_send(struct vsnp_vcpu *c, struct vsnp_cpu_end *end)
{
	unsigned vmpl = c->vmpl;
	struct vsnp_apic *from = &c->apic[vmpl];

	from->ipi_out = false;
	for (unsigned i = 0; i < nvcpus; i++) {
		struct vsnp_apic *to = &vcpus[i].apic[vmpl];

		if (!vsnp_apic_ipi_targets(&from->ipi, c->apic_id, to))
			continue;
		if (from->ipi.nmi)
			vsnp_apic_nmi(to);
		else if (!vsnp_apic_accept(to, from->ipi.vector))
			continue;
		kick(&pcpus[vcpus[i].pcpu]);
		end->ipis++;
	}
}

/*
 * RDMSR/WRMSR through the GHCB (exit 0x7C; RCX in, RAX/RDX in for a write
 * and out for a read): the running VMPL's x2APIC, IA32_APIC_BASE and
 * IA32_TSC_DEADLINE are emulated (vsnp/apic.c); any other MSR is a #GP to
 * inject, as KVM answers an MSR it does not know. False for an INIT or
 * start-up IPI, which this machine does not model: the caller stops it.
 */
static bool ghcb_msr(struct vsnp_vcpu *c, struct ghcb *g, struct vsnp_cpu_end *end)
{
	bool write = g->sw_exit_info_1 == 1;
	uint64_t v = (g->rdx << 32) | (uint32_t)g->rax;
	struct vsnp_apic *apic = &c->apic[c->vmpl];
	int err;

	if (!GHCB_VALID(g, rcx) || (write && (!GHCB_VALID(g, rax) || !GHCB_VALID(g, rdx)))) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_MISSING_INPUT);
		return true;
	}
	err = vsnp_kvm_msr(c, (uint32_t)g->rcx, write, &v);
	if (err == SVSM_ENOENT)
		err = write ? vsnp_apic_wrmsr(apic, (uint32_t)g->rcx, cpu_rdtsc(), v)
			    : vsnp_apic_rdmsr(apic, (uint32_t)g->rcx, cpu_rdtsc(), &v);
	c->m->io.vmpl = c->vmpl; /* whose request a trace line names */
	vsnp_io_trace(&c->m->io, "MSR", (uint32_t)g->rcx, 8, !write, v, err == SVSM_OK);
	if (err == SVSM_EPERM)
		return false; /* INIT or start-up IPI: not modelled, the caller stops the machine */
	if (err == SVSM_ENOTSUP) {
		static bool said;

		if (!said)
			console_printf("vsnp: vCPU %u VMPL%u: ICR 0x%llx asks for a delivery mode this machine does not emulate "
				       "(fixed and NMI only): #GP\n", c->apic_id, c->vmpl, (unsigned long long)v);
		said = true;
	}
	if (err != SVSM_OK) {
		ghcb_answer(g, GHCB_RESULT_INJECT,
			    GP_VECTOR | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_ERROR_VALID | VMCB_EVENT_VALID);
		return true;
	}
	if (apic->ipi_out)
		ipi_send(c, end);
	ghcb_invalidate(g);
	if (!write) {
		GHCB_SET(g, rax, (uint32_t)v);
		GHCB_SET(g, rdx, v >> 32);
	}
	ghcb_answer(g, GHCB_RESULT_OK, 0);
	return true;
}

void *vsnp_shared_page(struct vsnp_vcpu *c, uint64_t gpa)
{
	const struct rmp_entry *e = rmp_model_entry(&c->m->rmp, gpa);
	void *va;

	if ((gpa & (PAGE_SIZE - 1)) != 0 || e == NULL || e->assigned ||
	    vsnp_gmem_page(&c->m->gmem, gpa, &va, NULL) != SVSM_OK)
		return NULL;
	return va;
}

/*
 * vsnp.lie=req-tag|req-replay: the PSP's answer to VMPL0 as the
 * hypervisor relays it, with a bit of its tag flipped, or (the second
 * time) the first answer again: a valid message with an old sequence
 * number. The SVSM must not believe either.
 */
static void request_lie(struct vsnp_vcpu *c, struct snp_guest_msg *resp)
{
	static struct snp_guest_msg first;
	static unsigned answers;

	if (c->m->lie == VSNP_LIE_REQ_TAG) {
		resp->hdr.authtag[0] ^= 1;
		console_printf("vsnp: (lie) a guest-request answer to VMPL0 relayed with its tag changed\n");
	}
	if (c->m->lie == VSNP_LIE_REQ_REPLAY && answers++ == 0)
		memcpy(&first, resp, sizeof(first));
	else if (c->m->lie == VSNP_LIE_REQ_REPLAY && answers == 2) {
		memcpy(resp, &first, sizeof(*resp));
		console_printf("vsnp: (lie) VMPL0's second guest request answered with its first answer again\n");
	}
}

/*
 * SNP guest request (GHCB page, checked by hv_serve.c): the request page
 * copied once from shared memory, as KVM copies it into a bounce page for
 * the PSP, the PSP's answer written to the response page. SW_EXITINFO2:
 * 0, or the firmware's error ([31:0]) with no response.
 */
static void guest_request(struct vsnp_vcpu *c, struct ghcb *g)
{
	static struct snp_guest_msg req, resp;
	void *in = vsnp_shared_page(c, g->sw_exit_info_1), *out = vsnp_shared_page(c, g->sw_exit_info_2);
	uint64_t fw = 0;

	void *certs = g->sw_exit_code == SVM_VMGEXIT_EXT_GUEST_REQUEST ? vsnp_shared_page(c, g->rax) : NULL;

	if (in == NULL || out == NULL || (g->sw_exit_code == SVM_VMGEXIT_EXT_GUEST_REQUEST && certs == NULL)) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT); /* not shared pages of guest RAM */
		return;
	}
	/* No certificates: the table is its terminating entry alone (a GUID, offset and length of zeros). */
	if (certs != NULL)
		memset(certs, 0, 24);
	memcpy(&req, in, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	if (psp_model_guest_request(&c->m->psp, &req, &resp, &fw) == SVSM_OK) {
		if (c->vmpl == 0)
			request_lie(c, &resp);
		memcpy(out, &resp, sizeof(resp));
	}
	ghcb_answer(g, GHCB_RESULT_OK, fw);
}

static void lie_unvalidate(struct vsnp_vcpu *c);

/*
 * The APIC ID list (hv_serve.c checked the buffer: shared guest RAM, big
 * enough): a u32 count, then each vCPU's APIC ID (here its index), as
 * OVMF reads it to start its APs by AP creation rather than INIT-SIPI.
 */
static void apic_ids(struct vsnp_vcpu *c, struct ghcb *g)
{
	const uint64_t gpa = c->hv.apic_ids_gpa, len = c->hv.apic_ids_len;

	/* Still shared (another vCPU may have changed a page since the check): else nothing is written. */
	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		if (vsnp_shared_page(c, gpa + off) == NULL) {
			ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT);
			return;
		}
	for (uint64_t off = 0; off < len; off += sizeof(uint32_t)) {
		uint32_t word = off == 0 ? nvcpus : (uint32_t)(off / sizeof(uint32_t) - 1);
		uint8_t *page = vsnp_shared_page(c, (gpa + off) & ~(PAGE_SIZE - 1));

		memcpy(page + ((gpa + off) & (PAGE_SIZE - 1)), &word, sizeof(word));
	}
}

/*
 * The GHCB between the guest's shared page and the hypervisor's copy, both
 * ways: the save area with its valid bitmap, the protocol version and
 * usage, and the shared buffer only for a page state change (the one call
 * here that uses it; the rest of the page is reserved). A whole page each
 * way cost a tenth of an SVSM call under TCG.
 */
static void ghcb_copy(struct ghcb *to, const struct ghcb *from, bool with_buffer)
{
	memcpy(to, from, offsetof(struct ghcb, x87_state_gpa));
	memcpy(to->rsvd_ff0, from->rsvd_ff0, sizeof(*to) - offsetof(struct ghcb, rsvd_ff0));
	if (with_buffer)
		memcpy(to->shared_buffer, from->shared_buffer, sizeof(to->shared_buffer));
}

/* The counters now, as the end of a phase of the run's report (once each). */
static void phase_mark(struct vsnp_cpu_end *end, unsigned i)
{
	struct vsnp_phase_mark *k = &end->mark[i];

	if (k->taken)
		return;
	*k = (struct vsnp_phase_mark){ true, cpu_rdtsc(), end->exits, end->vmgexits, end->vc_delivered, end->npf_mapped,
				       end->snp_insns, end->tsc_guest, end->tsc_serving };
}

/* vsnp.trace: a lower VMPL's page state change, an entry per line (GPA, 4K/2M, the operation). */
static void trace_psc(struct vsnp_vcpu *c, const struct ghcb *g)
{
	const struct psc_desc *d = (const struct psc_desc *)g->shared_buffer;

	c->m->io.vmpl = c->vmpl;
	for (unsigned i = d->hdr.cur_entry; i <= d->hdr.end_entry && i < PSC_MAX_ENTRIES; i++) {
		const uint64_t e = d->entries[i];

		vsnp_io_trace(&c->m->io, (e >> PSC_ENTRY_OP_SHIFT & 0xF) == GHCB_PSC_OP_SHARED ? "PSC to shared"
				       : (e >> PSC_ENTRY_OP_SHIFT & 0xF) == GHCB_PSC_OP_PRIVATE ? "PSC to private" : "PSC op",
			      (e >> PSC_ENTRY_GFN_SHIFT & PSC_ENTRY_GFN_MASK) << 12, e & PSC_ENTRY_2M ? 2 : 1, false, e, true);
	}
}

static void exit_ghcb(struct run *r)
{
	struct vsnp_vcpu *c = r->c;
	struct ghcb *shared = ghcb_page(c, c->hv.ghcb_msr);
	static struct ghcb g; /* the hypervisor's copy, read once */
	int target = -1;

	if (shared == NULL) {
		stopf(r, "GHCB page protocol at VMPL%u with GPA 0x%llx, which is not the registered shared GHCB "
			 "(registered: 0x%llx)", c->vmpl, (unsigned long long)c->hv.ghcb_msr,
		      (unsigned long long)c->hv.ghcb_gpa);
		return;
	}
	ghcb_copy(&g, shared, false);
	/* Decided once, on the copy: the buffer comes in and goes back for a page state change, INS/OUTS and MMIO only. */
	bool buffer = g.sw_exit_code == SVM_VMGEXIT_PSC ||
		      (g.sw_exit_code == SVM_EXIT_IOIO && (g.sw_exit_info_1 & SVM_IOIO_STR) != 0) ||
		      g.sw_exit_code == SVM_VMGEXIT_MMIO_READ || g.sw_exit_code == SVM_VMGEXIT_MMIO_WRITE;

	if (buffer)
		memcpy(g.shared_buffer, shared->shared_buffer, sizeof(g.shared_buffer));
	r->end->ghcb_calls++;
	r->kind = VSNP_KIND_GHCB(g.sw_exit_code);

	bool std = g.ghcb_usage == GHCB_USAGE_STANDARD && GHCB_VALID(&g, sw_exit_code);
	uint64_t resp_gpa = g.sw_exit_info_2; /* a guest request's response page (the answer overwrites the field) */

	if (std && g.sw_exit_code == SVM_EXIT_IOIO) {
		/*
		 * Whose line a byte continues (io_ports.c): the SVSM's per CPU; a guest VMPL's one
		 * stream, which its OS serializes and may carry on from another vCPU mid-line.
		 */
		c->m->io.writer = c->vmpl != 0 ? c->vmpl : c->apic_id * SNP_VMPL_COUNT;
		c->m->io.vmpl = c->vmpl;
		vsnp_io_ghcb(&c->m->io, &g, c->hv.ghcb_gpa);
		if (c->m->io.power_off)
			powered_off(r);
	} else if (std && (g.sw_exit_code == SVM_VMGEXIT_MMIO_READ || g.sw_exit_code == SVM_VMGEXIT_MMIO_WRITE)) {
		c->m->io.vmpl = c->vmpl;
		vsnp_mmio_ghcb(&c->m->io, &c->m->rmp, 1ull << c->m->cbit_pos, &g, c->hv.ghcb_gpa);
		if (c->m->io.guest_blk != NULL && c->m->io.guest_blk->requests != 0)
			phase_mark(r->end, 1);
	} else if (std && g.sw_exit_code == SVM_VMGEXIT_NMI_COMPLETE) {
		/* The guest's NMI handling is over (it has no IRET the hypervisor sees): the next NMI may come. */
		vsnp_apic_nmi_done(&c->apic[c->vmpl]);
		ghcb_answer(&g, GHCB_RESULT_OK, 0);
	} else if (std && g.sw_exit_code == SVM_EXIT_CPUID) {
		ghcb_cpuid(c->m, c->apic_id, &g);
	} else if (std && g.sw_exit_code == SVM_EXIT_MSR) {
		if (!ghcb_msr(c, &g, r->end)) {
			stopf(r, "vCPU %u at VMPL%u sent an INIT or start-up IPI (ICR 0x%llx): not modelled here, a vCPU of "
				 "this machine starts by AP creation (GHCB spec 56421 §4.1.9)", c->apic_id, c->vmpl,
			      (unsigned long long)((g.rdx << 32) | (uint32_t)g.rax));
			return;
		}
	} else if (std && (g.sw_exit_code == SVM_EXIT_INVD || g.sw_exit_code == SVM_EXIT_WBINVD ||
			   g.sw_exit_code == SVM_EXIT_MONITOR || g.sw_exit_code == SVM_EXIT_MWAIT)) {
		/*
		 * As KVM serves them: INVD as WBINVD, and with no device DMA to
		 * keep coherent nothing to flush; MONITOR/MWAIT as NOPs. Never a
		 * real INVD: it would drop the machine's dirty cache lines.
		 */
		ghcb_answer(&g, GHCB_RESULT_OK, 0);
	} else if (std && g.sw_exit_code == SVM_VMGEXIT_SNP_RUN_VMPL) {
		/* SW_EXITINFO1[7:0] the VMPL, the rest 0 (GHCB spec 56421 §4.1.8). */
		uint64_t want = g.sw_exit_info_1;
		bool ok = GHCB_VALID(&g, sw_exit_info_1) && (want >> 8) == 0 && may_run(c, want);

		ghcb_answer(&g, ok ? GHCB_RESULT_OK : GHCB_RESULT_ERROR, ok ? 0 : GHCB_ERR_INVALID_INPUT);
		target = ok ? (int)want : -1;
		if (ok && c->vmpl == 0 && c->m->lie == VSNP_LIE_UNVALIDATE)
			lie_unvalidate(c);
	} else {
		if (std && g.sw_exit_code == SVM_VMGEXIT_PSC && c->m->io.trace_left != 0 && c->vmpl != 0)
			trace_psc(c, &g);
		switch (vsnp_hv_ghcb_exit(&c->m->hv, &c->hv, &g)) {
		case VSNP_HV_RESUME:
			break;
		case VSNP_HV_AP_CREATE:
			ap_create(r, &g);
			break;
		case VSNP_HV_APIC_IDS:
			apic_ids(c, &g);
			break;
		case VSNP_HV_GUEST_REQUEST:
			r->end->guest_requests++;
			guest_request(c, &g);
			break;
		case VSNP_HV_TERMINATE:
			terminated(r);
			return;
		case VSNP_HV_BAD:
			stop(r, c->hv.why);
			return;
		default:
			stopf(r, "GHCB request 0x%llx is not served by this machine",
			      (unsigned long long)g.sw_exit_code);
			return;
		}
	}
	ghcb_copy(shared, &g, buffer);
	if (c->vmpl == 0 && c->m->lie == VSNP_LIE_REWRITE) {
		c->lie_ghcb = c->hv.ghcb_msr;
		if (std && g.sw_exit_code == SVM_VMGEXIT_GUEST_REQUEST)
			c->lie_resp = resp_gpa;
	}
	if (target >= 0)
		run_vmpl(r, (unsigned)target);
}

/*
 * vsnp.lie=rewrite: a hypervisor that writes its answers again after the
 * SVSM had them, as one with another CPU could at any moment. At the next
 * exit VMPL0's own instruction makes (not a machine interrupt or a nested
 * fault the hypervisor fills in: those come in the middle of a copy too,
 * and a torn copy is only refused, never used, so the run would not say
 * which) the outputs of its last GHCB answer are
 * overwritten, unless that exit is its next GHCB request (the page then
 * holds that request), and a guest-request response page is flipped
 * whole. An SVSM that read each answer once, before anything else that
 * exits, never sees it.
 */
static void lie_rewrite(struct run *r, uint64_t code)
{
	struct vsnp_vcpu *c = r->c;
	static bool said;
	void *p;

	if (c->lie_ghcb != 0 && code != SVM_EXIT_VMMCALL && (p = ghcb_page(c, c->lie_ghcb)) != NULL) {
		struct ghcb *g = p;

		g->sw_exit_info_1 = g->sw_exit_info_2 = 0x5A5A5A5A5A5A5A5Aull;
		g->rax = g->rbx = g->rcx = g->rdx = 0x5A5A5A5A5A5A5A5Aull;
		r->end->lie_rewrites++;
	}
	if (c->lie_resp != 0 && (p = vsnp_shared_page(c, c->lie_resp)) != NULL) {
		for (size_t i = 0; i < PAGE_SIZE; i++)
			((uint8_t *)p)[i] ^= 0xFF;
		r->end->lie_rewrites++;
	}
	if (!said && r->end->lie_rewrites != 0) {
		console_printf("vsnp: (lie) the SVSM's answers rewritten in its shared pages after it had them\n");
		said = true;
	}
	c->lie_ghcb = c->lie_resp = 0;
}

/* vsnp.lie: the MSR protocol's answer to req, made into a lie. */
static void msr_lie(struct vsnp_vcpu *c, uint64_t req)
{
	uint64_t info = ghcb_msr_info(req);

	if (c->m->lie == VSNP_LIE_CBIT && info == GHCB_MSR_SEV_INFO_REQ)
		c->hv.ghcb_msr ^= 1ull << GHCB_SEV_INFO_CBIT_SHIFT; /* another C-bit position */
	if (c->m->lie == VSNP_LIE_VERSION && info == GHCB_MSR_SEV_INFO_REQ)
		c->hv.ghcb_msr = (c->hv.ghcb_msr & ~(0xFFFFFFFFull << GHCB_SEV_INFO_MIN_SHIFT)) |
				 (1ull << GHCB_SEV_INFO_MAX_SHIFT) | (1ull << GHCB_SEV_INFO_MIN_SHIFT);
	if (c->m->lie == VSNP_LIE_FEATURES && info == GHCB_MSR_HV_FEATURES_REQ)
		c->hv.ghcb_msr &= ~(GHCB_HV_FT_SNP_AP_CREATION << 12);
}

/*
 * vsnp.lie=unvalidate: the hypervisor's RMPUPDATE of the page the SVSM's
 * stack is on (a private page stays private, but loses its Validated bit,
 * APM vol.2 §15.36.6). The SVSM's next touch of it is #VC 0x404.
 */
static void lie_unvalidate(struct vsnp_vcpu *c)
{
	uint64_t gpa;
	bool priv;

	if (vsnp_guest_translate(c, c->vmcb->save.rsp, &gpa, &priv) != SVSM_OK)
		return;
	gpa &= ~(PAGE_SIZE - 1);

	const struct rmp_entry *e = rmp_model_entry(&c->m->rmp, gpa);

	if (e != NULL && e->large)
		(void)rmp_model_psmash(&c->m->rmp, gpa);
	if (rmp_model_set_private(&c->m->rmp, gpa, false, true) == SVSM_OK)
		(void)vsnp_machine_drop(c->m, gpa, PAGE_SIZE);
	c->m->lie = VSNP_LIE_NONE; /* once */
	console_printf("vsnp: (lie) the SVSM's stack page 0x%llx unvalidated by an RMPUPDATE\n", (unsigned long long)gpa);
}

static void exit_vmmcall(struct run *r)
{
	uint8_t insn[sizeof(vmgexit_insn)];

	if (vsnp_guest_insn(r->c, insn, sizeof(insn)) != SVSM_OK) {
		stop(r, "VMMCALL: the instruction at RIP cannot be read");
		return;
	}
	if (memcmp(insn, vmgexit_insn, sizeof(insn)) != 0) {
		vc(r, SVM_EXIT_VMMCALL); /* a plain VMMCALL is a non-automatic exit */
		return;
	}
	vmgexit(r);
}

/* The VMGEXIT at RIP: the GHCB MSR protocol or the GHCB page, as the MSR says. */
static void vmgexit(struct run *r)
{
	struct vsnp_vcpu *c = r->c;

	r->end->vmgexits++;
	r->yield = true;
	r->kind = VSNP_KIND_GHCB_MSR(ghcb_msr_info(c->hv.ghcb_msr));
	c->vmcb->save.rip += sizeof(vmgexit_insn); /* VMGEXIT is trap-like */
	if (ghcb_msr_info(c->hv.ghcb_msr) == 0) {
		exit_ghcb(r);
		return;
	}
	if (ghcb_msr_info(c->hv.ghcb_msr) == GHCB_MSR_RUN_VMPL_REQ) {
		/* [39:32] the VMPL, [63:40] and [31:12] 0; the answer 0x017 with [63:32] 0 or an error (GHCB spec §2.3.1). */
		uint64_t req = c->hv.ghcb_msr, want = (req >> GHCB_MSR_VMPL_SHIFT) & 0xFF;
		bool ok = (req >> 40) == 0 && (req & 0xFFFFF000ull) == 0 && may_run(c, want);

		c->hv.ghcb_msr = GHCB_MSR_RUN_VMPL_RESP | (ok ? 0 : 1ull << GHCB_MSR_ERROR_SHIFT);
		if (ok)
			run_vmpl(r, (unsigned)want);
		return;
	}
	uint64_t req = c->hv.ghcb_msr;

	if (c->vmpl == 0 && c->m->lie == VSNP_LIE_PSC_UNDONE && ghcb_msr_info(req) == GHCB_MSR_PSC_REQ &&
	    ((req >> GHCB_MSR_PSC_OP_SHIFT) & 0xF) == GHCB_PSC_OP_SHARED) {
		/* vsnp.lie=psc-undone: "done", and the page stays private (once). */
		c->hv.ghcb_msr = GHCB_MSR_PSC_RESP;
		c->m->lie = VSNP_LIE_NONE;
		console_printf("vsnp: (lie) page state change of 0x%llx to shared answered done, not done\n",
			       (unsigned long long)(req & ~0xFFFull & ((1ull << GHCB_MSR_PSC_OP_SHIFT) - 1)));
		return;
	}
	if (ghcb_msr_info(req) == GHCB_MSR_PSC_REQ && c->m->io.trace_left != 0 && c->vmpl != 0) {
		const unsigned op = (unsigned)(req >> GHCB_MSR_PSC_OP_SHIFT) & 0xF;

		c->m->io.vmpl = c->vmpl;
		vsnp_io_trace(&c->m->io, op == GHCB_PSC_OP_SHARED ? "PSC (MSR) to shared" : "PSC (MSR) to private",
			      ((req >> GHCB_MSR_PSC_GFN_SHIFT) & GHCB_MSR_PSC_GFN_MASK) << 12, 1, false, req, true);
	}
	switch (vsnp_hv_msr_exit(&c->m->hv, &c->hv)) {
	case VSNP_HV_RESUME:
		msr_lie(c, req);
		break;
	case VSNP_HV_TERMINATE:
		terminated(r);
		break;
	case VSNP_HV_BAD:
		stop(r, c->hv.why);
		break;
	default:
		stopf(r, "GHCB MSR request 0x%llx is not served by this machine yet (Run VMPL comes next)",
		      (unsigned long long)c->hv.ghcb_msr);
		break;
	}
}

/*
 * A guest below VMPL0 that the machine's timer finds at the same RIP and
 * RSP at every sample for VSNP_DEAD_LOOP_S seconds, with no other exit in
 * between (no request, no access the hypervisor serves, no interrupt it
 * takes), spins on something that does not change: a dead loop (how
 * firmware stops on a fatal error) or a wait for something this machine
 * does not give. It would run forever: the machine stops instead, naming
 * the place and its bytes. (Under TCG a tight loop is always sampled at
 * the same place.) True when it stopped.
 */
#define VSNP_DEAD_LOOP_S 10u

static bool dead_loop(struct run *r)
{
	struct vsnp_vcpu *c = r->c;
	const struct vmcb_save *s = &c->vmcb->save;
	const uint64_t now = cpu_rdtsc();
	uint8_t b[8] = { 0 };

	if (c->vmpl == 0)
		return false;
	if (c->spin_since == 0 || s->rip != c->spin_rip || s->rsp != c->spin_rsp) {
		c->spin_rip = s->rip, c->spin_rsp = s->rsp, c->spin_since = now;
		return false;
	}
	if (tsc_hz() == 0 || now - c->spin_since < tsc_hz() * VSNP_DEAD_LOOP_S)
		return false;
	(void)vsnp_guest_insn(c, b, sizeof(b));
	stopf(r, "vCPU %u at VMPL%u has spun at RIP 0x%llx (RSP 0x%llx) for %u s with no exit: a dead loop, or a wait "
		 "for something this machine does not give (bytes there %02x %02x %02x %02x %02x %02x %02x %02x)", c->apic_id, c->vmpl,
	      (unsigned long long)s->rip, (unsigned long long)s->rsp, VSNP_DEAD_LOOP_S, b[0], b[1], b[2], b[3], b[4],
	      b[5], b[6], b[7]);
	return true;
}

static void exit_ud(struct run *r)
{
	const char *why = "";

	switch (vsnp_snp_insn(r->c, &why)) {
	case VSNP_INSN_DONE:
		r->end->snp_insns++;
		break;
	case VSNP_INSN_FAULTED:
		break;
	case VSNP_INSN_NOT_SNP:
		vsnp_inject(r->c, UD_VECTOR, false, 0);
		break;
	case VSNP_INSN_STOP:
		stop(r, why);
		break;
	}
}

static void handle_exit(struct run *r)
{
	struct vmcb_control *ctl = &r->c->vmcb->ctl;
	uint64_t code = ctl->exit_code;

	/* An event cut short by the exit (a fault while delivering it) is delivered again (vsnp_event_again). */
	if (ctl->exit_int_info & VMCB_EVENT_VALID) {
		ctl->event_inj = vsnp_event_again(ctl->exit_int_info);
		if (ctl->event_inj != 0)
			r->end->events_again++;
		else if (vsnp_event_is_interrupt(ctl->exit_int_info))
			r->end->irqs_again++; /* still requested by the APIC: offered again */
		else
			r->end->soft_again++;
	}
	if (r->c->vmpl == 0 && code != EXIT_INTR && code != SVM_EXIT_NPF && (r->c->lie_ghcb | r->c->lie_resp) != 0)
		lie_rewrite(r, code);
	if (code != EXIT_INTR)
		r->c->spin_since = 0; /* it asked for something: not spinning in place (dead_loop) */
	switch (code) {
	case SVM_EXIT_VMMCALL:
		exit_vmmcall(r);
		break;
	case SVM_EXIT_MSR:
		exit_msr(r);
		break;
	case SVM_EXIT_NPF:
		exit_npf(r);
		break;
	case EXIT_CR0_WRITE:
		exit_cr0(r);
		break;
	case EXIT_CR8_WRITE:
		exit_cr8(r);
		break;
	case EXIT_EXCP_UD:
		exit_ud(r);
		break;
	case SVM_EXIT_WBINVD: {
		/* QEMU TCG exits INVD with WBINVD's code; hardware gives INVD its own (0x76). */
		uint8_t b[2];

		vc(r, vsnp_guest_insn(r->c, b, 2) == SVSM_OK && b[0] == 0x0F && b[1] == 0x08 ? SVM_EXIT_INVD
											     : SVM_EXIT_WBINVD);
		break;
	}
	case SVM_EXIT_CPUID: case SVM_EXIT_IOIO: case SVM_EXIT_RDPMC: case SVM_EXIT_INVD:
	case SVM_EXIT_MONITOR: case SVM_EXIT_MWAIT: case 0x8C /* MWAIT conditional */:
	case 0x80: case 0x82: case 0x83: case 0x84: case 0x85: case 0x86: case 0x7A: /* SVM instructions, INVLPGA */
		vc(r, code);
		break;
	case EXIT_INTR:
		r->end->intr_exits++; /* the machine's interrupt, taken when svm_run sets GIF again */
		if (dead_loop(r))
			return;
		if (cpu_rdtsc() >= r->slice_end || halted_timer_left(&pcpus[r->c->pcpu], r->c, cpu_rdtsc()) == 1)
			r->yield = true; /* the turn is over, or a halted vCPU's timer is due: the next one goes on */
		break;
	case EXIT_HLT:
		/*
		 * An automatic exit; the CPU stepped over it, and an STI shadow
		 * ends with it (QEMU TCG saves the shadow of STI; HLT, which
		 * would hold the waking interrupt back past the next CLI). The
		 * vCPU waits for its APIC's interrupt.
		 */
		r->c->vmcb->save.rip += 1;
		r->c->vmcb->ctl.int_shadow &= ~VMCB_INTERRUPT_SHADOW;
		r->c->state = VCPU_HALTED;
		if (r->c->start_at_hlt > r->c->vmpl) {
			const unsigned vmpl = r->c->start_at_hlt;

			r->c->start_at_hlt = 0;
			/*
			 * Still the VMSA AP creation gave (not destroyed, nor replaced
			 * without one), and still a VMSA in the RMP: a DELETE_VCPU
			 * since gave the page back to the guest, which may have
			 * written anything into it.
			 */
			if (r->c->vmsa_gpa[vmpl] == r->c->start_at_hlt_gpa && vmsa_page_runnable(r->c, vmpl) &&
			    start_from_hlt(r, r->c, vmpl))
				r->end->aps_at_hlt++;
		}
		break;
	case EXIT_SHUTDOWN:
		stop(r, "shutdown (triple fault)");
		break;
	case EXIT_INVALID:
	case EXIT_INVALID_32:
		stop(r, "VMRUN refused the guest state (VMEXIT_INVALID)");
		break;
	default:
		stopf(r, "exit 0x%llx, which this machine does not serve (RIP 0x%llx)", (unsigned long long)code,
		      (unsigned long long)r->c->vmcb->save.rip);
		break;
	}
}

/* v waits in HLT with IF set: an interrupt of its APIC would wake it (with IF clear HLT waits on, as the CPU does). */
static bool halted_open(const struct vsnp_vcpu *v)
{
	return v->state == VCPU_HALTED && (v->vmcb->save.rflags & RFLAGS_IF) != 0;
}

/* Whether halted vCPU v wakes now: the APIC of the VMPL it halted at has an NMI, or an interrupt its IF lets in. */
static bool wakes(struct vsnp_vcpu *v, uint64_t now)
{
	struct vsnp_apic *a = &v->apic[v->vmpl];

	if (v->state == VCPU_HALTED && vsnp_apic_nmi_ready(a))
		return true;
	if (!halted_open(v))
		return false;
	vsnp_apic_tick(a, now);
	return vsnp_apic_deliverable(a) >= 0;
}

/* TSC cycles until the first timer of a vCPU of CPU p halted with IF set (besides skip), 0: none is counting. */
static uint64_t halted_timer_left(const struct pcpu *p, const struct vsnp_vcpu *skip, uint64_t now)
{
	uint64_t first = 0;

	for (unsigned i = 0; i < nvcpus; i++) {
		struct vsnp_vcpu *v = &vcpus[i];
		uint64_t left;

		if (v == skip || v->pcpu != p->index || !halted_open(v))
			continue;
		left = vsnp_apic_cycles_left(&v->apic[v->vmpl], now);
		if (left != 0 && (first == 0 || left < first))
			first = left;
	}
	return first;
}

/* Why nothing wakes: each vCPU's state and the APIC of the VMPL it waits at (before the stop line). */
static void say_waits(void)
{
	uint64_t now = cpu_rdtsc();

	for (unsigned i = 0; i < nvcpus; i++) {
		const struct vsnp_vcpu *v = &vcpus[i];
		const struct vsnp_apic *a = &v->apic[v->vmpl];

		console_printf("vsnp: vCPU %u (CPU %u) %s at VMPL%u, IF %u; its APIC: highest IRR %d, ISR %d, TPR 0x%x, "
			       "SVR 0x%x, LVT timer 0x%x, timer %llu cycles from firing, NMI %s\n",
			       v->apic_id, v->pcpu,
			       v->state == VCPU_OFF ? "off" : v->state == VCPU_HALTED ? "halted" : "runnable",
			       v->vmpl, (v->vmcb->save.rflags & RFLAGS_IF) != 0, vsnp_apic_highest(a->irr),
			       vsnp_apic_highest(a->isr), a->tpr, a->svr, a->lvt_timer, (unsigned long long)vsnp_apic_cycles_left(a, now),
			       a->nmi_pending ? "pending" : a->nmi_in_progress ? "in progress" : "none");
	}
}

/*
 * CPU p's own APIC timer, armed for the next moment its loop must look
 * again (left TSC cycles from now), so an INTR exit brings it back in time
 * even if the guest makes no exit. Armed only when that comes earlier than
 * the armed one, or the armed one has passed: an APIC write per VMRUN
 * halved the exit rate under TCG. A timer that fires early only costs an
 * INTR exit.
 */
static void arm_machine_timer(struct pcpu *p, uint64_t now, uint64_t left)
{
	if (left != 0 && lapic_ready() && tsc_hz() != 0 &&
	    (p->armed_until <= now || now + left < p->armed_until)) {
		lapic_arm(left / (tsc_hz() / 1000000 + 1) + 1);
		p->armed_until = now + left;
	}
}

/*
 * Interrupts before VMRUN: the running VMPL's APIC offers its highest
 * deliverable vector as a virtual interrupt (V_IRQ, taken when the guest's
 * IF allows; the APIC has applied the priorities, so V_IGN_TPR). Not
 * through EVENTINJ, as KVM would when IF allows: QEMU 7.2's VMRUN delivers
 * an injected external interrupt and leaves its vector as the pending
 * exception, so the guest takes it a second time at the handler's first
 * instruction, whatever IF says (seen: Linux's timer handler entered twice
 * before its SWAPGS). Then the guest's PV EOI flag (vsnp_kvm_pv_eoi_enter,
 * counting the offered vector as in service once taken). The CPU's timer
 * is armed for the first of: that APIC's timer, the end of the turn when
 * other vCPUs share the CPU, and the timer of a halted vCPU of this CPU
 * it would wake. Returns the vector offered, or -1.
 */
static int interrupts_before_run(struct pcpu *p)
{
	struct run *r = &p->r;
	struct vmcb_control *ctl = &r->c->vmcb->ctl;
	struct vsnp_apic *apic = &r->c->apic[r->c->vmpl];
	uint64_t now = cpu_rdtsc();
	int vec;

	vsnp_apic_tick(apic, now);
	/*
	 * An NMI for the running VMPL goes in through EVENTINJ (type NMI),
	 * whatever IF says, unless another event is being injected: it then
	 * waits for the next entry.
	 */
	if (vsnp_apic_nmi_ready(apic) && !(ctl->event_inj & VMCB_EVENT_VALID)) {
		ctl->event_inj = VMCB_EVENT_NMI_VECTOR | VMCB_EVENT_TYPE_NMI | VMCB_EVENT_VALID;
		vsnp_apic_nmi_delivered(apic);
		if (r->c->vmpl == 0)
			r->end->irqs_vmpl0++;
		else
			r->end->irqs_lower++;
	}
	ctl->int_ctl &= ~(VMCB_V_IRQ | (0xFull << VMCB_V_INTR_PRIO_SHIFT) | VMCB_V_IGN_TPR |
			  (0xFFull << VMCB_V_INTR_VECTOR_SHIFT));
	vec = vsnp_apic_deliverable(apic);
	if (vec >= 0)
		ctl->int_ctl |= VMCB_V_IRQ | (0xFull << VMCB_V_INTR_PRIO_SHIFT) | VMCB_V_IGN_TPR |
				((uint64_t)vec << VMCB_V_INTR_VECTOR_SHIFT);
	vsnp_apic_offer(apic, vec);
	vsnp_kvm_pv_eoi_enter(r->c, vec);

	uint64_t left = vsnp_apic_cycles_left(apic, now);
	uint64_t other = halted_timer_left(p, r->c, now);
	uint64_t turn_left = r->slice_end > now ? r->slice_end - now : 1;

	if (other != 0 && (left == 0 || other < left))
		left = other;
	if (p->nvcpus > 1 && (left == 0 || turn_left < left))
		left = turn_left;
	arm_machine_timer(p, now, left);
	return vec;
}

/* A vCPU's VMCB: every intercept an SNP host needs (the header of this file says why each). */
static void vmcb_setup(struct vmcb *v, uint64_t msrpm_pa, uint64_t iopm_pa)
{
	struct vmcb_control *c = &v->ctl;

	c->intercept_cr = (1u << (16 + 0)) | (1u << (16 + 8)); /* CR0 and CR8 writes */
	c->intercept_exc = 1u << UD_VECTOR;
	/* The machine's own interrupts stay its own: they exit (INTR), never reach the guest's IDT. */
	c->int_ctl = VMCB_V_INTR_MASKING;
	c->intercept_misc1 = (1u << VMCB_INTERCEPT_INTR) | (1u << VMCB_INTERCEPT_CPUID) | (1u << VMCB_INTERCEPT_HLT) |
			     (1u << VMCB_INTERCEPT_IOIO) | (1u << VMCB_INTERCEPT_MSR) |
			     (1u << VMCB_INTERCEPT_SHUTDOWN) | (1u << VMCB_INTERCEPT_INVD) |
			     (1u << VMCB_INTERCEPT_RDPMC) | (1u << VMCB_INTERCEPT_INVLPGA);
	c->intercept_misc2 = (1u << VMCB_INTERCEPT_VMRUN) | (1u << VMCB_INTERCEPT_VMMCALL) |
			     (1u << VMCB_INTERCEPT_VMLOAD) | (1u << VMCB_INTERCEPT_VMSAVE) |
			     (1u << VMCB_INTERCEPT_STGI) | (1u << VMCB_INTERCEPT_CLGI) |
			     (1u << VMCB_INTERCEPT_SKINIT) | (1u << VMCB_INTERCEPT_WBINVD) |
			     (1u << VMCB_INTERCEPT_MONITOR) | (1u << VMCB_INTERCEPT_MWAIT) |
			     (1u << VMCB_INTERCEPT_MWAIT_COND);
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	c->asid = GUEST_ASID;
	c->np_ctl = VMCB_NP_ENABLE;
}

/*
 * The next vCPU of CPU p to run after cur (NULL: from the first), round
 * robin: a runnable one, or a halted one whose APIC has an interrupt for
 * it (it then leaves HLT). NULL if none can run.
 */
static struct vsnp_vcpu *next_vcpu(struct pcpu *p, struct vsnp_vcpu *cur)
{
	uint64_t now = cpu_rdtsc();
	unsigned first = cur != NULL ? (unsigned)(cur - vcpus) : nvcpus - 1;

	for (unsigned k = 1; k <= nvcpus; k++) {
		struct vsnp_vcpu *v = &vcpus[(first + k) % nvcpus];

		if (v->pcpu != p->index)
			continue;
		if (v->state != VCPU_OFF && !vmsa_still_runnable(v)) {
			context_lost(v, v->vmpl); /* VMRUN of a page that is no VMSA fails */
			if (v->state == VCPU_OFF)
				continue;
		}
		if (wakes(v, now))
			v->state = VCPU_RUNNABLE;
		if (v->state == VCPU_RUNNABLE)
			return v;
	}
	return NULL;
}

/* The run is over: every other CPU leaves its loop (under machine_lock). */
static void end_all(void)
{
	ended = true;
	for (unsigned i = 0; i < npcpus; i++)
		kick(&pcpus[i]);
}

/*
 * No vCPU of CPU p can run (under machine_lock): it waits in HLT, the lock
 * released, for its own timer (a halted vCPU's APIC timer) or a kick from
 * another CPU, as a host CPU idles until a vCPU's timer or IPI. With no
 * timer counting it is stuck; when every CPU is, nothing can ever wake a
 * vCPU and the machine stops, saying what each waits for.
 */
static void pcpu_idle(struct pcpu *p)
{
	uint64_t now = cpu_rdtsc(), left = halted_timer_left(p, NULL, now);
	bool timer = left != 0 && lapic_ready() && tsc_hz() != 0;

	set_stuck(p, !timer);
	if (nstuck == npcpus) {
		say_waits();
		stop(&p->r, "every vCPU is halted or off, with no interrupt to wake one");
		end_all();
		return;
	}
	if (timer) {
		p->armed_until = 0;
		arm_machine_timer(p, now, left);
	}
	p->r.end->idle_waits++;
	p->idle = true;
	spin_unlock(&machine_lock);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	spin_lock(&machine_lock);
	p->idle = false;
	p->r.end->tsc_idle += cpu_rdtsc() - now;
}

/* This CPU's SVM set-up for running guests: EFER.SVME and its host save area. */
static void pcpu_svm_on(const struct pcpu *p)
{
	cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_SVME);
	cpu_wrmsr(MSR_VM_HSAVE_PA, p->hsave_pa);
}

/*
 * Whether vCPU c's VMCB holds this CPU's own state where the guest's
 * should be: RIP the instruction after VMRUN and CR3 this CPU's, what
 * VMRUN saves for the host (svm_run.S). Run again, it would run this
 * machine's code on the guest's nested table; no guest has that state.
 * Seen under QEMU TCG (MTTCG, 4 vCPUs on 2 CPUs) in about 1 Linux boot of
 * 15-60; the first #VMEXIT's guest state is gone by then.
 */
static bool holds_host_state(const struct vsnp_vcpu *c)
{
	uint64_t cr3;

	__asm__ volatile("movq %%cr3, %0" : "=r"(cr3));
	return c->vmcb->save.rip == (uint64_t)(uintptr_t)svm_run_after_vmrun &&
	       (c->vmcb->save.cr3 & ~0xFFFull) == (cr3 & ~0xFFFull);
}

/* Counts one exit of kind key that took tsc cycles to serve (the lock held). */
static void profile(struct vsnp_cpu_end *end, uint64_t key, uint64_t tsc)
{
	end->tsc_serving += tsc;
	for (unsigned i = 0; i < VSNP_PROF_KINDS; i++) {
		struct vsnp_exit_kind *k = &end->kinds[i];

		if (k->count == 0)
			k->key = key;
		if (k->key == key) {
			k->count++;
			k->tsc += tsc;
			return;
		}
	}
	end->other_count++;
	end->other_tsc += tsc;
}

/*
 * CPU p's share of the machine: its vCPUs in turn until the run ends. A
 * vCPU keeps the CPU until a VMGEXIT or HLT (where another gets its turn),
 * or the end of its slice when others wait.
 */
static void pcpu_loop(struct pcpu *p)
{
	struct run *r = &p->r;
	struct vsnp_cpu_end *end = r->end;

	/*
	 * IF stays clear here: a kick must wait, pending, until VMRUN (where
	 * it is the INTR exit pull_out waits for) or HLT (where it wakes).
	 */
	__asm__ volatile("cli" ::: "memory");
	spin_lock(&machine_lock);
	while (!ended) {
		if (p->cur == NULL || r->yield || r->c->state != VCPU_RUNNABLE) {
			struct vsnp_vcpu *n = next_vcpu(p, r->c);

			r->yield = false;
			p->cur = n;
			if (n == NULL) {
				pcpu_idle(p);
				continue;
			}
			set_stuck(p, false);
			if (r->c != NULL && n != r->c)
				end->vcpu_switches++;
			r->c = n;
			r->slice_end = cpu_rdtsc() + tsc_hz() / 1000000 * SLICE_US;
		}

		struct vsnp_vcpu *c = r->c;
		struct vmcb_control *ctl = &c->vmcb->ctl;
		struct vsnp_machine *m = c->m;
		unsigned vmpl = c->vmpl;
		int vec = interrupts_before_run(p);

		/* One ASID for every vCPU: a flush serves all of this CPU's. */
		ctl->tlb_control = p->flush_gen != m->flush_gen || c->flush_tlb ? VMCB_TLB_FLUSH_ALL : VMCB_TLB_NOTHING;
		p->flush_gen = m->flush_gen;
		c->flush_tlb = false;
		if (c->vmpl != 0 && end->tsc_first_vmpl2 == 0) {
			end->tsc_first_vmpl2 = cpu_rdtsc();
			phase_mark(end, 0);
		}
		/* In the guest from here for the other CPUs (pull_out), with the lock's changes so far flushed. */
		__atomic_store_n(&p->in_guest, true, __ATOMIC_RELEASE);
		spin_unlock(&machine_lock);
		fpu_load(c);
		uint64_t t_run = cpu_rdtsc();

		svm_run(c->vmcb_pa, &c->g, p->host_pa);
		uint64_t t_exit = cpu_rdtsc();

		fpu_save(c);
		__atomic_store_n(&p->in_guest, false, __ATOMIC_RELEASE);
		spin_lock(&machine_lock);
		end->tsc_guest += t_exit - t_run;
		if (ended)
			break;
		const bool taken = vec >= 0 && !(ctl->int_ctl & VMCB_V_IRQ); /* the CPU took the virtual interrupt */

		vsnp_apic_offer_done(&c->apic[vmpl], taken);
		if (taken) {
			if (vmpl == 0)
				end->irqs_vmpl0++;
			else
				end->irqs_lower++;
		}
		vsnp_kvm_pv_eoi_exit(c, vmpl); /* after the delivery, which the flag may have ended; before anything reads the APIC */
		end->exits++;
		if (c->pulled) {
			/* Another CPU replaced this context while it ran (AP creation): the exit was the old one's. */
			c->pulled = false;
			r->yield = true;
			continue;
		}
		end->exit_code = ctl->exit_code;
		end->exit_info_1 = ctl->exit_info_1;
		end->exit_info_2 = ctl->exit_info_2;
		end->rip = c->vmcb->save.rip;
		end->vmpl = c->vmpl;
		end->apic_id = c->apic_id;
		if (holds_host_state(c)) {
			stopf(r, "its VMCB came back holding this machine's own state (RIP after VMRUN, CR3 0x%llx): the guest's "
				 "state is lost; the state VMRUN saved for the host was written over it, as a second #VMEXIT "
				 "right after the first would (QEMU TCG)", (unsigned long long)c->vmcb->save.cr3);
			end_all();
			break;
		}
		if (c->vmpl != 0)
			end->vmpl2_exits++;
		r->kind = ctl->exit_code;
		handle_exit(r);
		profile(end, r->kind, cpu_rdtsc() - t_exit);
		if (ended)
			end_all();
	}
	p->cur = NULL;
	spin_unlock(&machine_lock);
	__atomic_store_n(&p->out, true, __ATOMIC_RELEASE);
}

/* An AP of the machine (smp_set_ap_work): its share of the vCPUs, then it halts for good. */
static void pcpu_ap_work(unsigned cpu)
{
	if (cpu < npcpus) {
		pcpu_svm_on(&pcpus[cpu]);
		pcpu_loop(&pcpus[cpu]);
	}
	for (;;)
		__asm__ volatile("cli; hlt");
}

int vsnp_cpu_run(struct vsnp_machine *m, uint64_t vmsa_gpa, unsigned ncpus, struct vsnp_cpu_end *out)
{
	struct vsnp_cpu_end *end = &run_record;
	uint64_t msrpm_pa = zeroed(1, 0xFF), iopm_pa = zeroed(2, 0xFF);
	struct vsnp_vcpu *boot = &vcpus[0];
	void *va;

	memset(end, 0, sizeof(*end));
	memset(out, 0, sizeof(*out));
	if (ncpus == 0 || ncpus > VSNP_MAX_VCPUS)
		return SVSM_EINVAL;
	if (msrpm_pa == MM_PA_NONE || iopm_pa == MM_PA_NONE)
		return SVSM_ENOMEM;
	for (unsigned i = 0; i < sizeof(passthrough_msrs) / sizeof(passthrough_msrs[0]); i++)
		msr_passthrough(phys_to_virt(msrpm_pa), passthrough_msrs[i]);
	memset(vcpus, 0, sizeof(vcpus));
	memset(pcpus, 0, sizeof(pcpus));
	ended = false;
	nstuck = 0;
	nvcpus = ncpus;
	m->hv.ncpus = ncpus;
	/* The machine's CPUs: each that came up, none with no vCPU to run. */
	npcpus = smp_cpus() < SMP_MAX_CPUS ? smp_cpus() : SMP_MAX_CPUS;
	if (npcpus > ncpus)
		npcpus = ncpus;
	for (unsigned i = 0; i < npcpus; i++) {
		pcpus[i].index = i;
		pcpus[i].r.end = end;
		pcpus[i].host_pa = zeroed(0, 0);
		pcpus[i].hsave_pa = zeroed(0, 0);
		pcpus[i].flush_gen = m->flush_gen;
		if (pcpus[i].host_pa == MM_PA_NONE || pcpus[i].hsave_pa == MM_PA_NONE)
			return SVSM_ENOMEM;
	}
	for (unsigned i = 0; i < ncpus; i++) {
		uint64_t vmcb_pa = zeroed(0, 0);

		if (vmcb_pa == MM_PA_NONE)
			return SVSM_ENOMEM;
		vcpus[i].m = m;
		vcpus[i].vmcb = phys_to_virt(vmcb_pa);
		vcpus[i].vmcb_pa = vmcb_pa;
		vcpus[i].apic_id = i;
		vcpus[i].hv.apic_id = i;
		vcpus[i].pcpu = i % npcpus;
		pcpus[i % npcpus].nvcpus++;
		for (unsigned vmpl = 0; vmpl < SNP_VMPL_COUNT; vmpl++)
			vsnp_apic_init(&vcpus[i].apic[vmpl], i);
		vmcb_setup(vcpus[i].vmcb, msrpm_pa, iopm_pa);
	}
	end->pcpus = npcpus;
	/* The boot VMSA says its VMPL (the launch's VP context: VMPL0 for the SVSM). */
	if (vsnp_gmem_find(&m->gmem, vmsa_gpa, &va) != SVSM_OK || ((struct vmsa *)va)->vmpl >= SNP_VMPL_COUNT)
		return SVSM_EINVAL;
	boot->vmsa_gpa[((struct vmsa *)va)->vmpl] = vmsa_gpa;
	if (load_context(boot, ((struct vmsa *)va)->vmpl) != SVSM_OK)
		return SVSM_EINVAL;
	boot->state = VCPU_RUNNABLE;
	m->views[0][0].quiesce = quiesce_others;
	m->views[0][0].quiesce_ctx = NULL;
	pcpu_svm_on(&pcpus[0]);
	end->tsc_start = cpu_rdtsc();
	vsnp_kvm_clock_start(end->tsc_start);
	smp_set_ap_work(pcpu_ap_work); /* the APs join in */
	pcpu_loop(&pcpus[0]);

	/* Every CPU out of its loop (kicked at the end) before their vCPUs' state is read. */
	uint64_t t0 = cpu_rdtsc(), span = tsc_hz() / 1000 * KICK_WAIT_MS;

	for (unsigned i = 1; i < npcpus; i++)
		while (!__atomic_load_n(&pcpus[i].out, __ATOMIC_ACQUIRE)) {
			if (cpu_rdtsc() - t0 > span)
				panic("vsnp: CPU %u did not leave its loop within %u ms of the run's end", i, KICK_WAIT_MS);
			__asm__ volatile("pause");
		}
	end->tsc_end = cpu_rdtsc();
	m->views[0][0].quiesce = NULL;
	/* Each CPU's state as it ended, where its VMSA keeps it. */
	for (unsigned i = 0; i < nvcpus; i++)
		if (vcpus[i].state != VCPU_OFF)
			store_context(&vcpus[i], vcpus[i].vmcb->ctl.exit_code, vcpus[i].vmcb->ctl.exit_info_1,
				      vcpus[i].vmcb->ctl.exit_info_2);
	for (unsigned i = 0; i < nvcpus; i++)
		for (unsigned vmpl = 0; vmpl < SNP_VMPL_COUNT; vmpl++)
			run_record.pv_eois += vcpus[i].apic[vmpl].pv_eois;
	vsnp_io_flush(&m->io);
	*out = run_record;
	return SVSM_OK;
}

void vsnp_cpu_report(void)
{
	static const char *const states[] = { [VCPU_OFF] = "off", [VCPU_RUNNABLE] = "runnable", [VCPU_HALTED] = "halted" };

	for (unsigned i = 0; i < nvcpus; i++) {
		const struct vsnp_vcpu *v = &vcpus[i];

		console_printf("vsnp: vCPU %u: %s at VMPL%u, RIP 0x%llx RFLAGS 0x%llx; VMSAs 0x%llx 0x%llx 0x%llx 0x%llx\n",
			       i, states[v->state], v->vmpl, (unsigned long long)v->vmcb->save.rip,
			       (unsigned long long)v->vmcb->save.rflags, (unsigned long long)v->vmsa_gpa[0],
			       (unsigned long long)v->vmsa_gpa[1], (unsigned long long)v->vmsa_gpa[2],
			       (unsigned long long)v->vmsa_gpa[3]);
	}
}
