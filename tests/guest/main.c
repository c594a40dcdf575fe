/* SPDX-License-Identifier: MIT */
/*
 * The VMPL2 test guest: drives the SVSM through the guest ABI only and
 * prints TAP on COM1. It ends with a GHCB termination request in reason
 * set GUEST_TERM_SET: code 0 when every check passed.
 *
 * Command-line words (the SVSM's command line, handed on in the boot page):
 *   guest.forbidden=svsm-read   after the checks, read SVSM memory: the SVSM must
 *                         stop the guest with an RMP violation (the run
 *                         then fails on purpose; meson expects that).
 *   guest.forbidden=svsm-write  the same with a write.
 *   guest.forbidden=lent-read   the same: read a page lent to the SVSM (DEPOSIT_MEM).
 *   guest.forbidden=vmsa-write  the same: write the VMSA of a vCPU it created (it may read it).
 *   guest.forbidden=lent-write-running  the same: a second vCPU keeps writing a
 *                               page this one lends to the SVSM (run with --smp 2).
 *   guest.forbidden=vc-no-idt   load an empty IDT, then touch an unvalidated page:
 *                               the #VC cannot be delivered, the SVSM must stop it.
 *   guest.forbidden=vc-stack-svsm  the same with the stack pointing at SVSM memory.
 *   guest.bench                 after the checks, print figures (bench.c).
 */
#include "abi/ghcb.h"
#include "svsm/ghcb_proto.h"
#include "abi/snp.h"
#include "abi/snp_msg.h"
#include "abi/vmsa.h"
#include "abi/x86.h"
#include "guest.h"
#include "guest_bench.h"
#include "lib/string.h"
#include "protocols/guest_msg.h"
#include "svsm/errno.h"

#define PAGE 4096ull
#define MIB (1ull << 20)

static unsigned tests_run, tests_failed;
/* The vTPM's manifest from ATTEST_SINGLE_SERVICE, for test_vtpm to compare with the TPM's own EK. */
static uint8_t single_manifest[512];
static size_t single_len;
static const struct guest_boot *boot;
static volatile struct svsm_ca *ca;

static void check(bool ok, const char *what)
{
	tests_run++;
	if (!ok)
		tests_failed++;
	guest_printf("%s %u - %s\n", ok ? "ok" : "not ok", tests_run, what);
}

/* A check that does not apply on this machine: TAP's SKIP, with why. */
static void skip(const char *what, const char *why)
{
	tests_run++;
	guest_printf("ok %u - %s # SKIP %s\n", tests_run, what, why);
}

static bool cmdline_has(const char *word)
{
	size_t n = strlen(word);

	for (const char *p = boot->cmdline; *p != '\0'; p++) {
		if ((p == boot->cmdline || p[-1] == ' ') && strncmp(p, word, n) == 0 &&
		    (p[n] == '\0' || p[n] == ' '))
			return true;
	}
	return false;
}

static struct guest_call call(uint32_t protocol, uint32_t id, uint64_t rcx, uint64_t rdx)
{
	struct guest_call c = { .rax = ((uint64_t)protocol << 32) | id, .rcx = rcx, .rdx = rdx };

	guest_svsm_call(ca, &c);
	return c;
}

/* A guest RAM page well clear of everything the launch set up: not validated yet. */
static uint64_t spare_region(uint64_t size)
{
	for (unsigned i = 0; i < boot->ram_count; i++) {
		uint64_t start = boot->ram[i].start > boot->boot_end + 2 * MIB ?
					 boot->ram[i].start : boot->boot_end + 2 * MIB;

		start = (start + size - 1) & ~(size - 1);
		if (start + size <= boot->ram[i].end)
			return start;
	}
	return 0;
}

/* PVALIDATE of one entry through the calling area's buffer (SVSM spec, core protocol). */
static uint64_t pvalidate_one(uint64_t gpa, bool large, bool validate, bool ignore_cf)
{
	volatile struct svsm_pvalidate_hdr *h = (volatile struct svsm_pvalidate_hdr *)ca->buffer;
	volatile uint64_t *entry = (volatile uint64_t *)(ca->buffer + sizeof(*h));

	h->entries = 1;
	h->next = 0;
	h->reserved = 0;
	entry[0] = gpa | (large ? 1 : 0) | (validate ? SVSM_PVAL_ACTION_VALIDATE : 0) |
		   (ignore_cf ? SVSM_PVAL_IGNORE_CF : 0);
	return call(SVSM_CORE_PROTOCOL, SVSM_CORE_PVALIDATE, boot->caa_gpa + 8, 0).rax;
}

static bool faults_404(uint64_t gpa)
{
	uint8_t v;

	guest_last_vector = 0;
	return guest_probe_read((const volatile uint8_t *)(uintptr_t)gpa, &v) == 1 &&
	       guest_last_vector == 29 && guest_last_error == 0x404;
}

static bool reads_zero_and_writes(uint64_t gpa, uint64_t size)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)gpa;

	for (uint64_t off = 0; off < size; off += PAGE) {
		uint8_t v = 0xFF;

		if (guest_probe_read(p + off, &v) != 0 || v != 0 || guest_probe_write(p + off, 0xA5) != 0)
			return false;
	}
	return p[0] == 0xA5;
}

static void test_discovery(void)
{
	const struct snp_secrets_page *s = (const struct snp_secrets_page *)(uintptr_t)boot->secrets_gpa;
	static const uint8_t zero[SNP_VMPCK_SIZE];

	check(s->svsm_size != 0 && s->svsm_caa == boot->caa_gpa && s->svsm_guest_vmpl == 2 &&
		      s->svsm_max_version >= 1,
	      "secrets page describes the SVSM (size, calling area, VMPL2)");
	check(memcmp(s->vmpck[0], zero, sizeof(zero)) == 0 && memcmp(s->vmpck[1], zero, sizeof(zero)) == 0 &&
		      memcmp(s->vmpck[2], zero, sizeof(zero)) != 0,
	      "secrets page: VMPCK0 and VMPCK1 wiped, VMPCK2 present");
	check((guest_rdmsr(0xC0010131) & 0x4) != 0, "SEV_STATUS says SNP is active");

	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x8000001F), "c"(0));
	check((a & (1u << 4)) && (1ull << (b & 0x3F)) == boot->cbit,
	      "CPUID 0x8000001F: SNP, C-bit as the boot page says");

	uint64_t info = guest_msr_protocol(GHCB_MSR_SEV_INFO_REQ);

	check((info & 0xFFF) == GHCB_MSR_SEV_INFO_RESP && ((info >> 48) & 0xFFFF) >= 2 &&
		      (1ull << ((info >> 24) & 0xFF)) == boot->cbit,
	      "GHCB MSR protocol: SEV information (version 2, C-bit)");
	uint64_t ft = guest_msr_protocol(GHCB_MSR_HV_FEATURES_REQ);

	check((ft & 0xFFF) == GHCB_MSR_HV_FEATURES_RESP && ((ft >> 12) & 0x23) == 0x23,
	      "hypervisor features: SNP, AP creation, multi-VMPL");
}

static void test_query(void)
{
	/* RCX = protocol << 32 | version; the answer max << 32 | min, or 0 (SVSM spec, core protocol). */
	struct guest_call c = call(SVSM_CORE_PROTOCOL, SVSM_CORE_QUERY_PROTOCOL, 0ull << 32 | 1, 0);

	check(c.serviced && c.vmpl_ok && c.rax == SVSM_SUCCESS && c.rcx == (1ull << 32 | 1),
	      "QUERY_PROTOCOL core: version 1..1");
	c = call(SVSM_CORE_PROTOCOL, SVSM_CORE_QUERY_PROTOCOL, 0ull << 32 | 2, 0);
	check(c.rax == SVSM_SUCCESS && c.rcx == 0, "QUERY_PROTOCOL core version 2: not supported");
	c = call(SVSM_CORE_PROTOCOL, SVSM_CORE_QUERY_PROTOCOL, 1ull << 32 | 1, 0);
	check(c.rax == SVSM_SUCCESS && c.rcx == (1ull << 32 | 1), "QUERY_PROTOCOL attestation: version 1..1");
	c = call(SVSM_CORE_PROTOCOL, SVSM_CORE_QUERY_PROTOCOL, 2ull << 32 | 1, 0);
	check(c.rax == SVSM_SUCCESS && c.rcx == (1ull << 32 | 1), "QUERY_PROTOCOL vTPM: version 1..1");
	c = call(7, 0, 0, 0);
	check(c.serviced && c.rax == SVSM_ERR_UNSUPPORTED_PROTOCOL, "unknown protocol refused");
	c = call(SVSM_CORE_PROTOCOL, 99, 0, 0);
	check(c.serviced && c.rax == SVSM_ERR_UNSUPPORTED_CALL, "unknown core call refused");
}

static void test_pvalidate(void)
{
	uint64_t page = spare_region(PAGE);
	uint64_t big = spare_region(2 * MIB) + 2 * MIB; /* 2 MiB aligned, clear of `page` */

	check(page != 0 && faults_404(page), "unvalidated page: access raises #VC 0x404");
	check(pvalidate_one(page, false, true, false) == SVSM_SUCCESS && reads_zero_and_writes(page, PAGE),
	      "PVALIDATE 4 KiB: validated, zeroed, usable");
	check(pvalidate_one(page, false, true, false) == SVSM_ERR_PVALIDATE_FAIL_NO_CHANGE,
	      "PVALIDATE 4 KiB again: 0x80001010 (no change)");
	check(pvalidate_one(page, false, true, true) == SVSM_SUCCESS, "... unless the ignore-CF flag is set");
	check(pvalidate_one(page, false, false, false) == SVSM_SUCCESS && faults_404(page),
	      "rescind 4 KiB: access raises #VC 0x404 again");
	check(pvalidate_one(big, true, true, false) == SVSM_SUCCESS && reads_zero_and_writes(big, 2 * MIB),
	      "PVALIDATE 2 MiB: every page validated, zeroed, usable");
	check(pvalidate_one(big, true, false, false) == SVSM_SUCCESS && faults_404(big) &&
		      faults_404(big + 2 * MIB - PAGE),
	      "rescind 2 MiB: the whole range faults again");
	/*
	 * One page of a 2 MiB range (4 KiB RMP entries) already valid: a 2 MiB
	 * PVALIDATE, even with ignore-CF, is not "no change" (that is the whole
	 * range) but FAIL_SIZEMISMATCH, with no other page validated or granted.
	 */
	check(pvalidate_one(big + 300 * PAGE, false, true, false) == SVSM_SUCCESS &&
		      pvalidate_one(big, true, true, true) == SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH &&
		      faults_404(big) && faults_404(big + 2 * MIB - PAGE) &&
		      pvalidate_one(big + 300 * PAGE, false, false, false) == SVSM_SUCCESS,
	      "PVALIDATE 2 MiB (ignore-CF) with one page already valid: FAIL_SIZEMISMATCH, nothing else validated");

	const struct snp_secrets_page *s = (const struct snp_secrets_page *)(uintptr_t)boot->secrets_gpa;

	check(pvalidate_one(s->svsm_base, false, true, false) == SVSM_ERR_INVALID_ADDRESS,
	      "PVALIDATE of SVSM memory refused (INVALID_ADDRESS)");
	check(pvalidate_one(page | 0x10, false, true, false) == SVSM_ERR_INVALID_PARAMETER,
	      "PVALIDATE entry with reserved bits refused");
}

/* A DEPOSIT_MEM list of 4 KiB pages in the calling area's buffer (SVSM spec §6.5). */
static uint64_t deposit(const uint64_t *gpa, unsigned n, unsigned *next)
{
	volatile struct svsm_pvalidate_hdr *h = (volatile struct svsm_pvalidate_hdr *)ca->buffer;
	volatile uint64_t *entry = (volatile uint64_t *)(ca->buffer + sizeof(*h));

	h->entries = (uint16_t)n;
	h->next = 0;
	h->reserved = 0;
	for (unsigned i = 0; i < n; i++)
		entry[i] = gpa[i];
	uint64_t rc = call(SVSM_CORE_PROTOCOL, SVSM_CORE_DEPOSIT_MEM, boot->caa_gpa + 8, 0).rax;

	*next = h->next;
	return rc;
}

#define LEND_PAGES 8

/*
 * DEPOSIT_MEM and WITHDRAW_MEM (SVSM spec §6.5, SVSM spec §6.6): lent pages become the SVSM's
 * (the SVSM takes them for nested page tables first), and the free ones
 * come back usable. Returns the first lent page still with the SVSM, for
 * guest.forbidden=lent-read, or 0.
 */
