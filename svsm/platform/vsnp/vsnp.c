/* SPDX-License-Identifier: MIT */
/*
 * The vsnp backend: set-up of the emulated SNP machine and the platform
 * table the SVSM uses on it. The SVSM itself runs at "VMPL0" natively (it
 * is the L1 hypervisor); its PVALIDATE, RMPADJUST and page state changes
 * act on the RMP model (with VMPL0's rights) and drop the guest's nested
 * mappings of the pages they change, so the guest sees each change at its
 * next access. Everything else goes to the native backend.
 */
#include "abi/ghcb.h"
#include "abi/snp.h"
#include "abi/vmcb.h"
#include "abi/x86.h"
#include "lib/cpu.h"
#include "lib/io.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "protocols/svsm_vm.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/mm.h"
#include "svsm/panic.h"
#include "svsm/percpu.h"
#include "svsm/platform.h"
#include "svsm/platform_vsnp.h"
#include "svsm/probe.h"
#include "svsm/psp_model.h"
#include "svsm/snp_cpuid.h"
#include "svsm/snp_pvalidate.h"
#include "svsm/vsnp.h"
#include "svsm/vsnp_chip.h"
#include "svsm/vsnp_cpuid.h"
#include "svsm/psp_chip.h"
#include "vsnp_internal.h"

struct vsnp_state vsnp;

/* ---- nested page table environment ---- */

static void *npt_va(void *ctx, uint64_t pa);

static bool lent_mapped(uint64_t pa)
{
	uint64_t i = pa / PAGE_SIZE;

	return i < vsnp.rmp.pages && (vsnp.lent_map[i / 64] >> (i % 64) & 1) != 0;
}

/*
 * A page the guest lent (DEPOSIT_MEM), for the SVSM's own use: mapped
 * into the direct map where its address says (the direct map otherwise
 * holds SVSM memory only) and recorded, so npt_va knows it. MM_PA_NONE
 * when none is lent or it cannot be mapped (then it goes back to the pool).
 */
static uint64_t lent_page(void)
{
	uint64_t pa;

	if (vsnp.vm == NULL || svsm_lent_take(vsnp.vm, &pa) != SVSM_OK)
		return MM_PA_NONE;
	/* The pool holds what DEPOSIT_MEM checked: guest RAM pages inside the model. */
	if ((pa & (PAGE_SIZE - 1)) != 0 || pa / PAGE_SIZE >= vsnp.rmp.pages ||
	    !memmap_contains(&vsnp.guest_ram, pa, pa + PAGE_SIZE))
		panic("vsnp: lent page 0x%llx is not guest RAM", (unsigned long long)pa);
	if (pgt_map(vm_kernel_pt(), SVSM_DIRECT_MAP_BASE + pa, pa, PAGE_SIZE,
		    PGT_WRITE | PGT_GLOBAL | PGT_ENC) != SVSM_OK) {
		if (svsm_lent_release(vsnp.vm, pa) != SVSM_OK)
			panic("vsnp: lent page 0x%llx could not go back", (unsigned long long)pa);
		return MM_PA_NONE;
	}
	vsnp.lent_map[pa / PAGE_SIZE / 64] |= 1ull << (pa / PAGE_SIZE % 64);
	vsnp.lent_pages_used++;
	return pa;
}

/*
 * Nested page-table pages are spent on the guest's behalf, so they come
 * from memory the guest lent first and from the SVSM heap otherwise.
 * Table pages are never freed (docs/ARCHITECTURE.md), so a lent page used
 * here stays in use and WITHDRAW_MEM does not hand it back.
 */
static uint64_t npt_alloc(void *ctx)
{
	(void)ctx;
	uint64_t pa = lent_page();

	if (pa == MM_PA_NONE)
		pa = buddy_alloc(mm_buddy(), 0);
	if (pa != MM_PA_NONE)
		memset(npt_va(NULL, pa), 0, PAGE_SIZE);
	return pa;
}

