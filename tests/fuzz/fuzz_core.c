// SPDX-License-Identifier: MIT
/*
 * Fuzzes the SVSM call dispatcher on the fake backend: each input is a
 * short program of calls whose registers, calling-area contents and list
 * contents come from the input. After every call the protocol's promises
 * must hold (a vTPM back end is connected, its answers driven by the
 * command bytes): the result is a defined code, no SVSM page was validated for
 * or granted to the guest, every registered VMSA has the RMP VMSA bit and
 * no guest access, no other page has the VMSA bit, and no page lent
 * through DEPOSIT_MEM is reachable from a lower VMPL.
 *
 * Ops (16 bytes each): a call; bytes copied into guest memory; or a
 * generated list of pages the guest owns (up to 511, so the lent pool can
 * outgrow one calling-area list).
 *
 * Layout (6 MiB, RMP-modelled): [0, 2 MiB) 4 KiB entries, [2, 4 MiB) one
 * 2 MiB entry, [4, 5 MiB) 4 KiB entries, [5, 6 MiB) SVSM memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/guest_sim.h"
#include "abi/snp.h"
#include "abi/svsm_abi.h"
#include "abi/vmsa.h"
#include "protocols/svsm_vm.h"
#include "svsm/errno.h"
#include "svsm/platform_fake.h"
#include "../../protocols/core_internal.h"

#define MB 0x100000ull
#define RAM_END (5 * MB)
#define SIM_SIZE (6 * MB)
#define PAGES (SIM_SIZE / 4096)
#define BOOT_VMSA 0x101000ull
#define BOOT_CA 0x102000ull
#define GUEST_VMPL 2
#define FEATURES 1ull

const struct platform_ops platform_native_ops = { .name = "native" };

static struct rmp_entry entries[PAGES];
static struct rmp_model rmp;
static struct platform_fake fake;
static struct guest_sim sim;
static struct svsm_vm vm;
static struct svsm_lent_pool pool;

/* A vTPM back end whose answer length and failures come from the command bytes. */
static int tpm_send(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t max,
		    size_t *resp_len)
{
	(void)ctx;
	if (len == 0 || len > SVSM_VTPM_CMD_MAX)
		abort(); /* the protocol let a bad size through */
	if (cmd[0] == 0xEB)
		return SVSM_EBUSY;
	if (cmd[0] == 0xEE)
		return SVSM_EIO;
	*resp_len = cmd[0] == 0xFF ? max + 1 : (size_t)cmd[len - 1] * 16;
	if (*resp_len <= max)
		memset(resp, 0x5A, *resp_len);
	return SVSM_OK;
}

static const struct vtpm_backend tpm = { .send_command = tpm_send };

static void own(uint64_t gpa)
{
	rmp_model_pvalidate(&rmp, 0, gpa, RMP_PG_SIZE_4K, true);
	for (unsigned v = 1; v <= GUEST_VMPL; v++)
		rmp_model_rmpadjust(&rmp, 0, gpa, RMP_PG_SIZE_4K, v | RMP_PERM_ALL);
}