static uint64_t test_lend(void)
{
	uint64_t base = spare_region(2 * MIB) + 8 * MIB, pages[LEND_PAGES], far;
	const struct snp_secrets_page *s = (const struct snp_secrets_page *)(uintptr_t)boot->secrets_gpa;
	unsigned next = 0xFFFF, ok = 0;

	for (unsigned i = 0; i < LEND_PAGES; i++) {
		pages[i] = base + i * PAGE;
		ok += pvalidate_one(pages[i], false, true, false) == SVSM_SUCCESS;
	}
	check(ok == LEND_PAGES, "DEPOSIT_MEM set-up: 8 pages validated");

	uint64_t bad[1] = { s->svsm_base };

	check(deposit(bad, 1, &next) == SVSM_ERR_INVALID_ADDRESS && next == 0,
	      "DEPOSIT_MEM of SVSM memory refused, next untouched");
	bad[0] = base + 64 * PAGE; /* not validated */
	check(deposit(bad, 1, &next) == SVSM_ERR_INVALID_ADDRESS, "DEPOSIT_MEM of an unvalidated page refused");
	bad[0] = pages[0] | 0x10;
	check(deposit(bad, 1, &next) == SVSM_ERR_INVALID_PARAMETER, "DEPOSIT_MEM entry with reserved bits refused");
	check(deposit(pages, LEND_PAGES, &next) == SVSM_SUCCESS && next == LEND_PAGES,
	      "DEPOSIT_MEM of 8 pages: next = 8");
	/*
	 * A lent page is the SVSM's (vsnp may make it a nested page table): a
	 * page state change at the guest's request is refused, as for its own
	 * calling area; on success the guest could map it shared and write it.
	 */
	if (guest_vc_seen()) {
		/*
		 * An SNP machine (port I/O raised #VC): the hypervisor is not
		 * the SVSM and converts what it is asked to; a guest that
		 * shares its own calling area or a lent page only stops itself
		 * (the SVSM's private access to it is then an RMP fault), so
		 * nothing is asked.
		 */
		skip("PSC (MSR protocol) of a lent page to shared refused", "the hypervisor is not the SVSM's");
		skip("PSC (MSR protocol) of its calling area to shared refused", "the hypervisor is not the SVSM's");
	} else {
		uint64_t psc = guest_msr_protocol(GHCB_MSR_PSC_REQ | pages[0] | ((uint64_t)GHCB_PSC_OP_SHARED << 52));

		check((psc & 0xFFF) == GHCB_MSR_PSC_RESP && (psc >> 32) != 0,
		      "PSC (MSR protocol) of a lent page to shared refused");
		psc = guest_msr_protocol(GHCB_MSR_PSC_REQ | boot->caa_gpa | ((uint64_t)GHCB_PSC_OP_SHARED << 52));
		check((psc & 0xFFF) == GHCB_MSR_PSC_RESP && (psc >> 32) != 0,
		      "PSC (MSR protocol) of its calling area to shared refused");
	}

	/* Memory in a 2 MiB region never touched: the SVSM needs a nested page table page. */
	far = spare_region(2 * MIB) + 24 * MIB;
	check(pvalidate_one(far, false, true, false) == SVSM_SUCCESS && reads_zero_and_writes(far, PAGE),
	      "a page in a new 2 MiB region: validated and used");

	volatile struct svsm_withdraw_hdr *w = (volatile struct svsm_withdraw_hdr *)ca->buffer;
	volatile uint64_t *back = (volatile uint64_t *)(ca->buffer + sizeof(*w));

	w->entries = 0xFFFF;
	ca->mem_available = 0xFF;
	uint64_t rc = call(SVSM_CORE_PROTOCOL, SVSM_CORE_WITHDRAW_MEM, boot->caa_gpa + 8, 0).rax;
	unsigned n = w->entries, known = 0, usable = 0;

	for (unsigned i = 0; i < n && i < LEND_PAGES; i++) {
		for (unsigned j = 0; j < LEND_PAGES; j++)
			known += back[i] == pages[j];
		usable += reads_zero_and_writes(back[i], PAGE);
	}
	if (guest_vc_seen())
		/* On an SNP machine the SVSM is not the hypervisor: it keeps no lent page for nested tables. */
		check(rc == SVSM_SUCCESS && n == LEND_PAGES && known == n,
		      "WITHDRAW_MEM: every lent page back (the SVSM uses none under SNP)");
	else
		check(rc == SVSM_SUCCESS && n >= 1 && n < LEND_PAGES && known == n,
		      "WITHDRAW_MEM: lent pages back, but not those the SVSM uses (nested page tables)");
	check(usable == n && ca->mem_available == 0, "withdrawn pages are zeroed and usable again; none left");
	w->entries = 0xFFFF;
	rc = call(SVSM_CORE_PROTOCOL, SVSM_CORE_WITHDRAW_MEM, boot->caa_gpa + 8, 0).rax;
	check(rc == SVSM_SUCCESS && w->entries == 0, "WITHDRAW_MEM again: nothing");
	check(call(SVSM_CORE_PROTOCOL, SVSM_CORE_WITHDRAW_MEM, boot->caa_gpa + 0xFF8, 0).rax ==
		      SVSM_ERR_INVALID_PARAMETER,
	      "WITHDRAW_MEM with no room for one entry refused");

	/* A page the SVSM kept: the one no answer named. */
	for (unsigned j = 0; j < LEND_PAGES; j++) {
		bool returned = false;

		for (unsigned i = 0; i < n; i++)
			returned |= back[i] == pages[j];
		if (!returned)
			return pages[j];
	}
	return 0;
}

/* A VMSA page of the guest's own VMPL with the guest's features, written through volatile stores. */
static void build_vmsa(uint64_t gpa, uint8_t vmpl, uint64_t efer, uint64_t sev_features)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)gpa;
	volatile struct vmsa *v = (volatile struct vmsa *)p;

	for (unsigned i = 0; i < PAGE; i++)
		p[i] = 0;
	v->vmpl = vmpl;
	v->efer = efer;
	v->sev_features = sev_features;
	v->rip = 0x1000; /* never run: no AP creation here */
}

static uint64_t create_vcpu(uint64_t vmsa, uint64_t ca_gpa, uint32_t apic)
{
	struct guest_call c = { .rax = (uint64_t)SVSM_CORE_PROTOCOL << 32 | SVSM_CORE_CREATE_VCPU,
				.rcx = vmsa, .rdx = ca_gpa, .r8 = apic };

	guest_svsm_call(ca, &c);
	return c.rax;
}

/* CREATE_VCPU with every kind of bad VMSA, another vCPU's calling area, then a good one (SVSM spec §6.3, SVSM spec §6.4). */
static void test_vcpus(void)
{
	const struct snp_secrets_page *s = (const struct snp_secrets_page *)(uintptr_t)boot->secrets_gpa;
	uint64_t base = spare_region(2 * MIB) + 40 * MIB;
	uint64_t vmsa = base + PAGE, ca2 = base + 2 * PAGE, unvalidated = base + 3 * PAGE;
	/* The launch's own pages (docs/BOOT.md "Payload launch"): the boot VMSA is the fifth. */
	uint64_t boot_vmsa = boot->boot_start + 4 * PAGE;
	const uint64_t efer = VMSA_EFER_SVME | (1u << 8) | (1u << 10) | (1u << 11);
	/* SEV_STATUS bit n+2 is SEV_FEATURES bit n (APM vol. 2 (24593) §15.34.10, SEV_STATUS): the caller's features. */
	const uint64_t feat = guest_rdmsr(0xC0010131) >> 2;
	unsigned restored = 0, refusals = 0;

	check(pvalidate_one(vmsa, false, true, false) == SVSM_SUCCESS &&
		      pvalidate_one(ca2, false, true, false) == SVSM_SUCCESS,
	      "CREATE_VCPU set-up: a VMSA page and a calling area validated");

	struct { uint64_t vmsa, ca; uint32_t apic; uint8_t vmpl; uint64_t efer, feat, want; const char *what; } bad[] = {
		{ vmsa + 8, ca2, 1, 2, efer, feat, SVSM_ERR_INVALID_ADDRESS, "VMSA not page aligned" },
		{ base & ~(2 * MIB - 1), ca2, 1, 2, efer, feat, SVSM_ERR_INVALID_ADDRESS, "VMSA 2 MiB aligned" },
		{ vmsa, vmsa, 1, 2, efer, feat, SVSM_ERR_INVALID_ADDRESS, "VMSA and calling area one page" },
		{ s->svsm_base + PAGE, ca2, 1, 2, efer, feat, SVSM_ERR_INVALID_ADDRESS, "VMSA in SVSM memory" },
		{ boot_vmsa, ca2, 1, 2, efer, feat, SVSM_ERR_INVALID_ADDRESS, "VMSA already a VMSA (the boot vCPU's)" },
		{ unvalidated, ca2, 1, 2, efer, feat, SVSM_ERR_INVALID_ADDRESS, "VMSA page not validated" },
		{ vmsa, boot->caa_gpa, 1, 2, efer, feat, SVSM_ERR_INVALID_ADDRESS, "another vCPU's calling area" },
		{ vmsa, s->svsm_base, 1, 2, efer, feat, SVSM_ERR_INVALID_ADDRESS, "calling area in SVSM memory" },
		{ vmsa, ca2, 0, 2, efer, feat, SVSM_ERR_INVALID_PARAMETER, "an APIC ID that has a vCPU" },
		{ vmsa, ca2, 1, 0, efer, feat, SVSM_ERR_INVALID_PARAMETER, "VMSA for VMPL0" },
		{ vmsa, ca2, 1, 1, efer, feat, SVSM_ERR_INVALID_PARAMETER, "VMSA for VMPL1, above the caller" },
		{ vmsa, ca2, 1, 3, efer, feat, SVSM_ERR_INVALID_PARAMETER, "VMSA for VMPL3, not the guest's VMPL" },
		{ vmsa, ca2, 1, 4, efer, feat, SVSM_ERR_INVALID_PARAMETER, "VMSA for VMPL4" },
		{ vmsa, ca2, 1, 2, efer & ~VMSA_EFER_SVME, feat, SVSM_ERR_INVALID_PARAMETER, "EFER.SVME clear" },
		{ vmsa, ca2, 1, 2, efer, feat | 4, SVSM_ERR_INVALID_PARAMETER, "SEV_FEATURES not the caller's" },
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_vmsa(vmsa, bad[i].vmpl, bad[i].efer, bad[i].feat);
		uint64_t rc = create_vcpu(bad[i].vmsa, bad[i].ca, bad[i].apic);

		refusals += rc == bad[i].want;
		if (rc != bad[i].want)
			guest_printf("# CREATE_VCPU (%s): 0x%llx, expected 0x%llx\n", bad[i].what,
				     (unsigned long long)rc, (unsigned long long)bad[i].want);
		/* Refused, so the page is the guest's again: readable and writable. */
		uint8_t v;

		restored += guest_probe_read((volatile uint8_t *)(uintptr_t)vmsa, &v) == 0 &&
			    guest_probe_write((volatile uint8_t *)(uintptr_t)vmsa + 8, 0) == 0;
	}
	check(refusals == sizeof(bad) / sizeof(bad[0]), "CREATE_VCPU refuses each of 15 bad requests with its code");
	check(restored == sizeof(bad) / sizeof(bad[0]), "... and the VMSA page stays the guest's after each");

	build_vmsa(vmsa, 2, efer, feat);
	uint64_t rc = create_vcpu(vmsa, ca2, 1);

	if (rc != SVSM_SUCCESS)
		guest_printf("# CREATE_VCPU of a good VMSA: 0x%llx (features 0x%llx)\n", (unsigned long long)rc,
			     (unsigned long long)feat);
	check(rc == SVSM_SUCCESS, "CREATE_VCPU of a good VMSA (VMPL2, APIC ID 1)");
	/* The guest may still read what it wrote there (Linux reads SEV_FEATURES back for AP creation). */
	uint64_t seen = 0;
	int read_err = 0;

	for (unsigned i = 0; i < 8; i++) {
		uint8_t b = 0;

		read_err |= guest_probe_read((volatile uint8_t *)(uintptr_t)vmsa + offsetof(struct vmsa, sev_features) + i,
					     &b);
		seen |= (uint64_t)b << (8 * i);
	}
	check(read_err == 0 && seen == feat, "the new VMSA still reads back at VMPL2 (SEV_FEATURES as written)");
	check(create_vcpu(vmsa, ca2 + PAGE, 2) == SVSM_ERR_INVALID_ADDRESS, "the same VMSA again refused");
	check(pvalidate_one(vmsa, false, false, false) == SVSM_ERR_INVALID_ADDRESS,
	      "PVALIDATE (rescind) of the new VMSA refused");
	check(call(SVSM_CORE_PROTOCOL, SVSM_CORE_REMAP_CA, ca2, 0).rax == SVSM_ERR_INVALID_ADDRESS,
	      "REMAP_CA onto another vCPU's calling area refused");
	uint64_t list[1] = { ca2 };
	unsigned next;

	check(deposit(list, 1, &next) == SVSM_ERR_INVALID_ADDRESS, "DEPOSIT_MEM of another vCPU's calling area refused");
	check(call(SVSM_CORE_PROTOCOL, SVSM_CORE_DELETE_VCPU, boot_vmsa, 0).rax == SVSM_ERR_INVALID_PARAMETER,
	      "DELETE_VCPU of the boot vCPU refused");
	uint8_t v;

	check(call(SVSM_CORE_PROTOCOL, SVSM_CORE_DELETE_VCPU, vmsa, 0).rax == SVSM_SUCCESS &&
		      guest_probe_read((volatile uint8_t *)(uintptr_t)vmsa, &v) == 0 &&
		      guest_probe_write((volatile uint8_t *)(uintptr_t)vmsa, 1) == 0,
	      "DELETE_VCPU: the page is the guest's again");
	check(call(SVSM_CORE_PROTOCOL, SVSM_CORE_DELETE_VCPU, vmsa, 0).rax == SVSM_ERR_INVALID_PARAMETER,
	      "DELETE_VCPU of a page that is no VMSA refused");
	if (cmdline_has("guest.forbidden=vmsa-write")) {
		build_vmsa(vmsa, 2, efer, feat);
		if (create_vcpu(vmsa, ca2, 1) == SVSM_SUCCESS) {
			guest_printf("# writing a VMSA page at 0x%llx: the SVSM must stop this guest\n",
				     (unsigned long long)vmsa);
			(void)guest_probe_write((volatile uint8_t *)(uintptr_t)vmsa + offsetof(struct vmsa, rip), 0);
		}
		check(false, "writing a VMSA page was stopped");
	}
}

