/* SPDX-License-Identifier: MIT */
/*
 * The snp backend (include/svsm/platform_snp.h): bring-up and the seam's
 * operations on SEV-SNP hardware. The logic lives in the portable files
 * beside this one (cpuid_page.c, secrets.c, pvalidate.c, hv_msr.c,
 * hv_ghcb.c, vc_emulate.c), host-tested; this file maps pages and wires
 * them to the instructions in insn.c.
 */
#include "svsm/platform_snp.h"

#include "abi/ghcb.h"
#include "abi/snp.h"
#include "abi/x86.h"
#include "lib/io.h"
#include "lib/string.h"
#include "lib/uart.h"
#include "mm/pgtable.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"
#include "svsm/machine.h"
#include "svsm/mm.h"
#include "svsm/panic.h"
#include "svsm/percpu.h"
#include "svsm/snp_cpuid.h"
#include "svsm/snp_hv.h"
#include "svsm/snp_insn.h"
#include "svsm/snp_pvalidate.h"
#include "svsm/smp.h"
#include "svsm/snp_secrets.h"
#include "snp_internal.h"

#define PAGES_PER_2M 512u

struct snp_state snp;

struct snp_hv *snp_hv_this(void)
{
	return this_cpu()->snp_hv;
}

void snp_machine_exit(unsigned code)
{
	snp_insn_terminate(GHCB_TERM_SET_SVSM, SVSM_TERM_EXIT_BASE | (code & 0x7F));
}

/* ---- mapping the page an instruction works on ---- */

/*
 * PVALIDATE and RMPADJUST take a virtual address. SVSM memory is in the
 * direct map; anything else goes through the temporary window, which must
 * hand out a 2 MiB-aligned run for a 2 MiB page.
 */
static void *map_page(paddr_t p, unsigned page_size, bool *tmp)
{
	const uint64_t pa = pa_addr(p);
	uint64_t len = page_size == RMP_PG_SIZE_2M ? PAGES_PER_2M * PAGE_SIZE : PAGE_SIZE;
	void *va;

	*tmp = false;
	if (memmap_contains(mm_svsm_memory(), pa, pa + len))
		return phys_to_virt(pa);
	*tmp = true;
	int err = tmpmap(p, len / PAGE_SIZE, PGT_WRITE | PGT_ENC, &va);

	if (err != SVSM_OK)
		panic("snp: no temporary mapping for 0x%llx (+%llu bytes): error %d", (unsigned long long)pa,
		      (unsigned long long)len, err);
	if (((uint64_t)(uintptr_t)va & (len - 1)) != 0)
		panic("snp: temporary window is fragmented; a 2 MiB page needs all of it");
	return va;
}

static void unmap_page(void *va, unsigned page_size, bool tmp)
{
	if (tmp)
		tmpunmap(va, page_size == RMP_PG_SIZE_2M ? PAGES_PER_2M : 1);
}

static bool page_ok(uint64_t pa, unsigned page_size)
{
	uint64_t align = page_size == RMP_PG_SIZE_2M ? PAGES_PER_2M * PAGE_SIZE : PAGE_SIZE;

	return (page_size == RMP_PG_SIZE_4K || page_size == RMP_PG_SIZE_2M) &&
	       (pa & (align - 1)) == 0 && pa < PGT_MAX_PA;
}

/* ---- the seam ---- */

static insn_rc snp_pvalidate(paddr_t p, unsigned page_size, bool validate, bool *unchanged)
{
	uint64_t pa = pa_addr(p);
	bool tmp;

	*unchanged = false;
	if (!page_ok(pa, page_size))
		return INSN_RC_FAIL_INPUT;

	void *va = map_page(p, page_size, &tmp);
	insn_rc code = snp_pvalidate_page(snp_insn_pvalidate, NULL, va_from_ptr(va), page_size,
					  validate, unchanged);

	unmap_page(va, page_size, tmp);
	if (insn_rc_eq(code, INSN_RC_TORN))
		panic("snp: PVALIDATE of 0x%llx failed part way and could not be undone",
		      (unsigned long long)pa);
	return code;
}

static insn_rc snp_rmpadjust(paddr_t p, unsigned page_size, uint64_t attrs)
{
	uint64_t pa = pa_addr(p);
	bool tmp;

	if (!page_ok(pa, page_size) || (attrs & RMPADJUST_RSVD_MASK) != 0)
		return INSN_RC_FAIL_INPUT;

	void *va = map_page(p, page_size, &tmp);
	insn_rc code = snp_rmpadjust_code(snp_insn_rmpadjust(va_from_ptr(va), page_size, attrs));

	unmap_page(va, page_size, tmp);
	return code;
}

