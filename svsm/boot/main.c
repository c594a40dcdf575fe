/* SPDX-License-Identifier: MIT */
/*
 * svsm_main: the kernel's early boot, in order (docs/ARCHITECTURE.md §Boot
 * flow): console, boot information, per-CPU area + GDT/TSS + IDT, drop the
 * loader's identity map, command line, memory map, mm (heap, buddy,
 * kmalloc), the boot CPU's own page tables, per-CPU region and stack,
 * platform probe, then the run mode chosen at link time.
 */
#include "abi/x86.h"
#include "lib/string.h"
#include "svsm/cr.h"
#include "svsm/boot.h"
#include "svsm/cmdline.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/exc.h"
#include "svsm/fpu.h"
#include "svsm/crypto.h"
#include "svsm/mm.h"
#include "svsm/panic.h"
#include "svsm/percpu.h"
#include "svsm/task.h"
#include "svsm/lapic.h"
#include "svsm/smp.h"
#include "svsm/tsc.h"
#include "svsm/platform.h"
#include "svsm/platform_snp.h"
#include "svsm/machine.h"

#ifndef SVSM_VERSION
#error "SVSM_VERSION comes from meson.build"
#endif

__attribute__((noreturn)) void svsm_main(uint64_t boot_info_pa);
static void svsm_main_late(void);

static struct svsm_boot boot;

struct svsm_boot *svsm_boot_state(void)
{
	return &boot;
}

/* Before vm_boot_cpu_switch the loader's direct map covers all RAM; after it, SVSM memory only. */
static bool own_direct_map;

void *phys_to_virt(uint64_t pa)
{
	if (own_direct_map ? !memmap_contains(mm_svsm_memory(), pa, pa + 1)
			   : pa >= boot.bi.direct_map_end)
		panic("phys_to_virt(0x%llx): not in the direct map", (unsigned long long)pa);
	return (void *)(uintptr_t)(SVSM_DIRECT_MAP_BASE + pa);
}

/* The lower half held only the loader's identity map; nothing uses it now. */
static void drop_identity_map(void)
{
	uint64_t *pml4 = phys_to_virt(boot.bi.cr3);
	uint64_t cr4;

	for (unsigned i = 0; i < PT_ENTRIES / 2; i++)
		pml4[i] = 0;
	cr3_write(boot.bi.cr3);
	/* Global pages (kernel, direct map) survive later CR3 loads. */
	cr4 = cr4_read();
	cr4_write(cr4 | CR4_PGE);
}

static void apply_cmdline(void)
{
	const char *cur = boot.bi.cmdline;
	struct cmdline_token t;
	char val[16];
	enum log_level level;

	switch (cmdline_get(boot.bi.cmdline, "log", val, sizeof(val))) {
	case SVSM_OK:
		if (log_level_parse(val, &level))
			log_set_level(level);
		else
			log_warn("cmdline: log=%s is not one of err, warn, info, debug", val);
		break;
	case SVSM_ERANGE:
		log_warn("cmdline: log= value is too long");
		break;
	default:
		break;
	}
	while (cmdline_next(&cur, &t)) {
		if (t.key_len == 3 && memcmp(t.key, "log", 3) == 0)
			continue;
		if (!svsm_run_accepts_key(t.key, t.key_len))
			log_warn("cmdline: unknown option '%.*s' ignored", (int)t.key_len, t.key);
	}
}

static void setup_memory(void)
{
	int err = bootinfo_usable(&boot.bi, &boot.usable);

	if (err != SVSM_OK)
		panic("memory map: too many ranges to track (error %d)", err);
	log_info("memory: %llu MiB usable in %u ranges; SVSM region 0x%llx-0x%llx",
		 (unsigned long long)(memmap_total(&boot.usable) >> 20), boot.usable.count,
		 (unsigned long long)boot.bi.svsm_pa,
		 (unsigned long long)(boot.bi.svsm_pa + boot.bi.svsm_size));
	for (unsigned i = 0; i < boot.usable.count; i++)
		log_debug("  usable 0x%016llx-0x%016llx",
			  (unsigned long long)boot.usable.r[i].start,
			  (unsigned long long)boot.usable.r[i].end);
}

void svsm_main(uint64_t boot_info_pa)
{
	/* Stage 2 maps all RAM, so the record is reachable at the direct-map address. */
	const struct boot_info *src =
		(const struct boot_info *)(uintptr_t)(SVSM_DIRECT_MAP_BASE + boot_info_pa);

	memcpy(&boot.bi, src, sizeof(boot.bi));
	/* Under SNP the UART needs the GHCB: keep the log until snp_early_init attaches it. */
	if (boot.bi.entry_kind == BOOT_ENTRY_SNP) {
		machine_set_exit(snp_machine_exit);
		console_hold();
	} else {
		console_init();
	}
	console_printf("\n%s starting\n", svsm_run_banner);
	const char *why = bootinfo_check(&boot.bi);

	if (why != NULL)
		panic("boot information from stage 2 is unusable: %s", why);

	percpu_init_boot();
	fpu_init(); /* SSE for mbedTLS (include/svsm/fpu.h) */
	idt_init();
	idt_load();
	drop_identity_map();
	apply_cmdline();
	log_info("boot: entry %s, cmdline '%s', encryption mask 0x%llx",
		 boot.bi.entry_kind == BOOT_ENTRY_MULTIBOOT ? "multiboot" : "snp", boot.bi.cmdline,
		 (unsigned long long)boot.bi.enc_mask);
	log_info("cpu: GDT, TSS with %u IST stacks, IDT with 256 vectors loaded", IST_COUNT);

	setup_memory();
	mm_init(&boot);
	own_direct_map = true; /* from here on only SVSM memory is reached through the direct map */
	vm_boot_cpu_switch(svsm_main_late);
}

/* On the boot CPU's own tables and per-CPU kernel stack (vm_boot_cpu_switch). */
static void svsm_main_late(void)
{
	if (boot.bi.entry_kind == BOOT_ENTRY_SNP)
		snp_early_init(&boot.bi); /* before the probe: its CPUID raises #VC */
	platform_probe(&boot.platform);
	log_info("platform: %s (SVM %s, NPT %s, NRIPS %s, %u ASIDs)",
		 platform_kind_name(boot.platform.kind), boot.platform.svm ? "yes" : "no",
		 boot.platform.npt ? "yes" : "no", boot.platform.nrips ? "yes" : "no",
		 boot.platform.asids);
	if ((boot.platform.kind == PLATFORM_SNP) != (boot.bi.entry_kind == BOOT_ENTRY_SNP)) {
		log_err("platform: probed %s but entered through the %s entry; refusing to run",
			platform_kind_name(boot.platform.kind),
			boot.bi.entry_kind == BOOT_ENTRY_SNP ? "SNP" : "Multiboot");
		machine_exit(SVSM_EXIT_FAIL);
	}
	if (platform_select(&boot.platform) != SVSM_OK) {
		log_err("platform: no backend for %s", platform_kind_name(boot.platform.kind));
		machine_exit(SVSM_EXIT_FAIL);
	}
	log_info("platform: backend %s", platform_current()->name);
	crypto_init();
	task_cpu_init();
	tsc_calibrate();
	/*
	 * Under SNP the APIC is the hypervisor's x2APIC (its MSRs through the
	 * GHCB): the preemption timer, but no INIT-SIPI start-up of APs (SNP
	 * starts a vCPU from its VMSA, through AP creation).
	 */
	if (boot.platform.kind == PLATFORM_SNP)
		(void)lapic_init();
	else if (lapic_init())
		smp_start_aps();
	svsm_run(&boot);
}
