/* SPDX-License-Identifier: MIT */
/*
 * The cost of SVSM calls through the dispatcher on the fake backend:
 * QUERY_PROTOCOL, and a 510-entry PVALIDATE list of 4 KiB pages (validate,
 * which zeroes and grants each page, then rescind), the same with the
 * lent pool full (every range check asks it), and DEPOSIT_MEM/WITHDRAW_MEM
 * of 510-entry lists filling and emptying the pool. Prints wall-clock
 * figures; scripts/bench_protocols.sh runs it under callgrind for
 * instruction counts (bench_query, bench_pvalidate_list,
 * bench_pvalidate_lent and bench_deposit_lists are the functions it
 * measures). Figures only, no pass/fail.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/guest_sim.h"
#include "abi/snp.h"
#include "abi/svsm_abi.h"
#include "protocols/svsm_vm.h"
#include "svsm/errno.h"
#include "svsm/platform_fake.h"

#define MB 0x100000ull
#define RAM_END (30 * MB)
#define SIM_SIZE (32 * MB)
#define PAGES (SIM_SIZE / 4096)
#define BOOT_VMSA 0x101000ull
#define BOOT_CA 0x102000ull
#define LIST_BASE 0x200000ull /* 510 pages from here */
#define LEND_BASE (8 * MB)    /* LEND_LISTS lists of 510 pages from here */
#define LEND_LISTS 8u         /* 4080 pages: nearly SVSM_LENT_MAX */
#define QUERIES 100000u
#define ROUNDS 20u

const struct platform_ops platform_native_ops = { .name = "native" };

static struct rmp_entry entries[PAGES];
static struct rmp_model rmp;
static struct platform_fake fake;
static struct guest_sim sim;
static struct svsm_vm vm;
static struct svsm_lent_pool pool;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_protocols: %s\n", what);
	exit(1);
}

static void setup(void)
{
	sim.size = SIM_SIZE;
	sim.mem = calloc(1, SIM_SIZE);
	if (sim.mem == NULL)
		die("out of memory");
	memmap_init(&sim.guest_ram);
	memmap_init(&sim.svsm_mem);
	memmap_add(&sim.guest_ram, 0, RAM_END);
	memmap_add(&sim.svsm_mem, RAM_END, SIM_SIZE);
	sim.rmp = &rmp;
	guest_sim_use(&sim);
	rmp_model_init(&rmp, entries, 0, PAGES);
	for (uint64_t p = 0; p < SIM_SIZE; p += 4096)
		rmp_model_set_private(&rmp, p, false, true);
	rmp_model_pvalidate(&rmp, 0, BOOT_VMSA, RMP_PG_SIZE_4K, true);
	rmp_model_pvalidate(&rmp, 0, BOOT_CA, RMP_PG_SIZE_4K, true);
	fake.rmp = &rmp;
	platform_fake_install(&fake);
	for (uint64_t p = LEND_BASE; p < LEND_BASE + LEND_LISTS * SVSM_PVALIDATE_MAX_COUNT * 4096ull; p += 4096)
		rmp_model_pvalidate(&rmp, 0, p, RMP_PG_SIZE_4K, true);
	if (svsm_vm_init(&vm, 2, 1, &sim.guest_ram, &sim.svsm_mem, pa_init(BOOT_VMSA), gpa_init(BOOT_CA), 0) != SVSM_OK)
		die("vm init");
	svsm_vm_set_lent_pool(&vm, &pool);
}

__attribute__((noinline)) void bench_query(unsigned n);
__attribute__((noinline)) void bench_query(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct svsm_regs r = { SVSM_CORE_QUERY_PROTOCOL, 1, 0, 0, 0 };

		svsm_dispatch(&vm, 0, &r);
		if (r.rax != SVSM_SUCCESS || r.rcx != ((1ull << 32) | 1))
			die("QUERY_PROTOCOL failed");
	}
}

static void write_list(bool validate)
{
	struct svsm_pvalidate_hdr h = { SVSM_PVALIDATE_MAX_COUNT, 0, 0 };

	memcpy(sim.mem + BOOT_CA + 8, &h, sizeof(h));
	for (unsigned i = 0; i < SVSM_PVALIDATE_MAX_COUNT; i++) {
		uint64_t e = (LIST_BASE + i * 4096ull) | (validate ? SVSM_PVAL_ACTION_VALIDATE : 0);

		memcpy(sim.mem + BOOT_CA + 16 + 8 * i, &e, 8);
	}
}

/* One 510-entry list to validate, then one to rescind: 1020 entries. */
static inline __attribute__((always_inline)) void pvalidate_pair(void)
{
	for (int pass = 0; pass < 2; pass++) {
		struct svsm_regs r = { SVSM_CORE_PVALIDATE, BOOT_CA + 8, 0, 0, 0 };

		write_list(pass == 0);
		svsm_dispatch(&vm, 0, &r);
		if (r.rax != SVSM_SUCCESS)
			die("PVALIDATE list failed");
	}
}

