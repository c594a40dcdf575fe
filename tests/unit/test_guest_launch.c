/* SPDX-License-Identifier: MIT */
/*
 * svsm/guest/launch.c on the fake backend and simulated guest memory: the
 * payload's pages and the launch pages are private, validated, granted
 * (the VMSA excepted) and filled; bad payloads are refused before any page
 * changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/elf64.h"
#include "abi/guest_boot.h"
#include "abi/snp.h"
#include "abi/vmsa.h"
#include "guest_sim.h"
#include "svsm/errno.h"
#include "svsm/guest_launch.h"
#include "vsnp/launch_digest.h"
#include "svsm/platform_fake.h"

#define MB (1ull << 20)
#define SIM_SIZE (4 * MB)
#define PAGES (SIM_SIZE / 4096)
#define LOAD 0x100000ull /* GUEST_LAUNCH_MIN_VA */
#define CBIT (1ull << 39)

/* The fake backend starts from the native table; the kernel's is not linked here. */
const struct platform_ops platform_native_ops = { .name = "native" };

static struct rmp_entry entries[PAGES];
static struct rmp_model rmp;
static struct platform_fake fake;
static struct guest_sim sim;
static uint8_t elf[0x4000];
static struct snp_cpuid_table cpuid;
static struct snp_secrets_page secrets;
static struct guest_launch_cfg cfg;
static struct launch_digest digest;

static struct elf64_ehdr *eh(void)
{
	return (struct elf64_ehdr *)elf;
}

static struct elf64_phdr *ph(int i)
{
	return (struct elf64_phdr *)(elf + 64 + i * 56);
}

/* Text RX at LOAD (one page), data RW at LOAD + 0x2000 with 0x800 bytes of file data and bss. */
static void build_elf(void)
{
	memset(elf, 0, sizeof(elf));
	memcpy(eh()->e_ident, "\x7f" "ELF", 4);
	eh()->e_ident[EI_CLASS] = ELFCLASS64;
	eh()->e_ident[EI_DATA] = ELFDATA2LSB;
	eh()->e_ident[EI_VERSION] = EV_CURRENT;
	eh()->e_type = ET_EXEC;
	eh()->e_machine = EM_X86_64;
	eh()->e_version = EV_CURRENT;
	eh()->e_entry = LOAD + 0x10;
	eh()->e_phoff = 64;
	eh()->e_ehsize = 64;
	eh()->e_phentsize = 56;
	eh()->e_phnum = 2;
	*ph(0) = (struct elf64_phdr){ PT_LOAD, PF_R | PF_X, 0x1000, LOAD, LOAD, 0x1000, 0x1000, 0x1000 };
	*ph(1) = (struct elf64_phdr){ PT_LOAD, PF_R | PF_W, 0x2000, LOAD + 0x2000, LOAD + 0x2000,
				      0x800, 0x3000, 0x1000 };
	memset(elf + 0x1000, 0x90, 0x1000);
	memset(elf + 0x2000, 0xAB, 0x800);
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
	memset(sim.mem, 0xEE, SIM_SIZE); /* stale data the launch must overwrite */
	memmap_init(&sim.guest_ram);
	memmap_init(&sim.svsm_mem);
	assert_int_equal(memmap_add(&sim.guest_ram, MB, 3 * MB), SVSM_OK);
	assert_int_equal(memmap_add(&sim.svsm_mem, 3 * MB, SIM_SIZE), SVSM_OK);
	sim.rmp = NULL; /* the launch itself validates before it writes */
	guest_sim_use(&sim);

	build_elf();
	memset(&cpuid, 0, sizeof(cpuid));
	cpuid.count = 1;
	memset(&secrets, 0, sizeof(secrets));
	memset(secrets.vmpck, 0x5A, sizeof(secrets.vmpck));
	launch_digest_init(&digest);
	cfg = (struct guest_launch_cfg){
		.elf = elf, .elf_size = sizeof(elf), .guest_ram = &sim.guest_ram, .cbit = CBIT,
		.vmpl = 2, .sev_features = 1, .cpuid = &cpuid, .secrets = &secrets,
		.svsm_base = 3 * MB, .svsm_size = MB, .cmdline = "guest.x=1", .vcpu_count = 1,
		.measure = launch_digest_measure,
		.measure_ctx = &digest,
	};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(sim.mem);
	return 0;
}

