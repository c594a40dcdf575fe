/* SPDX-License-Identifier: MIT */
/*
 * The run mode of vsnp-kernel.elf (vsnp.img): the emulated SEV-SNP
 * machine. It takes an IGVM file as its Multiboot module (QEMU -initrd),
 * launches it as the hypervisor and the PSP would (vsnp/launch.c), reports
 * the launch digest, and runs the boot CPU from its VMSA (vsnp/cpu.c)
 * until it asks to terminate or stops. The exit status is the guest's:
 * success only for reason set 0xE code 0 (GUEST_TERM_SET, docs/BOOT.md).
 */
#include "abi/vmsa.h"
#include "abi/x86.h"
#include "lib/io.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/machine.h"
#include "svsm/mm.h"
#include "svsm/tsc.h"
#include "abi/ghcb.h"
#include "abi/guest_boot.h"
#include "svsm/cmdline.h"
#include "svsm/panic.h"
#include "svsm/smp.h"
#include "cpu.h"
#include "launch.h"
#include "machine.h"
#include "vsnp/fw_acpi.h"
#include "vsnp/vblk.h"
#include "vsnp/fw_cfg.h"
#include "vsnp/q35.h"
#include "vsnp/rtc.h"
#include "vcpu.h"

#define FILE_MAX (64ull << 20)

bool svsm_run_accepts_key(const char *key, size_t len)
{
	return (len == 8 && memcmp(key, "vsnp.mem", 8) == 0) || (len == 9 && memcmp(key, "vsnp.cpus", 9) == 0) ||
	       (len == 8 && memcmp(key, "vsnp.lie", 8) == 0) || (len == 13 && memcmp(key, "vsnp.disk-cut", 13) == 0);
}

/*
 * Where the machine CPUs' time went, and the exit kinds that took the
 * most of it: "exit 0xNN" an SVM exit code (0x7c MSR, 0x400 nested fault,
 * 0x60 the machine's interrupt, 0x78 HLT, 0x41-0x5f the exceptions it
 * intercepts), "ghcb 0xNN" a VMGEXIT with the GHCB page (its SW_EXITCODE),
 * "ghcb-msr 0xNNN" a VMGEXIT with the GHCB MSR protocol (its request).
 */
static void print_profile(const struct vsnp_cpu_end *end)
{
	uint64_t ms = tsc_hz() / 1000;
	bool shown[VSNP_PROF_KINDS] = { false };

	if (ms == 0)
		return;
	console_printf("vsnp: machine CPU time: %llu ms in guests, %llu ms idle, %llu ms of it serving exits, by kind "
		       "(count, ms):",
		       (unsigned long long)(end->tsc_guest / ms), (unsigned long long)(end->tsc_idle / ms),
		       (unsigned long long)(end->tsc_serving / ms));
	for (unsigned n = 0; n < 8; n++) {
		int best = -1;

		for (unsigned i = 0; i < VSNP_PROF_KINDS; i++)
			if (!shown[i] && end->kinds[i].count != 0 && (best < 0 || end->kinds[i].tsc > end->kinds[best].tsc))
				best = (int)i;
		if (best < 0)
			break;
		shown[best] = true;

		const struct vsnp_exit_kind *k = &end->kinds[best];
		const char *what = (k->key >> 32) == 1 ? "ghcb" : (k->key >> 32) == 2 ? "ghcb-msr" : "exit";

		console_printf(" %s 0x%llx %llu %llu;", what, (unsigned long long)(k->key & 0xFFFFFFFFull),
			       (unsigned long long)k->count, (unsigned long long)(k->tsc / ms));
	}
	uint64_t rest = end->other_count, rest_tsc = end->other_tsc;

	for (unsigned i = 0; i < VSNP_PROF_KINDS; i++)
		if (!shown[i]) {
			rest += end->kinds[i].count;
			rest_tsc += end->kinds[i].tsc;
		}
	console_printf(" the rest %llu %llu\n", (unsigned long long)rest, (unsigned long long)(rest_tsc / ms));
}

/*
 * The run by phase, between the points the machine saw (cpu.h's marks):
 * exits, VMGEXITs, #VC, nested faults mapped and SNP instructions, and
 * the machine CPUs' time in guests and serving exits, per phase.
 */