static int snp_page_state(paddr_t p, unsigned page_size, bool private_)
{
	uint64_t pa = pa_addr(p);
	uint64_t e;

	if (!page_ok(pa, page_size))
		return SVSM_EINVAL;
	e = psc_entry_encode(pa >> 12, private_ ? GHCB_PSC_OP_PRIVATE : GHCB_PSC_OP_SHARED,
			     page_size == RMP_PG_SIZE_2M);
	return snp_ghcb_psc(snp_hv_this(), &e, 1) == SVSM_OK ? SVSM_OK : SVSM_EIO;
}

static int snp_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	struct snp_vc_env env;

	snp_cpu_env(&env);
	return snp_vc_cpuid(&env, leaf, subleaf, out);
}

static int snp_rdmsr(uint32_t msr, uint64_t *val)
{
	return snp_ghcb_rdmsr(snp_hv_this(), msr, val);
}

static int snp_wrmsr(uint32_t msr, uint64_t val)
{
	return snp_ghcb_wrmsr(snp_hv_this(), msr, val);
}

static int snp_io_in(uint16_t port, unsigned size, uint32_t *val)
{
	return snp_ghcb_io(snp_hv_this(), port, size, true, val);
}

static int snp_io_out(uint16_t port, unsigned size, uint32_t val)
{
	return snp_ghcb_io(snp_hv_this(), port, size, false, &val);
}

static int snp_ap_create(uint32_t apic_id, paddr_t vmsa_pa, unsigned vmpl, uint64_t features)
{
	return snp_ghcb_ap_create(snp_hv_this(), SVM_AP_CREATE, apic_id, vmpl, pa_addr(vmsa_pa), features);
}

static int snp_run_vmpl(unsigned vmpl)
{
	return snp_ghcb_run_vmpl(snp_hv_this(), vmpl);
}

static int snp_guest_request(paddr_t req_pa, paddr_t resp_pa, uint64_t *fw_error)
{
	return snp_ghcb_guest_request(snp_hv_this(), pa_addr(req_pa), pa_addr(resp_pa), fw_error);
}

__attribute__((noreturn)) static void snp_terminate(unsigned set, unsigned code)
{
	snp_insn_terminate(set, code);
}

static uint64_t snp_enc_mask(void)
{
	return 1ull << snp.cpuid.cbit;
}

static int snp_random(void *buf, size_t len)
{
	/* RDRAND is not intercepted under SNP; the native backend's loop serves. */
	return platform_native_ops.random(buf, len);
}

static const struct platform_ops snp_ops = {
	.name = "snp",
	.pvalidate = snp_pvalidate,
	.rmpadjust = snp_rmpadjust,
	.page_state = snp_page_state,
	.cpuid = snp_cpuid,
	.rdmsr = snp_rdmsr,
	.wrmsr = snp_wrmsr,
	.io_in = snp_io_in,
	.io_out = snp_io_out,
	.ap_create = snp_ap_create,
	.run_vmpl = snp_run_vmpl,
	.guest_request = snp_guest_request,
	.terminate = snp_terminate,
	.enc_mask = snp_enc_mask,
	.random = snp_random,
};

const struct snp_cpuid_table *snp_cpuid_table(void)
{
	return snp.ready ? &snp.cpuid.t : NULL;
}

uint64_t snp_secrets_gpa(void)
{
	return snp.ready ? snp.secrets_pa : 0;
}

const struct platform_ops *snp_platform_ops(void)
{
	return snp.ready ? &snp_ops : NULL;
}

/* ---- bring-up ---- */

static void console_out(uint16_t port, uint8_t v)
{
	uint32_t val = v;

	(void)snp_ghcb_io(snp_hv_this(), port, 1, false, &val);
}

static uint8_t console_in(uint16_t port)
{
	uint32_t val = 0xFF; /* a missing UART reads as all ones */

	(void)snp_ghcb_io(snp_hv_this(), port, 1, true, &val);
	return (uint8_t)val;
}

/* A burst of console bytes in one GHCB request; byte by byte (through #VC) if the hypervisor will not take it. */
static void console_outs(uint16_t port, const uint8_t *b, size_t n)
{
	struct snp_hv *hv = snp_hv_this();

	if (hv != NULL && snp_ghcb_outsb(hv, port, b, n) == SVSM_OK)
		return;
	for (size_t i = 0; i < n; i++)
		io_outb(port, b[i]);
}

static const struct uart_port_io ghcb_port_io = { console_out, console_in, console_outs };
/* The console once this CPU has its GHCB: single IN/OUT raise #VC (the IOIO path of the handler), bursts as one request. */
static const struct uart_port_io vc_port_io = { io_outb, io_inb, console_outs };

