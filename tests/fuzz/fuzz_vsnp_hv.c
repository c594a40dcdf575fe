/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the vsnp hypervisor side as a hostile guest drives it.
 * The input is a program of operations: GHCB MSR-protocol exits, GHCB page
 * exits (a GHCB built from the input: usage, exit code, EXITINFO1/2,
 * SW_SCRATCH, valid bits, a PSC descriptor; IOIO and MMIO requests go to
 * the device side, io_ports.c and mmio.c, as cpu.c sends them, from any
 * VMPL; half the inputs are a firmware VM with fw_cfg, the q35 bridges and
 * the CMOS clock, which a request of VMPL0 must never change; requests can
 * be steered to those devices' ports, well formed, or to OVMF's PCIEXBAR
 * window), nested
 * page faults at any
 * address and access, the implicit conversion of a shared access
 * (vsnp_hv_implicit_shared: only a private page nobody validated, never a
 * VMSA, the SVSM's page or one outside guest RAM), and the SVSM's own RMP
 * changes at VMPL0 (PVALIDATE,
 * RMPADJUST incl. the VMSA bit, PSMASH, each followed by vsnp_npt_drop as
 * vsnp.c does).
 *
 * After every operation: the nested table never grants more than the RMP
 * (private view: assigned, validated, read allowed to VMPL2, write/execute
 * only where the RMP allows them, a VMSA read-only at most, 2 MiB
 * leaves only over 2 MiB RMP entries; shared view: shared pages of guest
 * RAM only, never executable); a fault answered MAPPED left the access
 * mapped; the SVSM's page keeps its RMP entry; actions the kernel carries
 * out (AP creation, guest request, the APIC ID list: shared guest RAM
 * only) come with checked inputs; an MMIO
 * request is answered only for an address that is no RAM (the RMP has no
 * entry), and a string IOIO only for data inside the shared buffer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/ghcb.h"
#include "vsnp/fw_cfg.h"
#include "vsnp/q35.h"
#include "vsnp/rtc.h"
#include "abi/snp.h"
#include "abi/vmcb.h"
#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"
#include "vsnp/vsnp.h"
#include "../unit/table_pool.h"

#define PAGE 4096ull
#define RAM_PAGES 1024 /* RMP over [0, 4 MiB) */
#define CBIT (1ull << 39)
#define SVSM_PAGE_PA 0x1000ull
#define GUEST_PA 0x200000ull /* guest RAM: [2 MiB, 4 MiB) */
#define MAX_OPS 64

static uint8_t pool_pages[128][4096] __attribute__((aligned(4096)));
static struct table_pool pool = { pool_pages, 128, 0 }; /* running out: npt must refuse, not break */

static int t_cpuid(void *ctx, uint32_t apic_id, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	(void)ctx, (void)apic_id;
	out[0] = leaf, out[1] = subleaf, out[2] = 0, out[3] = 0;
	return SVSM_OK;
}

static struct rmp_entry entries[RAM_PAGES];
static struct rmp_model rmp;
static struct memmap guest_ram;
static struct vsnp_npt npt;
static struct ghcb g;

/* The input as a stream; reads past its end give zeros. */
struct in {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && in->n > 0; i++, in->p++, in->n--)
		v |= (uint64_t)in->p[0] << (8 * i);
	return v;
}

/*
 * An address: mostly one of the first 16 guest pages (so operations meet
 * on the same pages), else anywhere near the modelled RAM, else any value.
 */
static uint64_t near_pa(struct in *in)
{
	uint8_t how = (uint8_t)take(in, 1);
	uint64_t v = take(in, (how < 160) ? 1 : 4);
	uint64_t off = (how & 1) ? (v * 0x9E5) & 0xFFF : 0;

	if (how < 160)
		return GUEST_PA + (v % 16) * PAGE + off;
	if (how < 240)
		return (v % (RAM_PAGES + 64)) * PAGE + off;
	return v | take(in, 4) << 32;
}

static void fail(const char *what, uint64_t a)
{
	fprintf(stderr, "fuzz_vsnp_hv: %s (0x%llx)\n", what, (unsigned long long)a);
	abort();
}