static void print_phases(const struct vsnp_cpu_end *end)
{
	static const char *const names[] = { "the SVSM's boot", "the firmware to its first boot-disk request",
					     "from there to the end" };
	const uint64_t ms = tsc_hz() / 1000;
	struct vsnp_phase_mark last = { true, end->tsc_end, end->exits, end->vmgexits, end->vc_delivered,
					end->npf_mapped, end->snp_insns, end->tsc_guest, end->tsc_serving };
	struct vsnp_phase_mark from = { true, end->tsc_start, 0, 0, 0, 0, 0, 0, 0 };

	if (ms == 0 || !end->mark[1].taken)
		return; /* only a firmware VM that read its boot disk has phases worth a line */
	console_printf("vsnp: by phase (wall ms; exits, VMGEXITs, #VC, nested faults mapped, SNP instructions; machine "
		       "CPU ms in guests, serving exits):");
	for (unsigned i = 0; i < 3; i++) {
		const struct vsnp_phase_mark *to = i < 2 ? &end->mark[i] : &last;

		console_printf(" %s %llu; %llu, %llu, %llu, %llu, %llu; %llu, %llu%s", names[i],
			       (unsigned long long)((to->tsc - from.tsc) / ms), (unsigned long long)(to->exits - from.exits),
			       (unsigned long long)(to->vmgexits - from.vmgexits),
			       (unsigned long long)(to->vc_delivered - from.vc_delivered),
			       (unsigned long long)(to->npf_mapped - from.npf_mapped),
			       (unsigned long long)(to->snp_insns - from.snp_insns),
			       (unsigned long long)((to->tsc_guest - from.tsc_guest) / ms),
			       (unsigned long long)((to->tsc_serving - from.tsc_serving) / ms), i < 2 ? " |" : "\n");
		from = *to;
	}
}

__attribute__((noreturn)) static void fail(const char *what, const char *why)
{
	console_printf("vsnp: %s: %s\n", what, why);
	machine_exit(SVSM_EXIT_FAIL);
}