/* ---- the GHCB page protocol ---- */

#define ALIAS_VA 0x100000000ull /* 4 GiB: where the guest maps its shared pages (no C-bit) */
/* The HPET's address on a PC (IA-PC HPET specification 1.0a, the usual base): MMIO, no RAM of the VM. */
#define MMIO_GPA 0xFED00000ull
#define MMIO_PT_INDEX 8
#define MMIO_VA (ALIAS_VA + MMIO_PT_INDEX * PAGE)

/* GHCB request fields, marked valid, usage standard, version 2 (GHCB spec 56421, GHCB layout). */
static void ghcb_fill(struct ghcb *g, uint64_t code, uint64_t info1, uint64_t info2)
{
	memset(g, 0, sizeof(*g));
	GHCB_SET(g, sw_exit_code, code);
	GHCB_SET(g, sw_exit_info_1, info1);
	GHCB_SET(g, sw_exit_info_2, info2);
	g->protocol_version = 2;
	g->ghcb_usage = GHCB_USAGE_STANDARD;
}

/* The page test_lend lent that the SVSM kept (in use), or 0. */
static uint64_t lent_kept;

static uint64_t psc_entry(uint64_t gpa, unsigned op)
{
	return (gpa >> 12 << PSC_ENTRY_GFN_SHIFT) | ((uint64_t)op << PSC_ENTRY_OP_SHIFT);
}

/*
 * The guest's own attestation report, as a guest OS's SNP driver asks for
 * it: MSG_REPORT_REQ sealed with VMPCK2 (the guest's secrets-page copy),
 * sent as a GHCB guest request, the response opened and checked (status,
 * VMPL 2, the report data it asked for). Then the same sealed request
 * again: its sequence number is spent, so the PSP refuses it.
 */
static void print_hex(const char *name, const uint8_t *b, size_t n);

static void guest_report(struct ghcb *g, uint64_t ghcb_gpa, uint64_t req, uint64_t resp,
			 uint8_t *req_va, uint8_t *resp_va)
{
	const struct snp_secrets_page *s = (const struct snp_secrets_page *)(uintptr_t)boot->secrets_gpa;
	static struct snp_msg_ctx m;
	static struct snp_guest_msg copy;
	static struct snp_report_rsp rsp;
	struct snp_report_req q;
	size_t len = 0;

	memset(&q, 0, sizeof(q));
	for (unsigned i = 0; i < sizeof(q.report_data); i++)
		q.report_data[i] = (uint8_t)(0xA0 + i);
	q.vmpl = 2;
	bool sealed = snp_msg_init(&m, s->vmpck[2], 2) == SVSM_OK &&
		      snp_msg_seal(&m, SNP_MSG_REPORT_REQ, &q, sizeof(q), (struct snp_guest_msg *)req_va) == SVSM_OK;

	ghcb_fill(g, SVM_VMGEXIT_GUEST_REQUEST, req, resp);
	guest_ghcb_exit(ghcb_gpa);
	bool answered = sealed && g->sw_exit_info_1 == 0 && g->sw_exit_info_2 == 0;

	memcpy(&copy, resp_va, sizeof(copy)); /* the shared page, read once */
	bool reported = answered && snp_msg_open(&m, &copy, &rsp, sizeof(rsp), &len) == SVSM_OK && len == sizeof(rsp) &&
		      rsp.status == SNP_REPORT_STATUS_OK && rsp.report_size == SNP_REPORT_SIZE &&
		      rsp.report.vmpl == 2 && memcmp(rsp.report.report_data, q.report_data, sizeof(q.report_data)) == 0;

	check(reported, "GHCB page: the guest's own MSG_REPORT_REQ (VMPCK2): a VMPL2 report with its report data");
	/* The chip the report names is the CPU the guest sees (CPUID 1), of a family that has SNP. */
	uint32_t a, b, c, dx;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(dx) : "a"(1), "c"(0));
	unsigned fam = (a >> 8) & 0xF, model = (a >> 4) & 0xF;

	if (fam == 0xF) {
		fam += (a >> 20) & 0xFF;
		model |= ((a >> 16) & 0xF) << 4;
	}
	check(reported && (fam == 0x19 || fam == 0x1A) && rsp.report.cpuid_fam_id == fam &&
		      rsp.report.cpuid_mod_id == model && rsp.report.cpuid_step == (a & 0xF),
	      "its report's CPUID family/model/stepping are its CPU's, a family with SNP (19h or 1Ah)");
	if (!reported || rsp.report.cpuid_fam_id != fam)
		guest_printf("# CPUID 1 EAX 0x%08x (family 0x%x), report family 0x%x\n", a, fam,
			     reported ? rsp.report.cpuid_fam_id : 0);
	if (reported) { /* for the relying party's check of its signature (attest_check.py) */
		print_hex("guest-data", q.report_data, sizeof(q.report_data));
		print_hex("guest-report", (const uint8_t *)&rsp.report, SNP_REPORT_SIZE);
	}

	memset(resp_va, 0xEE, PAGE);
	ghcb_fill(g, SVM_VMGEXIT_GUEST_REQUEST, req, resp);
	guest_ghcb_exit(ghcb_gpa);
	check(reported && g->sw_exit_info_1 == 0 && g->sw_exit_info_2 != 0 && resp_va[0] == 0xEE,
	      "GHCB page: the same request again (sequence number spent): firmware error, no response");

	/*
	 * A good request (the next sequence number) whose response is aimed at
	 * a private page, its own calling area: refused, nothing written there.
	 */
	static uint8_t ca_before[PAGE];
	bool resealed = snp_msg_seal(&m, SNP_MSG_REPORT_REQ, &q, sizeof(q), (struct snp_guest_msg *)req_va) == SVSM_OK;

	memcpy(ca_before, (const void *)(uintptr_t)boot->caa_gpa, PAGE);
	ghcb_fill(g, SVM_VMGEXIT_GUEST_REQUEST, req, boot->caa_gpa);
	guest_ghcb_exit(ghcb_gpa);
	check(resealed && (g->sw_exit_info_1 != 0 || g->sw_exit_info_2 != 0) &&
		      memcmp(ca_before, (const void *)(uintptr_t)boot->caa_gpa, PAGE) == 0,
	      "GHCB page: a guest request answered into a private page: refused, the page untouched");
}

/*
 * A GHCB as a guest OS sets one up, first thing (on an SNP machine its console
 * needs it: port I/O raises #VC): four pages made shared (MSR-protocol PSC),
 * mapped at ALIAS_VA without the C-bit through a page directory and table of
 * its own, the first registered as the GHCB and given to the #VC handler; a
 * fourth for a second vCPU's GHCB (test_ipis). test_ghcb reports how it went
 * and uses it for SVSM calls, page state changes, hypervisor features, a guest
 * request and AP creation.
 */
static struct {
	uint64_t base, pd, pt, ghcb_gpa, req, resp, ap_ghcb, reg;
	unsigned ok;
	int vc;
} gs;

static void ghcb_setup(void)
{
	volatile uint64_t *pdpt = (volatile uint64_t *)(uintptr_t)(boot->boot_start + 6 * PAGE);

	gs.base = spare_region(2 * MIB) + 48 * MIB;
	gs.pd = gs.base, gs.pt = gs.base + PAGE, gs.ghcb_gpa = gs.base + 2 * PAGE;
	gs.req = gs.base + 3 * PAGE, gs.resp = gs.base + 4 * PAGE, gs.ap_ghcb = gs.base + 5 * PAGE;
	gs.ok += pvalidate_one(gs.pd, false, true, false) == SVSM_SUCCESS;
	gs.ok += pvalidate_one(gs.pt, false, true, false) == SVSM_SUCCESS;
	for (uint64_t p = gs.ghcb_gpa; p <= gs.ap_ghcb; p += PAGE)
		gs.ok += guest_msr_protocol(GHCB_MSR_PSC_REQ | p | ((uint64_t)GHCB_PSC_OP_SHARED << 52)) == GHCB_MSR_PSC_RESP;
	if (gs.ok != 6)
		return;
	/* PDPT[4] -> pd -> pt -> the shared pages, without the C-bit. */
	((volatile uint64_t *)(uintptr_t)gs.pd)[0] = gs.pt | boot->cbit | PTE_P | PTE_W;
	for (unsigned i = 0; i < 4; i++)
		((volatile uint64_t *)(uintptr_t)gs.pt)[i] = (gs.ghcb_gpa + i * PAGE) | PTE_P | PTE_W;
	/* And an MMIO page (no C-bit, uncached), which is no RAM of the VM: test_mmio. */
	((volatile uint64_t *)(uintptr_t)gs.pt)[MMIO_PT_INDEX] = MMIO_GPA | PTE_P | PTE_W | PTE_PCD;
	pdpt[4] = gs.pd | boot->cbit | PTE_P | PTE_W;
	gs.reg = guest_msr_protocol(GHCB_MSR_REG_GPA_REQ | gs.ghcb_gpa);
	if (gs.reg == (GHCB_MSR_REG_GPA_RESP | gs.ghcb_gpa))
		gs.vc = guest_vc_init((struct ghcb *)(uintptr_t)ALIAS_VA, gs.ghcb_gpa,
				      (const struct snp_cpuid_table *)(uintptr_t)boot->cpuid_gpa);
}

/* One MMIO read or write NAE event through the GHCB (GHCB spec 56421): len bytes at gpa, data at the buffer's start. */
static uint64_t mmio_request(bool write, uint64_t gpa, uint64_t len, uint64_t *data)
{
	struct ghcb *g = (struct ghcb *)(uintptr_t)ALIAS_VA;

	ghcb_fill(g, write ? SVM_VMGEXIT_MMIO_WRITE : SVM_VMGEXIT_MMIO_READ, gpa, len);
	GHCB_SET(g, sw_scratch, gs.ghcb_gpa + 0x800);
	memcpy(g->shared_buffer, data, sizeof(*data));
	guest_ghcb_exit(gs.ghcb_gpa);
	memcpy(data, g->shared_buffer, sizeof(*data));
	return g->sw_exit_info_1 == GHCB_RESULT_OK ? 0 : g->sw_exit_info_2;
}

/*
 * MMIO: an address that is no RAM of the VM raises #VC 0x400 (RIP
 * unchanged: the guest decodes the instruction and asks through the
 * GHCB); the hypervisor's MMIO allow-list is empty, so the request reads
 * all ones. Then the attack: MMIO requests for RAM, its own private page
 * and the SVSM's memory, which a hypervisor serving MMIO from guest
 * memory would read or write behind the RMP.
 */
static volatile uint64_t mmio_secret = 0x5EC2E75EC2E75EC2ull;

static void test_mmio(void)
{
	const struct snp_secrets_page *s = (const struct snp_secrets_page *)(uintptr_t)boot->secrets_gpa;
	uint64_t own = (uint64_t)(uintptr_t)&mmio_secret, v = 0;
	uint8_t byte = 0x12;

	if (gs.vc != 0) {
		skip("MMIO: #VC 0x400 and the hypervisor's answer", "no GHCB");
		return;
	}
	check(guest_probe_read((const volatile uint8_t *)(uintptr_t)MMIO_VA, &byte) != 0 && guest_last_vector == 29 &&
		      guest_last_error == SVM_EXIT_NPF && byte == 0x12,
	      "MMIO (the HPET's page, no RAM of the VM): the access raises #VC 0x400");
	check(mmio_request(false, MMIO_GPA, 8, &v) == 0 && v == ~0ull && mmio_request(true, MMIO_GPA + 0x10, 4, &v) == 0,
	      "MMIO NAE read and write of it: an empty bus (all ones; the write dropped)");

	uint64_t r1 = 0x1111, r2 = 0x2222, r3 = 0x3333, w = 0;

	check(mmio_request(false, own, 8, &r1) == GHCB_ERR_INVALID_INPUT && r1 == 0x1111 &&
		      mmio_request(false, s->svsm_base, 8, &r2) == GHCB_ERR_INVALID_INPUT && r2 == 0x2222 &&
		      mmio_request(false, own | boot->cbit, 8, &r3) == GHCB_ERR_INVALID_INPUT && r3 == 0x3333 &&
		      mmio_request(true, own, 8, &w) == GHCB_ERR_INVALID_INPUT && mmio_secret == 0x5EC2E75EC2E75EC2ull &&
		      mmio_request(true, s->svsm_base, 8, &w) == GHCB_ERR_INVALID_INPUT,
	      "MMIO NAE of RAM refused: its own private page and SVSM memory, read or written (INVALID_INPUT, "
	      "nothing read, nothing written)");
	check(mmio_request(false, MMIO_GPA, 3, &v) == GHCB_ERR_INVALID_INPUT &&
		      mmio_request(false, MMIO_GPA + PAGE - 4, 8, &v) == GHCB_ERR_INVALID_INPUT,
	      "MMIO NAE of a length no instruction makes, or across a page: refused");
}

