/* SPDX-License-Identifier: MIT */
/*
 * The run mode of svsm-kernel.elf (the self-test kernel links
 * tests/svsm/runner.c instead): on vsnp, launch the payload at VMPL2,
 * serve it until it ends, report what it did and exit with its status.
 */
#include "abi/guest_boot.h"
#include "abi/x86.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "protocols/attest.h"
#include "protocols/svsm_vm.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/guest_launch.h"
#include "svsm/machine.h"
#include "svsm/mm.h"
#include "svsm/panic.h"
#include "svsm/modar.h"
#include "svsm/platform_vsnp.h"
#include "svsm/task.h"
#include "svsm/vtpm_module.h"
#include "run_internal.h"

#define GUEST_SEV_FEATURES GUEST_LAUNCH_SEV_FEATURES
#define GUEST_VMPL GUEST_LAUNCH_VMPL
/* The payload is read into one buddy block: 4 MiB at most (order 10). */
#define PAYLOAD_MAX_ORDER 10

/* The vTPM module, when it started (vtpm_setup). */
static struct vtpm_module vtpm;

/* Options for the payload: "guest.*" keys are handed on in its boot page (docs/BOOT.md). */
bool svsm_run_accepts_key(const char *key, size_t len)
{
	return len > 6 && memcmp(key, "guest.", 6) == 0;
}

uint8_t *run_read_payload(const struct boot_info *bi, unsigned map_flags, uint64_t *block, unsigned *order)
{
	uint64_t pages = (bi->payload_size + PAGE_SIZE - 1) / PAGE_SIZE;
	unsigned o = 0;

	while ((1ull << o) < pages)
		o++;
	if (o > PAYLOAD_MAX_ORDER) {
		log_err("run: payload is %llu bytes; at most %llu are supported",
			(unsigned long long)bi->payload_size,
			(unsigned long long)(PAGE_SIZE << PAYLOAD_MAX_ORDER));
		return NULL;
	}
	uint64_t pa = buddy_alloc(mm_buddy(), o);

	if (pa == MM_PA_NONE) {
		log_err("run: no memory to read the payload");
		return NULL;
	}
	uint8_t *dst = phys_to_virt(pa);

	for (uint64_t done = 0; done < pages; done += GUEST_COPY_CHUNK_PAGES) {
		size_t n = pages - done < GUEST_COPY_CHUNK_PAGES ? (size_t)(pages - done) : GUEST_COPY_CHUNK_PAGES;
		void *src;

		if (tmpmap(bi->payload_pa + done * PAGE_SIZE, n, map_flags, &src) != SVSM_OK)
			panic("run: cannot map the payload");
		memcpy(dst + done * PAGE_SIZE, src, n * PAGE_SIZE);
		tmpunmap(src, n);
	}
	*block = pa;
	*order = o;
	return dst;
}

__attribute__((noreturn)) static void report_exit(const struct vsnp_exit *e)
{
	console_printf("SVSM: guest ran: %llu exits, %llu SVSM calls, %llu vCPU switches, %llu lent pages in use\n",
		       (unsigned long long)e->exits, (unsigned long long)e->calls,
		       (unsigned long long)e->switches, (unsigned long long)e->lent_used);
	console_printf("SVSM: nested paging: %llu faults mapped, %llu of them a whole 2 MiB RMP entry; "
		       "another CPU kicked out of the guest for a change %llu times\n",
		       (unsigned long long)e->npt_faults, (unsigned long long)e->npt_large,
		       (unsigned long long)e->kicks);
	if (e->io_refused != 0)
		console_printf("SVSM: I/O ports: %llu accesses outside the allow-list refused (the last at port 0x%x)\n",
			       (unsigned long long)e->io_refused, e->io_last_refused_port);
	if (vtpm.task != NULL)
		console_printf("SVSM: vtpm module: %llu commands, %llu BUSY answers, %llu KiB of user memory "
			       "(peak %llu KiB) and %llu KiB of page tables at CPL3\n",
			       (unsigned long long)vtpm.commands, (unsigned long long)vtpm.busy_answers,
			       (unsigned long long)(vtpm.task->pages * 4), (unsigned long long)(vtpm.task->pages_peak * 4),
			       (unsigned long long)(vtpm.task->table_pages * 4));
	if (e->kind == VSNP_EXIT_STOPPED) {
		console_printf("SVSM: guest STOPPED at RIP 0x%llx: %s\n", (unsigned long long)e->rip,
			       e->why);
		machine_exit(SVSM_EXIT_FAIL);
	}
	if (e->set == GUEST_TERM_SET) {
		console_printf("SVSM: guest exited with status %u (%s)\n", e->code,
			       e->code == 0 ? "success" : "failure");
		machine_exit(e->code == 0 ? SVSM_EXIT_PASS : SVSM_EXIT_FAIL);
	}
	console_printf("SVSM: guest asked to terminate: reason set %u code %u\n", e->set, e->code);
	machine_exit(SVSM_EXIT_FAIL);
}

/*
 * The attestation protocol on VMPCK0 with two SVSM pages for the guest
 * messages (on vsnp the PSP model reads them directly). Without it the
 * guest is still served, without protocol 1.
 */