static void *npt_va(void *ctx, uint64_t pa)
{
	(void)ctx;
	if (lent_mapped(pa))
		return (void *)(uintptr_t)(SVSM_DIRECT_MAP_BASE + pa);
	return phys_to_virt(pa);
}

/*
 * A changed nested entry: the guest's TLB (its ASID) is flushed at each
 * CPU's next VMRUN, and a CPU inside VMRUN now is kicked out of it first
 * (as hardware needs a broadcast TLB invalidation after taking a right
 * away, the RMP check being made only when a translation is cached).
 */
static void npt_flush(void *ctx, uint64_t va)
{
	(void)ctx, (void)va;
	for (unsigned i = 0; i < SMP_MAX_CPUS; i++)
		vsnp.flush_guest_tlb[i] = true;
	vsnp_kick_guest_cpus();
}

static void npt_flush_all(void *ctx)
{
	npt_flush(ctx, 0);
}

static const struct pgtable_ops npt_ops = { npt_alloc, npt_va, npt_flush, npt_flush_all, NULL };

/* ---- the platform table ---- */

static uint64_t size_bytes(unsigned page_size)
{
	return page_size == RMP_PG_SIZE_2M ? LARGE_PAGE_SIZE : PAGE_SIZE;
}

static void drop(uint64_t pa, unsigned page_size)
{
	/* Aligned and inside the model (the model accepted the change), so this cannot fail. */
	if (vsnp_npt_drop(&vsnp.npt, pa, size_bytes(page_size)) != SVSM_OK)
		panic("vsnp: dropping nested mappings of 0x%llx failed", (unsigned long long)pa);
}

/* The "instruction" under the snp backend's PVALIDATE logic: the RMP model at VMPL0. */
static int model_pvalidate(void *ctx, uint64_t pa, unsigned page_size, bool validate, bool *cf)
{
	struct rmp_result r = rmp_model_pvalidate(&vsnp.rmp, 0, pa, page_size, validate);

	(void)ctx;
	*cf = r.unchanged;
	return r.code == RMP_MODEL_FAULT ? SNP_INSN_FAULTED : r.code;
}

/*
 * The same contract as on hardware through the snp backend's code (2 MiB
 * falls back to 512 x 4 KiB over 4 KiB RMP entries, undone on failure).
 */
static int vsnp_pvalidate(uint64_t pa, unsigned size, bool validate, bool *unchanged)
{
	int code = snp_pvalidate_page(model_pvalidate, NULL, pa, size, validate, unchanged);

	if (code == SNP_PVALIDATE_TORN)
		panic("vsnp: a 2 MiB PVALIDATE fallback could not be undone at 0x%llx",
		      (unsigned long long)pa);
	if (code == PVALIDATE_SUCCESS && !*unchanged)
		drop(pa, size);
	return code;
}

static int vsnp_rmpadjust(uint64_t pa, unsigned size, uint64_t attrs)
{
	struct rmp_result r = rmp_model_rmpadjust(&vsnp.rmp, 0, pa, size, attrs);

	if (r.code == RMPADJUST_SUCCESS)
		drop(pa, size);
	return r.code == RMP_MODEL_FAULT ? RMPADJUST_FAIL_INPUT : r.code;
}

static int vsnp_page_state(uint64_t pa, unsigned size, bool private_)
{
	if (rmp_model_set_private(&vsnp.rmp, pa, size == RMP_PG_SIZE_2M, private_) != SVSM_OK)
		return SVSM_EIO;
	drop(pa, size);
	return SVSM_OK;
}

static int vsnp_ap_create(uint32_t apic_id, uint64_t vmsa_pa, unsigned vmpl, uint64_t sev_features)
{
	(void)apic_id, (void)vmsa_pa, (void)vmpl, (void)sev_features;
	return SVSM_ENOTSUP; /* the SVSM is the hypervisor here: vcpu.c serves the guest's AP creation */
}

static int vsnp_run_vmpl(unsigned vmpl)
{
	(void)vmpl;
	return SVSM_ENOTSUP; /* the SVSM is the hypervisor here: vsnp_run, not a Run VMPL request */
}

