/* SPDX-License-Identifier: MIT */
/*
 * svsm/guest/linux_launch.c on the fake backend and simulated guest memory:
 * all guest RAM made private, validated and the guest's (the measured
 * kernel and initrd pages only granted), the boot block as Linux reads it
 * (boot_params and e820, CC blob, ACPI tables, VMSA), and each bad input
 * refused before any page changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/acpi.h"
#include "abi/linux_boot.h"
#include <mbedtls/sha256.h>

#include "abi/snp.h"
#include "abi/vmsa.h"
#include "abi/x86.h"
#include "guest_sim.h"
#include "svsm/errno.h"
#include "svsm/linux_launch.h"
#include "svsm/platform.h"
#include "svsm/platform_fake.h"

#define MB (1ull << 20)
#define SIM_SIZE (24 * MB)
#define PAGES (SIM_SIZE / 4096)
#define CBIT (1ull << 39)
#define KERNEL (4 * MB)
#define KERNEL_SIZE (64 * 1024ull)
#define INIT_SIZE (2 * MB)
#define INITRD (8 * MB)
#define INITRD_SIZE (100 * 1024ull)
#define SETUP_SIZE 4096u

const struct platform_ops platform_native_ops = { .name = "native" };

static struct rmp_entry entries[PAGES];
static struct rmp_model rmp;
static struct platform_fake fake;
static struct guest_sim sim;
static uint8_t setup_part[SETUP_SIZE];
static char cmdline[4096];
static struct snp_cpuid_table cpuid;
static struct snp_secrets_page secrets;
static struct svsm_linux_payload desc;
static struct linux_launch_cfg cfg;

static struct linux_setup_header *hdr(void)
{
	return (struct linux_setup_header *)(setup_part + LINUX_SETUP_HDR_OFFSET);
}

/* As the PSP leaves measured pages: private and validated, VMPL0's only. */
static void measured(uint64_t gpa, uint64_t len)
{
	bool unchanged;

	for (uint64_t a = gpa; a < gpa + len; a += 4096) {
		assert_int_equal(platform_page_state(pa_init(a), RMP_PG_SIZE_4K, true), SVSM_OK);
		assert_int_equal(platform_pvalidate(pa_init(a), RMP_PG_SIZE_4K, true, &unchanged).code, PVALIDATE_SUCCESS);
	}
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(rmp_model_init(&rmp, entries, 0, PAGES), SVSM_OK);
	memset(&fake, 0, sizeof(fake));
	fake.rmp = &rmp;
	platform_fake_install(&fake);
	sim.size = SIM_SIZE;
	sim.mem = calloc(1, SIM_SIZE);
	memset(sim.mem, 0xEE, SIM_SIZE);
	memmap_init(&sim.guest_ram);
	memmap_init(&sim.svsm_mem);
	/* Guest RAM: the low 1 MiB, then 2-20 MiB; the SVSM at 1-2 MiB and 20-24 MiB. */
	assert_int_equal(memmap_add(&sim.guest_ram, 0, MB), SVSM_OK);
	assert_int_equal(memmap_add(&sim.guest_ram, 2 * MB, 20 * MB), SVSM_OK);
	assert_int_equal(memmap_add(&sim.svsm_mem, MB, 2 * MB), SVSM_OK);
	assert_int_equal(memmap_add(&sim.svsm_mem, 20 * MB, SIM_SIZE), SVSM_OK);
	sim.rmp = NULL;
	guest_sim_use(&sim);
	measured(KERNEL, KERNEL_SIZE);
	measured(INITRD, (INITRD_SIZE + 4095) & ~4095ull);

	memset(setup_part, 0, sizeof(setup_part));
	hdr()->setup_sects = SETUP_SIZE / 512 - 1;
	hdr()->syssize = KERNEL_SIZE / 16;
	hdr()->boot_flag = LINUX_BOOT_FLAG;
	setup_part[0x201] = 0x6A;
	hdr()->header = LINUX_HDR_MAGIC;
	hdr()->version = 0x020F;
	hdr()->loadflags = LINUX_LOADED_HIGH;
	hdr()->initrd_addr_max = 0x7FFFFFFF;
	hdr()->kernel_alignment = 2 * MB;
	hdr()->relocatable_kernel = 1;
	hdr()->xloadflags = 0x7F;
	hdr()->cmdline_size = 2047;
	hdr()->pref_address = KERNEL;
	hdr()->init_size = INIT_SIZE;
	strcpy(cmdline, "console=ttyS0 nokaslr");

	memset(&desc, 0, sizeof(desc));
	memcpy(desc.magic, SVSM_LINUX_MAGIC, sizeof(desc.magic));
	desc.version = SVSM_LINUX_VERSION;
	desc.size = sizeof(desc);
	desc.kernel_gpa = KERNEL;
	desc.kernel_size = KERNEL_SIZE;
	desc.initrd_gpa = INITRD;
	desc.initrd_size = INITRD_SIZE;
	desc.setup_size = SETUP_SIZE;
	desc.cmdline_size = (uint32_t)strlen(cmdline);

	memset(&cpuid, 0, sizeof(cpuid));
	cpuid.count = 1;
	memset(&secrets, 0, sizeof(secrets));
	memset(secrets.vmpck, 0x5A, sizeof(secrets.vmpck));
	cfg = (struct linux_launch_cfg){
		.desc = &desc, .setup = setup_part, .cmdline = cmdline, .guest_ram = &sim.guest_ram, .cbit = CBIT,
		.vmpl = 2, .sev_features = 1, .cpuid = &cpuid, .secrets = &secrets, .svsm_base = 20 * MB,
		.svsm_size = 4 * MB, .vcpu_count = 4,
	};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(sim.mem);
	return 0;
}