static void attest_setup(struct svsm_vm *vm)
{
	static struct svsm_attest attest;
	uint64_t req = buddy_alloc(mm_buddy(), 0), resp = buddy_alloc(mm_buddy(), 0);

	if (req == MM_PA_NONE || resp == MM_PA_NONE ||
	    svsm_attest_init(&attest, vsnp_secrets()->vmpck[0], phys_to_virt(req), req,
			     phys_to_virt(resp), resp) != SVSM_OK) {
		log_err("run: attestation could not be set up; the guest gets no attestation protocol");
		return;
	}
	svsm_vm_set_attest(vm, &attest);
	log_info("run: attestation protocol offered (VMPCK0 guest messages to the PSP model)");
}

/* The vTPM module from the kernel's archive (run_internal.h). */
void run_vtpm_setup(struct svsm_vm *vm)
{
	const char *why;

	if (vtpm_module_start(&vtpm, svsm_modules, (size_t)(svsm_modules_end - svsm_modules), "vtpm",
			      &why) != SVSM_OK) {
		log_err("run: the vTPM module did not start: %s; the guest gets no vTPM protocol", why);
		return;
	}
	svsm_vm_set_vtpm(vm, &vtpm.backend);
	log_info("run: vTPM protocol offered (the vtpm module at CPL3)");
}

static void launch(struct svsm_boot *b)
{
	const char *why;
	unsigned order;
	uint64_t block;
	static struct svsm_vm vm;
	struct guest_launch_out o;
	struct vsnp_exit e;

	if (vsnp_init(&why) != SVSM_OK) {
		log_err("run: vsnp set-up failed: %s", why);
		machine_exit(SVSM_EXIT_FAIL);
	}
	uint8_t *elf = run_read_payload(&b->bi, 0, &block, &order);

	if (elf == NULL)
		machine_exit(SVSM_EXIT_FAIL);

	struct guest_launch_cfg cfg = {
		.elf = elf,
		.elf_size = b->bi.payload_size,
		.guest_ram = vsnp_guest_ram(),
		.cbit = vsnp_guest_cbit(),
		.vmpl = GUEST_VMPL,
		.sev_features = GUEST_SEV_FEATURES,
		.cpuid = vsnp_guest_cpuid(),
		.secrets = vsnp_secrets(),
		.svsm_base = b->bi.svsm_pa,
		.svsm_size = b->bi.svsm_size,
		.cmdline = b->bi.cmdline,
		/* The in-SVSM machine runs every vCPU the guest creates, up to the SVSM's table. */
		.vcpu_count = SVSM_MAX_VCPUS,
		.digest = vsnp_launch_digest(),
	};

	if (guest_launch(&cfg, &o, &why) != SVSM_OK) {
		log_err("run: payload refused: %s", why);
		machine_exit(SVSM_EXIT_FAIL);
	}
	buddy_free(mm_buddy(), block, order);
	vsnp_launch_finish();
	log_info("run: payload at 0x%llx-0x%llx, entry 0x%llx; launch pages 0x%llx-0x%llx",
		 (unsigned long long)o.image_start, (unsigned long long)o.image_end,
		 (unsigned long long)o.entry, (unsigned long long)o.boot_start,
		 (unsigned long long)o.boot_end);
	if (svsm_vm_init(&vm, GUEST_VMPL, GUEST_SEV_FEATURES, vsnp_guest_ram(), mm_svsm_memory(),
			 o.vmsa_gpa, o.caa_gpa, 0) != SVSM_OK) {
		log_err("run: the guest's VM state could not be set up");
		machine_exit(SVSM_EXIT_FAIL);
	}
	static struct svsm_lent_pool lent;

	svsm_vm_set_lent_pool(&vm, &lent); /* DEPOSIT_MEM/WITHDRAW_MEM; nested page tables use it */
	attest_setup(&vm);
	run_vtpm_setup(&vm);
	vsnp_set_end_hook(report_exit);
	vsnp_start_aps_work();
	console_printf("SVSM: launching the payload at VMPL%u\n", GUEST_VMPL);
	vsnp_run(&vm, 0, &e);
	report_exit(&e);
}

void svsm_run(struct svsm_boot *b)
{
	switch (b->platform.kind) {
	case PLATFORM_NATIVE:
		if (b->bi.payload_size != 0) {
			/* A payload was asked for and cannot run: that is a failed run, not a clean boot. */
			console_printf("SVSM: a payload was given, but this CPU has no SVM (try -cpu EPYC): "
				       "nothing launched\n");
			machine_exit(SVSM_EXIT_FAIL);
		}
		log_info("run: no SVM on this CPU, so no guest can run here (self-tests only)");
		break;
	case PLATFORM_VSNP:
		if (b->bi.payload_size != 0)
			launch(b);
		log_info("run: no payload given (scripts/run.sh --payload FILE); nothing to launch");
		break;
	case PLATFORM_SNP:
		if (b->bi.payload_size != 0)
			run_snp(b);
		log_info("run: no payload in the launch; nothing to run at VMPL2");
		break;
	}
	console_printf("SVSM: boot complete on %s; no payload launched\n",
		       platform_kind_name(b->platform.kind));
	machine_exit(SVSM_EXIT_PASS);
}