static void launch_sets_up_every_page(void **state)
{
	struct guest_launch_out o;
	const char *why;
	(void)state;

	assert_int_equal(guest_launch(&cfg, &o, &why), SVSM_OK);
	assert_int_equal(o.entry, LOAD + 0x10);
	assert_int_equal(o.image_start, LOAD);
	assert_int_equal(o.image_end, LOAD + 0x5000);
	assert_int_equal(o.boot_start, o.image_end);
	assert_int_equal(o.boot_end, o.image_end + GUEST_LAUNCH_PAGES * 4096);
	assert_int_equal(digest.pages, 5 + GUEST_LAUNCH_PAGES);

	for (uint64_t pa = o.image_start; pa < o.boot_end; pa += 4096) {
		const struct rmp_entry *e = rmp_model_entry(&rmp, pa);

		assert_true(e->assigned && e->validated);
		if (pa == o.vmsa_gpa) {
			assert_true(e->vmsa);
			assert_int_equal(e->perms[1] | e->perms[2] | e->perms[3], 0);
		} else {
			assert_int_equal(e->perms[1], RMP_PERM_ALL >> 8);
			assert_int_equal(e->perms[2], RMP_PERM_ALL >> 8);
			assert_int_equal(e->perms[3], 0);
		}
	}
	/* Image contents: file data, gaps and bss zero. */
	assert_int_equal(sim.mem[LOAD], 0x90);
	assert_int_equal(sim.mem[LOAD + 0x1000], 0);
	assert_int_equal(sim.mem[LOAD + 0x2000], 0xAB);
	assert_int_equal(sim.mem[LOAD + 0x2800], 0);
	assert_int_equal(sim.mem[LOAD + 0x4FFF], 0);

	const struct guest_boot *b = (const struct guest_boot *)(sim.mem + o.boot_gpa);

	assert_int_equal(b->magic, GUEST_BOOT_MAGIC);
	assert_int_equal(b->caa_gpa, o.caa_gpa);
	assert_int_equal(b->cbit, CBIT);
	assert_int_equal(b->ram_count, 1);
	assert_string_equal(b->cmdline, "guest.x=1");

	const struct snp_secrets_page *s = (const struct snp_secrets_page *)(sim.mem + o.secrets_gpa);

	assert_int_equal(s->vmpck[0][0] | s->vmpck[1][0], 0);
	assert_int_equal(s->vmpck[2][0], 0x5A);
	assert_int_equal(s->svsm_caa, o.caa_gpa);
	assert_int_equal(s->svsm_guest_vmpl, 2);

	const struct vmsa *v = (const struct vmsa *)(sim.mem + o.vmsa_gpa);

	assert_int_equal(v->rip, o.entry);
	assert_int_equal(v->rsi, o.boot_gpa);
	assert_int_equal(v->vmpl, 2);
	assert_int_equal(v->sev_features, 1);
	assert_true(v->efer & (1u << 12));
	assert_int_equal(v->cr3 & CBIT, CBIT);

	/* Page tables: 2 MiB identity entries with the C-bit. */
	const uint64_t *pd0 = (const uint64_t *)(sim.mem + o.boot_start + 7 * 4096);

	assert_int_equal(pd0[1], (2 * MB) | CBIT | 0x83);
}

