/* SPDX-License-Identifier: MIT */
/*
 * The run mode under SEV-SNP (svsm_run, PLATFORM_SNP): the payload the
 * launch carried is loaded at VMPL2 through the snp backend (PVALIDATE,
 * RMPADJUST and page state changes on the hardware's RMP), its VMSA is
 * registered with the hypervisor (AP creation for the boot vCPU's VMPL2,
 * GHCB spec 56421 §4.1.9), and the SVSM serves it in the request loop of
 * an SVSM on SNP (SVSM spec 58019 §4): Run VMPL2; when the hypervisor
 * resumes VMPL0, the guest's VMSA says why (GUEST_EXIT_CODE: a VMGEXIT
 * asking for VMPL0), the call is read from that VMSA, served, and its
 * results written back before the next Run VMPL. The VM ends when the
 * guest asks the hypervisor to terminate it.
 */
#include "abi/ghcb.h"
#include "abi/guest_boot.h"
#include "abi/vmsa.h"
#include "abi/x86.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "protocols/attest.h"
#include "protocols/svsm_vm.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/guest_launch.h"
#include "svsm/machine.h"
#include "svsm/mm.h"
#include "svsm/panic.h"
#include "svsm/platform.h"
#include "svsm/platform_snp.h"
#include "run_internal.h"

#define GUEST_VMPL GUEST_LAUNCH_VMPL
#define GUEST_SEV_FEATURES GUEST_LAUNCH_SEV_FEATURES

static struct svsm_vm vm;
/* The attestation protocol's state (attest_setup); offered only if set up. */
static struct svsm_attest attest;
static bool attest_offered;

static struct vmsa *map_vmsa(uint64_t vmsa_gpa)
{
	void *va;

	if (tmpmap(vmsa_gpa, 1, PGT_ENC | PGT_WRITE, &va) != SVSM_OK)
		panic("run: cannot map the guest's VMSA");
	return va;
}

/*
 * One return from Run VMPL: the guest's VMSA read once into regs and let
 * go (a call may need the whole temporary window: a 2 MiB PVALIDATE); an
 * SVSM call if it came back through VMGEXIT with a call pending
 * (svsm_handle_call checks the calling area), its results then written
 * into the VMSA. Anything but a VMGEXIT ends the run: the hypervisor
 * resumed VMPL0 for a reason this loop does not know.
 */
static bool serve_once(uint64_t vmsa_gpa, uint64_t *calls)
{
	struct vmsa *s = map_vmsa(vmsa_gpa);
	uint64_t exit_code = s->guest_exit_code;
	struct svsm_regs regs = { .rax = s->rax, .rcx = s->rcx, .rdx = s->rdx, .r8 = s->r8, .r9 = s->r9 };

	tmpunmap(s, 1);
	if (exit_code != SVM_EXIT_VMGEXIT) {
		log_err("run: VMPL0 resumed after the guest's exit 0x%llx, not a VMGEXIT asking for it",
			(unsigned long long)exit_code);
		return false;
	}
	if (!svsm_handle_call(&vm, 0, &regs))
		return true; /* no call pending: the guest only ran VMPL0 (SVSM spec 58019 §5.3) */
	/* A failed answer wipes the key (an IV must never be reused: the SEV-SNP ABI's guest messages). */
	if (attest_offered && attest.msg.wiped) {
		attest_offered = false; /* said once */
		log_err("run: an answer to the SVSM's guest request failed its checks (header, sequence number or "
			"tag): VMPCK0 wiped; attestation answers INVALID_REQUEST from now on");
	}
	s = map_vmsa(vmsa_gpa);
	s->rax = regs.rax;
	s->rcx = regs.rcx;
	s->rdx = regs.rdx;
	s->r8 = regs.r8;
	tmpunmap(s, 1);
	(*calls)++;
	return true;
}

/*
 * The attestation protocol: VMPCK0 read in place from the firmware's
 * secrets page, two heap pages made shared for the guest messages (the
 * hypervisor hands them to the PSP). Without it the guest is still
 * served, without protocol 1.
 */