static void test_ghcb(void)
{
	uint64_t base = gs.base, ghcb_gpa = gs.ghcb_gpa, req = gs.req, resp = gs.resp;

	check(gs.ok == 6, "GHCB set-up: two table pages validated, four pages made shared (MSR-protocol PSC)");

	struct ghcb *g = (struct ghcb *)(uintptr_t)ALIAS_VA;
	uint8_t *req_va = (uint8_t *)(uintptr_t)(ALIAS_VA + PAGE), *resp_va = (uint8_t *)(uintptr_t)(ALIAS_VA + 2 * PAGE);

	check(gs.reg == (GHCB_MSR_REG_GPA_RESP | ghcb_gpa), "GHCB registered (MSR protocol), mapped shared");
	check(gs.vc == 0, "the #VC handler has the GHCB and the CPUID page the SVSM gave");

	ghcb_fill(g, SVM_VMGEXIT_HV_FEATURES, 0, 0);
	guest_ghcb_exit(ghcb_gpa);
	check(g->sw_exit_info_1 == 0 && GHCB_VALID(g, sw_exit_info_2) && (g->sw_exit_info_2 & 0x23) == 0x23,
	      "GHCB page: hypervisor features");

	struct guest_call c = { .rax = SVSM_CORE_QUERY_PROTOCOL, .rcx = 1ull << 32 | 1 };

	ghcb_fill(g, SVM_VMGEXIT_SNP_RUN_VMPL, 0, 0);
	guest_svsm_call_ghcb(ca, ghcb_gpa, &c);
	check(c.serviced && g->sw_exit_info_1 == 0 && c.rax == SVSM_SUCCESS && c.rcx == (1ull << 32 | 1),
	      "GHCB page: an SVSM call through Run VMPL (QUERY_PROTOCOL attestation 1..1)");
	c = (struct guest_call){ .rax = SVSM_CORE_QUERY_PROTOCOL, .rcx = 1 };
	ghcb_fill(g, SVM_VMGEXIT_SNP_RUN_VMPL, 1, 0);
	guest_svsm_call_ghcb(ca, ghcb_gpa, &c);
	check(!c.serviced && g->sw_exit_info_1 == GHCB_RESULT_ERROR, "GHCB page: Run VMPL1 refused, no call served");
	ca->call_pending = 0;

	/* PSC through the GHCB: two pages to shared and back to private (then not validated: #VC 0x404). */
	uint64_t a = base + 8 * PAGE, b = base + 9 * PAGE;
	struct psc_desc *d = (struct psc_desc *)g->shared_buffer;
	bool psc_ok = true;

	for (unsigned op = GHCB_PSC_OP_SHARED; op >= GHCB_PSC_OP_PRIVATE; op--) {
		ghcb_fill(g, SVM_VMGEXIT_PSC, 0, 0);
		GHCB_SET(g, sw_scratch, ghcb_gpa + 0x800);
		d->hdr.cur_entry = 0, d->hdr.end_entry = 1, d->hdr.reserved = 0;
		d->entries[0] = psc_entry(a, op);
		d->entries[1] = psc_entry(b, op);
		guest_ghcb_exit(ghcb_gpa);
		psc_ok = psc_ok && g->sw_exit_info_1 == 0 && g->sw_exit_info_2 == 0 && d->hdr.cur_entry == 2;
	}
	check(psc_ok && faults_404(a) && faults_404(b), "GHCB page: PSC of two pages to shared and back (unvalidated again)");
	/*
	 * An INT3 whose #BP frame goes on page a, validated again through the
	 * SVSM (the RMP change dropped its nested mapping): the frame's first
	 * push is a nested fault, and the #BP must still return after the
	 * INT3, not to it (the hypervisor lets the INT3 run again rather than
	 * inject its #BP with the INT3's own RIP).
	 */
	uint64_t ret = 0;

	if (pvalidate_one(a, false, true, false) == SVSM_SUCCESS)
		ret = guest_int3_on_stack((void *)(uintptr_t)(a + PAGE));
	check(ret == (uint64_t)(uintptr_t)guest_int3_after,
	      "INT3 with its #BP frame on a page just validated: the frame returns after the INT3");
	if (ret != (uint64_t)(uintptr_t)guest_int3_after)
		guest_printf("# #BP returned to 0x%llx; INT3 at 0x%llx\n", (unsigned long long)ret,
			     (unsigned long long)(uintptr_t)guest_int3_insn);
	/* The lent page the SVSM kept (a nested page table): refused, cur_entry left at it. */
	if (guest_vc_seen()) {
		skip("GHCB page: PSC of the lent page the SVSM uses refused", "the hypervisor is not the SVSM's");
	} else {
		ghcb_fill(g, SVM_VMGEXIT_PSC, 0, 0);
		GHCB_SET(g, sw_scratch, ghcb_gpa + 0x800);
		d->hdr.cur_entry = 0, d->hdr.end_entry = 0, d->hdr.reserved = 0;
		d->entries[0] = psc_entry(lent_kept, GHCB_PSC_OP_SHARED);
		guest_ghcb_exit(ghcb_gpa);
		check(lent_kept != 0 && g->sw_exit_info_2 != 0 && d->hdr.cur_entry == 0,
		      "GHCB page: PSC of the lent page the SVSM uses refused");
	}
	ghcb_fill(g, SVM_VMGEXIT_PSC, 0, 0);
	GHCB_SET(g, sw_scratch, ghcb_gpa + 0x900);
	guest_ghcb_exit(ghcb_gpa);
	check(g->sw_exit_info_1 == GHCB_RESULT_ERROR && g->sw_exit_info_2 == GHCB_ERR_INVALID_SCRATCH,
	      "GHCB page: PSC with SW_SCRATCH outside the shared buffer refused");

	/*
	 * A 2 MiB region through one 2 MiB PSC entry each way: private again as
	 * one 2 MiB RMP entry, which PVALIDATE 2 MiB then validates whole (and
	 * vsnp maps with one 2 MiB nested page).
	 */
	uint64_t big = spare_region(2 * MIB) + 62 * MIB;

	psc_ok = true;
	for (unsigned op = GHCB_PSC_OP_SHARED; op >= GHCB_PSC_OP_PRIVATE; op--) {
		ghcb_fill(g, SVM_VMGEXIT_PSC, 0, 0);
		GHCB_SET(g, sw_scratch, ghcb_gpa + 0x800);
		d->hdr.cur_entry = 0, d->hdr.end_entry = 0, d->hdr.reserved = 0;
		d->entries[0] = psc_entry(big, op) | PSC_ENTRY_2M;
		guest_ghcb_exit(ghcb_gpa);
		psc_ok = psc_ok && g->sw_exit_info_1 == 0 && g->sw_exit_info_2 == 0 && d->hdr.cur_entry == 1;
	}
	check(psc_ok && faults_404(big + MIB) && pvalidate_one(big, true, true, false) == SVSM_SUCCESS &&
		      reads_zero_and_writes(big, 2 * MIB) && pvalidate_one(big, true, false, false) == SVSM_SUCCESS &&
		      faults_404(big) && faults_404(big + 2 * MIB - PAGE),
	      "GHCB page: 2 MiB PSC to private, PVALIDATE 2 MiB of that entry, usable, rescinded");

	/* A guest request the PSP cannot open (no VMPCK2 crypto here): a firmware error, no response. */
	memset(req_va, 0, PAGE);
	memset(resp_va, 0xEE, PAGE);
	ghcb_fill(g, SVM_VMGEXIT_GUEST_REQUEST, req, resp);
	guest_ghcb_exit(ghcb_gpa);
	check(g->sw_exit_info_1 == 0 && g->sw_exit_info_2 == 0x16 && resp_va[0] == 0xEE,
	      "GHCB page: a malformed guest request reaches the PSP model: firmware error 0x16, no response");
	ghcb_fill(g, SVM_VMGEXIT_GUEST_REQUEST, req, req);
	guest_ghcb_exit(ghcb_gpa);
	check(g->sw_exit_info_1 == GHCB_RESULT_ERROR, "GHCB page: a guest request with one page for both refused");
	guest_report(g, ghcb_gpa, req, resp, req_va, resp_va);

	ghcb_fill(g, SVM_VMGEXIT_AP_CREATION, 1 | (1ull << 32), base + 10 * PAGE);
	guest_ghcb_exit(ghcb_gpa);
	check(g->sw_exit_info_1 == GHCB_RESULT_ERROR && g->sw_exit_info_2 == GHCB_ERR_INVALID_INPUT,
	      "GHCB page: AP creation for VMPL0 refused");
	ghcb_fill(g, SVM_VMGEXIT_HV_FEATURES, 0, 0);
	g->ghcb_usage = 7;
	guest_ghcb_exit(ghcb_gpa);
	check(g->sw_exit_info_1 == GHCB_RESULT_ERROR && g->sw_exit_info_2 == GHCB_ERR_INVALID_USAGE,
	      "GHCB page: a non-standard usage refused");
}

/* ---- a second vCPU ---- */

void guest_ap_entry(void);
void guest_ap_writer(void);
void guest_ap_writer_yield(void);
volatile uint32_t guest_ap_flag;
/* guest_ap_entry's SVSM call: its calling area, then what came back (entry.S). */
volatile uint64_t guest_ap_ca, guest_ap_call_rax, guest_ap_call_rcx;
volatile uint8_t guest_ap_call_pending;
volatile uint64_t guest_ap_target; /* guest_ap_writer's page */
volatile uint32_t guest_ap_beats;  /* its rounds so far */

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* A VMGEXIT: where the other vCPU gets its turn when they share the machine's CPU. */
static void give_turn(void)
{
	(void)guest_msr_protocol(GHCB_MSR_HV_FEATURES_REQ);
}

/*
 * Waits, a turn for the others each round, until *v is at least want:
 * whether it got there (*turns, if asked, the rounds it took). The other
 * vCPU may run on another machine CPU, which a loaded host may not run
 * for a while, so the bound is the clock (about 10 s of TSC at 2 GHz, at
 * least 1000 rounds), not a count of this vCPU's exits, which a busy host
 * runs through fast.
 */
static bool wait_for_n(volatile uint32_t *v, uint32_t want, unsigned *turns)
{
	const uint64_t t0 = rdtsc();
	unsigned i = 0;

	while (*v < want && (i < 1000 || rdtsc() - t0 < 20000000000ull) && i < 5000000) {
		give_turn();
		i++;
	}
	if (turns != NULL)
		*turns = i;
	return *v >= want;
}

static bool wait_for(volatile uint32_t *v, uint32_t want)
{
	return wait_for_n(v, want, NULL);
}

static void seg(volatile struct vmsa_seg *s, uint16_t sel, uint16_t attrib)
{
	s->selector = sel, s->attrib = attrib, s->limit = 0xFFFFFFFF, s->base = 0;
}

/*
 * CREATE_VCPU, then AP creation through the GHCB (test_ghcb left it
 * registered at ALIAS_VA): the new vCPU runs guest_ap_entry in this
 * guest's address space and mode, sets a flag and halts. The boot vCPU
 * sees the flag after a few VMGEXITs (where vsnp lets the other vCPU
 * run), and deletes the halted vCPU.
 */
#define AP_BASE (spare_region(2 * MIB) + 56 * MIB)
#define AP_VMSA (AP_BASE + PAGE)
#define AP_CA (AP_BASE + 2 * PAGE)
#define AP_GHCB (spare_region(2 * MIB) + 48 * MIB + 2 * PAGE) /* test_ghcb's */

/* A VMPL2 VMSA at vmsa_gpa for a vCPU that starts at entry in this vCPU's mode and address space. */
static void ap_vmsa(uint64_t vmsa_gpa, void (*entry)(void))
{
	volatile struct vmsa *v = (volatile struct vmsa *)(uintptr_t)vmsa_gpa;
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr, idtr;
	uint64_t cr0, cr3, cr4;

	__asm__ volatile("sgdt %0; sidt %1; mov %%cr0, %2; mov %%cr3, %3; mov %%cr4, %4"
			 : "=m"(gdtr), "=m"(idtr), "=r"(cr0), "=r"(cr3), "=r"(cr4));
	build_vmsa(vmsa_gpa, 2, VMSA_EFER_SVME | (1u << 8) | (1u << 10) | (1u << 11), guest_rdmsr(0xC0010131) >> 2);
	seg(&v->cs, 0x08, VMSA_ATTR_CODE64);
	seg(&v->ds, 0x10, 0xC93), seg(&v->es, 0x10, 0xC93), seg(&v->ss, 0x10, 0xC93);
	seg(&v->fs, 0x10, 0xC93), seg(&v->gs, 0x10, 0xC93);
	v->tr.attrib = VMSA_ATTR_TSS_BUSY, v->tr.limit = 0xFFFF;
	v->ldtr.attrib = VMSA_ATTR_LDT, v->ldtr.limit = 0xFFFF;
	v->gdtr.limit = gdtr.limit, v->gdtr.base = gdtr.base;
	v->idtr.limit = idtr.limit, v->idtr.base = idtr.base;
	v->cr0 = cr0, v->cr3 = cr3, v->cr4 = cr4;
	v->rflags = 2;
	v->rip = (uint64_t)(uintptr_t)entry;
	v->g_pat = 0x0007040600070406ull;
	v->xcr0 = 1;
	v->mxcsr = 0x1F80;
	v->x87_fcw = 0x37F;
}