/* A nested mapping of a private page: only what the RMP gives VMPL2. */
static void check_private(uint64_t pa, uint64_t out, unsigned flags, const struct rmp_entry *e)
{
	unsigned perms = e != NULL ? e->perms[2] : 0;

	if (out != pa || e == NULL || !e->assigned || !e->validated)
		fail("private view maps a page the RMP does not give VMPL2", pa);
	/* A VMSA below VMPL0: read at most, as the RMP allows (npt.c; Linux reads its AP's VMSA back). */
	if (e->vmsa && (flags & (PGT_WRITE | PGT_EXEC)))
		fail("private view lets VMPL2 write or execute a VMSA", pa);
	if (!(perms & RMP_ACCESS_READ) || ((flags & PGT_WRITE) && !(perms & RMP_ACCESS_WRITE)) ||
	    ((flags & PGT_EXEC) && !(perms & (RMP_ACCESS_EXEC_USER | RMP_ACCESS_EXEC_SUPER))))
		fail("private view grants more than the VMPL2 permissions", pa);
	if ((flags & PGT_LARGE) && !e->large)
		fail("2 MiB nested page over a 4 KiB RMP entry", pa);
}

static void check_views(const struct rmp_entry *svsm_before)
{
	for (uint64_t p = 0; p < RAM_PAGES + 16; p++) {
		uint64_t pa = p * PAGE, out;
		unsigned flags;
		const struct rmp_entry *e = rmp_model_entry(&rmp, pa);
		bool ram = memmap_contains(&guest_ram, pa, pa + PAGE);

		if (pgt_lookup(&npt.pt, pa | CBIT, &out, &flags) == SVSM_OK)
			check_private(pa, out, flags, e);
		if (pgt_lookup(&npt.pt, pa, &out, &flags) == SVSM_OK) {
			/*
			 * Without the C-bit: a shared page of guest RAM, never
			 * executable; or a private page an instruction fetch or a
			 * table walk (private whatever their C-bit) had mapped there,
			 * with no more than the private view would give (npt.c).
			 */
			if (e != NULL && e->assigned) {
				check_private(pa, out, flags, e);
				continue;
			}
			if (out != pa || e == NULL || !ram)
				fail("shared view maps a page that is not shared guest RAM", pa);
			if (flags & PGT_EXEC)
				fail("shared view is executable", pa);
		}
	}
	if (memcmp(rmp_model_entry(&rmp, SVSM_PAGE_PA), svsm_before, sizeof(*svsm_before)) != 0)
		fail("the SVSM page's RMP entry changed", SVSM_PAGE_PA);
}

static void op_msr(struct vsnp_hv *hv, struct vsnp_hv_vcpu *v, struct in *in)
{
	static const uint64_t codes[] = {
		GHCB_MSR_SEV_INFO_REQ, GHCB_MSR_CPUID_REQ, GHCB_MSR_PREF_GPA_REQ, GHCB_MSR_REG_GPA_REQ,
		GHCB_MSR_PSC_REQ, GHCB_MSR_RUN_VMPL_REQ, GHCB_MSR_HV_FEATURES_REQ, GHCB_MSR_TERM_REQ,
	};
	uint8_t sel = (uint8_t)take(in, 1);

	if (sel < 200)
		v->ghcb_msr = codes[sel % 8] | (near_pa(in) & ~0xFFFull) | (take(in, 1) & 0xF) << 52;
	else
		v->ghcb_msr = take(in, 8);
	vsnp_hv_msr_exit(hv, v);
	if (v->ghcb_gpa != 0 && ((v->ghcb_gpa & (PAGE - 1)) != 0 ||
				 !memmap_contains(&guest_ram, v->ghcb_gpa, v->ghcb_gpa + PAGE)))
		fail("GHCB registered outside guest RAM", v->ghcb_gpa);
}

static uint8_t dev_inb(void *ctx, uint16_t port)
{
	(void)ctx;
	return (uint8_t)port;
}

static void dev_outb(void *ctx, uint16_t port, uint8_t val)
{
	(void)ctx, (void)port, (void)val;
}

static void dev_console(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	if (len == 0 || line == NULL)
		fail("an empty console line", len);
}

static uint32_t dev_pm_timer(void *ctx)
{
	(void)ctx;
	return 0x123456;
}

static uint64_t dev_tsc(void *ctx)
{
	(void)ctx;
	return 1000;
}

