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
#include "lib/cpu.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "protocols/attest.h"
#include "protocols/svsm_vm.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/guest_launch.h"
#include "svsm/linux_launch.h"
#include "svsm/machine.h"
#include "svsm/mm.h"
#include "svsm/ovmf_launch.h"
#include "svsm/panic.h"
#include "svsm/platform.h"
#include "svsm/platform_snp.h"
#include "svsm/smp.h"
#include "svsm/tsc.h"
#include "svsm/vtpm_persist.h"
#include "run_internal.h"

#define GUEST_VMPL GUEST_LAUNCH_VMPL
#define GUEST_SEV_FEATURES GUEST_LAUNCH_SEV_FEATURES

static struct svsm_vm vm;
/* The attestation protocol's state (attest_setup); offered only if set up. */
static struct svsm_attest attest;
static bool attest_offered;
static bool attest_ready; /* VMPCK0's channel is set up (attest_setup) */

static struct vmsa *map_vmsa(paddr_t vmsa_pa)
{
	void *va;

	if (tmpmap(vmsa_pa, 1, PGT_ENC | PGT_WRITE, &va) != SVSM_OK)
		panic("run: cannot map the guest's VMSA");
	return va;
}

/*
 * The calls served so far, by protocol (core, attestation, vTPM, any
 * other), on every CPU. The SVSM never learns that the guest has ended
 * (it asks the hypervisor), so the count is said at most twice a second
 * while calls come: the last line of a run is its count to within that.
 */
static uint64_t calls_by_protocol[4];
static uint64_t calls_report_tsc;