void snp_console_direct(void)
{
	struct snp_hv *hv = snp_hv_this();

	if (hv == NULL)
		return; /* this CPU never got a GHCB: nothing better to offer */
	hv->busy = false; /* a call cut short by the fault is abandoned */
	uart_set_port_io(&ghcb_port_io);
}

/* Reads one page of launch data (CPUID or secrets page) through the temporary window. */
static void read_launch_page(uint64_t pa, void *dst, size_t len, unsigned fail_code)
{
	void *va;

	if (tmpmap(pa_init(pa), 1, PGT_ENC, &va) != SVSM_OK)
		snp_insn_terminate(GHCB_TERM_SET_SVSM, fail_code);
	memcpy(dst, va, len);
	tmpunmap(va, 1);
}

int snp_share_heap_page(struct snp_hv *hv, uint64_t pa, void **va_out)
{
	uint64_t va = (uint64_t)(uintptr_t)phys_to_virt(pa);
	bool unchanged;

	/* Rescind first, then the state change (GHCB spec 56421 §2.3.1, §4.1.6 order). */
	if (!insn_rc_ok(snp_pvalidate_page(snp_insn_pvalidate, NULL, va_init(va), RMP_PG_SIZE_4K, false,
					   &unchanged)) ||
	    unchanged || snp_hv_psc_msr(hv, pa, false) != SVSM_OK ||
	    pgt_unmap(vm_kernel_pt(), va, PAGE_SIZE) != SVSM_OK ||
	    pgt_map(vm_kernel_pt(), va, pa, PAGE_SIZE, PGT_WRITE | PGT_GLOBAL) != SVSM_OK)
		return SVSM_EIO;
	memset((void *)(uintptr_t)va, 0, PAGE_SIZE);
	*va_out = (void *)(uintptr_t)va;
	return SVSM_OK;
}

/*
 * The GHCB: a page of SVSM memory made shared (snp_share_heap_page; the
 * MSR protocol's page state change, no GHCB yet) and registered.
 */
static void ghcb_setup(struct snp_hv *hv)
{
	uint64_t pa = buddy_alloc(mm_buddy(), 0);
	void *va;

	if (pa == MM_PA_NONE || snp_share_heap_page(hv, pa, &va) != SVSM_OK ||
	    snp_hv_register_ghcb(hv, pa) != SVSM_OK)
		snp_insn_terminate(GHCB_TERM_SET_SVSM, SVSM_TERM_GHCB);
	hv->ghcb = va;
	hv->ghcb_gpa = pa;
}

void snp_cpu_init(struct snp_hv *hv)
{
	*hv = (struct snp_hv){ .msr_exchange = snp_insn_msr_exchange,
			       .vmgexit = snp_insn_vmgexit,
			       .vmgexit_again = snp_insn_vmgexit_again,
			       .version = snp.version };
	ghcb_setup(hv);
	this_cpu()->snp_hv = hv;
}

void snp_ap_prepare(unsigned cpu)
{
	static struct snp_hv ap_hv[SMP_MAX_CPUS];

	if (cpu == 0 || cpu >= SMP_MAX_CPUS)
		snp_insn_terminate(GHCB_TERM_SET_SVSM, SVSM_TERM_GHCB);
	snp_cpu_init(&ap_hv[cpu]);
}

/*
 * The MSR protocol before any GHCB exists: nothing in the GHCB MSR to put
 * back afterwards (snp_insn_msr_exchange's extra RDMSR and WRMSR cost two
 * exits each time, and the heap takes 16384 of these).
 */
static uint64_t msr_exchange_early(void *ctx, uint64_t req)
{
	snp_insn_vmgexit(ctx, req); /* GHCB MSR = req, VMGEXIT */
	return cpu_rdmsr(MSR_GHCB);
}

/*
 * One 4 KiB page: PVALIDATE first (guest RAM starts private under SNP);
 * only a page the hypervisor has not made private (FAIL_INPUT) gets a
 * page state change first. A page found validated already was never ours
 * to find so: refused.
 */
static bool early_validate_4k(struct snp_hv *hv, uint64_t page)
{
	uint64_t va = SVSM_DIRECT_MAP_BASE + page; /* stage 2's direct map covers all RAM */
	bool cf;
	insn_rc code = snp_insn_pvalidate(NULL, va_init(va), RMP_PG_SIZE_4K, true, &cf);

	if (insn_rc_eq(code, INSN_RC_FAIL_INPUT)) {
		if (snp_hv_psc_msr(hv, page, true) != SVSM_OK)
			return false;
		code = snp_insn_pvalidate(NULL, va_init(va), RMP_PG_SIZE_4K, true, &cf);
	}
	return insn_rc_ok(code) && !cf;
}