static void attest_setup(void)
{
	uint64_t req = buddy_alloc(mm_buddy(), 0), resp = buddy_alloc(mm_buddy(), 0);
	void *req_va, *resp_va, *secrets;
	int err = SVSM_ENOMEM;

	if (req != MM_PA_NONE && resp != MM_PA_NONE &&
	    snp_share_heap_page(snp_hv_this(), req, &req_va) == SVSM_OK &&
	    snp_share_heap_page(snp_hv_this(), resp, &resp_va) == SVSM_OK &&
	    tmpmap(snp_secrets_gpa(), 1, PGT_ENC, &secrets) == SVSM_OK) {
		err = svsm_attest_init(&attest, ((const struct snp_secrets_page *)secrets)->vmpck[0], req_va, req,
				       resp_va, resp);
		tmpunmap(secrets, 1);
	}
	if (err != SVSM_OK) {
		log_err("run: attestation could not be set up; the guest gets no attestation protocol");
		return;
	}
	svsm_vm_set_attest(&vm, &attest);
	attest_offered = true;
	log_info("run: attestation protocol offered (VMPCK0 guest messages through the hypervisor)");
}

__attribute__((noreturn)) void run_snp(struct svsm_boot *b)
{
	struct guest_launch_out o;
	const char *why;
	unsigned order;
	uint64_t block, calls = 0;
	void *secrets;
	uint8_t *elf = run_read_payload(&b->bi, PGT_ENC, &block, &order);

	if (elf == NULL)
		machine_exit(SVSM_EXIT_FAIL);
	/* The firmware's page is read in place (the guest's copy drops VMPCK0/1), never copied whole. */
	if (tmpmap(snp_secrets_gpa(), 1, PGT_ENC, &secrets) != SVSM_OK)
		panic("run: cannot map the secrets page");

	struct guest_launch_cfg cfg = {
		.elf = elf,
		.elf_size = b->bi.payload_size,
		.guest_ram = mm_guest_memory(),
		.cbit = platform_enc_mask(),
		.vmpl = GUEST_VMPL,
		.sev_features = GUEST_SEV_FEATURES,
		.cpuid = snp_cpuid_table(),
		.secrets = secrets,
		.svsm_base = b->bi.svsm_pa,
		.svsm_size = b->bi.svsm_size,
		.cmdline = b->bi.cmdline,
		.vcpu_count = b->bi.vcpu_count, /* the launch's VP count parameter (stage 1 checked it) */
		.measure = NULL, /* the PSP measured the payload with the launch */
	};
	int err = guest_launch(&cfg, &o, &why);

	tmpunmap(secrets, 1);
	buddy_free(mm_buddy(), block, order);
	if (err != SVSM_OK) {
		log_err("run: payload refused: %s", why);
		machine_exit(SVSM_EXIT_FAIL);
	}
	log_info("run: the VM has %u vCPU(s) (the launch's VP count)", cfg.vcpu_count);
	log_info("run: payload at 0x%llx-0x%llx, entry 0x%llx; launch pages 0x%llx-0x%llx",
		 (unsigned long long)o.image_start, (unsigned long long)o.image_end,
		 (unsigned long long)o.entry, (unsigned long long)o.boot_start,
		 (unsigned long long)o.boot_end);
	if (svsm_vm_init(&vm, GUEST_VMPL, GUEST_SEV_FEATURES, mm_guest_memory(), mm_svsm_memory(),
			 o.vmsa_gpa, o.caa_gpa, 0) != SVSM_OK) {
		log_err("run: the guest's VM state could not be set up");
		machine_exit(SVSM_EXIT_FAIL);
	}
	static struct svsm_lent_pool lent;

	svsm_vm_set_lent_pool(&vm, &lent);
	run_vtpm_setup(&vm);
	attest_setup();
	err = platform_ap_create(0, o.vmsa_gpa, GUEST_VMPL, GUEST_SEV_FEATURES);
	if (err != SVSM_OK) {
		log_err("run: the hypervisor refused the guest's VMSA (AP creation, error %d)", err);
		machine_exit(SVSM_EXIT_FAIL);
	}
	console_printf("SVSM: launching the payload at VMPL%u (Run VMPL)\n", GUEST_VMPL);
	for (;;) {
		err = platform_run_vmpl(GUEST_VMPL);
		if (err != SVSM_OK) {
			log_err("run: the hypervisor refused Run VMPL%u (error %d) after %llu SVSM calls", GUEST_VMPL,
				err, (unsigned long long)calls);
			machine_exit(SVSM_EXIT_FAIL);
		}
		if (!serve_once(o.vmsa_gpa, &calls))
			machine_exit(SVSM_EXIT_FAIL);
	}
}