static const struct vsnp_io_ops dev_ops = { dev_inb, dev_outb, dev_console, dev_pm_timer, dev_tsc, NULL };
static struct vsnp_io io;
/* A firmware VM's devices (fw_cfg, the q35 bridges, the CMOS clock), for the firmware's VMPL only. */
static struct vsnp_fw_cfg fw_cfg;
static struct vsnp_q35 q35;
static struct vsnp_rtc rtc;

/* The firmware's devices are never changed by a request of VMPL0 or of a VMPL that does not exist. */
static void device_state_kept(const struct vsnp_q35 *q, const struct vsnp_rtc *r, const struct vsnp_fw_cfg *f)
{
	if (io.vmpl != 0 && io.vmpl < 4)
		return;
	if (memcmp(q, &q35, sizeof(q35)) != 0 || memcmp(r, &rtc, sizeof(rtc)) != 0 ||
	    memcmp(f, &fw_cfg, sizeof(fw_cfg)) != 0)
		fail("a firmware device changed by a request of VMPL", io.vmpl);
}

/* IOIO and MMIO requests, as cpu.c passes them to io_ports.c and mmio.c. */
static void device_request(const struct vsnp_hv_vcpu *v, uint64_t code, uint64_t i1, uint64_t i2, uint64_t scratch)
{
	uint64_t buffer = v->ghcb_gpa + 0x800, off = scratch - buffer;

	static struct vsnp_q35 q35_before;
	static struct vsnp_rtc rtc_before;
	static struct vsnp_fw_cfg fw_before;

	io.writer = (unsigned)(i2 & 0x3F); /* any writer, in range or not */
	io.vmpl = (unsigned)(i2 >> 6) & 7;   /* any VMPL, in range or not */
	memcpy(&q35_before, &q35, sizeof(q35));
	memcpy(&rtc_before, &rtc, sizeof(rtc));
	memcpy(&fw_before, &fw_cfg, sizeof(fw_cfg));
	if (code == SVM_EXIT_IOIO) {
		vsnp_io_ghcb(&io, &g, v->ghcb_gpa);
		unsigned size = (i1 & SVM_IOIO_SZ8) ? 1 : (i1 & SVM_IOIO_SZ16) ? 2 : 4;

		device_state_kept(&q35_before, &rtc_before, &fw_before);
		if ((i1 & SVM_IOIO_STR) && g.sw_exit_info_1 == GHCB_RESULT_OK &&
		    (scratch < buffer || off >= 0x7F0 || i2 > (0x7F0 - off) / size))
			fail("string IOIO answered with its data outside the GHCB's buffer", scratch);
		return;
	}
	vsnp_mmio_ghcb(&io, &rmp, CBIT, &g, v->ghcb_gpa);
	device_state_kept(&q35_before, &rtc_before, &fw_before);
	if (g.sw_exit_info_1 == GHCB_RESULT_OK &&
	    (i1 >= CBIT || rmp_model_entry(&rmp, i1 & ~(PAGE - 1)) != NULL || scratch < buffer || off >= 0x7F0 ||
	     i2 > 0x7F0 - off))
		fail("MMIO answered for RAM of the VM, or with its data outside the GHCB's buffer", i1);
}