static void reset(void)
{
	if (sim.mem == NULL) {
		sim.mem = malloc(SIM_SIZE);
		sim.size = SIM_SIZE;
		memmap_init(&sim.guest_ram);
		memmap_init(&sim.svsm_mem);
		memmap_add(&sim.guest_ram, 0, RAM_END);
		memmap_add(&sim.svsm_mem, RAM_END, SIM_SIZE);
		sim.rmp = &rmp;
		guest_sim_use(&sim);
	}
	memset(sim.mem, 0xAA, 64 * 4096); /* only the low pages are ever read back */
	rmp_model_init(&rmp, entries, 0, PAGES);
	for (uint64_t p = 0; p < 2 * MB; p += 4096)
		rmp_model_set_private(&rmp, p, false, true);
	rmp_model_set_private(&rmp, 2 * MB, true, true);
	for (uint64_t p = 4 * MB; p < SIM_SIZE; p += 4096)
		rmp_model_set_private(&rmp, p, false, true);
	for (uint64_t p = RAM_END; p < SIM_SIZE; p += 4096)
		rmp_model_pvalidate(&rmp, 0, p, RMP_PG_SIZE_4K, true);
	/* The guest owns its first 64 pages (lists, VMSAs to be) and its boot VMSA and CA. */
	for (uint64_t p = 0; p < 64 * 4096; p += 4096)
		own(p);
	own(BOOT_VMSA);
	own(BOOT_CA);
	memset(&fake, 0, sizeof(fake));
	fake.rmp = &rmp;
	platform_fake_install(&fake);
	if (svsm_vm_init(&vm, GUEST_VMPL, FEATURES, &sim.guest_ram, &sim.svsm_mem, pa_init(BOOT_VMSA),
			 gpa_init(BOOT_CA), 0) != SVSM_OK)
		abort();
	svsm_vm_set_vtpm(&vm, &tpm);
	svsm_vm_set_lent_pool(&vm, &pool);
}

static bool defined_code(uint64_t rc)
{
	return rc == SVSM_SUCCESS || (rc >= SVSM_ERR_INCOMPLETE && rc <= SVSM_ERR_BUSY) ||
	       (rc >= SVSM_ERR_PROTOCOL_BASE && rc <= SVSM_ERR_PROTOCOL_BASE + 0x10);
}

static void check_invariants(uint64_t rc)
{
	static bool is_vmsa[PAGES];

	if (!defined_code(rc))
		abort();
	memset(is_vmsa, 0, sizeof(is_vmsa));
	for (unsigned i = 1; i < SVSM_MAX_VCPUS; i++) { /* the boot VMSA predates the SVSM's RMP */
		if (vm.vcpu[i].used) {
			if (pa_addr(vm.vcpu[i].vmsa_pa) >= SIM_SIZE)
				abort();
			is_vmsa[pa_addr(vm.vcpu[i].vmsa_pa) / 4096] = true;
		}
	}
	if (pool.free > pool.count || pool.count > SVSM_LENT_MAX)
		abort();
	for (unsigned i = 0; i < pool.count; i++) {
		const struct rmp_entry *e = rmp_model_entry(&rmp, pool.page[i]);

		if (e == NULL || pool.page[i] >= RAM_END || (e->perms[1] | e->perms[2] | e->perms[3]) != 0)
			abort(); /* a lent page the guest can still reach */
	}
	/* The sorted copy range checks search: ascending, the pool's pages and no others. */
	for (unsigned i = 1; i < pool.count; i++) {
		if (pool.sorted[i - 1] >= pool.sorted[i])
			abort();
	}
	for (unsigned i = 0; i < pool.count; i++) {
		bool in_pool = false;

		if (!core_lent_overlaps(&vm, pool.page[i], 4096) || !core_lent_overlaps(&vm, pool.page[i] + 4095, 1))
			abort();
		for (unsigned j = 0; j < pool.count && !in_pool; j++)
			in_pool = pool.page[j] == pool.sorted[i];
		if (!in_pool)
			abort(); /* a page the pool no longer holds still counts as lent */
	}
	for (uint64_t p = 0; p < SIM_SIZE; p += 4096) {
		const struct rmp_entry *e = rmp_model_entry(&rmp, p);
		bool svsm = p >= RAM_END;
		bool vmsa = is_vmsa[p / 4096];
		if (svsm && (e->perms[1] | e->perms[2] | e->perms[3]) != 0)
			abort(); /* SVSM memory granted to a lower VMPL */
		if (svsm && (!e->validated || e->vmsa))
			abort();
		if (vmsa != (e->vmsa != 0))
			abort(); /* VMSA bit without a registered vCPU, or the reverse */
		if (vmsa && (e->perms[1] | e->perms[2] | e->perms[3]) != 0)
			abort(); /* the guest kept access to a VMSA */
	}
}