/*
 * The SVSM's own guest request (its attestation protocol): on hardware the
 * two pages are shared and the hypervisor passes them to the PSP; here the
 * PSP model reads and writes them directly. They are the SVSM's pages.
 */
static int vsnp_guest_request(uint64_t req_pa, uint64_t resp_pa, uint64_t *fw_error)
{
	const struct memmap *svsm = mm_svsm_memory();

	*fw_error = 0;
	if (((req_pa | resp_pa) & (PAGE_SIZE - 1)) != 0 || req_pa == resp_pa ||
	    !memmap_contains(svsm, req_pa, req_pa + PAGE_SIZE) ||
	    !memmap_contains(svsm, resp_pa, resp_pa + PAGE_SIZE))
		return SVSM_EINVAL;
	return psp_model_guest_request(&vsnp.psp, phys_to_virt(req_pa), phys_to_virt(resp_pa),
				       fw_error);
}

int vsnp_shared_copy(uint64_t gpa, void *buf, size_t len, bool write)
{
	uint64_t page = gpa & ~(PAGE_SIZE - 1);
	const struct rmp_entry *e;
	void *va;
	int err;

	if (len == 0 || (gpa - page) + len > PAGE_SIZE)
		return SVSM_EINVAL;
	if (!memmap_contains(&vsnp.guest_ram, page, page + PAGE_SIZE))
		return SVSM_EFAULT;
	e = rmp_model_entry(&vsnp.rmp, page);
	if (e == NULL || e->assigned)
		return SVSM_EPERM; /* private: the hypervisor sees only ciphertext on SNP */
	/* Mapped without the C-bit, as a hypervisor maps a shared page. */
	err = tmpmap(page, 1, write ? PGT_WRITE : 0, &va);
	if (err != SVSM_OK)
		return err;
	err = write ? copy_safe((uint8_t *)va + (gpa - page), buf, len)
		    : copy_safe(buf, (const uint8_t *)va + (gpa - page), len);
	tmpunmap(va, 1);
	return err;
}

/* The SVSM's own private accesses to guest memory, as the RMP would judge them (VMPL0). */
static int vsnp_guest_access(uint64_t pa, uint64_t len, bool write)
{
	unsigned access = write ? RMP_ACCESS_WRITE : RMP_ACCESS_READ;

	if (len == 0)
		return SVSM_OK;
	for (uint64_t page = pa & ~(PAGE_SIZE - 1); page < pa + len; page += PAGE_SIZE) {
		if (rmp_model_access(&vsnp.rmp, page, 0, access) != RMP_OK)
			return SVSM_EFAULT;
	}
	return SVSM_OK;
}

static uint64_t vsnp_enc_mask(void)
{
	return 0; /* the SVSM's own page tables: L1 has no memory encryption */
}

static struct platform_ops vsnp_ops;

static void ops_init(void)
{
	vsnp_ops = platform_native_ops;
	vsnp_ops.name = "vsnp";
	vsnp_ops.pvalidate = vsnp_pvalidate;
	vsnp_ops.rmpadjust = vsnp_rmpadjust;
	vsnp_ops.page_state = vsnp_page_state;
	vsnp_ops.ap_create = vsnp_ap_create;
	vsnp_ops.run_vmpl = vsnp_run_vmpl;
	vsnp_ops.guest_request = vsnp_guest_request;
	vsnp_ops.enc_mask = vsnp_enc_mask;
	vsnp_ops.guest_access = vsnp_guest_access;
}

/* ---- set-up ---- */

static struct cpuid_regs real_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf)
{
	(void)ctx;
	return cpu_cpuid(leaf, subleaf);
}

static int guest_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	struct cpuid_regs r;
	int err = vsnp_cpuid_answer(leaf, subleaf, 0x620 /* launch CR4 */, 1, &r);

	(void)ctx;
	out[0] = r.eax, out[1] = r.ebx, out[2] = r.ecx, out[3] = r.edx;
	return err;
}