static void count_call(uint64_t protocol)
{
	uint64_t now = cpu_rdtsc(), due = __atomic_load_n(&calls_report_tsc, __ATOMIC_RELAXED);

	__atomic_add_fetch(&calls_by_protocol[protocol < 3 ? protocol : 3], 1, __ATOMIC_RELAXED);
	if (tsc_hz() == 0 || now < due ||
	    !__atomic_compare_exchange_n(&calls_report_tsc, &due, now + tsc_hz() / 2, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return;
	uint64_t c = __atomic_load_n(&calls_by_protocol[0], __ATOMIC_RELAXED),
		 a = __atomic_load_n(&calls_by_protocol[1], __ATOMIC_RELAXED),
		 t = __atomic_load_n(&calls_by_protocol[2], __ATOMIC_RELAXED),
		 o = __atomic_load_n(&calls_by_protocol[3], __ATOMIC_RELAXED);

	struct buddy_stats st;

	buddy_get_stats(mm_buddy(), &st);
	console_printf("SVSM: calls served so far: %llu (core %llu, attestation %llu, vTPM %llu, other %llu); "
		       "heap in use %llu KiB, at most %llu KiB, of %llu KiB\n",
		       (unsigned long long)(c + a + t + o), (unsigned long long)c, (unsigned long long)a,
		       (unsigned long long)t, (unsigned long long)o,
		       (unsigned long long)((st.total_pages - st.free_pages) * 4),
		       (unsigned long long)((st.total_pages - st.min_free_pages) * 4),
		       (unsigned long long)(st.total_pages * 4));
}

/*
 * One return from Run VMPL for vCPU `vcpu` (its VMSA at vmsa_pa): the
 * guest's VMSA read once into regs and let go (a call may need the whole
 * temporary window: a 2 MiB PVALIDATE); an SVSM call if it came back
 * through VMGEXIT with a call pending (svsm_handle_call checks the calling
 * area), its results then written into the VMSA. Anything but a VMGEXIT
 * ends the run when strict (the boot vCPU: the hypervisor resumed VMPL0
 * for a reason this loop does not know); an AP that was woken from its
 * wait without one only goes on.
 */
static bool serve_once(unsigned vcpu, paddr_t vmsa_pa, bool strict, uint64_t *calls)
{
	struct vmsa *s = map_vmsa(vmsa_pa);
	uint64_t exit_code = s->guest_exit_code;
	struct svsm_regs regs = { .rax = s->rax, .rcx = s->rcx, .rdx = s->rdx, .r8 = s->r8, .r9 = s->r9 };

	tmpunmap(s, 1);
	if (exit_code != SVM_EXIT_VMGEXIT) {
		if (!strict)
			return true;
		log_err("run: VMPL0 resumed after the guest's exit 0x%llx, not a VMGEXIT asking for it",
			(unsigned long long)exit_code);
		return false;
	}
	const struct svsm_regs asked = regs;
	uint64_t protocol = regs.rax >> 32;

	if (!svsm_handle_call(&vm, vcpu, &regs))
		return true; /* no call pending: the guest only ran VMPL0 (SVSM spec 58019 §5.3) */
	count_call(protocol);
	/* The guest's vCPUs as it makes and deletes them (a few per CPU in a boot: OVMF's PEI and DXE, then Linux). */
	if (protocol == SVSM_CORE_PROTOCOL && (uint32_t)regs.rax == 0 && (uint32_t)asked.rax == SVSM_CORE_CREATE_VCPU)
		log_info("run: vCPU %u: the guest made a vCPU for APIC ID %u (VMSA 0x%llx, calling area 0x%llx)", vcpu,
			 (unsigned)(uint32_t)asked.r8, (unsigned long long)asked.rcx, (unsigned long long)asked.rdx);
	if (protocol == SVSM_CORE_PROTOCOL && (uint32_t)regs.rax == 0 && (uint32_t)asked.rax == SVSM_CORE_DELETE_VCPU)
		log_info("run: vCPU %u: the guest deleted the vCPU with VMSA 0x%llx", vcpu, (unsigned long long)asked.rcx);
	/* A refused call, for whoever debugs a guest (log=debug): which call, with what, and the answer. */
	if ((uint32_t)regs.rax != 0)
		log_debug("run: vCPU %u: call %llu:%llu (RCX 0x%llx RDX 0x%llx R8 0x%llx) answered 0x%llx", vcpu,
			  (unsigned long long)protocol, (unsigned long long)(uint32_t)asked.rax,
			  (unsigned long long)asked.rcx, (unsigned long long)asked.rdx, (unsigned long long)asked.r8,
			  (unsigned long long)(uint32_t)regs.rax);
	/* A failed answer wipes the key (an IV must never be reused: the SEV-SNP ABI's guest messages). */
	if (attest_offered && attest.msg.wiped) {
		attest_offered = false; /* said once */
		log_err("run: an answer to the SVSM's guest request failed its checks (header, sequence number or "
			"tag): VMPCK0 wiped; attestation answers INVALID_REQUEST from now on");
	}
	s = map_vmsa(vmsa_pa);
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
	    tmpmap(pa_init(snp_secrets_gpa()), 1, PGT_ENC, &secrets) == SVSM_OK) {
		err = svsm_attest_init(&attest, ((const struct snp_secrets_page *)secrets)->vmpck[0], req_va,
				       pa_init(req), resp_va, pa_init(resp));
		tmpunmap(secrets, 1);
	}
	if (err != SVSM_OK) {
		log_err("run: attestation could not be set up; the guest gets no attestation protocol");
		return;
	}
	attest_ready = true;
}

/*
 * The key the vTPM's state is sealed under (docs/ARCHITECTURE.md, vTPM
 * state): MSG_KEY_REQ for VMPL0, from the chip's VCEK root, with the guest
 * policy and the launch measurement mixed in, so another SVSM image, guest
 * payload, command line or policy gets another key. Asked before the
 * guest runs, so nothing else uses VMPCK0 meanwhile.
 */
static int state_key(uint8_t key[VTPM_STATE_KEY_LEN], const char **why)
{
	const struct snp_key_req q = { .guest_field_select = SNP_KEY_FIELD_POLICY | SNP_KEY_FIELD_MEASUREMENT, .vmpl = 0 };
	uint32_t status = 0;
	int err;

	_Static_assert(VTPM_STATE_KEY_LEN == SNP_DERIVED_KEY_LEN, "the PSP's key is the state's key");
	if (!attest_ready) {
		*why = "no guest-request channel to the PSP, so no key to open the state with";
		return -1;
	}
	err = svsm_attest_derive_key(&attest, &q, key, &status);
	if (err == SVSM_EPERM)
		*why = "the PSP refused the key request (MSG_KEY_RSP status not 0)";
	else if (err != SVSM_OK)
		*why = "the key request to the PSP failed (VMPCK0 wiped)";
	return err == SVSM_OK ? 0 : -1;
}

/* The vTPM, its state on the host's disk if one was given. */
static const struct vtpm_backend *vtpm_setup(void)
{
	const struct vtpm_state_store *store = NULL;
	const char *why = NULL;

	switch (vtpm_persist_open(state_key, &store, &why)) {
	case VTPM_PERSIST_VOLATILE:
		log_info("vtpm: %s", why);
		return run_vtpm_start(NULL);
	case VTPM_PERSIST_READY:
		return run_vtpm_start(store);
	case VTPM_PERSIST_REFUSED:
		break;
	}
	log_err("vtpm: the state disk cannot be used: %s; the vTPM is not offered (it never starts a new TPM over "
		"state it could not open)", why);
	return NULL;
}

/* The guest's vCPU with APIC ID apic other than the boot vCPU (the newest made for it): its index in vm and its VMSA, or -1. */
static int guest_vcpu_of(uint32_t apic, paddr_t *vmsa_pa)
{
	int found;

	read_lock(&vm.lock);
	found = svsm_vcpu_current(&vm, apic);
	if (found >= 0)
		*vmsa_pa = vm.vcpu[found].vmsa_pa;
	read_unlock(&vm.lock);
	return found;
}

/*
 * An AP's work (smp_set_ap_work): the SVSM side of the guest's vCPU with
 * the AP's APIC ID (AP n has APIC ID n). Until the guest has made that
 * vCPU (CREATE_VCPU) and the hypervisor runs it (the guest's AP
 * creation), Run VMPL is refused and the AP waits in HLT; the hypervisor
 * then runs the guest's VMSA and resumes this one after its HLT when the
 * guest calls the SVSM. Each return is served as on the boot CPU, for the
 * vCPU found again each time (DELETE_VCPU may have taken it away).
 */
static void ap_serve(unsigned cpu)
{
	uint64_t calls = 0;
	paddr_t vmsa = pa_init(0);

	log_info("run: CPU %u serves the guest's vCPU with APIC ID %u", cpu, cpu);
	for (;;) {
		int v = guest_vcpu_of(cpu, &vmsa);

		/* Either way back here: from Run VMPL, or after HLT when the guest's new vCPU called. */
		if (v < 0 || platform_run_vmpl(GUEST_VMPL) != SVSM_OK)
			__asm__ volatile("hlt");
		v = guest_vcpu_of(cpu, &vmsa);
		if (v >= 0)
			(void)serve_once((unsigned)v, vmsa, false, &calls);
	}
}

/* The SVSM's own APs for the guest's other vCPUs, from VMSAs (SEV_FEATURES as this CPU's, from SEV_STATUS). */
static void start_aps(unsigned vcpus)
{
	/* SEV_STATUS bits 2 and up are SEV_FEATURES from bit 0 (APM vol.2 §15.34.10). */
	uint64_t features = (cpu_rdmsr(MSR_SEV_STATUS) >> 2) & 0xFFFF;

	if (vcpus < 2)
		return;
	smp_set_ap_work(ap_serve);
	if (smp_start_aps_vmsa(vcpus, features, snp_ap_prepare) + 1 < vcpus)
		log_warn("run: not every vCPU has an SVSM AP: the guest's calls from those are not served");
}

/* Where the launched guest's boot vCPU lives: its VMSA and calling area. */
struct launched {
	paddr_t vmsa_pa; /* the boot VMSA: in guest RAM the launch checked, or (a firmware's) an SVSM page */
	uint64_t caa_gpa;
};

/* The test guest or another ELF payload (svsm/guest/launch.c). */
static int launch_elf(struct svsm_boot *b, const uint8_t *elf, const struct snp_secrets_page *secrets,
		      struct launched *out, const char **why)
{
	struct guest_launch_out o;
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
	int err = guest_launch(&cfg, &o, why);

	if (err != SVSM_OK)
		return err;
	log_info("run: payload at 0x%llx-0x%llx, entry 0x%llx; launch pages 0x%llx-0x%llx",
		 (unsigned long long)o.image_start, (unsigned long long)o.image_end,
		 (unsigned long long)o.entry, (unsigned long long)o.boot_start,
		 (unsigned long long)o.boot_end);
	out->vmsa_pa = pa_from_checked_gpa(gpa_init(o.vmsa_gpa)); /* placed by the launch in checked guest RAM */
	out->caa_gpa = o.caa_gpa;
	return SVSM_OK;
}

/* A Linux kernel (svsm/guest/linux_launch.c): the payload area holds its descriptor, command line and setup part. */
static int launch_linux(struct svsm_boot *b, const uint8_t *area, const struct snp_secrets_page *secrets,
			const struct vtpm_backend *tpm, struct launched *out, const char **why)
{
	struct svsm_linux_payload d;
	struct linux_launch_out o;
	uint64_t t0 = cpu_rdtsc();

	memcpy(&d, area, sizeof(d)); /* read once; linux_launch checks the copy */
	if (b->bi.payload_size < SVSM_LINUX_SETUP_OFFSET ||
	    d.setup_size > b->bi.payload_size - SVSM_LINUX_SETUP_OFFSET || d.cmdline_size >= SVSM_LINUX_SETUP_OFFSET -
	    SVSM_LINUX_CMDLINE_OFFSET) {
		*why = "Linux payload descriptor's sizes do not fit its area";
		return SVSM_EINVAL;
	}
	if (mm_guest_memory_add_low(&b->bi) != SVSM_OK) {
		*why = "the low 1 MiB could not be given to the guest";
		return SVSM_ENOSPC;
	}
	struct linux_launch_cfg cfg = {
		.desc = &d,
		.setup = area + SVSM_LINUX_SETUP_OFFSET,
		.cmdline = (const char *)area + SVSM_LINUX_CMDLINE_OFFSET,
		.guest_ram = mm_guest_memory(),
		.cbit = platform_enc_mask(),
		.vmpl = GUEST_VMPL,
		.sev_features = GUEST_SEV_FEATURES,
		.cpuid = snp_cpuid_table(),
		.secrets = secrets,
		.svsm_base = b->bi.svsm_pa,
		.svsm_size = b->bi.svsm_size,
		.vcpu_count = b->bi.vcpu_count,
		.tpm = tpm,
	};
	int err = linux_launch(&cfg, &o, why);

	if (err != SVSM_OK)
		return err;
	log_info("run: Linux kernel at 0x%llx (entry 0x%llx), initrd at 0x%llx (%llu bytes), boot block at 0x%llx, "
		 "%u e820 entries, ACPI RSDP at 0x%llx",
		 (unsigned long long)d.kernel_gpa, (unsigned long long)o.entry, (unsigned long long)d.initrd_gpa,
		 (unsigned long long)d.initrd_size, (unsigned long long)o.block_gpa, o.e820_entries,
		 (unsigned long long)o.rsdp_gpa);
	log_info("run: guest RAM made the guest's: %llu MiB (%llu 2 MiB and %llu 4 KiB pages validated) in %llu ms",
		 (unsigned long long)(o.granted >> 20), (unsigned long long)o.validated_2m,
		 (unsigned long long)o.validated_4k,
		 (unsigned long long)(tsc_hz() ? (cpu_rdtsc() - t0) * 1000 / tsc_hz() : 0));
	out->vmsa_pa = pa_from_checked_gpa(gpa_init(o.vmsa_gpa)); /* placed by the launch in checked guest RAM */
	out->caa_gpa = o.caa_gpa;
	return SVSM_OK;
}

/*
 * A guest firmware (OVMF) for VMPL2 (svsm/guest/ovmf_launch.c): its SEV
 * metadata read from the launched pages, its sections prepared, its boot
 * VMSA at the reset vector in an SVSM heap page.
 */
static int launch_firmware(struct svsm_boot *b, const struct snp_secrets_page *secrets, struct launched *out,
			   const char **why)
{
	static struct ovmf_meta m;
	static char reason[OVMF_WHY_LEN];
	uint64_t vmsa;

	if (ovmf_launch_read_meta(&b->bi, &m, reason) != SVSM_OK) {
		*why = reason;
		return SVSM_EINVAL;
	}
	log_info("run: guest firmware at 0x%llx (%llu KiB): %u SEV metadata sections, secrets page 0x%x, CPUID page "
		 "0x%x, calling area 0x%x%s", (unsigned long long)m.fw_gpa, (unsigned long long)(m.fw_size >> 10),
		 m.count, m.secrets_gpa, m.cpuid_gpa, m.caa_gpa, m.has_ap_reset ? ", SEV-ES AP reset block" : "");
	for (unsigned i = 0; i < m.count; i++)
		log_info("run: firmware section %u: %s at 0x%x, %u KiB", i, ovmf_section_name(m.sec[i].type),
			 m.sec[i].gpa, m.sec[i].size >> 10);
	vmsa = buddy_alloc(mm_buddy(), 0);
	if (vmsa == MM_PA_NONE) {
		*why = "no heap page for the firmware's VMSA";
		return SVSM_ENOMEM;
	}
	/* The firmware's memory map (the hypervisor's) has RAM below 1 MiB: under SNP nothing of the SVSM is there. */
	if (mm_guest_memory_add_low(&b->bi) != SVSM_OK) {
		*why = "the low 1 MiB could not be added to guest RAM";
		return SVSM_ENOMEM;
	}
	memset(phys_to_virt(vmsa), 0, PAGE_SIZE);

	const struct ovmf_launch_cfg cfg = {
		.meta = &m,
		.guest_ram = mm_guest_memory(),
		.vmpl = GUEST_VMPL,
		.sev_features = GUEST_SEV_FEATURES,
		.cpuid = snp_cpuid_table(),
		.secrets = secrets,
		.svsm_base = b->bi.svsm_mem_pa,
		.svsm_size = b->bi.svsm_mem_size,
		.vmsa = phys_to_virt(vmsa),
		.vmsa_pa = pa_init(vmsa),
	};
	int err = ovmf_launch(&cfg, why);

	if (err != SVSM_OK)
		return err;
	/*
	 * svsm.img's launch (stage 1, the kernel's file, the launch block, the
	 * parameter and command-line pages) is not needed once the kernel runs
	 * from its region, and OVMF takes all RAM from 1 MiB as its own: each
	 * page rescinded and given to the guest, which validates it through the
	 * SVSM (zeroed then). The secrets and CPUID pages lie elsewhere (below
	 * the firmware image) and stay the SVSM's.
	 */
	const uint64_t img = b->bi.image_pa, img_end = b->bi.image_pa + b->bi.image_size;

	for (uint64_t pa = img; pa < img_end; pa += PAGE_SIZE) {
		bool unchanged;

		if (!insn_rc_ok(platform_pvalidate(pa_init(pa), RMP_PG_SIZE_4K, false, &unchanged))) {
			*why = "rescinding a page of svsm.img's launch failed";
			return SVSM_EIO;
		}
	}
	if (mm_guest_memory_give(img, img_end) != SVSM_OK) {
		*why = "svsm.img's launch could not be given to the guest";
		return SVSM_EINVAL;
	}
	log_info("run: svsm.img's launch 0x%llx-0x%llx given to the guest firmware", (unsigned long long)img,
		 (unsigned long long)img_end);
	out->vmsa_pa = pa_init(vmsa);
	out->caa_gpa = m.caa_gpa;
	return SVSM_OK;
}

__attribute__((noreturn)) void run_snp(struct svsm_boot *b)
{
	struct launched g = { pa_init(0), 0 };
	const char *why;
	unsigned order = 0;
	uint64_t block = 0, calls = 0;
	void *secrets;
	const bool firmware = b->bi.firmware_size != 0; /* a firmware is the guest: no payload then (igvm-build) */
	uint8_t *payload = NULL;
	const struct vtpm_backend *tpm;
	bool is_linux;
	int err;

	if (!firmware && (payload = run_read_payload(&b->bi, PGT_ENC, &block, &order)) == NULL)
		machine_exit(SVSM_EXIT_FAIL);
	/* Before the launch: a Linux launch measures what it launches into the vTPM, whose state may need the PSP. */
	attest_setup();
	tpm = vtpm_setup();
	/* The firmware's page is read in place (the guest's copy drops VMPCK0/1), never copied whole. */
	if (tmpmap(pa_init(snp_secrets_gpa()), 1, PGT_ENC, &secrets) != SVSM_OK)
		panic("run: cannot map the secrets page");
	is_linux = !firmware && b->bi.payload_size >= sizeof(struct svsm_linux_payload) &&
		   memcmp(payload, SVSM_LINUX_MAGIC, sizeof(SVSM_LINUX_MAGIC) - 1) == 0;
	if (is_linux || firmware) {
		/*
		 * These launches use the temporary window themselves (the Linux
		 * one validates guest RAM 2 MiB at a time, which needs all of it):
		 * they work on a copy of the page in the SVSM's heap, wiped before
		 * the page goes back.
		 */
		uint64_t copy = buddy_alloc(mm_buddy(), 0);

		if (copy == MM_PA_NONE)
			panic("run: no heap page for the secrets page");
		memcpy(phys_to_virt(copy), secrets, PAGE_SIZE);
		tmpunmap(secrets, 1);
		err = firmware ? launch_firmware(b, phys_to_virt(copy), &g, &why)
			       : launch_linux(b, payload, phys_to_virt(copy), tpm, &g, &why);
		memset(phys_to_virt(copy), 0, PAGE_SIZE);
		buddy_free(mm_buddy(), copy, 0);
	} else {
		err = launch_elf(b, payload, secrets, &g, &why);
		tmpunmap(secrets, 1);
	}
	if (payload != NULL)
		buddy_free(mm_buddy(), block, order);
	if (err != SVSM_OK) {
		log_err("run: %s refused: %s", firmware ? "guest firmware" : "payload", why);
		machine_exit(SVSM_EXIT_FAIL);
	}
	log_info("run: the VM has %u vCPU(s) (the launch's VP count)", b->bi.vcpu_count);
	if (svsm_vm_init(&vm, GUEST_VMPL, GUEST_SEV_FEATURES, mm_guest_memory(), mm_svsm_memory(),
			 g.vmsa_pa, gpa_init(g.caa_gpa), 0) != SVSM_OK) {
		log_err("run: the guest's VM state could not be set up");
		machine_exit(SVSM_EXIT_FAIL);
	}
	static struct svsm_lent_pool lent;

	svsm_vm_set_lent_pool(&vm, &lent);
	if (tpm != NULL) {
		svsm_vm_set_vtpm(&vm, tpm);
		log_info("run: vTPM protocol offered (the vtpm module at CPL3)");
	}
	if (attest_ready) {
		svsm_vm_set_attest(&vm, &attest);
		attest_offered = true;
		log_info("run: attestation protocol offered (VMPCK0 guest messages through the hypervisor)");
	}
	err = platform_ap_create(0, vm.vcpu[0].vmsa_pa, GUEST_VMPL, GUEST_SEV_FEATURES);
	if (err != SVSM_OK) {
		log_err("run: the hypervisor refused the guest's VMSA (AP creation, error %d)", err);
		machine_exit(SVSM_EXIT_FAIL);
	}
	start_aps(b->bi.vcpu_count);
	console_printf("SVSM: launching %s at VMPL%u (Run VMPL)\n",
		       firmware ? "the guest firmware" : is_linux ? "Linux" : "the payload", GUEST_VMPL);
	for (;;) {
		err = platform_run_vmpl(GUEST_VMPL);
		if (err != SVSM_OK) {
			log_err("run: the hypervisor refused Run VMPL%u (error %d) after %llu SVSM calls", GUEST_VMPL,
				err, (unsigned long long)calls);
			machine_exit(SVSM_EXIT_FAIL);
		}
		if (!serve_once(0, vm.vcpu[0].vmsa_pa, true, &calls))
			machine_exit(SVSM_EXIT_FAIL);
	}
}