/* AP creation (GHCB) of the vCPU CREATE_VCPU made from vmsa_gpa, APIC ID 1; the GHCB's result. */
static uint64_t ap_create(uint64_t vmsa_gpa)
{
	struct ghcb *g = (struct ghcb *)(uintptr_t)ALIAS_VA;

	ghcb_fill(g, SVM_VMGEXIT_AP_CREATION, SVM_AP_CREATE | (2ull << SVM_AP_VMPL_SHIFT) | (1ull << SVM_AP_APIC_ID_SHIFT),
		  vmsa_gpa);
	guest_ghcb_exit(AP_GHCB);
	return g->sw_exit_info_1;
}

/* DELETE_VCPU, retried while the SVSM answers FAIL_INUSE (the vCPU still runs); *busy counts those. */
static uint64_t delete_vcpu_when_stopped(uint64_t vmsa_gpa, unsigned *busy)
{
	const uint64_t t0 = rdtsc();
	uint64_t rc;

	/* Bounded by the clock, as wait_for: the vCPU may run on a machine CPU a loaded host leaves idle. */
	*busy = 0;
	while ((rc = call(SVSM_CORE_PROTOCOL, SVSM_CORE_DELETE_VCPU, vmsa_gpa, 0).rax) == SVSM_ERR_FAIL_INUSE &&
	       (*busy < 1000 || rdtsc() - t0 < 20000000000ull) && *busy < 5000000)
		(*busy)++;
	return rc;
}

/*
 * A writer vCPU (APIC ID 1, entry one of guest_ap_writer*) on `page`,
 * validated first, started with CREATE_VCPU and AP creation, and waited
 * for until it has made 1000 rounds (wait_for: by the clock). 0;
 * 1: the page could not be validated; 2: the vCPU was not created or
 * started; 3: it made fewer than 1000 rounds in the time allowed.
 */
static int writer_start(uint64_t page, void (*entry)(void))
{
	if (pvalidate_one(page, false, true, false) != SVSM_SUCCESS)
		return 1;
	guest_ap_target = page;
	guest_ap_beats = 0;
	ap_vmsa(AP_VMSA, entry);
	if (create_vcpu(AP_VMSA, AP_CA, 1) != SVSM_SUCCESS || ap_create(AP_VMSA) != 0)
		return 2;
	if (!wait_for(&guest_ap_beats, 1000)) {
		guest_printf("# the writer made %u rounds in about 10 s\n", guest_ap_beats);
		return 3;
	}
	return 0;
}

static void test_ap(void)
{
	uint64_t base = AP_BASE, vmsa_gpa = AP_VMSA, ca2 = AP_CA, ghcb_gpa = AP_GHCB;
	struct ghcb *g = (struct ghcb *)(uintptr_t)ALIAS_VA;

	check(pvalidate_one(vmsa_gpa, false, true, false) == SVSM_SUCCESS &&
		      pvalidate_one(ca2, false, true, false) == SVSM_SUCCESS,
	      "AP set-up: a VMSA page and a calling area validated");
	ap_vmsa(vmsa_gpa, guest_ap_entry);
	check(create_vcpu(vmsa_gpa, ca2, 1) == SVSM_SUCCESS, "CREATE_VCPU of the AP's VMSA (APIC ID 1)");

	ghcb_fill(g, SVM_VMGEXIT_AP_CREATION, SVM_AP_CREATE | (2ull << SVM_AP_VMPL_SHIFT) | (9ull << SVM_AP_APIC_ID_SHIFT),
		  vmsa_gpa);
	guest_ghcb_exit(ghcb_gpa);
	check(g->sw_exit_info_1 == GHCB_RESULT_ERROR, "AP creation with the wrong APIC ID refused");
	/* A vCPU more privileged than the guest: never from VMPL2, whatever the page. */
	for (unsigned vmpl = 0; vmpl < 2; vmpl++) {
		ghcb_fill(g, SVM_VMGEXIT_AP_CREATION,
			  SVM_AP_CREATE | ((uint64_t)vmpl << SVM_AP_VMPL_SHIFT) | (1ull << SVM_AP_APIC_ID_SHIFT), vmsa_gpa);
		guest_ghcb_exit(ghcb_gpa);
		check(g->sw_exit_info_1 == GHCB_RESULT_ERROR,
		      vmpl == 0 ? "AP creation of a VMPL0 vCPU from VMPL2 refused"
				: "AP creation of a VMPL1 vCPU from VMPL2 refused");
	}
	/* The SVSM's own context of vCPU 1 (its AP at VMPL0): never the guest's to take away. */
	ghcb_fill(g, SVM_VMGEXIT_AP_CREATION, SVM_AP_DESTROY | (0ull << SVM_AP_VMPL_SHIFT) | (1ull << SVM_AP_APIC_ID_SHIFT),
		  0);
	guest_ghcb_exit(ghcb_gpa);
	check(g->sw_exit_info_1 == GHCB_RESULT_ERROR, "AP destroy of the SVSM's VMPL0 context of vCPU 1 from VMPL2 refused");
	ghcb_fill(g, SVM_VMGEXIT_AP_CREATION, SVM_AP_CREATE | (2ull << SVM_AP_VMPL_SHIFT) | (1ull << SVM_AP_APIC_ID_SHIFT),
		  base + 3 * PAGE);
	guest_ghcb_exit(ghcb_gpa);
	check(g->sw_exit_info_1 == GHCB_RESULT_ERROR, "AP creation of a page CREATE_VCPU never made a VMSA refused");

	if (boot->vcpu_count < 2) {
		unsigned busy;

		/* The VM has one vCPU (the launch's VP count): APIC ID 1 does not exist. */
		check(ap_create(vmsa_gpa) == GHCB_RESULT_ERROR, "AP creation for APIC ID 1 refused: the VM has one vCPU");
		check(delete_vcpu_when_stopped(vmsa_gpa, &busy) == SVSM_SUCCESS && busy == 0,
		      "DELETE_VCPU of the VMSA that never ran");
		skip("AP creation (GHCB): the new vCPU starts", "the VM has one vCPU");
		return;
	}
	guest_ap_flag = 0;
	guest_ap_ca = ca2;
	guest_ap_call_rax = guest_ap_call_rcx = ~0ull;
	guest_ap_call_pending = 0xEE;
	check(ap_create(vmsa_gpa) == 0, "AP creation (GHCB): the new vCPU starts");
	unsigned turns;

	check(wait_for_n(&guest_ap_flag, 0xA5A5A5A5u, &turns), "the second vCPU ran (its flag is set)");
	check(guest_ap_flag == 0xA5A5A5A5u && guest_ap_call_pending == 0 && guest_ap_call_rax == SVSM_SUCCESS &&
		      guest_ap_call_rcx == (1ull << 32 | 1),
	      "the second vCPU's own SVSM call (QUERY_PROTOCOL through its calling area) served");
	guest_printf("# AP: flag seen after %u VMGEXITs of the boot vCPU\n", turns);
	/* On its own CPU it may set the flag and not have halted yet: FAIL_INUSE until it has. */
	unsigned busy;

	check(delete_vcpu_when_stopped(vmsa_gpa, &busy) == SVSM_SUCCESS, "DELETE_VCPU of the halted AP (FAIL_INUSE while it still ran)");
}

/*
 * AP destroy (GHCB) of a vCPU that is running: the writer vCPU (on the
 * SVSM's AP with --smp 2, inside VMRUN; it exits only every 2^20 rounds,
 * so it can share CPU 0 without --smp 2) must stop before the request is
 * answered — its rounds stop at once — and its state must be the one it
 * stopped with (its VMSA's RIP in its code), so DELETE_VCPU then gives
 * the page back.
 */
static void test_ap_destroy_running(void)
{
	uint64_t page = AP_BASE + 5 * PAGE;
	volatile struct vmsa *v = (volatile struct vmsa *)(uintptr_t)AP_VMSA;
	struct ghcb *g = (struct ghcb *)(uintptr_t)ALIAS_VA;
	uint64_t rc, loop = (uint64_t)(uintptr_t)guest_ap_writer_yield;
	unsigned busy;
	int started = writer_start(page, guest_ap_writer_yield);

	check(started != 1, "AP destroy set-up: the writer's page validated");
	check(started == 0, "AP destroy set-up: a writer vCPU started and made its first 1000 rounds");
	ghcb_fill(g, SVM_VMGEXIT_AP_CREATION, SVM_AP_DESTROY | (2ull << SVM_AP_VMPL_SHIFT) | (1ull << SVM_AP_APIC_ID_SHIFT),
		  0);
	guest_ghcb_exit(AP_GHCB);
	uint32_t stopped = guest_ap_beats;

	if (g->sw_exit_info_1 != 0 || stopped < 1000)
		guest_printf("# AP destroy answered 0x%llx after %u rounds\n", (unsigned long long)g->sw_exit_info_1, stopped);
	check(g->sw_exit_info_1 == 0 && stopped >= 1000, "AP destroy (GHCB) of the running writer vCPU");
	for (unsigned i = 0; i < 200; i++)
		give_turn();
	if (guest_ap_beats != stopped)
		guest_printf("# the destroyed vCPU went on: %u rounds, then %u\n", stopped, guest_ap_beats);
	check(guest_ap_beats == stopped, "... it stopped before the answer (no round after it)");
	rc = delete_vcpu_when_stopped(AP_VMSA, &busy);
	if (rc != SVSM_SUCCESS || busy != 0 || v->rip < loop || v->rip >= loop + 48)
		guest_printf("# DELETE_VCPU: 0x%llx after %u FAIL_INUSE; the VMSA's RIP 0x%llx, the loop at 0x%llx\n",
			     (unsigned long long)rc, busy, (unsigned long long)v->rip, (unsigned long long)loop);
	check(rc == SVSM_SUCCESS && busy == 0 && v->rip >= loop && v->rip < loop + 48,
	      "DELETE_VCPU at once, and its VMSA's RIP is in its code");
}

/*
 * A vCPU's next VMSA while its last still runs (Linux brings a CPU online
 * again this way; OVMF's DXE makes each AP a new VMSA while it halts in
 * its PEI one): the writer runs from VMSA A, CREATE_VCPU of B for the same
 * APIC ID succeeds (A stays a VMSA), AP creation of B moves the vCPU to B:
 * the writer stops, B's entry runs and its SVSM call is served through
 * B's calling area (the SVSM serves the newest vCPU of the APIC ID), and
 * A's page holds A's state (its RIP in the writer's loop), not what B
 * ran: the machine saved the old context into the old page, never into
 * the new one. Both then delete.
 */
static void test_ap_next_vmsa(void)
{
	uint64_t page = AP_BASE + 6 * PAGE, vmsa_b = AP_BASE + 7 * PAGE, ca_b = AP_BASE + 8 * PAGE;
	volatile struct vmsa *a = (volatile struct vmsa *)(uintptr_t)AP_VMSA;
	const uint64_t loop = (uint64_t)(uintptr_t)guest_ap_writer_yield;
	unsigned busy;
	int started = writer_start(page, guest_ap_writer_yield);

	check(started == 0 && pvalidate_one(vmsa_b, false, true, false) == SVSM_SUCCESS &&
		      pvalidate_one(ca_b, false, true, false) == SVSM_SUCCESS,
	      "next VMSA set-up: a writer vCPU runs from VMSA A; B and its calling area validated");
	ap_vmsa(vmsa_b, guest_ap_entry);
	guest_ap_flag = 0;
	guest_ap_ca = ca_b;
	guest_ap_call_rax = guest_ap_call_rcx = ~0ull;
	guest_ap_call_pending = 0xEE;
	check(create_vcpu(vmsa_b, ca_b, 1) == SVSM_SUCCESS,
	      "CREATE_VCPU of a second VMSA for APIC ID 1 while the first runs (the CPU's next one)");
	check(ap_create(vmsa_b) == 0, "AP creation (GHCB) of the second VMSA");
	(void)wait_for(&guest_ap_flag, 0xA5A5A5A5u); /* the check below says whether it ran (the flag is 0 until then) */
	uint32_t beats = guest_ap_beats;

	for (unsigned i = 0; i < 200; i++)
		give_turn();
	check(guest_ap_flag == 0xA5A5A5A5u && guest_ap_call_pending == 0 && guest_ap_call_rax == SVSM_SUCCESS &&
		      guest_ap_call_rcx == (1ull << 32 | 1) && guest_ap_beats == beats,
	      "the vCPU runs the second VMSA (its SVSM call served through its own calling area), the writer stopped");
	if (a->rip <= loop || a->rip >= loop + 48)
		guest_printf("# the first VMSA's RIP 0x%llx, the writer's loop at 0x%llx\n", (unsigned long long)a->rip,
			     (unsigned long long)loop);
	check(a->rip > loop && a->rip < loop + 48,
	      "the first VMSA keeps the state it stopped with (RIP in the writer's loop, past its entry)");
	check(delete_vcpu_when_stopped(AP_VMSA, &busy) == SVSM_SUCCESS && busy == 0,
	      "DELETE_VCPU of the first VMSA at once (it no longer runs)");
	check(delete_vcpu_when_stopped(vmsa_b, &busy) == SVSM_SUCCESS, "DELETE_VCPU of the second (once it halts)");
}