static uint8_t sum(const void *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + ((const uint8_t *)p)[i]);
	return s;
}

static void launch_boots_linux(void **state)
{
	struct linux_launch_out o;
	const char *why;
	(void)state;

	assert_int_equal(linux_launch(&cfg, &o, &why), SVSM_OK);
	assert_int_equal(o.entry, KERNEL + 0x200);
	assert_int_equal(o.block_gpa, 2 * MB); /* the first 2 MiB of RAM clear of the kernel and initrd */

	/* Every page of guest RAM: private, validated, all VMPL2 rights; the VMSA VMPL0's only. */
	for (unsigned i = 0; i < sim.guest_ram.count; i++) {
		for (uint64_t a = sim.guest_ram.r[i].start; a < sim.guest_ram.r[i].end; a += 4096) {
			const struct rmp_entry *e = rmp_model_entry(&rmp, a);

			assert_true(e->assigned && e->validated);
			if (a == o.vmsa_gpa) {
				assert_true(e->vmsa);
				assert_int_equal(e->perms[1] | e->perms[2] | e->perms[3], 0);
			} else {
				assert_false(e->vmsa);
				assert_int_equal(e->perms[2], RMP_ACCESS_READ | RMP_ACCESS_WRITE | RMP_ACCESS_EXEC_USER |
								      RMP_ACCESS_EXEC_SUPER);
			}
		}
	}
	assert_int_equal(o.granted, memmap_total(&sim.guest_ram) - 4096);
	/* 2 MiB pages where a whole aligned 2 MiB has nothing measured and is not the block. */
	assert_true(o.validated_2m >= 4);

	/* boot_params as the kernel reads it. */
	const struct linux_boot_params *bp = (const void *)(sim.mem + o.boot_params_gpa);

	assert_int_equal(bp->sentinel, 0);
	assert_int_equal(bp->hdr.type_of_loader, LINUX_LOADER_UNDEFINED);
	assert_int_equal(bp->hdr.ramdisk_image, INITRD);
	assert_int_equal(bp->hdr.ramdisk_size, INITRD_SIZE);
	assert_string_equal((const char *)sim.mem + bp->hdr.cmd_line_ptr, cmdline);
	assert_int_equal(bp->acpi_rsdp_addr, o.rsdp_gpa);
	assert_int_equal(bp->e820_entries, o.e820_entries);
	uint64_t ram = 0, prev_end = 0;

	for (unsigned i = 0; i < bp->e820_entries; i++) {
		const struct linux_e820_entry *e = &bp->e820_table[i];

		assert_true(e->addr >= prev_end && e->size != 0);
		prev_end = e->addr + e->size;
		if (e->type == LINUX_E820_RAM) {
			ram += e->size;
			/* Never the SVSM's, never the legacy hole, never the block's boot pages. */
			assert_false(memmap_intersects(&sim.svsm_mem, e->addr, e->addr + e->size));
			assert_true(e->addr + e->size <= 0xA0000 || e->addr >= MB);
			assert_true(e->addr >= o.block_gpa + (LINUX_BLOCK_PAGE_PD + 1) * 4096ull ||
				    e->addr + e->size <= o.block_gpa);
		} else if (e->type == LINUX_E820_ACPI) {
			assert_int_equal(e->addr, o.rsdp_gpa);
			assert_int_equal(e->size, 4096);
		} else {
			assert_int_equal(e->type, LINUX_E820_RESERVED);
		}
	}
	assert_int_equal(ram, memmap_total(&sim.guest_ram) - (MB - 0xA0000) - (LINUX_BLOCK_PAGE_PD + 1) * 4096ull);

	/* setup_data → the CC blob → the secrets and CPUID pages in the same 2 MiB block. */
	const struct linux_setup_data_cc *sd = (const void *)(sim.mem + bp->hdr.setup_data);
	const struct linux_cc_blob *cc = (const void *)(sim.mem + sd->cc_blob_address);

	assert_int_equal(sd->hdr.type, LINUX_SETUP_CC_BLOB);
	assert_int_equal(sd->hdr.next, 0);
	assert_int_equal(cc->magic, LINUX_CC_BLOB_MAGIC);
	assert_int_equal(cc->secrets_len, 4096);
	assert_int_equal(cc->cpuid_len, 4096);
	assert_int_equal(cc->secrets_phys & ~(2 * MB - 1), o.block_gpa);
	assert_int_equal(cc->cpuid_phys & ~(2 * MB - 1), o.block_gpa);
	const struct snp_secrets_page *gs = (const void *)(sim.mem + cc->secrets_phys);

	assert_int_equal(gs->svsm_caa, o.caa_gpa);
	assert_int_equal(gs->svsm_guest_vmpl, 2);
	/* The keys of VMPL0 and VMPL1 never reach the guest; VMPCK2 (its own) and VMPCK3 do. */
	static const uint8_t zero[32];

	assert_memory_equal(gs->vmpck[0], zero, 32);
	assert_memory_equal(gs->vmpck[1], zero, 32);
	assert_int_equal(gs->vmpck[2][0], 0x5A);
	assert_int_equal(gs->vmpck[3][31], 0x5A);

	/* ACPI: RSDP and every table check-summed; one Local APIC per vCPU and one I/O APIC. */
	const struct acpi_rsdp *r = (const void *)(sim.mem + o.rsdp_gpa);

	assert_memory_equal(r->signature, ACPI_RSDP_SIG, 8);
	assert_int_equal(sum(r, 20), 0);
	assert_int_equal(sum(r, sizeof(*r)), 0);
	const struct acpi_header *x = (const void *)(sim.mem + r->xsdt_address);
	uint64_t ent[2];

	memcpy(ent, x + 1, sizeof(ent)); /* XSDT entries sit at offset 36: not 8-byte aligned */

	assert_int_equal(sum(x, x->length), 0);
	assert_int_equal((x->length - sizeof(*x)) / 8, 2);
	const struct acpi_fadt *f = (const void *)(sim.mem + ent[0]);
	const struct acpi_madt *m = (const void *)(sim.mem + ent[1]);

	assert_memory_equal(f->h.signature, "FACP", 4);
	assert_int_equal(sum(f, f->h.length), 0);
	assert_int_equal(f->pm1a_cnt_blk, 0x604);
	assert_int_equal(sum(sim.mem + f->x_dsdt, ((const struct acpi_header *)(sim.mem + f->x_dsdt))->length), 0);
	assert_memory_equal(m->h.signature, "APIC", 4);
	assert_int_equal(sum(m, m->h.length), 0);
	assert_int_equal(m->h.length, sizeof(*m) + 4 * sizeof(struct acpi_madt_lapic) + sizeof(struct acpi_madt_ioapic));

	/* The boot vCPU: 64-bit at the kernel's entry with RSI = boot_params, tables with the C-bit. */
	const struct vmsa *v = (const void *)(sim.mem + o.vmsa_gpa);

	assert_int_equal(v->rip, KERNEL + 0x200);
	assert_int_equal(v->rsi, o.boot_params_gpa);
	assert_int_equal(v->cs.selector, 0x10);
	assert_int_equal(v->ds.selector, 0x18);
	assert_int_equal(v->vmpl, 2);
	assert_int_equal(v->cr3, (o.block_gpa + LINUX_BLOCK_PAGE_PML4 * 4096ull) | CBIT);
	assert_true((v->efer & (EFER_LMA | EFER_LME | EFER_SVME)) == (EFER_LMA | EFER_LME | EFER_SVME));
	/* The low 1 MiB reads zero (the kernel looks for the EBDA pointer there). */
	for (uint64_t a = 0; a < MB; a++)
		if (sim.mem[a] != 0)
			fail_msg("low memory byte 0x%llx is 0x%x", (unsigned long long)a, sim.mem[a]);
}