static void op_ghcb(struct vsnp_hv *hv, struct vsnp_hv_vcpu *v, struct in *in)
{
	static const uint64_t codes[] = {
		SVM_VMGEXIT_SNP_RUN_VMPL, SVM_VMGEXIT_PSC, SVM_VMGEXIT_GUEST_REQUEST,
		SVM_VMGEXIT_HV_FEATURES, SVM_VMGEXIT_TERM_REQUEST, SVM_VMGEXIT_AP_CREATION,
		SVM_VMGEXIT_MMIO_READ, SVM_VMGEXIT_EXT_GUEST_REQUEST, SVM_VMGEXIT_MMIO_WRITE, SVM_EXIT_IOIO,
	};
	uint8_t sel = (uint8_t)take(in, 1), usage = (uint8_t)take(in, 1), drop_valid = (uint8_t)take(in, 1);
	/* 220..229: the APIC ID list (added after the seeds; above it, any code). */
	uint64_t code = sel < 220 ? codes[sel % 10] : sel < 230 ? SVM_VMGEXIT_GET_APIC_IDS : take(in, 8);
	bool device = sel < 220 && (code == SVM_VMGEXIT_MMIO_READ || code == SVM_VMGEXIT_MMIO_WRITE || code == SVM_EXIT_IOIO);
	uint64_t i1 = (sel & 1) ? near_pa(in) : take(in, 8), i2 = near_pa(in);

	if (device) {
		uint8_t b = (uint8_t)take(in, 1); /* a length or count: mostly small */

		i2 = b < 200 ? b % 17 : take(in, 4);
		if (sel & 4) {
			/* A firmware VM's devices: their ports, or OVMF's PCIEXBAR window (0xE0000000, bus 0). */
			static const uint16_t ports[] = { 0xCF8, 0xCFC, 0xCFE, 0x510, 0x511, 0x70, 0x71, 0x402, 0x608 };
			const uint8_t w = (uint8_t)take(in, 1);

			/* A well-formed IN or OUT (its size from w) most of the time, so the request gets served. */
			static const uint64_t sizes[] = { SVM_IOIO_SZ8, SVM_IOIO_SZ16, SVM_IOIO_SZ32 };

			if (code == SVM_EXIT_IOIO)
				i1 = ((uint64_t)ports[w % 9] << SVM_IOIO_PORT_SHIFT) |
				     (w < 224 ? sizes[(w >> 4) % 3] | SVM_IOIO_A64 | ((w >> 6) & SVM_IOIO_TYPE_IN)
					      : (i1 & 0xFFFFull));
			else
				i1 = 0xE0000000ull + (take(in, 2) << 3);
		} else if (code == SVM_EXIT_IOIO && (sel & 2)) {
			i1 = (i1 & ~0xFFFF0000ull) | (0x3F8ull << SVM_IOIO_PORT_SHIFT); /* COM1, to reach the UART */
		}
	}
	uint64_t scratch = (usage & 2) ? take(in, 8) : v->ghcb_gpa + 0x800 + (take(in, 1) & 0x18);
	struct psc_desc *d = (struct psc_desc *)g.shared_buffer;

	memset(&g, 0, sizeof(g));
	g.ghcb_usage = usage < 250 ? GHCB_USAGE_STANDARD : usage;
	g.protocol_version = 2;
	GHCB_SET(&g, sw_exit_code, code);
	GHCB_SET(&g, sw_exit_info_1, i1);
	GHCB_SET(&g, sw_exit_info_2, i2);
	GHCB_SET(&g, sw_scratch, scratch);
	if (device && (usage & 4))
		GHCB_SET(&g, rax, take(in, 4)); /* an OUT's value */
	if (code == SVM_VMGEXIT_GET_APIC_IDS && (usage & 4))
		GHCB_SET(&g, rax, (usage & 8) ? take(in, 8) : take(in, 1) % 4); /* the buffer's pages */
	if (drop_valid >= 240)
		g.valid_bitmap[(drop_valid & 0xF)] = 0;
	d->hdr.cur_entry = (uint16_t)take(in, 1);
	d->hdr.end_entry = (uint16_t)take(in, 1);
	if (drop_valid & 1)
		d->hdr.end_entry |= (uint16_t)(take(in, 1) << 8);
	for (unsigned k = 0, n = (unsigned)take(in, 1) % 9; k < n; k++) {
		uint64_t e = (near_pa(in) >> 12) << PSC_ENTRY_GFN_SHIFT;
		uint8_t b = (uint8_t)take(in, 1);

		e |= (uint64_t)(b & 3) << PSC_ENTRY_OP_SHIFT;
		if (b & 4)
			e |= PSC_ENTRY_2M;
		if (b >= 250)
			e |= take(in, 8) & (PSC_ENTRY_RSVD_MASK | PSC_ENTRY_CUR_PAGE_MASK);
		d->entries[k] = e;
	}

	if (device) {
		device_request(v, code, i1, i2, scratch);
		return;
	}

	enum vsnp_hv_action a = vsnp_hv_ghcb_exit(hv, v, &g);

	/* Which VMPL may create which (a VMPL0 VMSA only from VMPL0) is cpu.c's rule; here the inputs' shape. */
	if (a == VSNP_HV_AP_CREATE &&
	    (v->ap_vmpl >= SNP_VMPL_COUNT ||
	     (v->ap_request == SVM_AP_CREATE &&
	      ((v->ap_vmsa & (PAGE - 1)) != 0 || !memmap_contains(&guest_ram, v->ap_vmsa, v->ap_vmsa + PAGE)))))
		fail("AP creation passed on with a bad VMPL or VMSA", v->ap_vmsa);
	/* The APIC ID list goes only to shared guest RAM, page-aligned, as big as the list, never past RAX's pages. */
	if (a == VSNP_HV_APIC_IDS) {
		uint64_t pages = (v->apic_ids_len + PAGE - 1) / PAGE;

		if ((v->apic_ids_gpa & (PAGE - 1)) != 0 || v->apic_ids_len != 4 + 4ull * hv->ncpus ||
		    !GHCB_VALID(&g, rax) || g.rax < pages)
			fail("APIC ID list passed on with a bad buffer", v->apic_ids_gpa);
		for (uint64_t off = 0; off < pages * PAGE; off += PAGE) {
			const struct rmp_entry *e = rmp_model_entry(&rmp, v->apic_ids_gpa + off);

			if (e == NULL || e->assigned ||
			    !memmap_contains(&guest_ram, v->apic_ids_gpa + off, v->apic_ids_gpa + off + PAGE))
				fail("APIC ID list to a page that is not shared guest RAM", v->apic_ids_gpa + off);
		}
	}
	if (a == VSNP_HV_GUEST_REQUEST &&
	    (((g.sw_exit_info_1 | g.sw_exit_info_2) & (PAGE - 1)) != 0 || g.sw_exit_info_1 == g.sw_exit_info_2 ||
	     !memmap_contains(&guest_ram, g.sw_exit_info_1, g.sw_exit_info_1 + PAGE) ||
	     !memmap_contains(&guest_ram, g.sw_exit_info_2, g.sw_exit_info_2 + PAGE)))
		fail("guest request passed on with bad pages", g.sw_exit_info_1);
	if (a == VSNP_HV_RESUME && (!GHCB_VALID(&g, sw_exit_info_1) || !GHCB_VALID(&g, sw_exit_info_2)) &&
	    code != SVM_VMGEXIT_PSC)
		fail("a resumed GHCB exit has no answer", code);
}