/* The vTPM buffer (§5.8): request in, response over it. */
static uint8_t vtpm_buf[PAGE] __attribute__((aligned(PAGE)));

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * SVSM_VTPM_CMD with a request built as Linux's tpm_svsm driver does; the
 * call's RAX. A command may outlast a slice of the vTPM module (a loaded
 * host makes TCG slow): BUSY is answered and the call made again, as
 * Linux's SVSM call path does for BUSY (arch/x86/coco/sev, EAGAIN).
 */
static unsigned vtpm_busy_total;

/* TPM2_GetRandom(16). */
static const uint8_t tpm_getrandom16[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7B, 0, 16 };

/*
 * The call through calling area via, with the request built in buf (a
 * page); *busy counts the BUSY answers (at most 100000 in all).
 */
static uint64_t vtpm_send(volatile struct svsm_ca *via, uint8_t *buf, unsigned *busy, uint32_t platform_cmd,
			  uint8_t locality, const uint8_t *cmd, uint32_t len)
{
	struct guest_call c;

	do {
		buf[0] = (uint8_t)platform_cmd, buf[1] = 0, buf[2] = 0, buf[3] = 0;
		buf[4] = locality;
		memcpy(buf + 5, &len, 4);
		if (len <= PAGE - 9)
			memcpy(buf + 9, cmd, len);
		c = (struct guest_call){ .rax = ((uint64_t)SVSM_VTPM_PROTOCOL << 32) | SVSM_VTPM_CMD,
					 .rcx = (uint64_t)(uintptr_t)buf };
		guest_svsm_call(via, &c);
	} while (c.rax == SVSM_ERR_BUSY && ++*busy < 100000);
	return c.rax;
}

static uint64_t vtpm_cmd(uint32_t platform_cmd, uint8_t locality, const uint8_t *cmd, uint32_t len)
{
	return vtpm_send(ca, vtpm_buf, &vtpm_busy_total, platform_cmd, locality, cmd, len);
}

/* The vTPM protocol against the CPL3 vTPM module (§5.8, §9). */
static void test_vtpm(void)
{
	static const uint8_t startup[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x44, 0, 0 };
	struct guest_call q = call(SVSM_VTPM_PROTOCOL, SVSM_VTPM_QUERY, 0, 0);
	uint32_t size;

	check(q.rax == SVSM_SUCCESS && (q.rcx & (1ull << SVSM_VTPM_TPM_SEND_COMMAND)) != 0,
	      "VTPM_QUERY: TPM_SEND_COMMAND offered");
	check(vtpm_cmd(SVSM_VTPM_TPM_SEND_COMMAND, 0, startup, sizeof(startup)) == SVSM_SUCCESS &&
		      (memcpy(&size, vtpm_buf, 4), size == 10) && be32(vtpm_buf + 4 + 6) == 0x100,
	      "VTPM_CMD TPM2_Startup(CLEAR): TPM_RC_INITIALIZE (the SVSM started it, as firmware does)");
	check(vtpm_cmd(SVSM_VTPM_TPM_SEND_COMMAND, 0, tpm_getrandom16, sizeof(tpm_getrandom16)) == SVSM_SUCCESS &&
		      (memcpy(&size, vtpm_buf, 4), size == 28) && be32(vtpm_buf + 4 + 6) == 0 &&
		      vtpm_buf[4 + 11] == 16,
	      "VTPM_CMD TPM2_GetRandom(16): 16 bytes");
	check(vtpm_cmd(2, 0, tpm_getrandom16, sizeof(tpm_getrandom16)) == SVSM_ERR_UNSUPPORTED_CALL,
	      "VTPM_CMD with another platform command: UNSUPPORTED_CALL");
	check(vtpm_cmd(SVSM_VTPM_TPM_SEND_COMMAND, 1, tpm_getrandom16, sizeof(tpm_getrandom16)) == SVSM_ERR_INVALID_PARAMETER,
	      "VTPM_CMD at locality 1: INVALID_PARAMETER");
	check(vtpm_cmd(SVSM_VTPM_TPM_SEND_COMMAND, 0, tpm_getrandom16, 4088) == SVSM_ERR_INVALID_PARAMETER,
	      "VTPM_CMD of 4088 bytes (over 4087): INVALID_PARAMETER");
	check(call(SVSM_VTPM_PROTOCOL, SVSM_VTPM_CMD, boot->caa_gpa, 0).rax == SVSM_ERR_INVALID_ADDRESS,
	      "VTPM_CMD with the buffer in the calling area: INVALID_ADDRESS");
	check(vtpm_cmd(SVSM_VTPM_TPM_SEND_COMMAND, 0, tpm_getrandom16, sizeof(tpm_getrandom16)) == SVSM_SUCCESS &&
		      be32(vtpm_buf + 4 + 6) == 0,
	      "... and the vTPM still answers");

	/*
	 * The EK the attestation manifest names is this TPM's: the same
	 * template (TCG EK Credential Profile L-2, ECC P-256) gives the same
	 * public area. CreatePrimary may answer BUSY (it runs in slices): retry.
	 */
	static const uint8_t ek[] = {
		0x80, 0x02, 0, 0, 0, 163, 0, 0, 0x01, 0x31, 0x40, 0, 0, 0x0B,
		0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0,
		0, 122, 0, 0x23, 0, 0x0B, 0, 0x03, 0, 0xB2,
		0, 32, 0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8, 0x1A, 0x90, 0xCC, 0x8D, 0x46, 0xA5,
		0xD7, 0x24, 0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52, 0x0B, 0x64, 0xF2, 0xA1, 0xDA, 0x1B,
		0x33, 0x14, 0x69, 0xAA, 0, 0x06, 0, 128, 0, 0x43, 0, 0x10, 0, 0x03, 0, 0x10,
		0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0,
	};
	uint64_t rc;
	unsigned busy = vtpm_busy_total;

	_Static_assert(sizeof(ek) == 163, "EK CreatePrimary size");
	rc = vtpm_cmd(SVSM_VTPM_TPM_SEND_COMMAND, 0, ek, sizeof(ek));
	busy = vtpm_busy_total - busy;
	size_t pub = (size_t)vtpm_buf[4 + 18] << 8 | vtpm_buf[4 + 19];

	check(rc == SVSM_SUCCESS && be32(vtpm_buf + 4 + 6) == 0 && single_len != 0 && pub == single_len &&
		      memcmp(vtpm_buf + 4 + 20, single_manifest, pub) == 0,
	      "the EK in the attestation manifest is the vTPM's (same public area from CreatePrimary)");
	guest_printf("# vTPM EK CreatePrimary: %u BUSY answers before the key\n", busy);
	if (rc == SVSM_SUCCESS) { /* TPM2_FlushContext(the EK's handle): leave the TPM's object slots free */
		uint8_t fl[14] = { 0x80, 0x01, 0, 0, 0, 14, 0, 0, 0x01, 0x65 };

		memcpy(fl + 10, vtpm_buf + 4 + 10, 4);
		check(vtpm_cmd(SVSM_VTPM_TPM_SEND_COMMAND, 0, fl, sizeof(fl)) == SVSM_SUCCESS &&
			      be32(vtpm_buf + 4 + 6) == 0,
		      "TPM2_FlushContext of the EK");
	}
}

/* ---- interrupts at VMPL2 ---- */

/*
 * TSC cycles of the timer tests' counts (the emulated APIC timer counts
 * TSC cycles, divided by 1): about a millisecond, longer than the guest
 * takes to handle one (its EOI is a #VC and a GHCB exit), or a periodic
 * timer would keep it in its handler.
 */
#define TIMER_COUNT 2000000u
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)
#define ICR_LOGICAL (1u << 11)
#define ICR_SELF (1u << 18)
#define ICR_OTHERS (3u << 18)
#define ICR_NMI (4u << 8) /* delivery mode NMI (APM vol.2 §16.5) */

/* Waits in HLT until *count reaches want (at most tries interrupts): whether it did. */
static bool wait_irqs(volatile uint32_t *count, uint32_t want, unsigned tries)
{
	for (unsigned i = 0; *count < want && i < tries; i++)
		guest_irq_wait();
	return *count >= want;
}

/* Lets interrupts in for a moment (IF set over a few instructions, a few times) and back out. */
static void irq_window(void)
{
	for (unsigned i = 0; i < 100; i++)
		__asm__ volatile("sti; nop; nop; cli" ::: "memory");
}

static bool isr_clear(unsigned vector)
{
	return (guest_rdmsr(GUEST_APIC_ISR + vector / 32) & (1u << (vector % 32))) == 0;
}

/*
 * The guest's own x2APIC at VMPL2 (the hypervisor's emulation, its
 * registers through #VC and the GHCB): the timer in its three modes wakes
 * HLT, a self IPI waits behind the TPR, and EOI ends each one. Then the
 * attack: its timer fires while it has IF clear and calls the SVSM (a
 * vTPM command runs in the SVSM with interrupts on): the SVSM must never
 * take the guest's vector, and every call must be served.
 */
static void test_interrupts(void)
{
	uint32_t n, ecx;
	uint64_t t0, t1;
	bool got;

	__asm__ volatile("cpuid" : "=c"(ecx) : "a"(1), "c"(0) : "ebx", "edx"); /* from the CPUID page, through #VC */
	check((ecx & (1u << 21)) && (ecx & (1u << 24)), "CPUID leaf 1: x2APIC and TSC deadline advertised");
	guest_wrmsr(GUEST_APIC_SVR, 0x1FF); /* enabled, spurious vector 0xFF */
	guest_wrmsr(GUEST_APIC_TDCR, 0xB);  /* divide by 1 */
	guest_wrmsr(GUEST_APIC_LVT_TIMER, GUEST_IRQ_TIMER);
	n = guest_irqs.timer;
	t0 = rdtsc();
	guest_wrmsr(GUEST_APIC_TMICT, TIMER_COUNT);
	got = wait_irqs(&guest_irqs.timer, n + 1, 100);
	t1 = rdtsc();
	check(got && guest_irqs.timer == n + 1 && t1 - t0 >= TIMER_COUNT && isr_clear(GUEST_IRQ_TIMER),
	      "APIC timer (one-shot) at VMPL2: one interrupt after its count wakes HLT, EOI ends it");

	guest_wrmsr(GUEST_APIC_LVT_TIMER, GUEST_IRQ_TIMER | LVT_PERIODIC);
	n = guest_irqs.timer;
	guest_wrmsr(GUEST_APIC_TMICT, TIMER_COUNT);
	got = wait_irqs(&guest_irqs.timer, n + 3, 100);
	guest_wrmsr(GUEST_APIC_LVT_TIMER, GUEST_IRQ_TIMER | LVT_MASKED);
	guest_wrmsr(GUEST_APIC_TMICT, 0);
	irq_window(); /* a tick requested before the mask (held in the IRR) is taken here, not counted as the next mode's */
	check(got, "APIC timer (periodic) at VMPL2: three interrupts in a row");

	guest_wrmsr(GUEST_APIC_LVT_TIMER, GUEST_IRQ_TIMER | LVT_TSC_DEADLINE);
	n = guest_irqs.timer;
	t0 = rdtsc();
	guest_wrmsr(GUEST_TSC_DEADLINE, t0 + TIMER_COUNT);
	got = wait_irqs(&guest_irqs.timer, n + 1, 100);
	t1 = rdtsc();
	check(got && t1 >= t0 + TIMER_COUNT && guest_rdmsr(GUEST_TSC_DEADLINE) == 0,
	      "APIC timer (TSC deadline) at VMPL2: fires at its deadline, then disarmed");
	guest_wrmsr(GUEST_APIC_LVT_TIMER, GUEST_IRQ_TIMER | LVT_MASKED);

	n = guest_irqs.self;
	guest_wrmsr(GUEST_APIC_TPR, 0x70); /* class 7 holds back vector 0x61 (class 6) */
	guest_wrmsr(GUEST_APIC_SELF_IPI, GUEST_IRQ_SELF);
	irq_window();
	check(guest_irqs.self == n &&
		      (guest_rdmsr(GUEST_APIC_IRR + GUEST_IRQ_SELF / 32) & (1u << (GUEST_IRQ_SELF % 32))) != 0,
	      "self IPI under a higher TPR: requested (IRR), not delivered");
	guest_wrmsr(GUEST_APIC_TPR, 0);
	irq_window();
	check(guest_irqs.self == n + 1 && isr_clear(GUEST_IRQ_SELF), "... delivered once the TPR drops, and ended by EOI");

	/* NMI: IF does not hold it back; one in progress (no NMI_COMPLETE yet) holds back the next. */
	n = guest_irqs.nmi_boot;
	guest_wrmsr(GUEST_APIC_ICR, ICR_SELF | ICR_NMI);
	check(guest_irqs.nmi_boot == n + 1 && guest_irqs.nmi_errors == 0,
	      "self NMI with IF clear: taken at once, its NMI_COMPLETE answered");
	guest_irqs.nmi_hold = 1;
	guest_wrmsr(GUEST_APIC_ICR, ICR_SELF | ICR_NMI);
	guest_wrmsr(GUEST_APIC_ICR, ICR_SELF | ICR_NMI);
	bool held = guest_irqs.nmi_boot == n + 2;
	bool completed = guest_nmi_complete();

	check(held && completed && guest_irqs.nmi_boot == n + 3 && guest_irqs.nmi_errors == 0,
	      "... a second NMI waits while the first is in progress, and comes at its NMI_COMPLETE");

	/* The attack: the guest's timer keeps firing while the SVSM serves it. */
	bool served = true;

	guest_wrmsr(GUEST_APIC_LVT_TIMER, GUEST_IRQ_TIMER | LVT_PERIODIC);
	n = guest_irqs.timer;
	guest_wrmsr(GUEST_APIC_TMICT, TIMER_COUNT);
	for (unsigned i = 0; i < 50; i++)
		served &= call(SVSM_CORE_PROTOCOL, SVSM_CORE_QUERY_PROTOCOL, 1ull << 32 | 1, 0).rax == SVSM_SUCCESS;
	for (unsigned i = 0; i < 5; i++)
		served &= vtpm_cmd(SVSM_VTPM_TPM_SEND_COMMAND, 0, tpm_getrandom16, sizeof(tpm_getrandom16)) == SVSM_SUCCESS &&
			  be32(vtpm_buf + 4 + 6) == 0;
	check(served && guest_irqs.timer == n,
	      "the guest's periodic timer firing through 50 SVSM calls and 5 vTPM commands (its IF clear): "
	      "every call served, no interrupt taken meanwhile");
	got = wait_irqs(&guest_irqs.timer, n + 1, 10);
	guest_wrmsr(GUEST_APIC_LVT_TIMER, GUEST_IRQ_TIMER | LVT_MASKED);
	guest_wrmsr(GUEST_APIC_TMICT, 0);
	irq_window(); /* one may have been requested since */
	check(got && guest_irqs.other == 0, "... its interrupts come to VMPL2 once it sets IF, none on another vector");
}