struct bad {
	const char *what;
	void (*spoil)(void);
	const char *why_contains;
};

static void bad_magic(void) { desc.magic[0] = 'X'; }
static void bad_align(void) { desc.kernel_gpa = KERNEL + 4096; }
static void kernel_outside(void) { desc.kernel_gpa = 20 * MB; } /* its window: the SVSM's 20-22 MiB */
static void initrd_too_large(void) { desc.initrd_size = 16 * MB; }
static void initrd_in_window(void) { desc.initrd_gpa = KERNEL + MB; }
static void initrd_unaligned(void) { desc.initrd_gpa = INITRD + 8; }
static void cmdline_long(void) { desc.cmdline_size = 2048; memset(cmdline, 'a', 2048); }
static void cmdline_page(void)
{
	hdr()->cmdline_size = 0xFFFFFFFF;
	desc.cmdline_size = 4096;
	memset(cmdline, 'a', 4096);
}
static void setup_size(void) { desc.setup_size = SETUP_SIZE + 512; }
static void no_cpus(void) { cfg.vcpu_count = 0; }
static void header_bad(void) { hdr()->header = 0; }

static const struct bad bads[] = {
	{ "descriptor magic", bad_magic, "descriptor" },
	{ "kernel not at its alignment", bad_align, "kernel_alignment" },
	{ "kernel window outside RAM", kernel_outside, "init_size window" },
	{ "initrd larger than the RAM", initrd_too_large, "too large" },
	{ "initrd in the kernel's window", initrd_in_window, "overlaps" },
	{ "initrd not page aligned", initrd_unaligned, "initrd" },
	{ "command line over cmdline_size", cmdline_long, "cmdline_size" },
	{ "command line over its page", cmdline_page, "its page" },
	{ "setup size not the header's", setup_size, "setup" },
	{ "no vCPUs", no_cpus, "vCPU" },
	{ "no HdrS", header_bad, "HdrS" },
};