/* A guest-RAM page the SVSM owns: one vsnp took from the lent pool, or one the VM's rules give the SVSM. */
static bool guest_page_svsm_owned(void *ctx, uint64_t pa)
{
	(void)ctx;
	return lent_mapped(pa) || (vsnp.vm != NULL && svsm_vm_page_is_svsm_owned(vsnp.vm, pa));
}

static int hv_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	(void)ctx;
	*out = cpu_cpuid(leaf, subleaf);
	return SVSM_OK;
}

int vsnp_cpuid_answer(uint32_t leaf, uint32_t subleaf, uint64_t cr4, uint64_t xcr0,
		      struct cpuid_regs *out)
{
	struct snp_cpuid_env env = {
		.osxsave = (cr4 & CR4_OSXSAVE) != 0,
		.pke = (cr4 & CR4_PKE) != 0,
		.xcr0 = xcr0,
		.xss = 0,
		.hv = hv_cpuid,
	};

	return snp_cpuid_lookup(&vsnp.cpuid, leaf, subleaf, &env, out);
}

/* RMP for [0, top): SVSM memory VMPL0-only and validated, guest RAM private and not validated. */
static int rmp_setup(const struct memmap *svsm_mem, const char **why)
{
	uint64_t top = 0;

	for (unsigned i = 0; i < vsnp.guest_ram.count; i++)
		top = vsnp.guest_ram.r[i].end > top ? vsnp.guest_ram.r[i].end : top;
	for (unsigned i = 0; i < svsm_mem->count; i++)
		top = svsm_mem->r[i].end > top ? svsm_mem->r[i].end : top;
	top = (top + LARGE_PAGE_SIZE - 1) & ~(LARGE_PAGE_SIZE - 1);

	uint64_t pages = top / PAGE_SIZE;
	struct rmp_entry *e = kzalloc(pages * sizeof(*e));

	vsnp.lent_map = kzalloc((pages + 63) / 64 * sizeof(uint64_t));
	if (e == NULL || vsnp.lent_map == NULL || rmp_model_init(&vsnp.rmp, e, 0, pages) != SVSM_OK) {
		*why = "no memory for the RMP model";
		return SVSM_ENOMEM;
	}
	for (unsigned i = 0; i < svsm_mem->count; i++) {
		for (uint64_t pa = svsm_mem->r[i].start; pa < svsm_mem->r[i].end; pa += PAGE_SIZE) {
			if (rmp_model_set_private(&vsnp.rmp, pa, false, true) != SVSM_OK ||
			    rmp_model_pvalidate(&vsnp.rmp, 0, pa, RMP_PG_SIZE_4K, true).code != 0) {
				*why = "SVSM memory could not be made private in the RMP model";
				return SVSM_EIO;
			}
		}
	}
	for (unsigned i = 0; i < vsnp.guest_ram.count; i++) {
		for (uint64_t pa = vsnp.guest_ram.r[i].start; pa < vsnp.guest_ram.r[i].end; pa += PAGE_SIZE) {
			if (rmp_model_set_private(&vsnp.rmp, pa, false, true) != SVSM_OK) {
				*why = "guest RAM could not be made private in the RMP model";
				return SVSM_EIO;
			}
		}
	}
	log_info("vsnp: RMP model over 0x0-0x%llx: %llu entries, %llu KiB",
		 (unsigned long long)top, (unsigned long long)pages,
		 (unsigned long long)(pages * sizeof(*e) >> 10));
	return SVSM_OK;
}

static uint64_t zeroed_pages(unsigned order)
{
	uint64_t pa = buddy_alloc(mm_buddy(), order);

	if (pa != MM_PA_NONE)
		memset(phys_to_virt(pa), 0, PAGE_SIZE << order);
	return pa;
}