/*
 * The second vCPU's work for the flood (test_ipis): vTPM commands through
 * its own calling area, so its SVSM context runs the vTPM module, with
 * interrupts on, while IPIs arrive for the vCPU.
 */
static uint8_t ap_vtpm_buf[PAGE] __attribute__((aligned(PAGE)));
static volatile uint32_t ap_vtpm_ok;

static void ap_vtpm_work(void)
{
	for (unsigned i = 0; i < 5; i++) {
		unsigned busy = 0;

		if (vtpm_send((volatile struct svsm_ca *)(uintptr_t)AP_CA, ap_vtpm_buf, &busy, SVSM_VTPM_TPM_SEND_COMMAND, 0,
			      tpm_getrandom16, sizeof(tpm_getrandom16)) == SVSM_SUCCESS &&
		    be32(ap_vtpm_buf + 4 + 6) == 0)
			ap_vtpm_ok++;
	}
}

/*
 * IPIs between the guest's vCPUs at VMPL2: a second vCPU (APIC ID 1,
 * its own GHCB) waits in HLT; fixed IPIs reach it by physical and logical
 * destination and by the all-but-self shorthand, never the sender; a
 * self shorthand reaches only the sender. Then the attacks: IPIs flood
 * the second vCPU while its SVSM context runs vTPM commands (with
 * interrupts on), and APIC ID 1 once only the SVSM's context is left
 * there; the SVSM serves on, the IPIs wait for VMPL2.
 */
static void test_ipis(void)
{
	volatile struct vmsa *v = (volatile struct vmsa *)(uintptr_t)AP_VMSA;
	uint32_t ap, own;
	unsigned busy;
	bool ok = true;

	if (boot->vcpu_count < 2) {
		skip("IPIs between the guest's vCPUs", "the VM has one vCPU");
		return;
	}
	guest_irq_ap_prepare((struct ghcb *)(uintptr_t)(ALIAS_VA + 3 * PAGE), gs.ap_ghcb);
	ap_vmsa(AP_VMSA, guest_irq_ap_main);
	v->rsp = guest_irq_ap_stack_top();
	bool started = create_vcpu(AP_VMSA, AP_CA, 1) == SVSM_SUCCESS && ap_create(AP_VMSA) == 0;

	check(started && wait_for(&guest_irq_ap_ready, 1) && guest_irqs.ap_errors == 0,
	      "a second vCPU at VMPL2 with its own GHCB and APIC, waiting in HLT");
	own = guest_irqs.ipi_boot;
	for (unsigned i = 0; i < 3; i++) {
		ap = guest_irqs.ipi_ap;
		guest_wrmsr(GUEST_APIC_ICR, (1ull << 32) | GUEST_IRQ_IPI);
		ok &= wait_for(&guest_irqs.ipi_ap, ap + 1);
	}
	irq_window();
	check(ok && guest_irqs.ipi_boot == own, "fixed IPI to APIC ID 1 (physical) wakes it from HLT, 3 of 3, none to the sender");
	ap = guest_irqs.ipi_ap;
	guest_wrmsr(GUEST_APIC_ICR, (2ull << 32) | ICR_LOGICAL | GUEST_IRQ_IPI); /* cluster 0, bit 1: APIC ID 1 */
	check(wait_for(&guest_irqs.ipi_ap, ap + 1), "fixed IPI by logical destination (cluster 0, bit 1) reaches APIC ID 1");
	ap = guest_irqs.ipi_ap;
	guest_wrmsr(GUEST_APIC_ICR, ICR_OTHERS | GUEST_IRQ_IPI);
	ok = wait_for(&guest_irqs.ipi_ap, ap + 1);
	irq_window();
	check(ok && guest_irqs.ipi_boot == own, "all-but-self shorthand: the other vCPU only");
	ap = guest_irqs.ipi_ap;
	guest_wrmsr(GUEST_APIC_ICR, ICR_SELF | GUEST_IRQ_IPI);
	irq_window();
	for (unsigned i = 0; i < 100; i++)
		give_turn(); /* the other vCPU's turns: it must get nothing */
	check(guest_irqs.ipi_boot == own + 1 && guest_irqs.ipi_ap == ap, "self shorthand: the sender only");
	uint32_t nmi_own = guest_irqs.nmi_boot, nmi_ap = guest_irqs.nmi_ap;

	guest_wrmsr(GUEST_APIC_ICR, (1ull << 32) | ICR_NMI);
	check(wait_for(&guest_irqs.nmi_ap, nmi_ap + 1) && guest_irqs.nmi_boot == nmi_own && guest_irqs.nmi_errors == 0,
	      "NMI to APIC ID 1 wakes it from HLT (IF or not), its own GHCB answers NMI_COMPLETE");

	/*
	 * The flood: IPIs at vCPU 1 for as long as its SVSM context serves
	 * its vTPM commands, one per TIMER_COUNT / 2 TSC cycles this vCPU
	 * sleeps (HLT until its one-shot timer), so vCPU 1 has the CPU.
	 */
	unsigned flood = 0;

	ap = guest_irqs.ipi_ap;
	nmi_ap = guest_irqs.nmi_ap;
	ap_vtpm_ok = 0;
	guest_irq_ap_work = ap_vtpm_work;
	guest_wrmsr(GUEST_APIC_LVT_TIMER, GUEST_IRQ_TIMER);
	/* At least two rounds: with vCPU 1 on another machine CPU its commands may all end within the first. */
	while ((guest_irq_ap_worked == 0 || flood < 2) && flood < 100000) {
		uint32_t n = guest_irqs.timer;

		guest_wrmsr(GUEST_APIC_ICR, (1ull << 32) | GUEST_IRQ_IPI);
		guest_wrmsr(GUEST_APIC_ICR, (1ull << 32) | ICR_NMI);
		flood++;
		guest_wrmsr(GUEST_APIC_TMICT, TIMER_COUNT / 2);
		(void)wait_irqs(&guest_irqs.timer, n + 1, 10);
	}
	guest_wrmsr(GUEST_APIC_LVT_TIMER, GUEST_IRQ_TIMER | LVT_MASKED);
	/*
	 * One IPI at least: those that arrive while the first still waits in
	 * the IRR merge with it (one bit per vector, as an APIC keeps them),
	 * so a slow round may leave all of them one; the same for NMIs.
	 */
	check(guest_irq_ap_worked == 1 && ap_vtpm_ok == 5 && wait_for(&guest_irqs.ipi_ap, ap + 1) &&
		      wait_for(&guest_irqs.nmi_ap, nmi_ap + 1) && guest_irqs.nmi_errors == 0,
	      "IPIs and NMIs flooding vCPU 1 while its SVSM context runs 5 vTPM commands: all served, "
	      "they wait for VMPL2");
	guest_printf("# %u IPIs and %u NMIs sent during the second vCPU's vTPM commands (%u IPIs and %u NMIs taken, "
		     "%u of 5 commands served)\n", flood, flood, guest_irqs.ipi_ap - ap, guest_irqs.nmi_ap - nmi_ap,
		     ap_vtpm_ok);

	guest_irq_ap_stop = 1;
	guest_wrmsr(GUEST_APIC_ICR, (1ull << 32) | GUEST_IRQ_IPI);
	check(wait_for(&guest_irq_ap_done, 1) && delete_vcpu_when_stopped(AP_VMSA, &busy) == SVSM_SUCCESS &&
		      guest_irqs.ap_errors == 0,
	      "the second vCPU stops when asked (an IPI), DELETE_VCPU gives its VMSA back");

	/* APIC ID 1 runs only the SVSM's VMPL0 context now: the guest's IPIs are for its own VMPL's APIC. */
	for (unsigned i = 0; i < 100; i++) {
		guest_wrmsr(GUEST_APIC_ICR, (1ull << 32) | GUEST_IRQ_IPI);
		guest_wrmsr(GUEST_APIC_ICR, (1ull << 32) | ICR_NMI);
	}
	ok = true;
	for (unsigned i = 0; i < 20; i++) {
		give_turn(); /* vCPU 1's SVSM context runs */
		ok &= call(SVSM_CORE_PROTOCOL, SVSM_CORE_QUERY_PROTOCOL, 1ull << 32 | 1, 0).rax == SVSM_SUCCESS;
	}
	check(ok && guest_irqs.other == 0,
	      "100 IPIs and 100 NMIs at APIC ID 1 with only the SVSM's context there: the SVSM serves on");
}

/* Buffers for the attestation calls: in the image, so validated and the guest's. */
static uint8_t att_report[PAGE] __attribute__((aligned(PAGE)));
static uint8_t att_manifest[PAGE] __attribute__((aligned(PAGE)));
static uint8_t att_nonce[SVSM_ATTEST_NONCE_SIZE] __attribute__((aligned(64)));

static void print_hex(const char *name, const uint8_t *b, size_t n)
{
	guest_printf("# attest %s ", name);
	for (size_t i = 0; i < n; i++)
		guest_printf("%02x", b[i]);
	guest_printf("\n");
}

/* The common operation fields in the calling area's buffer (as Linux puts them, SVSM spec, attestation protocol). */
static void fill_attest_op(uint32_t report_size, uint32_t manifest_size, uint16_t nonce_size)
{
	volatile struct svsm_attest_services_op *op =
		(volatile struct svsm_attest_services_op *)ca->buffer;

	op->report_gpa = (uint64_t)(uintptr_t)att_report;
	op->report_size = report_size;
	op->rsvd_0c = 0;
	op->nonce_gpa = (uint64_t)(uintptr_t)att_nonce;
	op->nonce_size = nonce_size;
	for (unsigned i = 0; i < sizeof(op->rsvd_1a); i++)
		op->rsvd_1a[i] = 0;
	op->manifest_gpa = (uint64_t)(uintptr_t)att_manifest;
	op->manifest_size = manifest_size;
	op->rsvd_2c = 0;
	op->certs_gpa = 0;
	op->certs_size = 0;
	op->rsvd_3c = 0;
}

static struct guest_call attest_services(uint32_t report_size, uint32_t manifest_size,
					 uint16_t nonce_size)
{
	fill_attest_op(report_size, manifest_size, nonce_size);
	return call(SVSM_ATTEST_PROTOCOL, SVSM_ATTEST_SERVICES, boot->caa_gpa + 8, 0);
}