static void op_npf(struct in *in)
{
	uint64_t gpa = near_pa(in) | ((take(in, 1) & 1) ? CBIT : 0);
	uint8_t acc = (uint8_t)take(in, 1);
	uint64_t info = (acc & 1 ? VMCB_NPF_PRESENT : 0) | (acc & 2 ? VMCB_NPF_WRITE : 0) |
			(acc & 4 ? VMCB_NPF_USER : 0) | (acc & 8 ? VMCB_NPF_FETCH : 0);
	unsigned cpl = acc & 16 ? 3 : 0, flags;
	const char *why;

	if (vsnp_npt_fault(&npt, gpa, info, cpl, &why) != VSNP_NPF_MAPPED)
		return;
	if (pgt_lookup(&npt.pt, gpa, NULL, &flags) != SVSM_OK)
		fail("fault answered MAPPED but nothing is mapped", gpa);
	if (((info & VMCB_NPF_WRITE) && !(info & VMCB_NPF_FETCH) && !(flags & PGT_WRITE)) ||
	    ((info & VMCB_NPF_FETCH) && !(flags & PGT_EXEC)))
		fail("fault answered MAPPED without the access it asked for", gpa);
}

/* The SVSM's own RMP changes at VMPL0, each dropping the nested mappings as vsnp.c does. */
static void op_svsm(struct in *in, unsigned what)
{
	uint8_t b = (uint8_t)take(in, 1);
	bool large = b & 1;
	uint64_t pa = GUEST_PA + ((b & 8) ? take(in, 2) % (RAM_PAGES - GUEST_PA / PAGE) : take(in, 1) % 16) * PAGE;
	uint64_t size = large ? 512 * PAGE : PAGE;

	if (large)
		pa &= ~(size - 1);
	if (what == 0) {
		struct rmp_result r = rmp_model_pvalidate(&rmp, 0, pa, large, b & 2);

		if (r.code == 0 && !r.unchanged && vsnp_npt_drop(&npt, pa, size) != SVSM_OK)
			fail("drop after PVALIDATE failed", pa);
	} else if (what == 1) {
		uint8_t p = (uint8_t)take(in, 1); /* [1:0] target VMPL 1..3, [7:4] its permissions */
		uint64_t attrs = (1 + (p & 3) % 3) | ((uint64_t)(p >> 4) << 8) | (b >= 240 ? RMPADJUST_VMSA : 0);

		if (rmp_model_rmpadjust(&rmp, 0, pa, large, attrs).code == 0 &&
		    vsnp_npt_drop(&npt, pa, size) != SVSM_OK)
			fail("drop after RMPADJUST failed", pa);
	} else if (rmp_model_psmash(&rmp, pa) == SVSM_OK &&
		   vsnp_npt_drop(&npt, pa & ~(512 * PAGE - 1), 512 * PAGE) != SVSM_OK) {
		fail("drop after PSMASH failed", pa);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct vsnp_hv_vcpu v = { 0 };
	struct vsnp_hv hv = { .rmp = &rmp, .npt = &npt, .guest_ram = &guest_ram, .cbit_pos = 39,
			      .features = 0x33, .cpuid = t_cpuid, .ncpus = 4 };
	struct rmp_entry svsm_before;

	pool.used = 0;
	vsnp_io_init(&io, &dev_ops);
	/* Half the inputs are a firmware VM (the first byte's low bit), with its devices. */
	if (size > 0 && (data[0] & 1)) {
		const uint16_t cpus = 2;

		vsnp_fw_cfg_init(&fw_cfg);
		(void)vsnp_fw_cfg_add(&fw_cfg, FW_CFG_NB_CPUS, &cpus, sizeof(cpus));
		vsnp_q35_init(&q35);
		vsnp_rtc_init(&rtc, 1796582065, 0, 1000);
		io.fw_cfg = &fw_cfg, io.q35 = &q35, io.rtc = &rtc;
	}
	if (rmp_model_init(&rmp, entries, 0, RAM_PAGES) != SVSM_OK)
		abort();
	memmap_init(&guest_ram);
	if (memmap_add(&guest_ram, GUEST_PA, RAM_PAGES * PAGE) != SVSM_OK || /* [start, end) */
	    rmp_model_set_private(&rmp, SVSM_PAGE_PA, false, true) != SVSM_OK ||
	    rmp_model_pvalidate(&rmp, 0, SVSM_PAGE_PA, RMP_PG_SIZE_4K, true).code != 0)
		abort();
	for (uint64_t pa = GUEST_PA; pa < RAM_PAGES * PAGE; pa += PAGE) {
		if (rmp_model_set_private(&rmp, pa, false, true) != SVSM_OK)
			abort();
	}
	if (vsnp_npt_init(&npt, &table_pool_ops, &pool, &rmp, &guest_ram, CBIT, 2) != SVSM_OK)
		abort();
	svsm_before = *rmp_model_entry(&rmp, SVSM_PAGE_PA);

	for (unsigned n = 0; in.n > 0 && n < MAX_OPS; n++) {
		switch (take(&in, 1) % 8) {
		case 0:
			op_msr(&hv, &v, &in);
			break;
		case 1:
			op_ghcb(&hv, &v, &in);
			break;
		case 2:
			op_npf(&in);
			break;
		case 3: {
			/* A shared access's implicit conversion: only a private page nobody validated, nothing else. */
			uint64_t pa = near_pa(&in) & ~(PAGE - 1);
			const struct rmp_entry *e = rmp_model_entry(&rmp, pa);
			const struct rmp_entry before = e != NULL ? *e : (struct rmp_entry){ 0 };

			if (vsnp_hv_implicit_shared(&hv, pa) == SVSM_OK &&
			    (e == NULL || !before.assigned || before.validated || before.vmsa || e->assigned))
				abort();
			break;
		}
		case 4:
			op_svsm(&in, 0);
			break;
		case 5:
			op_svsm(&in, 1);
			break;
		case 6:
			op_svsm(&in, 2);
			break;
		default: {
			uint64_t pa = near_pa(&in), len = (take(&in, 2) + 1) * PAGE;

			(void)vsnp_npt_drop(&npt, pa, len);
		}
		}
		check_views(&svsm_before);
	}
	return 0;
}