/* The MSR and I/O permission maps (APM vol.2 §15.10, §15.11). */
static void set_msr_intercept(uint8_t *msrpm, uint32_t msr, bool intercept)
{
	uint32_t base;

	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xC0000000 && msr < 0xC0002000)
		base = 0x800, msr -= 0xC0000000;
	else if (msr >= 0xC0010000 && msr < 0xC0012000)
		base = 0x1000, msr -= 0xC0010000;
	else
		return; /* outside the map: always intercepted */
	uint8_t bits = (uint8_t)(3u << ((msr % 4) * 2)); /* read and write bits */

	if (intercept)
		msrpm[base + msr / 4] |= bits;
	else
		msrpm[base + msr / 4] &= (uint8_t)~bits;
}

/* The machine's ports and the SVSM console, for the guest's allowed ports. */
static uint8_t io_inb_op(void *ctx, uint16_t port)
{
	(void)ctx;
	return io_inb(port);
}

static void io_outb_op(void *ctx, uint16_t port, uint8_t v)
{
	(void)ctx;
	io_outb(port, v);
}

static void io_console_op(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	console_printf("%.*s", (int)len, line);
}

static const struct vsnp_io_ops io_ops = {
	.inb = io_inb_op, .outb = io_outb_op, .console = io_console_op,
};

static int maps_setup(const char **why)
{
	vsnp.msrpm_pa = zeroed_pages(1);
	vsnp.iopm_pa = zeroed_pages(2);
	for (unsigned i = 0; i < SMP_MAX_CPUS; i++) {
		vsnp.hsave_pa[i] = zeroed_pages(0);
		vsnp.host_save_pa[i] = zeroed_pages(0);
		if (vsnp.hsave_pa[i] == MM_PA_NONE || vsnp.host_save_pa[i] == MM_PA_NONE) {
			*why = "no memory for the SVM host save areas";
			return SVSM_ENOMEM;
		}
	}
	if (vsnp.msrpm_pa == MM_PA_NONE || vsnp.iopm_pa == MM_PA_NONE) {
		*why = "no memory for the SVM maps";
		return SVSM_ENOMEM;
	}
	uint8_t *msrpm = phys_to_virt(vsnp.msrpm_pa);
	uint8_t *iopm = phys_to_virt(vsnp.iopm_pa);

	/*
	 * Every MSR is intercepted (and emulated or refused) but those that
	 * live in the VMCB's VMLOAD/VMSAVE state, which the guest may own.
	 */
	memset(msrpm, 0xFF, VMCB_MSRPM_SIZE);
	static const uint32_t guest_owned[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
		0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, /* STAR, LSTAR, CSTAR, SFMASK */
		0x174, 0x175, 0x176,                            /* SYSENTER_CS/ESP/EIP */
	};
	for (unsigned i = 0; i < sizeof(guest_owned) / sizeof(guest_owned[0]); i++)
		set_msr_intercept(msrpm, guest_owned[i], false);

	/*
	 * Every port is intercepted and served from io_ports.c's allow-list:
	 * a port the guest reached directly would be QEMU's device driven by
	 * the guest, fw_cfg's DMA into SVSM memory among them.
	 */
	memset(iopm, 0xFF, VMCB_IOPM_SIZE);
	vsnp_io_init(&vsnp.io, &io_ops);
	return SVSM_OK;
}

/*
 * The PSP model of the emulated chip (include/svsm/vsnp_chip.h), a launch
 * started with fresh VMPCKs, and the firmware's secrets page holding them.
 */
static int psp_setup(const char **why)
{
	uint8_t keys[4][SNP_VMPCK_SIZE];
	uint64_t t0 = cpu_rdtsc();

	if (platform_random(keys, sizeof(keys)) != SVSM_OK) {
		*why = "no random numbers for the VMPCKs";
		return SVSM_EIO;
	}
	if (psp_chip_start(&vsnp.psp, VSNP_GUEST_POLICY, keys, why) != SVSM_OK)
		return SVSM_EIO;
	memset(&vsnp.secrets, 0, sizeof(vsnp.secrets));
	vsnp.secrets.version = 3;
	memcpy(vsnp.secrets.vmpck, vsnp.psp.vmpck, sizeof(vsnp.secrets.vmpck));
	memset(keys, 0, sizeof(keys));
	launch_digest_init(&vsnp.digest);
	log_info("vsnp: PSP model up (test-only ARK/ASK/VCEK of the public vsnp chip seed; "
		 "fresh VMPCKs) in %llu M TSC cycles", (unsigned long long)((cpu_rdtsc() - t0) >> 20));
	return SVSM_OK;
}

