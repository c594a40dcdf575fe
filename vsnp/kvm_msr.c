/* SPDX-License-Identifier: MIT */
/*
 * The paravirtual MSRs vsnp's hypervisor serves through the GHCB (MSR
 * events, GHCB spec 56421 §4.1.3): TSC_AUX, kept per vCPU and VMPL as
 * KVM keeps it (the CPU under QEMU's TCG has one for the whole machine),
 * and kvmclock (include/vsnp/vsnp_kvm.h): the guest names a page it has
 * shared, and the hypervisor writes the time there. A page the guest kept
 * private is not written, as a real host's write to it would be refused
 * by the RMP.
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

static uint64_t clock_tsc0;

void vsnp_kvm_clock_start(uint64_t tsc0)
{
	clock_tsc0 = tsc0;
}

/* The structure of len bytes at gpa in one shared page, or NULL. */
static void *shared_at(struct vsnp_vcpu *c, uint64_t gpa, size_t len)
{
	uint64_t off = gpa & (PAGE_SIZE - 1);
	uint8_t *page;

	if (off + len > PAGE_SIZE || (page = vsnp_shared_page(c, gpa - off)) == NULL) {
		console_printf("vsnp: vCPU %u VMPL%u: kvmclock area 0x%llx is not in a shared page: not written\n",
			       c->apic_id, c->vmpl, (unsigned long long)gpa);
		return NULL;
	}
	return page + off;
}

/* Written as the guest expects a concurrent update: version odd, the fields, version even. */
static void write_time(struct vsnp_vcpu *c, uint64_t gpa)
{
	volatile struct pvclock_time_info *t = shared_at(c, gpa, sizeof(*t));
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
	volatile struct pvclock_wall_clock *w = shared_at(c, gpa, sizeof(*w));

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

int vsnp_kvm_msr(struct vsnp_vcpu *c, uint32_t msr, bool write, uint64_t *val)
{
	switch (msr) {
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
		return SVSM_ENOENT;
	}
}