/* Each refusal comes before any page changes. */
static void bad_payloads_refused_with_nothing_changed(void **state)
{
	static struct rmp_entry before[PAGES];
	struct guest_launch_out o;
	const char *why;
	(void)state;

	memcpy(before, entries, sizeof(before));

	eh()->e_ident[EI_CLASS] = 1; /* every ELF header rule is elf_check's (its own tests) */
	assert_int_equal(guest_launch(&cfg, &o, &why), SVSM_EINVAL);
	assert_non_null(strstr(why, "EI_CLASS"));
	build_elf();

	ph(1)->p_vaddr = ph(1)->p_paddr = 3 * MB; /* data in SVSM memory */
	assert_int_equal(guest_launch(&cfg, &o, &why), SVSM_EINVAL);
	assert_non_null(strstr(why, "not all in guest RAM"));
	build_elf();

	ph(1)->p_vaddr = ph(1)->p_paddr = 3 * MB - 0x4000; /* no room for the launch pages */
	ph(0)->p_vaddr = ph(0)->p_paddr = 3 * MB - 0x6000;
	eh()->e_entry = 3 * MB - 0x6000;
	assert_int_equal(guest_launch(&cfg, &o, &why), SVSM_EINVAL);
	assert_non_null(strstr(why, "launch pages"));
	build_elf();

	cfg.elf_size = 40; /* truncated file */
	assert_int_equal(guest_launch(&cfg, &o, &why), SVSM_EINVAL);
	cfg.elf_size = sizeof(elf);

	cfg.vmpl = 0;
	assert_int_equal(guest_launch(&cfg, &o, &why), SVSM_EINVAL);
	cfg.vmpl = 2;
	cfg.cbit = 3ull << 38; /* not one bit */
	assert_int_equal(guest_launch(&cfg, &o, &why), SVSM_EINVAL);
	cfg.cbit = CBIT;

	assert_memory_equal(before, entries, sizeof(before));
	assert_int_equal(digest.pages, 0);
}

/* The digest of a fresh launch of cfg (setup() state, cfg as the caller changed it). */
static void launch_digest_of(struct launch_digest *out)
{
	struct guest_launch_out o;
	const char *why;

	assert_int_equal(rmp_model_init(&rmp, entries, 0, PAGES), SVSM_OK);
	launch_digest_init(&digest);
	assert_int_equal(guest_launch(&cfg, &o, &why), SVSM_OK);
	*out = digest;
}

/*
 * The digest is a function of the payload and the launch's fixed inputs
 * (C-bit, VMPL, SEV features: the VMSA and page tables hold them), not of
 * what the host chooses per boot (command line, RAM map, the VMPCKs, the
 * CPUID page): tools/snp-launch-digest computes it from the file alone.
 */
static void digest_follows_the_payload_not_the_host(void **state)
{
	struct launch_digest base, d;
	static struct memmap more_ram;
	(void)state;

	launch_digest_of(&base);
	assert_memory_not_equal(base.ld, (uint8_t[SNP_LD_LEN]){ 0 }, SNP_LD_LEN);

	cfg.cmdline = "guest.forbidden=svsm-read";
	memset(secrets.vmpck, 0x33, sizeof(secrets.vmpck));
	cpuid.count = 2;
	memmap_init(&more_ram);
	assert_int_equal(memmap_add(&more_ram, 0x1000, 3 * MB), SVSM_OK);
	cfg.guest_ram = &more_ram;
	launch_digest_of(&d);
	assert_memory_equal(base.ld, d.ld, SNP_LD_LEN);
	cfg.guest_ram = &sim.guest_ram;

	elf[0x1800] ^= 1; /* one bit of the text */
	launch_digest_of(&d);
	assert_memory_not_equal(base.ld, d.ld, SNP_LD_LEN);
	elf[0x1800] ^= 1;

	cfg.cbit = CBIT << 1;
	launch_digest_of(&d);
	assert_memory_not_equal(base.ld, d.ld, SNP_LD_LEN);
	cfg.cbit = CBIT;

	cfg.sev_features = 5;
	launch_digest_of(&d);
	assert_memory_not_equal(base.ld, d.ld, SNP_LD_LEN);
	cfg.sev_features = 1;

	launch_digest_of(&d);
	assert_memory_equal(base.ld, d.ld, SNP_LD_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(launch_sets_up_every_page, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_payloads_refused_with_nothing_changed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(digest_follows_the_payload_not_the_host, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
