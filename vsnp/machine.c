/* SPDX-License-Identifier: MIT */
/* The emulated machine's state (vsnp/machine.h). */
#include "machine.h"

#include "abi/ghcb.h"
#include "abi/x86.h"
#include "lib/cpu.h"
#include "lib/io.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/tsc.h"
#include "svsm/mm.h"
#include "svsm/platform.h"
#include "vsnp/psp_chip.h"
#include "vsnp/vsnp_cpuid.h"

/* A nested entry went away: each CPU's guest TLB may hold it until its next VMRUN flushes it. */
static void table_flush(void *ctx, uint64_t va)
{
	struct vsnp_machine *m = ctx;

	(void)va;
	m->flush_gen++;
}

static void table_flush_all(void *ctx)
{
	table_flush(ctx, 0);
}

static const struct pgtable_ops view_ops = { vsnp_table_page, vsnp_table_va, table_flush, table_flush_all, NULL };

static struct cpuid_regs host_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf)
{
	(void)ctx;
	return cpu_cpuid(leaf, subleaf);
}

/*
 * The per-vCPU fields of a CPUID answer for the vCPU whose APIC ID ctx
 * points to (APM vol.3 App. E: leaf 1 EBX[31:24] the initial APIC ID,
 * leaf 0xB EDX the x2APIC ID, leaf 0x8000001E EAX the extended APIC ID and
 * EBX[7:0] the core ID: one core per vCPU, one node).
 */
static int vcpu_ids(void *ctx, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	uint32_t id = *(const uint32_t *)ctx;

	(void)leaf, (void)subleaf;
	*out = (struct cpuid_regs){ .eax = id, .ebx = (id & 0xFF) << 24, .ecx = 0, .edx = id };
	if (leaf == 0x8000001E)
		out->ebx = id & 0xFF;
	return SVSM_OK;
}

int vsnp_machine_cpuid(struct vsnp_machine *m, uint32_t apic_id, uint32_t leaf, uint32_t subleaf, uint64_t xcr0,
		       struct cpuid_regs *out)
{
	struct snp_cpuid_env env = { .osxsave = true, .xcr0 = xcr0, .hv = vcpu_ids, .ctx = &apic_id };

	return snp_cpuid_lookup(&m->cpuid, leaf, subleaf, &env, out);
}

/* The hypervisor's CPUID answer through the MSR protocol (sub-leaf 0, XCR0 = 1). */
static int hv_cpuid(void *ctx, uint32_t apic_id, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	struct cpuid_regs r;
	int err = vsnp_machine_cpuid(ctx, apic_id, leaf, subleaf, 1, &r);

	out[0] = r.eax, out[1] = r.ebx, out[2] = r.ecx, out[3] = r.edx;
	return err;
}

static uint8_t io_in(void *ctx, uint16_t port)
{
	(void)ctx;
	return io_inb(port);
}

static void io_out(void *ctx, uint16_t port, uint8_t v)
{
	(void)ctx;
	io_outb(port, v);
}

/* The guest's console lines (its COM1, emulated by the allow-list) go to the machine's console. */
static void io_console(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	console_printf("%.*s", (int)len, line);
}

/* The ACPI PM timer from the TSC: 3.579545 MHz (ACPI 6.5 §4.8.3.3), 32 bits kept (the port gives 24). */
static uint32_t io_pm_timer(void *ctx)
{
	const uint64_t hz = tsc_hz(), t = cpu_rdtsc();

	(void)ctx;
	/* Whole seconds and the rest apart: the product stays within 64 bits (the rest is below hz). */
	return hz != 0 ? (uint32_t)((t / hz) * 3579545u + (t % hz) * 3579545u / hz) : 0;
}

static uint64_t io_tsc(void *ctx)
{
	(void)ctx;
	return cpu_rdtsc();
}

static const struct vsnp_io_ops io_ops = { .inb = io_in, .outb = io_out, .console = io_console,
					   .pm_timer = io_pm_timer, .tsc = io_tsc };

static int rmp_setup(struct vsnp_machine *m)
{
	uint64_t pages = m->ram_size / PAGE_SIZE;
	uint64_t bytes = pages * sizeof(struct rmp_entry);
	unsigned order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	uint64_t pa = buddy_alloc(mm_buddy(), order);

	if (pa == MM_PA_NONE)
		return SVSM_ENOMEM;
	memset(phys_to_virt(pa), 0, PAGE_SIZE << order);

	int err = rmp_model_init(&m->rmp, phys_to_virt(pa), 0, pages);

	/* The firmware window's entries: shared until a launch loads pages there. */
	const uint64_t win_pages = VSNP_FW_WINDOW_SIZE / PAGE_SIZE;
	unsigned win_order = 0;

	while ((PAGE_SIZE << win_order) < win_pages * sizeof(struct rmp_entry))
		win_order++;
	uint64_t win = buddy_alloc(mm_buddy(), win_order);

	if (win == MM_PA_NONE)
		return SVSM_ENOMEM;
	if (err == SVSM_OK)
		err = rmp_model_add_window(&m->rmp, phys_to_virt(win), VSNP_FW_WINDOW_BASE, win_pages);

	/*
	 * An SNP guest's RAM starts private and not validated, as KVM gives
	 * it (guest_memfd, every page private), in 2 MiB RMP entries as a
	 * host backed by huge pages has them: the guest validates what it
	 * uses (2 MiB at a time where it can), converts to shared what it
	 * shares, and a 4 KiB change splits an entry (PSMASH).
	 */
	for (uint64_t i = 0; i < pages && err == SVSM_OK; i += 512)
		err = rmp_model_set_private(&m->rmp, i * PAGE_SIZE, true, true);
	return err;
}