/*
 * The report's signature, REPORT_DATA and measurement are checked on the
 * host from what this prints (tests/guest/attest_check.py: snp-verify on
 * the vsnp chip's chain, SHA-512(nonce || manifest), snp-launch-digest of
 * this file), as a relying party would; here, the protocol's answers.
 */
static void test_attest(void)
{
	static const uint8_t header_guid[16] = SVSM_MANIFEST_GUID;
	const struct snp_attestation_report *r = (const struct snp_attestation_report *)att_report;
	const struct svsm_manifest_hdr *m = (const struct svsm_manifest_hdr *)att_manifest;
	uint8_t first_id[sizeof(r->report_id)];

	for (unsigned i = 0; i < sizeof(att_nonce); i++)
		att_nonce[i] = (uint8_t)(0xC0 + i);
	memset(att_report, 0xEE, sizeof(att_report));

	struct guest_call c = attest_services(PAGE, 16, SVSM_ATTEST_NONCE_SIZE);

	check(c.rax == SVSM_ERR_INVALID_PARAMETER && c.rcx > sizeof(struct svsm_manifest_hdr) &&
		      c.r8 == SNP_REPORT_SIZE && att_report[0] == 0xEE,
	      "ATTEST_SERVICES, manifest buffer too small: INVALID_PARAMETER with the sizes, nothing written");
	c = attest_services(0x100, PAGE, SVSM_ATTEST_NONCE_SIZE);
	check(c.rax == SVSM_ERR_INVALID_PARAMETER && c.r8 == SNP_REPORT_SIZE && att_report[0] == 0xEE,
	      "ATTEST_SERVICES, report buffer too small: INVALID_PARAMETER, report size in R8");
	c = attest_services(PAGE, PAGE, 32);
	check(c.rax == SVSM_ERR_INVALID_PARAMETER && att_report[0] == 0xEE,
	      "ATTEST_SERVICES, 32-byte nonce refused");

	c = attest_services(PAGE, PAGE, SVSM_ATTEST_NONCE_SIZE);
	static const uint8_t vtpm_guid[16] = SVSM_VTPM_SERVICE_GUID;
	const struct svsm_manifest_entry *me = (const struct svsm_manifest_entry *)(att_manifest + sizeof(*m));

	check(c.rax == SVSM_SUCCESS && c.rcx > sizeof(*m) + sizeof(*me) && c.rdx == 0 && c.r8 == SNP_REPORT_SIZE,
	      "ATTEST_SERVICES: success; manifest, certificate and report sizes");
	/* The sizes are the SVSM's answer: believed only on success and within the buffer. */
	bool got = c.rax == SVSM_SUCCESS && c.rcx <= sizeof(att_manifest);

	static const uint8_t state_guid[16] = SVSM_VTPM_STATE_GUID;
	const struct svsm_manifest_entry *se = me + 1;
	struct svsm_vtpm_state_entry st;

	check(got && memcmp(m->guid, header_guid, 16) == 0 && m->size == c.rcx && m->count == 2 &&
		      memcmp(me->guid, vtpm_guid, 16) == 0 && me->offset == sizeof(*m) + 2 * sizeof(*me) &&
		      me->size < sizeof(att_manifest) && att_manifest[me->offset + 1] == 0x23,
	      "services manifest: the header GUID and the vTPM with its EK public area (ECC)");
	memset(&st, 0, sizeof(st));
	if (got && se->offset == me->offset + me->size && se->size == sizeof(st) && se->offset + se->size == m->size)
		memcpy(&st, att_manifest + se->offset, sizeof(st));
	check(got && memcmp(se->guid, state_guid, 16) == 0 && st.format == SVSM_VTPM_STATE_FORMAT &&
		      (st.flags & ~SVSM_VTPM_STATE_PERSISTENT) == 0 &&
		      ((st.flags & SVSM_VTPM_STATE_PERSISTENT) != 0 || st.version == 0),
	      "services manifest: the vTPM state entry after it (format 1; a version only when kept on a disk)");
	if (got) {
		guest_printf("# vtpm state: %s, version %llu, digest ",
			     (st.flags & SVSM_VTPM_STATE_PERSISTENT) ? "persistent" : "volatile",
			     (unsigned long long)st.version);
		for (unsigned i = 0; i < sizeof(st.digest); i++)
			guest_printf("%02x", st.digest[i]);
		guest_printf("\n");
	}
	check(r->version >= 2 && r->vmpl == 0 && r->signature_algo == SNP_REPORT_SIG_ALGO_ECDSA_P384_SHA384 &&
		      (r->policy & (1ull << 17)) != 0,
	      "report: version, VMPL0 (the SVSM's), ECDSA P-384 signature, policy bit 17");
	if (got) {
		print_hex("nonce", att_nonce, sizeof(att_nonce));
		print_hex("manifest", att_manifest, c.rcx);
		print_hex("report", att_report, SNP_REPORT_SIZE);
	}

	/* ATTEST_SINGLE_SERVICE for the vTPM: its manifest alone, the EK public area. */
	volatile struct svsm_attest_single_op *sop = (volatile struct svsm_attest_single_op *)ca->buffer;

	uint32_t vtpm_entry_size = got ? me->size : 0; /* the call below writes over the services manifest */

	fill_attest_op(PAGE, PAGE, SVSM_ATTEST_NONCE_SIZE);
	for (unsigned i = 0; i < 16; i++)
		sop->service_guid[i] = vtpm_guid[i];
	sop->manifest_version = 0;
	sop->rsvd_54 = 0;
	c = call(SVSM_ATTEST_PROTOCOL, SVSM_ATTEST_SINGLE_SERVICE, boot->caa_gpa + 8, 0);
	single_len = c.rax == SVSM_SUCCESS ? c.rcx : 0;
	check(c.rax == SVSM_SUCCESS && c.rcx == vtpm_entry_size && att_manifest[1] == 0x23,
	      "ATTEST_SINGLE_SERVICE(vTPM): the EK public area alone");
	memcpy(single_manifest, att_manifest, single_len < sizeof(single_manifest) ? single_len : 0);

	memcpy(first_id, r->report_id, sizeof(first_id));
	c = attest_services(PAGE, PAGE, SVSM_ATTEST_NONCE_SIZE);
	check(c.rax == SVSM_SUCCESS && memcmp(first_id, r->report_id, sizeof(first_id)) != 0,
	      "a second report (the next message sequence number) with a new report id");
}

/*
 * guest.forbidden=lent-write-running: a second vCPU writes a page without
 * pause (its translation cached) while this one lends that page to the
 * SVSM. Once DEPOSIT_MEM returns, the writer must have lost the page: the
 * SVSM's RMPADJUST has to reach that vCPU's translations, so its next
 * write is an RMP violation that stops the guest. If this vCPU still sees
 * the writer's rounds go on afterwards, it kept writing the SVSM's page.
 */
static void lend_while_written(void)
{
	uint64_t page = AP_BASE + 4 * PAGE;
	unsigned next = 0;
	int started = writer_start(page, guest_ap_writer);

	if (started != 0) {
		check(false, started == 1   ? "lent-write-running set-up: the target page validated"
			     : started == 2 ? "lent-write-running set-up: the writer vCPU created"
					    : "lent-write-running set-up: the writer vCPU made its first 1000 rounds");
		return;
	}
	guest_printf("# lending page 0x%llx while the other vCPU writes it (%u rounds so far): "
		     "the SVSM must stop this guest\n", (unsigned long long)page, guest_ap_beats);
	uint64_t rc = deposit(&page, 1, &next);
	uint32_t after = guest_ap_beats;

	for (unsigned i = 0; i < 2000; i++)
		give_turn();
	guest_printf("# DEPOSIT_MEM: 0x%llx; the writer's rounds went from %u to %u after it\n",
		     (unsigned long long)rc, after, guest_ap_beats);
	check(false, "writing a page lent while being written was stopped");
}

static void forbidden(uint64_t kept)
{
	uint8_t v0;

	if (cmdline_has("guest.forbidden=lent-write-running"))
		lend_while_written();

	if (cmdline_has("guest.forbidden=lent-read")) {
		unsigned next = 0;

		/* Under SNP the SVSM keeps no lent page (test_lend got all back): lend one again. */
		if (kept == 0) {
			kept = spare_region(2 * MIB) + 8 * MIB; /* test_lend's first page, withdrawn and still validated */
			if (deposit(&kept, 1, &next) != SVSM_SUCCESS || next != 1) {
				check(false, "lent-read set-up: a page lent with DEPOSIT_MEM");
				return;
			}
		}
		guest_printf("# reading a page lent to the SVSM at 0x%llx: the SVSM must stop this guest\n",
			     (unsigned long long)kept);
		(void)guest_probe_read((volatile uint8_t *)(uintptr_t)kept, &v0);
		check(false, "reading a lent page was stopped");
	}
	const struct snp_secrets_page *s = (const struct snp_secrets_page *)(uintptr_t)boot->secrets_gpa;
	volatile uint8_t *svsm = (volatile uint8_t *)(uintptr_t)s->svsm_base;
	uint8_t v;

	if (cmdline_has("guest.forbidden=svsm-read")) {
		guest_printf("# reading SVSM memory at 0x%llx: the SVSM must stop this guest\n",
			     (unsigned long long)s->svsm_base);
		(void)guest_probe_read(svsm, &v);
		check(false, "reading SVSM memory was stopped");
	}
	if (cmdline_has("guest.forbidden=svsm-write")) {
		guest_printf("# writing SVSM memory at 0x%llx: the SVSM must stop this guest\n",
			     (unsigned long long)s->svsm_base);
		(void)guest_probe_write(svsm, 0);
		check(false, "writing SVSM memory was stopped");
	}

	/* test_pvalidate's 2 MiB region, rescinded: any access is a #VC 0x404. */
	volatile uint8_t *unvalidated = (volatile uint8_t *)(uintptr_t)(spare_region(2 * MIB) + 2 * MIB);

	if (cmdline_has("guest.forbidden=vc-no-idt")) {
		struct {
			uint16_t limit;
			uint64_t base;
		} __attribute__((packed)) none = { 0, 0 };

		guest_printf("# a #VC with no IDT to take it: the SVSM must stop this guest\n");
		__asm__ volatile("lidt %0" : : "m"(none));
		(void)*unvalidated;
		check(false, "a #VC with no IDT was stopped");
	}
	if (cmdline_has("guest.forbidden=hlt-cli")) {
		/* Nothing can wake it: the machine must say so, and what each vCPU waits for. */
		guest_printf("# HLT with IF clear: the machine must stop and say why\n");
		__asm__ volatile("cli; hlt" ::: "memory");
		check(false, "HLT with IF clear never returned");
	}
	if (cmdline_has("guest.forbidden=vc-stack-svsm")) {
		/* The #VC frame would be written to SVSM memory: never with the SVSM's rights. */
		guest_printf("# a #VC with the stack in SVSM memory at 0x%llx: the SVSM must stop this guest\n",
			     (unsigned long long)s->svsm_base);
		__asm__ volatile("mov %0, %%rsp\n\tmovb (%1), %%al"
				 : : "r"(s->svsm_base + 2 * PAGE), "r"(unvalidated) : "rax", "memory");
		check(false, "a #VC with the stack in SVSM memory was stopped");
	}
}

void guest_check(bool ok, const char *what)
{
	check(ok, what);
}

void guest_main(const struct guest_boot *b);

void guest_main(const struct guest_boot *b)
{
	boot = b;
	ca = (volatile struct svsm_ca *)(uintptr_t)b->caa_gpa;
	guest_cpu_init();
	ghcb_setup(); /* before any output: under SNP the console's port I/O raises #VC */
	guest_console_init();
	guest_crypto_init();
	guest_printf("# VMPL2 test guest: boot page at 0x%llx\n", (unsigned long long)(uintptr_t)b);
	check(b->magic == GUEST_BOOT_MAGIC && b->version == GUEST_BOOT_VERSION &&
		      b->size == sizeof(*b) && b->ram_count > 0 && b->ram_count <= GUEST_BOOT_MAX_RAM &&
		      b->vcpu_count >= 1,
	      "boot page is well-formed");
	guest_printf("# %u vCPU(s)\n", b->vcpu_count);
	test_discovery();
	test_query();
	test_pvalidate();
	test_attest();
	test_vtpm();
	uint64_t kept = lent_kept = test_lend();
	test_vcpus();
	test_ghcb();
	test_mmio();
	test_ap();
	if (b->vcpu_count >= 2) {
		test_ap_destroy_running();
		test_ap_next_vmsa();
	} else {
		skip("AP destroy (GHCB) of a running vCPU", "the VM has one vCPU");
		skip("a vCPU's next VMSA while its last runs", "the VM has one vCPU");
	}
	test_interrupts();
	test_ipis();
	guest_test_io_ports();
	guest_test_machine_insns();
	if (cmdline_has("guest.bench"))
		guest_bench(b, ca, spare_region(2 * MIB) + 4 * MIB);
	forbidden(kept);
	guest_printf("1..%u\n", tests_run);
	guest_printf("# %u of %u checks failed\n", tests_failed, tests_run);
	guest_uart_leave_dlab();
	guest_terminate(GUEST_TERM_SET, tests_failed == 0 ? 0 : 1);
}