static void make_list(uint64_t dst, uint64_t first, unsigned count)
{
	struct svsm_pvalidate_hdr h = { (uint16_t)count, 0, 0 };

	memcpy(sim.mem + dst, &h, sizeof(h));
	for (unsigned i = 0; i < count; i++) {
		uint64_t page = (first + 4096ull * i) % RAM_END;

		/* [2, 4 MiB) is one 2 MiB RMP entry: listed, not owned page by page. */
		if ((page < 2 * MB || page >= 4 * MB) && page != dst &&
		    svsm_rc_ok(core_check_range(&vm, gpa_init(page), 4096, 4096, false, NULL)))
			own(page);
		memcpy(sim.mem + dst + sizeof(h) + 8ull * i, &page, 8);
	}
}

/* Turns an input word into an address: mostly near the interesting pages, sometimes anywhere. */
static uint64_t pick_gpa(uint32_t w)
{
	switch (w >> 30) {
	case 0:
		return (w & 0x3FFFF) & ~7ull; /* first 256 KiB, 8-byte aligned */
	case 1:
		return w & 0x3FFFF;
	case 2:
		return ((uint64_t)(w & 0x5FF) << 12) | ((w >> 20) & 1 ? 0 : (w >> 12) & 0xFF8);
	default:
		return (uint64_t)w << (w & 7);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;

	reset();
	while (size - pos >= 16) {
		struct svsm_regs r;
		uint8_t op = data[pos];
		uint32_t a, b;
		uint16_t n;

		memcpy(&a, data + pos + 4, 4);
		memcpy(&b, data + pos + 8, 4);
		memcpy(&n, data + pos + 12, 2);
		pos += 16;
		/*
		 * A list of n % 512 consecutive 4 KiB pages from page a (wrapping
		 * in guest RAM) at page b, each page the guest's first where no rule
		 * says it is the SVSM's: so the pool can hold over 510 lent pages
		 * and a whole-page WITHDRAW_MEM list fills up.
		 */
		if ((op & 0xE0) == 0xA0) {
			make_list(pick_gpa(b) & 0x3F000, ((uint64_t)a << 12) % RAM_END, n % 512u);
			continue;
		}
		/* Some input bytes become guest memory: a list, a VMSA, a calling area. */
		if (op & 0x80) {
			size_t len = size - pos < (size_t)(n & 0x7FF) ? size - pos : (size_t)(n & 0x7FF);
			uint64_t dst = pick_gpa(b) & 0x3F000;

			memcpy(sim.mem + dst + (a & 0x7FF), data + pos, len);
			pos += len;
			if (op & 0x40) { /* make it a plausible VMSA */
				struct vmsa *v = (struct vmsa *)(void *)(sim.mem + dst);

				v->vmpl = GUEST_VMPL;
				v->efer |= VMSA_EFER_SVME;
				v->sev_features = FEATURES;
			}
			continue;
		}
		/* Every protocol and one past the last; every call of it and one past its last. */
		uint32_t protocol = op % (SVSM_PROTOCOLS + 1);
		uint32_t call = (uint32_t)(op / (SVSM_PROTOCOLS + 1)) % (svsm_protocol_calls(protocol) + 1);

		r.rax = ((uint64_t)protocol << SVSM_PROTOCOL_SHIFT) | call;
		r.rcx = (protocol == SVSM_CORE_PROTOCOL && call == SVSM_CORE_QUERY_PROTOCOL) ? ((uint64_t)a << 32 | b)
											   : pick_gpa(a);
		r.rdx = pick_gpa(b);
		r.r8 = n;
		r.r9 = 0;
		if (op & 0x40) {
			uint64_t ca = gpa_addr(vm.vcpu[0].ca_gpa);

			sim.mem[ca] = 1;
			if (!svsm_handle_call(&vm, 0, &r))
				abort(); /* call_pending was set */
			if (sim.mem[ca] != 0)
				abort(); /* the SVSM clears it before the call */
		} else {
			svsm_dispatch(&vm, 0, &r);
		}
		check_invariants(r.rax);
	}
	return 0;
}