void snp_early_validate(uint64_t pa, uint64_t size)
{
	struct snp_hv boot = { .msr_exchange = msr_exchange_early, .vmgexit = snp_insn_vmgexit };

	for (uint64_t at = pa; at < pa + size;) {
		bool cf;

		/* 2 MiB at a time where the range and the RMP entry allow it. */
		if ((at & (LARGE_PAGE_SIZE - 1)) == 0 && pa + size - at >= LARGE_PAGE_SIZE) {
			insn_rc code = snp_insn_pvalidate(NULL, va_init(SVSM_DIRECT_MAP_BASE + at), RMP_PG_SIZE_2M,
							  true, &cf);

			if (insn_rc_ok(code) && !cf) {
				at += LARGE_PAGE_SIZE;
				continue;
			}
			if (insn_rc_ok(code))
				snp_insn_terminate(GHCB_TERM_SET_SVSM, SVSM_TERM_HEAP_VALIDATE);
			/* FAIL_SIZEMISMATCH (4 KiB entries) or FAIL_INPUT: page by page. */
			for (uint64_t page = at; page < at + LARGE_PAGE_SIZE; page += PAGE_SIZE)
				if (!early_validate_4k(&boot, page))
					snp_insn_terminate(GHCB_TERM_SET_SVSM, SVSM_TERM_HEAP_VALIDATE);
			at += LARGE_PAGE_SIZE;
			continue;
		}
		if (!early_validate_4k(&boot, at))
			snp_insn_terminate(GHCB_TERM_SET_SVSM, SVSM_TERM_HEAP_VALIDATE);
		at += PAGE_SIZE;
	}
}

void snp_early_init(const struct boot_info *bi)
{
	static struct snp_cpuid_table raw_cpuid;
	static struct snp_secrets_page raw_secrets;
	const char *why = NULL;
	uint64_t features = 0;
	int err;

	machine_set_exit(snp_machine_exit);

	read_launch_page(bi->snp_cpuid_pa, &raw_cpuid, sizeof(raw_cpuid), SVSM_TERM_CPUID_PAGE);
	if (snp_cpuid_init(&snp.cpuid, &raw_cpuid, &why) != SVSM_OK)
		snp_insn_terminate(GHCB_TERM_SET_SVSM, SVSM_TERM_CPUID_PAGE);
	if (bi->enc_mask != 1ull << snp.cpuid.cbit)
		snp_insn_terminate(GHCB_TERM_SET_SVSM, SVSM_TERM_CBIT);

	/* The MSR protocol needs no GHCB: use the boot channel before it has one. */
	snp.boot_hv = (struct snp_hv){ .msr_exchange = snp_insn_msr_exchange,
				       .vmgexit = snp_insn_vmgexit,
				       .vmgexit_again = snp_insn_vmgexit_again };
	err = snp_hv_negotiate(&snp.boot_hv, snp.cpuid.cbit);
	if (err == SVSM_EINVAL)
		snp_insn_terminate(GHCB_TERM_SET_SVSM, SVSM_TERM_CBIT);
	if (err != SVSM_OK)
		snp_insn_terminate(GHCB_TERM_SET_GHCB, GHCB_TERM_PROTOCOL_RANGE);
	snp.version = snp.boot_hv.version;
	if (snp_hv_features(&snp.boot_hv, &features) != SVSM_OK)
		snp_insn_terminate(GHCB_TERM_SET_GHCB, GHCB_TERM_SNP_FEATURES);

	read_launch_page(bi->snp_secrets_pa, &raw_secrets, sizeof(raw_secrets),
			 SVSM_TERM_SECRETS_PAGE);
	if (snp_secrets_check(&raw_secrets, &why) != SVSM_OK)
		snp_insn_terminate(GHCB_TERM_SET_SVSM, SVSM_TERM_SECRETS_PAGE);
	snp.secrets_pa = bi->snp_secrets_pa;
	/* Keys stay in the firmware's page; this copy was only for the checks. */
	memset(&raw_secrets, 0, sizeof(raw_secrets));

	snp_cpu_init(&snp.boot_hv);
	exc_set_vc_handler(snp_vc_handler);
	exc_set_fatal_hook(snp_console_direct);
	/* The console's IN/OUT now raise #VC and go out through the IOIO path; its bursts go as OUTSB requests. */
	console_attach(&vc_port_io);
	snp.ready = true;
	log_info("snp: GHCB protocol v%u, hypervisor features 0x%llx, C-bit %u, GHCB at 0x%llx",
		 snp.version, (unsigned long long)features, snp.cpuid.cbit,
		 (unsigned long long)snp.boot_hv.ghcb_gpa);
}