static int view_setup(struct vsnp_machine *m, struct vsnp_npt *v, unsigned vmpl, bool paging_off)
{
	int err = vsnp_npt_init(v, &view_ops, m, &m->rmp, &m->guest_ram, 1ull << m->cbit_pos, vmpl);

	v->backing = vsnp_gmem_backing;
	v->backing_large = vsnp_gmem_large;
	v->backing_ctx = &m->gmem;
	v->paging_off = paging_off;
	return err;
}

int vsnp_machine_init(struct vsnp_machine *m, unsigned ram_mib, const char **why)
{
	const char *cwhy = "";
	int err;

	*why = "";
	if (ram_mib < 2 || ram_mib > VSNP_RAM_MAX_MIB || ram_mib % 2 != 0) {
		*why = "guest RAM must be an even number of MiB from 2 to 1024";
		return SVSM_EINVAL;
	}
	m->ram_size = (uint64_t)ram_mib << 20;
	memmap_init(&m->guest_ram);
	if (memmap_add(&m->guest_ram, 0, m->ram_size) != SVSM_OK ||
	    memmap_add(&m->guest_ram, VSNP_FW_WINDOW_BASE, VSNP_FW_WINDOW_BASE + VSNP_FW_WINDOW_SIZE) != SVSM_OK) {
		*why = "guest RAM map";
		return SVSM_EINVAL;
	}
	if (vsnp_hostram_init(&m->hostram) != SVSM_OK) {
		*why = "no free RAM to back guest memory";
		return SVSM_ENOMEM;
	}
	if (m->hostram.end - m->hostram.start < m->ram_size + (8ull << 20)) {
		*why = "the machine's free RAM is smaller than the guest RAM asked for (give QEMU more -m, or vsnp.mem= less)";
		return SVSM_ENOMEM;
	}
	/* +8: the VMSAs and their like, outside RAM; and the firmware window. */
	if (vsnp_gmem_init(&m->gmem, &m->hostram, (m->ram_size + VSNP_FW_WINDOW_SIZE) / PAGE_SIZE + 8, m->ram_size) !=
		    SVSM_OK ||
	    rmp_setup(m) != SVSM_OK) {
		*why = "out of memory for guest memory's tables";
		return SVSM_ENOMEM;
	}

	/* The C-bit: the highest physical address bit the CPU has, above all guest RAM. */
	unsigned phys_bits = cpu_cpuid(0x80000008, 0).eax & 0xFF;

	if (phys_bits < 33 || phys_bits > 52) {
		*why = "CPU physical address width outside 33..52 bits";
		return SVSM_ENOTSUP;
	}
	m->cbit_pos = phys_bits - 1;
	for (unsigned v = 0; v < SNP_VMPL_COUNT * 2; v++) {
		struct vsnp_npt *n = &m->views[v / 2][v % 2];

		if (view_setup(m, n, v / 2, v % 2 == 1) != SVSM_OK) {
			*why = "nested page tables";
			return SVSM_ENOMEM;
		}
		if (v > 0)
			m->views[(v - 1) / 2][(v - 1) % 2].next = n;
	}

	struct vsnp_cpuid_src src = { host_cpuid, NULL };

	err = vsnp_cpuid_page_build(&m->cpuid_page, &src, m->cbit_pos, &cwhy);
	if (err == SVSM_OK)
		err = snp_cpuid_init(&m->cpuid, &m->cpuid_page, &cwhy);
	if (err != SVSM_OK) {
		*why = cwhy;
		return err;
	}

	/* The PSP's secrets page for this launch: version 3, fresh VMPCKs (SEV-SNP ABI 56860, the secrets page format). */
	memset(&m->secrets, 0, sizeof(m->secrets));
	m->secrets.version = 3;
	if (platform_random(m->secrets.vmpck, sizeof(m->secrets.vmpck)) != SVSM_OK) {
		*why = "no random numbers for the VMPCKs";
		return SVSM_EIO;
	}

	m->hv = (struct vsnp_hv){
		.rmp = &m->rmp,
		.npt = &m->views[0][0],
		.guest_ram = &m->guest_ram,
		.cbit_pos = m->cbit_pos,
		.features = GHCB_HV_FT_SNP | GHCB_HV_FT_SNP_AP_CREATION | GHCB_HV_FT_APIC_ID_LIST |
			    GHCB_HV_FT_SNP_MULTI_VMPL,
		.cpuid = hv_cpuid,
		.ctx = m,
	};
	vsnp_io_init(&m->io, &io_ops);
	return SVSM_OK;
}

int vsnp_machine_psp(struct vsnp_machine *m, uint64_t policy, const uint8_t digest[48], const char **why)
{
	if (psp_chip_start(&m->psp, policy, (const uint8_t(*)[SNP_VMPCK_SIZE])m->secrets.vmpck, why) != SVSM_OK)
		return SVSM_EIO;
	psp_model_launch_finish(&m->psp, digest);
	return SVSM_OK;
}

int vsnp_lie_parse(const char *name)
{
	static const char *const names[] = { "cbit", "version", "features", "cpuid-valid", "unvalidate",
					     "psc-undone", "req-tag", "req-replay", "rewrite" };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i + 1;
	return -1;
}