/* The IGVM module, mapped read-only where the direct map would have it (the machine is its own host). */
static const uint8_t *map_module(const struct boot_info *bi)
{
	uint64_t start = bi->payload_pa & ~(PAGE_SIZE - 1);
	uint64_t end = (bi->payload_pa + bi->payload_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	if (pgt_map(vm_kernel_pt(), SVSM_DIRECT_MAP_BASE + start, start, end - start, PGT_GLOBAL) != SVSM_OK)
		return NULL;
	return (const uint8_t *)(uintptr_t)(SVSM_DIRECT_MAP_BASE + bi->payload_pa);
}

/* A number option (vsnp.mem=MiB, vsnp.cpus=N), or def without it; a bad value ends the run, said. */
/* One register of the machine's own CMOS clock (MC146818A through ports 0x70/0x71). */
static uint8_t cmos(uint8_t idx)
{
	io_outb(0x70, idx);
	return io_inb(0x71);
}

static unsigned cmos_value(uint8_t v, bool binary)
{
	return binary ? v : (unsigned)(v >> 4) * 10 + (v & 0xF);
}

/*
 * The machine's wall clock (its RTC, which QEMU keeps at the host's time),
 * as seconds since 1970: the guest firmware's clock starts there. Read
 * twice until both agree, so no update falls between the registers.
 */
static int64_t machine_time(void)
{
	int64_t t = -1, again = -2;

	for (unsigned tries = 0; tries < 10 && t != again; tries++) {
		while (cmos(RTC_REG_A) & 0x80)
			; /* an update in progress: it lasts at most 2 ms (MC146818A) */
		const uint8_t b = cmos(RTC_REG_B);
		const bool bin = (b & RTC_B_DM_BINARY) != 0;
		unsigned hour = cmos_value(cmos(4) & 0x7F, bin);

		if (!(b & RTC_B_24H))
			hour = hour % 12 + ((cmos(4) & 0x80) ? 12 : 0);
		again = t;
		t = vsnp_rtc_seconds(cmos_value(cmos(RTC_REG_CENTURY), bin) * 100 + cmos_value(cmos(9), bin),
				     cmos_value(cmos(8), bin), cmos_value(cmos(7), bin), hour, cmos_value(cmos(2), bin),
				     cmos_value(cmos(0), bin));
	}
	return t;
}

/* A device model's notice, on the console. */
static void say_line(void *ctx, const char *line)
{
	(void)ctx;
	console_printf("%s\n", line);
}

static unsigned num_option(const struct boot_info *bi, const char *key, unsigned def)
{
	char val[8];
	unsigned v = 0;

	switch (cmdline_get(bi->cmdline, key, val, sizeof(val))) {
	case SVSM_ENOENT:
		return def;
	case SVSM_OK:
		break;
	default:
		fail(key, "the value is too long");
	}
	if (val[0] == 0)
		fail(key, "no value");
	for (const char *p = val; *p != 0; p++) {
		if (*p < '0' || *p > '9' || v > 100000)
			fail(key, "not a number");
		v = v * 10 + (unsigned)(*p - '0');
	}
	return v;
}

/*
 * vsnp_launch.parallel on the machine's CPUs. The APs wait in smp.c's
 * loop for work: each running CPU takes one share (0 here, the others in
 * the order they come) and runs work once; this CPU then waits for them.
 */
#define PARALLEL_WAIT_MS 120000

static struct {
	void (*work)(void *arg, unsigned share, unsigned shares);
	void *arg;
	unsigned shares, next, done;
	bool ran[SMP_MAX_CPUS];
} job;

static void job_ap(unsigned cpu)
{
	if (cpu >= SMP_MAX_CPUS || __atomic_exchange_n(&job.ran[cpu], true, __ATOMIC_ACQ_REL))
		return; /* smp.c calls again while the work is set: once per CPU */

	unsigned share = __atomic_fetch_add(&job.next, 1, __ATOMIC_ACQ_REL);

	if (share < job.shares)
		job.work(job.arg, share, job.shares);
	__atomic_add_fetch(&job.done, 1, __ATOMIC_RELEASE);
}

static void on_all_cpus(void (*work)(void *arg, unsigned share, unsigned shares), void *arg)
{
	unsigned n = smp_cpus();
	uint64_t t0 = cpu_rdtsc(), span = tsc_hz() / 1000 * PARALLEL_WAIT_MS;

	memset(&job, 0, sizeof(job));
	job.work = work;
	job.arg = arg;
	job.shares = n;
	job.next = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (n > 1)
		smp_set_ap_work(job_ap);
	work(arg, 0, n);
	while (__atomic_load_n(&job.done, __ATOMIC_ACQUIRE) + 1 < n) {
		if (tsc_hz() != 0 && cpu_rdtsc() - t0 > span)
			panic("vsnp: %u of %u CPUs did not finish their share of the launch's hashing in %u ms", n - 1 -
			      __atomic_load_n(&job.done, __ATOMIC_ACQUIRE), n - 1, PARALLEL_WAIT_MS);
		__asm__ volatile("pause");
	}
	smp_set_ap_work(NULL);
}
/* The guest's boot disk (vsnp/disk.c) on a firmware VM's q35 bus at 00:04.0, a modern virtio device. */
#define VSNP_BOOT_DISK_SLOT 4u

static uint32_t boot_cfg_read(void *ctx, unsigned off)
{
	return vsnp_vblk_modern_cfg_read(ctx, off);
}

static void boot_cfg_write(void *ctx, unsigned off, unsigned size, uint32_t val)
{
	vsnp_vblk_modern_cfg_write(ctx, off, size, val);
}

static void attach_boot_disk(struct vsnp_machine *mach)
{
	struct vsnp_vblk *b = vsnp_disk_boot();

	if (b == NULL)
		return;
	if (mach->io.q35 == NULL) {
		console_printf("vsnp: disk: the guest's boot disk is not offered: this launch boots no guest firmware\n");
		return;
	}
	const struct vsnp_q35_dev d = { VSNP_BOOT_DISK_SLOT << 3, boot_cfg_read, boot_cfg_write, b };

	if (vsnp_q35_add(mach->io.q35, &d) != SVSM_OK)
		fail("disk", "the guest's boot disk could not be put on the q35 bus");
	mach->io.guest_blk = b;
	console_printf("vsnp: disk: the guest's boot disk offered to the firmware's VMPL as a modern virtio block "
		       "device at 00:%02x.0 (its memory BAR where the firmware puts it)\n", VSNP_BOOT_DISK_SLOT);
}




const char svsm_run_banner[] = "vsnp " SVSM_VERSION ", an SEV-SNP machine in software,";

__attribute__((noreturn)) void svsm_run(struct svsm_boot *b)
{
	static struct vsnp_machine m;
	static struct vsnp_launch launch;
	static char why[IGVM_WHY_LEN];
	const struct boot_info *bi = &b->bi;

	console_printf("vsnp: an SEV-SNP machine in software (CPU extensions, PSP, hypervisor): NO CONFIDENTIALITY\n");
	if (!b->platform.svm || !b->platform.npt)
		fail("cannot run guests", "this CPU has no SVM with nested paging (QEMU -cpu EPYC)");
	if (bi->payload_size == 0)
		fail("nothing to launch", "no IGVM file given (QEMU -initrd FILE.igvm; tools/igvm-build makes one)");
	if (bi->payload_size > FILE_MAX)
		fail("IGVM file refused", "larger than 64 MiB");
	const uint8_t *file = map_module(bi);

	if (file == NULL)
		fail("IGVM file", "could not be mapped");
	/* One GPA per page the file can load: a bound from its headers. */
	size_t scratch_n = igvm_scratch_bound(file, bi->payload_size);
	unsigned order = 0;

	while ((PAGE_SIZE << order) < scratch_n * sizeof(uint64_t))
		order++;
	uint64_t scratch_pa = buddy_alloc(mm_buddy(), order);

	const char *mwhy;

	unsigned ncpus = num_option(bi, "vsnp.cpus", VSNP_CPUS_DEFAULT);

	if (ncpus == 0 || ncpus > VSNP_MAX_VCPUS)
		fail("vsnp.cpus", "vCPUs must be 1 to 8");
	if (vsnp_machine_init(&m, num_option(bi, "vsnp.mem", VSNP_RAM_DEFAULT_MIB), &mwhy) != SVSM_OK)
		fail("machine set-up", mwhy);
	char lie[16];

	switch (cmdline_get(bi->cmdline, "vsnp.lie", lie, sizeof(lie))) {
	case SVSM_ENOENT:
		break;
	case SVSM_OK: {
		int l = vsnp_lie_parse(lie);

		if (l < 0)
			fail("vsnp.lie", "not one of cbit, version, features, cpuid-valid, unvalidate, psc-undone, "
					 "req-tag, req-replay, rewrite");
		m.lie = (enum vsnp_lie)l;
		m.hostile = m.lie != VSNP_LIE_NONE;
		console_printf("vsnp: A HOSTILE HYPERVISOR: vsnp.lie=%s\n", lie);
		break;
	}
	default:
		fail("vsnp.lie", "the value is too long");
	}
	console_printf("vsnp: %u vCPUs, guest RAM %llu MiB at GPA 0, C-bit %u, CPUID table %u entries\n", ncpus,
		       (unsigned long long)(m.ram_size >> 20), m.cbit_pos, m.cpuid_page.count);
	if (scratch_pa == MM_PA_NONE)
		fail("launch", "out of memory for the loader");
	launch.gmem = &m.gmem;
	launch.rmp = &m.rmp;
	launch.ram_size = m.ram_size;
	launch.fw_base = VSNP_FW_WINDOW_BASE;
	launch.fw_size = VSNP_FW_WINDOW_SIZE;
	launch.vcpus = ncpus;
	launch.cpuid = &m.cpuid_page;
	launch.secrets = &m.secrets;
	/* The pages' contents hashes on every CPU first (room for one per page the file can hold); without room, one by one. */
	unsigned horder = 0;

	while ((PAGE_SIZE << horder) < scratch_n * (SNP_LD_LEN + 1))
		horder++;
	uint64_t hashes_pa = buddy_alloc(mm_buddy(), horder);

	if (hashes_pa != MM_PA_NONE) {
		launch.parallel = on_all_cpus;
		launch.hashes = phys_to_virt(hashes_pa);
		launch.hashed = (uint8_t *)phys_to_virt(hashes_pa) + scratch_n * SNP_LD_LEN;
		launch.hashes_n = scratch_n;
	}
	uint64_t t_launch = cpu_rdtsc();

	if (vsnp_launch_igvm(&launch, file, bi->payload_size, phys_to_virt(scratch_pa), scratch_n, why) != SVSM_OK)
		fail("IGVM launch refused", why);
	t_launch = cpu_rdtsc() - t_launch;
	buddy_free(mm_buddy(), scratch_pa, order);
	if (hashes_pa != MM_PA_NONE)
		buddy_free(mm_buddy(), hashes_pa, horder);
	launch.hashes = NULL;
	launch.hashed = NULL;

	console_printf("vsnp: IGVM launch: %u headers, %llu pages in guest memory (%llu shared), %u VP context(s), "
		       "%u parameters\n",
		       launch.file.headers, (unsigned long long)m.gmem.pages, (unsigned long long)launch.shared,
		       launch.vmsas, launch.params);
	if (vsnp_machine_psp(&m, launch.policy, launch.digest.ld, &mwhy) != SVSM_OK)
		fail("PSP", mwhy);
	console_printf("vsnp: launch digest ");
	for (unsigned i = 0; i < sizeof(launch.digest.ld); i++)
		console_printf("%02x", launch.digest.ld[i]);
	console_printf(" (%llu pages measured, %llu of their hashes computed ahead on %u CPUs; the launch took %llu ms)\n",
		       (unsigned long long)launch.digest.pages, (unsigned long long)launch.hashed_ahead, smp_cpus(),
		       (unsigned long long)(tsc_hz() != 0 ? t_launch * 1000 / tsc_hz() : 0));

	void *va;
	struct vmsa boot_vmsa;

	if (vsnp_gmem_find(&m.gmem, launch.vmsa_gpa[0], &va) != SVSM_OK)
		fail("launch", "the boot VMSA vanished");
	memcpy(&boot_vmsa, va, sizeof(boot_vmsa));
	console_printf("vsnp: boot CPU: VMPL%u, RIP 0x%llx, RBX 0x%llx, CR0 0x%llx, EFER 0x%llx, SEV_FEATURES 0x%llx\n",
		       boot_vmsa.vmpl, (unsigned long long)boot_vmsa.rip, (unsigned long long)boot_vmsa.rbx,
		       (unsigned long long)boot_vmsa.cr0, (unsigned long long)boot_vmsa.efer,
		       (unsigned long long)boot_vmsa.sev_features);

	/*
	 * A VM that boots a guest firmware (pages in the firmware window) gets
	 * QEMU's fw_cfg device for it, as QEMU gives every such VM: the CPU
	 * counts and the memory map, the paravisor's REQUIRED_MEMORY reserved.
	 */
	static struct vsnp_fw_cfg fw_cfg;
	static struct vsnp_q35 q35;
	static struct vsnp_rtc rtc;

	if (launch.fw_pages != 0) {
		const uint16_t cpus = (uint16_t)ncpus;
		struct fw_cfg_range res[VSNP_LAUNCH_MAX_REQUIRED];
		uint64_t ram_end = launch.required != 0 ? 0 : m.ram_size;

		/*
		 * The firmware's RAM ends where the paravisor's memory ends: OVMF
		 * takes everything from 1 MiB to the top of its RAM below 4 GiB as
		 * its own (it validates it, reserved ranges or not), so no RAM is
		 * offered above a REQUIRED_MEMORY range; what lies beyond is unused.
		 */
		for (unsigned i = 0; i < launch.required; i++) {
			res[i] = (struct fw_cfg_range){ launch.req[i].gpa, launch.req[i].size };
			if (launch.req[i].gpa + launch.req[i].size > ram_end)
				ram_end = launch.req[i].gpa + launch.req[i].size;
		}
		vsnp_fw_cfg_init(&fw_cfg);
		if (vsnp_fw_cfg_add(&fw_cfg, FW_CFG_NB_CPUS, &cpus, sizeof(cpus)) != SVSM_OK ||
		    vsnp_fw_cfg_add(&fw_cfg, FW_CFG_MAX_CPUS, &cpus, sizeof(cpus)) != SVSM_OK ||
		    vsnp_fw_cfg_add_e820(&fw_cfg, ram_end, res, launch.required) != SVSM_OK)
			fail("fw_cfg", "the firmware's memory map could not be built (REQUIRED_MEMORY ranges overlap, or too many)");
		if (vsnp_fw_acpi_add(&fw_cfg, ncpus) != SVSM_OK)
			fail("fw_cfg", "the firmware's ACPI tables could not be built (too many vCPUs for the MADT, or no room)");
		m.io.fw_cfg = &fw_cfg;
		q35.say = say_line;
		vsnp_q35_init(&q35);
		m.io.q35 = &q35;
		vsnp_rtc_init(&rtc, machine_time(), cpu_rdtsc(), tsc_hz());
		m.io.rtc = &rtc;
		console_printf("vsnp: guest firmware: %llu pages below 4 GiB; fw_cfg for it: %u CPUs, etc/e820 to 0x%llx with "
			       "%u reserved range(s), ACPI tables (RSDP, XSDT, FADT, DSDT, MADT) with their loader script\n",
			       (unsigned long long)launch.fw_pages, ncpus, (unsigned long long)ram_end, launch.required);
		if (m.ram_size > ram_end)
			console_printf("vsnp: %llu MiB of guest RAM above the firmware's memory map is not the firmware's "
				       "(nothing uses it)\n", (unsigned long long)((m.ram_size - ram_end) >> 20));
	}
	m.io.trace_left = num_option(bi, "vsnp.trace", 0);
	vsnp_disk_init(&m, num_option(bi, "vsnp.disk-cut", 0));
	attach_boot_disk(&m);
	/* The boot CPU, from its VMSA. */
	struct vsnp_cpu_end end;

	if (vsnp_cpu_run(&m, launch.vmsa_gpa[0], ncpus, &end) != SVSM_OK)
		fail("boot CPU", "out of memory for its VMCB and maps, or its VMSA is not one");
	console_printf("vsnp: %u vCPUs ran on %u machine CPU(s), %llu kick IPIs between them\n", ncpus, end.pcpus,
		       (unsigned long long)end.kicks);
	console_printf("vsnp: the vCPUs ran: %llu exits: %llu VMGEXIT (%llu GHCB page, %llu served with the GHCB MSR "
		       "write before them), %llu MSR, %llu #VC delivered, "
		       "%llu SNP instructions, %llu nested faults mapped, %llu CR0 writes, %llu VMPL switches, "
		       "%llu exits below VMPL0, %llu guest requests, %llu interrupts delivered at VMPL0 and %llu below "
		       "(%llu ended by PV EOI), "
		       "%llu IPIs, %llu machine interrupts, %llu idle waits, %llu APs started (%llu at the HLT after their creation), %llu vCPU switches\n",
		       (unsigned long long)end.exits, (unsigned long long)end.vmgexits,
		       (unsigned long long)end.ghcb_calls, (unsigned long long)end.vmgexits_fused,
		       (unsigned long long)end.msr_exits,
		       (unsigned long long)end.vc_delivered, (unsigned long long)end.snp_insns,
		       (unsigned long long)end.npf_mapped, (unsigned long long)end.cr0_writes,
		       (unsigned long long)end.vmpl_switches, (unsigned long long)end.vmpl2_exits,
		       (unsigned long long)end.guest_requests, (unsigned long long)end.irqs_vmpl0,
		       (unsigned long long)end.irqs_lower, (unsigned long long)end.pv_eois, (unsigned long long)end.ipis,
		       (unsigned long long)end.intr_exits,
		       (unsigned long long)end.idle_waits, (unsigned long long)end.aps_started,
		       (unsigned long long)end.aps_at_hlt, (unsigned long long)end.vcpu_switches);
	print_profile(&end);
	print_phases(&end);
	console_printf("vsnp: events an exit cut short: %llu injected again, %llu software interrupts run again, "
		       "%llu interrupts offered again\n",
		       (unsigned long long)end.events_again, (unsigned long long)end.soft_again,
		       (unsigned long long)end.irqs_again);
	uint64_t faults = 0, large = 0, around = 0;

	for (unsigned v = 0; v < SNP_VMPL_COUNT * 2; v++) {
		faults += m.views[v / 2][v % 2].faults;
		large += m.views[v / 2][v % 2].large_maps;
		around += m.views[v / 2][v % 2].mapped_around;
	}
	console_printf("vsnp: nested views: %llu faults mapped, %llu of them as 2 MiB pages; %llu pages mapped around "
		       "the others; %llu never-validated private pages made shared by a shared access\n",
		       (unsigned long long)faults, (unsigned long long)large, (unsigned long long)around,
		       (unsigned long long)m.hv.implicit_shared);
	console_printf("vsnp: devices: %llu MMIO accesses raised #VC 0x400; outside the allow-lists, answered as an "
		       "empty bus: %llu port accesses (last port 0x%x), %llu MMIO requests (last GPA 0x%llx)\n",
		       (unsigned long long)end.mmio_vc, (unsigned long long)m.io.refused, m.io.last_refused_port,
		       (unsigned long long)m.io.mmio_refused, (unsigned long long)m.io.last_refused_mmio);
	vsnp_disk_report();
	if (m.io.fw_cfg != NULL) {
		console_printf("vsnp: fw_cfg: the firmware read");
		for (unsigned i = 0; i < m.io.fw_cfg->files; i++)
			if (m.io.fw_cfg->files_read & (1u << i))
				console_printf(" %s", vsnp_fw_cfg_file_name(m.io.fw_cfg, i));
		console_printf(m.io.fw_cfg->files_read == 0 ? " no file\n" : "\n");
	}
	if (m.lie == VSNP_LIE_REWRITE)
		console_printf("vsnp: (lie) %llu answers rewritten after VMPL0 had them\n",
			       (unsigned long long)end.lie_rewrites);
	/*
	 * QEMU's TSC counts from the machine's start (TCG: host ticks since
	 * the VM began to run), so the first figure covers the firmware,
	 * vsnp's own start and the launch (measuring the IGVM file's pages).
	 */
	if (tsc_hz() != 0 && end.tsc_first_vmpl2 != 0)
		console_printf("vsnp: time: %llu ms from the machine's start (TSC 0) to the first instruction below "
			       "VMPL0, %llu ms of it from the boot vCPU's first instruction; %llu ms in all\n",
			       (unsigned long long)(end.tsc_first_vmpl2 * 1000 / tsc_hz()),
			       (unsigned long long)((end.tsc_first_vmpl2 - end.tsc_start) * 1000 / tsc_hz()),
			       (unsigned long long)((end.tsc_end - end.tsc_start) * 1000 / tsc_hz()));
	else if (tsc_hz() != 0)
		console_printf("vsnp: time: nothing ran below VMPL0; %llu ms in all from the boot vCPU's first instruction\n",
			       (unsigned long long)((end.tsc_end - end.tsc_start) * 1000 / tsc_hz()));
	if (end.kind == VSNP_CPU_STOPPED) {
		console_printf("vsnp: vCPU %u STOPPED at VMPL%u RIP 0x%llx: %s (exit 0x%llx, info 0x%llx 0x%llx)\n",
			       end.apic_id, end.vmpl, (unsigned long long)end.rip, end.why, (unsigned long long)end.exit_code,
			       (unsigned long long)end.exit_info_1, (unsigned long long)end.exit_info_2);
		if (ncpus > 1)
			vsnp_cpu_report();
		machine_exit(SVSM_EXIT_FAIL);
	}
	if (end.kind == VSNP_CPU_POWERED_OFF) {
		/* An orderly end the guest chose; whether its work passed is in what it printed (e.g. TAP). */
		console_printf("vsnp: the guest powered the machine off (ACPI S5 through PM1a control; vCPU %u at VMPL%u)\n",
			       end.apic_id, end.vmpl);
		machine_exit(SVSM_EXIT_PASS);
	}
	console_printf("vsnp: the guest asked to terminate: GHCB reason set %u, code %u (vCPU %u at VMPL%u, RIP 0x%llx)\n",
		       end.set, end.code, end.apic_id, end.vmpl, (unsigned long long)end.rip);
	if (end.last_vc_code != 0)
		console_printf("vsnp: vCPU %u's last #VC before that: exit 0x%llx at RIP 0x%llx (RAX 0x%llx, RCX 0x%llx)\n",
			       end.apic_id, (unsigned long long)end.last_vc_code, (unsigned long long)end.last_vc_rip,
			       (unsigned long long)end.last_vc_rax, (unsigned long long)end.last_vc_rcx);
	/* The SVSM ending as it would end a run elsewhere (its machine_exit: set 3, 0x80 | the exit code). */
	if (end.set == GHCB_TERM_SET_SVSM && end.code == (SVSM_TERM_EXIT_BASE | SVSM_EXIT_PASS))
		machine_exit(SVSM_EXIT_PASS);
	machine_exit(end.set == GUEST_TERM_SET && end.code == 0 ? SVSM_EXIT_PASS : SVSM_EXIT_FAIL);
}