int vsnp_init(const char **why)
{
	const char *cwhy = "";
	int err;

	*why = "";
	vsnp.guest_ram = *mm_guest_memory();

	/* The guest's C-bit: the highest physical address bit the CPU has (not RAM). */
	unsigned phys_bits = cpu_cpuid(0x80000008, 0).eax & 0xFF;

	if (phys_bits < 33 || phys_bits > 52) {
		*why = "CPU physical address width outside 33..52 bits";
		return SVSM_ENOTSUP;
	}
	vsnp.cbit_pos = phys_bits - 1;
	err = rmp_setup(mm_svsm_memory(), why);
	if (err != SVSM_OK)
		return err;
	err = vsnp_npt_init(&vsnp.npt, &npt_ops, NULL, &vsnp.rmp, &vsnp.guest_ram,
			    1ull << vsnp.cbit_pos, 2);
	if (err != SVSM_OK) {
		*why = "nested page table set-up failed";
		return err;
	}

	struct vsnp_cpuid_src src = { real_cpuid, NULL };

	err = vsnp_cpuid_page_build(&vsnp.cpuid_page, &src, vsnp.cbit_pos, &cwhy);
	if (err == SVSM_OK)
		err = snp_cpuid_init(&vsnp.cpuid, &vsnp.cpuid_page, &cwhy);
	if (err != SVSM_OK) {
		*why = cwhy;
		return err;
	}

	err = psp_setup(why);
	if (err != SVSM_OK)
		return err;

	err = maps_setup(why);
	if (err != SVSM_OK)
		return err;
	vsnp_cpu_init();

	vsnp.hv = (struct vsnp_hv){
		.rmp = &vsnp.rmp,
		.npt = &vsnp.npt,
		.guest_ram = &vsnp.guest_ram,
		.cbit_pos = vsnp.cbit_pos,
		.features = GHCB_HV_FT_SNP | GHCB_HV_FT_SNP_AP_CREATION | GHCB_HV_FT_SNP_MULTI_VMPL,
		.cpuid = guest_cpuid,
		.svsm_owned = guest_page_svsm_owned,
	};
	ops_init();
	platform_install(&vsnp_ops);
	log_warn("vsnp: emulating SEV-SNP on SVM with nested paging: NO CONFIDENTIALITY; "
		 "guest C-bit %u, CPUID page %u entries", vsnp.cbit_pos, vsnp.cpuid_page.count);
	return SVSM_OK;
}

void vsnp_cpu_init(void)
{
	cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_SVME);
	cpu_wrmsr(MSR_VM_HSAVE_PA, vsnp.hsave_pa[this_cpu()->cpu_index]);
}

uint64_t vsnp_guest_cbit(void)
{
	return 1ull << vsnp.cbit_pos;
}

const struct snp_cpuid_table *vsnp_guest_cpuid(void)
{
	return &vsnp.cpuid_page;
}

const struct snp_secrets_page *vsnp_secrets(void)
{
	return &vsnp.secrets;
}

const struct memmap *vsnp_guest_ram(void)
{
	return &vsnp.guest_ram;
}

struct launch_digest *vsnp_launch_digest(void)
{
	return &vsnp.digest;
}

void vsnp_launch_finish(void)
{
	char hex[2 * SNP_LD_LEN + 1];

	psp_model_launch_finish(&vsnp.psp, vsnp.digest.ld);
	for (unsigned i = 0; i < SNP_LD_LEN; i++) {
		hex[2 * i] = "0123456789abcdef"[vsnp.digest.ld[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[vsnp.digest.ld[i] & 0xF];
	}
	hex[2 * SNP_LD_LEN] = '\0';
	console_printf("SVSM: launch digest %s (%llu pages)\n", hex,
		       (unsigned long long)vsnp.digest.pages);
}