/* Two functions so callgrind counts the empty-pool and full-pool cases apart. */
__attribute__((noinline)) void bench_pvalidate_list(void);
__attribute__((noinline)) void bench_pvalidate_list(void)
{
	pvalidate_pair();
}

__attribute__((noinline)) void bench_pvalidate_lent(void);
__attribute__((noinline)) void bench_pvalidate_lent(void)
{
	pvalidate_pair();
}

/* A 510-entry DEPOSIT_MEM list of the 4 KiB pages of lend list k. */
static void write_lend_list(unsigned k)
{
	struct svsm_pvalidate_hdr h = { SVSM_PVALIDATE_MAX_COUNT, 0, 0 };

	memcpy(sim.mem + BOOT_CA + 8, &h, sizeof(h));
	for (unsigned i = 0; i < SVSM_PVALIDATE_MAX_COUNT; i++) {
		uint64_t e = LEND_BASE + (k * SVSM_PVALIDATE_MAX_COUNT + i) * 4096ull;

		memcpy(sim.mem + BOOT_CA + 16 + 8 * i, &e, 8);
	}
}

/* Every lend list deposited (the pool fills to 4080 pages). */
__attribute__((noinline)) void bench_deposit_lists(void);
__attribute__((noinline)) void bench_deposit_lists(void)
{
	for (unsigned k = 0; k < LEND_LISTS; k++) {
		struct svsm_regs r = { SVSM_CORE_DEPOSIT_MEM, BOOT_CA + 8, 0, 0, 0 };

		write_lend_list(k);
		svsm_dispatch(&vm, 0, &r);
		if (r.rax != SVSM_SUCCESS)
			die("DEPOSIT_MEM failed");
	}
}

/* Everything withdrawn again, 510 pages a call. */
__attribute__((noinline)) void bench_withdraw_all(void);
__attribute__((noinline)) void bench_withdraw_all(void)
{
	for (unsigned k = 0; k < LEND_LISTS; k++) {
		struct svsm_regs r = { SVSM_CORE_WITHDRAW_MEM, BOOT_CA + 8, 0, 0, 0 };
		uint16_t n;

		svsm_dispatch(&vm, 0, &r);
		memcpy(&n, sim.mem + BOOT_CA + 8, sizeof(n));
		if (r.rax != SVSM_SUCCESS || n != SVSM_PVALIDATE_MAX_COUNT)
			die("WITHDRAW_MEM failed");
	}
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : ROUNDS;
	unsigned queries = argc > 2 ? (unsigned)atoi(argv[2]) : QUERIES;
	double t0, t1;

	if (rounds == 0 || queries == 0)
		die("usage: bench_protocols [ROUNDS [QUERIES]] (both > 0)");
	setup();
	t0 = now();
	bench_query(queries);
	t1 = now();
	printf("QUERY_PROTOCOL through svsm_dispatch: %u calls, %.1f ns per call\n", queries,
	       (t1 - t0) * 1e9 / queries);
	pvalidate_pair(); /* untimed: the simulated memory's first touch */
	t0 = now();
	for (unsigned i = 0; i < rounds; i++)
		bench_pvalidate_list();
	t1 = now();
	printf("PVALIDATE 510-entry lists (validate + rescind, 4 KiB): %u rounds, %.1f ns per entry\n",
	       rounds, (t1 - t0) * 1e9 / (rounds * 2.0 * SVSM_PVALIDATE_MAX_COUNT));

	double dep = 0, wd = 0, pv = 0;

	for (unsigned i = 0; i < rounds; i++) {
		t0 = now();
		bench_deposit_lists();
		t1 = now();
		dep += t1 - t0;
		bench_pvalidate_lent();
		pv += now() - t1;
		t0 = now();
		bench_withdraw_all();
		wd += now() - t0;
	}
	printf("PVALIDATE 510-entry lists with %u pages lent: %.1f ns per entry\n",
	       LEND_LISTS * SVSM_PVALIDATE_MAX_COUNT, pv * 1e9 / (rounds * 2.0 * SVSM_PVALIDATE_MAX_COUNT));
	printf("DEPOSIT_MEM 510-entry lists (4 KiB) filling the pool to %u pages: %.1f ns per entry\n",
	       LEND_LISTS * SVSM_PVALIDATE_MAX_COUNT, dep * 1e9 / (rounds * LEND_LISTS * SVSM_PVALIDATE_MAX_COUNT));
	printf("WITHDRAW_MEM emptying it, 510 pages a call: %.1f ns per page\n",
	       wd * 1e9 / (rounds * LEND_LISTS * SVSM_PVALIDATE_MAX_COUNT));
	return 0;
}