static void bad_inputs_change_nothing(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct rmp_entry before[PAGES];
		struct linux_launch_out o;
		const char *why;

		teardown(NULL);
		setup(NULL);
		bads[i].spoil();
		memcpy(before, entries, sizeof(before));
		int err = linux_launch(&cfg, &o, &why);

		if (err == SVSM_OK || strstr(why, bads[i].why_contains) == NULL)
			fail_msg("%s: got %d, %s", bads[i].what, err, why);
		if (memcmp(before, entries, sizeof(before)) != 0)
			fail_msg("%s: the RMP changed", bads[i].what);
	}
}

/* A vTPM for the measured launch: reports the SHA-256 bank and records each PCR_Extend. */
static struct {
	unsigned extends;
	uint32_t pcr[4];
	uint8_t sha256[4][32];
	uint32_t extend_rc;
} vtpm;

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

static int vtpm_send(void *ctx, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t max, size_t *rlen)
{
	static const uint8_t cap[] = { 0x80, 0x01, 0, 0, 0, 25, 0, 0, 0, 0, 0, 0, 0, 0, 5,
				       0, 0, 0, 1, 0, 0x0B, 3, 0xFF, 0xFF, 0xFF };

	(void)ctx, (void)len, (void)max;
	if (rd32(cmd + 6) == 0x17A) {
		memcpy(rsp, cap, sizeof(cap));
		*rlen = sizeof(cap);
		return SVSM_OK;
	}
	assert_int_equal(rd32(cmd + 6), 0x182);
	assert_true(vtpm.extends < 4);
	vtpm.pcr[vtpm.extends] = rd32(cmd + 10);
	assert_int_equal(rd32(cmd + 27), 1); /* one digest: SHA-256 */
	memcpy(vtpm.sha256[vtpm.extends++], cmd + 33, 32);
	memcpy(rsp, (const uint8_t[]){ 0x80, 0x01, 0, 0, 0, 10 }, 6);
	rsp[6] = 0, rsp[7] = 0, rsp[8] = (uint8_t)(vtpm.extend_rc >> 8), rsp[9] = (uint8_t)vtpm.extend_rc;
	*rlen = 10;
	return SVSM_OK;
}

