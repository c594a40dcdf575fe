/* SPDX-License-Identifier: MIT */
/*
 * The MSRs vsnp's hypervisor serves through the GHCB (MSR events, GHCB
 * spec 56421 §4.1.3): the MTRRs, kept per vCPU as KVM keeps them (a
 * firmware programs them: OVMF), TSC_AUX, kept per vCPU and VMPL as
 * KVM keeps it (the CPU under QEMU's TCG has one for the whole machine),
 * kvmclock (include/vsnp/vsnp_kvm.h): the guest names a page it has
 * shared, and the hypervisor writes the time there, and PV EOI, whose flag
 * word the hypervisor sets before an entry and reads after the exit. A
 * page the guest kept private is neither written nor read, as a real
 * host's access to it would be refused by the RMP.
 */
#include "abi/x86.h"
#include "lib/cpu.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/tsc.h"
#include "vsnp/vsnp_kvm.h"
#include "vcpu.h"

#define MSR_AMD64_SYSCFG 0xC0010010u   /* APM vol.2 §A.7 */
#define SYSCFG_MEM_ENCRYPT_MOD_EN (1ull << 23)
#define MSR_K7_HWCR 0xC0010015u        /* PPR for AMD family 19h: MSRC001_0015 */
#define HWCR_MC_STATUS_WR_EN (1ull << 18)
#define HWCR_TSC_FREQ_SEL (1ull << 24)
#define MSR_AMD64_NB_CFG 0xC001001Fu   /* BKDG family 10h-16h: NB_CFG1 (EnableCf8ExtCfg, bit 46) */

/* MTRRs (APM vol.2 §7.7; Intel SDM vol.3 §12.11): capabilities, default type, variable pairs, fixed ranges. */
#define MSR_MTRR_CAP 0xFEu
#define MSR_MTRR_DEF_TYPE 0x2FFu
#define MSR_MTRR_VAR_FIRST 0x200u   /* PhysBase0, PhysMask0, ... PhysMask7 (0x20F) */
#define MTRR_VAR_PAIRS 8u
#define MTRR_CAP_VALUE (MTRR_VAR_PAIRS | (1u << 8) /* fixed ranges */ | (1u << 10) /* WC */)
#define MTRR_DEF_RSVD (~0xCFFull)    /* type 7:0, FE bit 10, E bit 11 */
#define MTRR_BASE_RSVD 0xF00ull      /* bits 11:8 of PhysBase */
#define MTRR_MASK_RSVD 0x7FFull      /* bits 10:0 of PhysMask (bit 11 is Valid) */
#define MTRR_PHYS_BITS 52u           /* no bits above the architecture's limit */

/* The fixed-range MTRRs in order: 64K_00000, 16K_80000, 16K_A0000, 4K_C0000 .. 4K_F8000. */
static const uint32_t mtrr_fixed_msr[11] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26A, 0x26B,
					     0x26C, 0x26D, 0x26E, 0x26F };

/* UC, WC, WT, WP, WB: the memory types an MTRR may hold (2, 3 and 7 up are reserved). */
static bool mtrr_type_ok(uint64_t t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* An MTRR read or write as KVM serves it: SVSM_OK, SVSM_EINVAL (#GP: a reserved bit or type), SVSM_ENOENT (not one). */
static int mtrr_msr(struct vsnp_vcpu *c, uint32_t msr, bool write, uint64_t *val)
{
	uint64_t *slot = NULL;

	if (msr == MSR_MTRR_CAP) {
		if (write)
			return SVSM_EINVAL;
		*val = MTRR_CAP_VALUE;
		return SVSM_OK;
	}
	if (msr == MSR_MTRR_DEF_TYPE) {
		if (write && ((*val & MTRR_DEF_RSVD) != 0 || !mtrr_type_ok(*val & 0xFF)))
			return SVSM_EINVAL;
		slot = &c->hv.mtrr_def;
	} else if (msr >= MSR_MTRR_VAR_FIRST && msr < MSR_MTRR_VAR_FIRST + 2 * MTRR_VAR_PAIRS) {
		const bool mask = (msr - MSR_MTRR_VAR_FIRST) % 2 != 0;

		if (write && ((*val >> MTRR_PHYS_BITS) != 0 ||
			      (mask ? (*val & MTRR_MASK_RSVD) != 0
				    : (*val & MTRR_BASE_RSVD) != 0 || !mtrr_type_ok(*val & 0xFF))))
			return SVSM_EINVAL;
		slot = &c->hv.mtrr_var[msr - MSR_MTRR_VAR_FIRST];
	} else {
		for (unsigned i = 0; i < 11 && slot == NULL; i++) {
			if (mtrr_fixed_msr[i] == msr)
				slot = &c->hv.mtrr_fixed[i];
		}
		if (slot == NULL)
			return SVSM_ENOENT;
		for (unsigned b = 0; write && b < 8; b++) {
			if (!mtrr_type_ok((*val >> (8 * b)) & 0xFF))
				return SVSM_EINVAL;
		}
	}
	if (write)
		*slot = *val;
	*val = *slot;
	return SVSM_OK;
}

static uint64_t clock_tsc0;

void vsnp_kvm_clock_start(uint64_t tsc0)
{
	clock_tsc0 = tsc0;
}

/* The len bytes at gpa if they lie in one shared page, or NULL (said when what names them). */
static void *shared_at(struct vsnp_vcpu *c, uint64_t gpa, size_t len, const char *what)
{
	uint64_t off = gpa & (PAGE_SIZE - 1);
	uint8_t *page;

	if (off + len > PAGE_SIZE || (page = vsnp_shared_page(c, gpa - off)) == NULL) {
		if (what != NULL)
			console_printf("vsnp: vCPU %u VMPL%u: %s 0x%llx is not in a shared page: not written\n",
				       c->apic_id, c->vmpl, what, (unsigned long long)gpa);
		return NULL;
	}
	return page + off;
}

/* Written as the guest expects a concurrent update: version odd, the fields, version even. */
static void write_time(struct vsnp_vcpu *c, uint64_t gpa)
{
	volatile struct pvclock_time_info *t = shared_at(c, gpa, sizeof(*t), "kvmclock area");
	struct pvclock_time_info now;

	if (t == NULL)
		return;
	vsnp_kvm_time_info(&now, cpu_rdtsc(), clock_tsc0, tsc_hz());
	uint32_t v = t->version | 1; /* odd */

	t->version = v;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	t->tsc_timestamp = now.tsc_timestamp;
	t->system_time = now.system_time;
	t->tsc_to_system_mul = now.tsc_to_system_mul;
	t->tsc_shift = now.tsc_shift;
	t->flags = now.flags;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	t->version = v + 1;
}

/* The wall time at system time 0: this machine keeps none, so the epoch (the guest sees 1970 plus its uptime). */
static void write_wall(struct vsnp_vcpu *c, uint64_t gpa)
{
	volatile struct pvclock_wall_clock *w = shared_at(c, gpa, sizeof(*w), "kvmclock area");

	if (w == NULL)
		return;
	uint32_t v = w->version | 1;

	w->version = v;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	w->sec = 0;
	w->nsec = 0;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	w->version = v + 1;
}

/* The guest's PV EOI flag byte (bit 0 of its word) if the word lies in a shared page now, else NULL (every entry: not said). */
static volatile uint8_t *pv_eoi_flag(struct vsnp_vcpu *c, const struct vsnp_apic *a)
{
	return shared_at(c, a->pv_eoi_msr & ~(KVM_PV_EOI_ENABLE | KVM_PV_EOI_RESERVED), 1, NULL);
}

void vsnp_kvm_pv_eoi_enter(struct vsnp_vcpu *c, int offered)
{
	struct vsnp_apic *a = &c->apic[c->vmpl];
	volatile uint8_t *flag;

	if (a->pv_eoi_pending || !vsnp_apic_pv_eoi_offer(a, offered) || (flag = pv_eoi_flag(c, a)) == NULL)
		return; /* a word the guest made private again: it ends its interrupts by EOI writes */
	*flag |= KVM_PV_EOI_FLAG;
	a->pv_eoi_pending = true;
}

void vsnp_kvm_pv_eoi_exit(struct vsnp_vcpu *c, unsigned vmpl)
{
	struct vsnp_apic *a = &c->apic[vmpl];
	volatile uint8_t *flag;

	if (!a->pv_eoi_pending)
		return;
	a->pv_eoi_pending = false;
	if ((flag = pv_eoi_flag(c, a)) == NULL)
		return; /* no longer shared: the hypervisor cannot see an answer, the guest's EOI write will come */
	uint8_t f = *flag; /* read once: another vCPU of the guest may write it meanwhile */

	if (f & KVM_PV_EOI_FLAG) {
		*flag = f & (uint8_t)~KVM_PV_EOI_FLAG; /* not ended yet: the guest will write EOI */
		return;
	}
	/*
	 * The guest cleared the flag: its EOI, of the highest vector in service
	 * (an older one too, if it did not take the one offered). With none in
	 * service there is nothing to end, and nothing to count.
	 */
	if (vsnp_apic_eoi(a))
		a->pv_eois++;
}

int vsnp_kvm_msr(struct vsnp_vcpu *c, uint32_t msr, bool write, uint64_t *val)
{
	struct vsnp_apic *apic = &c->apic[c->vmpl];

	switch (msr) {
	case KVM_MSR_PV_EOI_EN:
		/* Bit 1 reserved, and an address within the architecture's 52 bits (msr.rst; KVM: #GP). */
		if (write && ((*val & KVM_PV_EOI_RESERVED) != 0 || (*val >> 52) != 0))
			return SVSM_EINVAL;
		if (write) {
			/* An exit brought the write: the flag's last answer was taken then (vsnp_kvm_pv_eoi_exit). */
			apic->pv_eoi_msr = *val;
			apic->pv_eoi_pending = false;
			console_printf("vsnp: vCPU %u VMPL%u: PV EOI %s 0x%llx\n", c->apic_id, c->vmpl,
				       (*val & KVM_PV_EOI_ENABLE) ? "on at" : "off, was", (unsigned long long)(*val & ~3ull));
		}
		*val = apic->pv_eoi_msr;
		return SVSM_OK;
	case MSR_TSC_AUX:
		if (write && (*val >> 32) != 0)
			return SVSM_EINVAL; /* bits 63:32 reserved (APM vol.2 §A.7) */
		if (write)
			c->hv.tsc_aux = *val;
		*val = c->hv.tsc_aux;
		return SVSM_OK;
	case KVM_MSR_SYSTEM_TIME_NEW:
		if (write) {
			c->hv.kvm_system_time = *val;
			if (*val & KVM_SYSTEM_TIME_ENABLE)
				write_time(c, *val & ~KVM_SYSTEM_TIME_ENABLE);
		}
		*val = c->hv.kvm_system_time;
		return SVSM_OK;
	case KVM_MSR_WALL_CLOCK_NEW:
		if (write) {
			c->hv.kvm_wall_clock = *val;
			write_wall(c, *val);
		}
		*val = c->hv.kvm_wall_clock;
		return SVSM_OK;
	case MSR_AMD64_SYSCFG:
		/* An SNP host runs with memory encryption on (SYSCFG.MemEncryptionModEn, APM vol.2 §7.10.1). */
		if (write)
			return SVSM_EINVAL;
		*val = SYSCFG_MEM_ENCRYPT_MOD_EN;
		return SVSM_OK;
	case MSR_K7_HWCR:
		/*
		 * The hardware configuration register: TscFreqSel (bit 24) set, the
		 * TSC counts at a fixed rate (CPUID's invariant TSC says the same);
		 * a guest may set McStatusWrEn (bit 18) and nothing else, as KVM
		 * lets it (BKDG/PPR MSRC001_0015).
		 */
		if (write && (*val & ~(HWCR_TSC_FREQ_SEL | HWCR_MC_STATUS_WR_EN)) != 0)
			return SVSM_EINVAL;
		if (write)
			c->hv.hwcr = *val & HWCR_MC_STATUS_WR_EN;
		*val = c->hv.hwcr | HWCR_TSC_FREQ_SEL;
		return SVSM_OK;
	case MSR_AMD64_NB_CFG:
		/* The northbridge's configuration: reads 0, writes ignored, as KVM serves it (no PCI ECS through 0xCF8 here). */
		*val = 0;
		return SVSM_OK;
	default:
		return mtrr_msr(c, msr, write, val);
	}
}