static const struct vtpm_backend vtpm_backend = { .send_command = vtpm_send };

static void sha256_of(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32])
{
	mbedtls_sha256_context c;

	mbedtls_sha256_init(&c);
	mbedtls_sha256_starts_ret(&c, 0);
	mbedtls_sha256_update_ret(&c, a, alen);
	mbedtls_sha256_update_ret(&c, b, blen);
	mbedtls_sha256_finish_ret(&c, out);
	mbedtls_sha256_free(&c);
}

/* The kernel file, the initrd and the command line: extended, and the log reached from the CC node. */
static void measured_launch(void **state)
{
	struct linux_launch_out o;
	const char *why = "";
	uint8_t want[32];

	(void)state;
	memset(&vtpm, 0, sizeof(vtpm));
	memset(sim.mem + KERNEL, 0x4B, KERNEL_SIZE);
	memset(sim.mem + INITRD, 0x49, INITRD_SIZE);
	cfg.tpm = &vtpm_backend;
	assert_int_equal(linux_launch(&cfg, &o, &why), SVSM_OK);
	assert_int_equal(o.measured_events, 3);
	assert_int_equal(vtpm.extends, 3);
	assert_int_equal(vtpm.pcr[0], 9);
	assert_int_equal(vtpm.pcr[1], 9);
	assert_int_equal(vtpm.pcr[2], 8);
	sha256_of(setup_part, SETUP_SIZE, sim.mem + KERNEL, KERNEL_SIZE, want);
	assert_memory_equal(vtpm.sha256[0], want, 32);
	sha256_of(sim.mem + INITRD, INITRD_SIZE, "", 0, want);
	assert_memory_equal(vtpm.sha256[1], want, 32);
	sha256_of(cmdline, strlen(cmdline), "", 0, want);
	assert_memory_equal(vtpm.sha256[2], want, 32);

	/* CC node -> log node, the log's last event the command line with its NUL. */
	const struct linux_setup_data_cc *cc =
		(const void *)(sim.mem + o.block_gpa + LINUX_BLOCK_PAGE_CC * 4096 + LINUX_SETUP_CC_OFFSET);
	uint64_t log_gpa = o.block_gpa + LINUX_BLOCK_PAGE_TCG_LOG * 4096;
	const struct linux_setup_data *node = (const void *)(sim.mem + log_gpa);

	assert_int_equal(cc->hdr.next, log_gpa);
	assert_int_equal(node->next, 0);
	assert_int_equal(node->type, LINUX_SETUP_SVSM_TCG_LOG);
	assert_int_equal(node->len, o.tcg_log_len);
	const uint8_t *end = sim.mem + log_gpa + sizeof(*node) + node->len;

	assert_memory_equal(end - strlen(cmdline) - 1, cmdline, strlen(cmdline) + 1);
}

/* A vTPM that refuses the extend: no launch (no VMSA made), and why. */
static void unmeasurable_launch_does_not_run(void **state)
{
	struct linux_launch_out o;
	const char *why = "";

	(void)state;
	memset(&vtpm, 0, sizeof(vtpm));
	vtpm.extend_rc = 0x101;
	cfg.tpm = &vtpm_backend;
	assert_int_not_equal(linux_launch(&cfg, &o, &why), SVSM_OK);
	assert_non_null(strstr(why, "PCR_Extend"));
	assert_int_equal(o.vmsa_gpa, 0);
	for (unsigned i = 0; i < PAGES; i++)
		assert_false(entries[i].vmsa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(launch_boots_linux, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_inputs_change_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(measured_launch, setup, teardown),
		cmocka_unit_test_setup_teardown(unmeasurable_launch_does_not_run, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
