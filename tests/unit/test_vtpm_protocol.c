/* SPDX-License-Identifier: MIT */
/*
 * The vTPM protocol (SVSM spec 58019, vTPM protocol; Linux
 * drivers/char/tpm/tpm_svsm.c): offered only with a back end, VTPM_QUERY,
 * VTPM_CMD with the request/response layout and the Linux driver's size limits,
 * and every refusal leaving the guest buffer as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/svsm_abi.h"
#include "guest_sim.h"
#include "protocols/svsm_vm.h"
#include "svsm/errno.h"
#include "svsm/platform.h"

#define MB 0x100000ull
#define RAM_END (3 * MB)
#define SIM_SIZE (4 * MB)
#define BOOT_VMSA 0x101000ull
#define BOOT_CA 0x102000ull
#define BUF 0x120000ull
#define CALL(p, c) (((uint64_t)(p) << 32) | (c))

/* Linked in with the core protocol; the vTPM calls never reach the platform. */
const struct platform_ops platform_native_ops = { .name = "native" };

static struct guest_sim sim;
static struct svsm_vm vm;
static uint8_t seen[SVSM_VTPM_CMD_MAX];
static size_t seen_len;
static unsigned commands;
static int backend_result;
static size_t backend_resp_len;
static uint32_t lock_state_seen;

/* A stand-in TPM: answers with a 10-byte TPM2 header echoing the command's tag, then padding. */
static int send_command(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t max,
			size_t *resp_len)
{
	(void)ctx;
	commands++;
	lock_state_seen = vm.lock.state; /* a long TPM command must not hold the VM lock */
	memcpy(seen, cmd, len);
	seen_len = len;
	if (backend_result != SVSM_OK)
		return backend_result;
	*resp_len = backend_resp_len;
	if (backend_resp_len <= max)
		for (size_t i = 0; i < backend_resp_len; i++)
			resp[i] = (uint8_t)(i < 2 ? cmd[i] : 0x40 + i % 7);
	return SVSM_OK;
}

static const struct vtpm_backend backend = { .send_command = send_command };

static int setup(void **state)
{
	(void)state;
	sim.size = SIM_SIZE;
	sim.mem = calloc(1, SIM_SIZE);
	memmap_init(&sim.guest_ram);
	memmap_init(&sim.svsm_mem);
	assert_int_equal(memmap_add(&sim.guest_ram, 0, RAM_END), SVSM_OK);
	assert_int_equal(memmap_add(&sim.svsm_mem, RAM_END, SIM_SIZE), SVSM_OK);
	sim.rmp = NULL;
	guest_sim_use(&sim);
	assert_int_equal(svsm_vm_init(&vm, 2, 1, &sim.guest_ram, &sim.svsm_mem, pa_init(BOOT_VMSA), gpa_init(BOOT_CA), 0),
			 SVSM_OK);
	svsm_vm_set_vtpm(&vm, &backend);
	commands = 0;
	backend_result = SVSM_OK;
	backend_resp_len = 10;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(sim.mem);
	return 0;
}

static uint64_t call(uint64_t rax, uint64_t rcx, struct svsm_regs *out)
{
	struct svsm_regs r = { rax, rcx, 0x77, 0, 0 };

	svsm_dispatch(&vm, 0, &r);
	if (out != NULL)
		*out = r;
	return r.rax;
}

/* TPM2_GetRandom(16): tag 0x8001, size 12, code 0x17B, bytesRequested 16. */
static const uint8_t get_random[12] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7B, 0, 16 };

static void put_request(uint64_t gpa, uint32_t platform_cmd, uint8_t locality, uint32_t size,
			const uint8_t *cmd, size_t cmd_len)
{
	memcpy(sim.mem + gpa, &platform_cmd, 4);
	sim.mem[gpa + 4] = locality;
	memcpy(sim.mem + gpa + 5, &size, 4);
	memcpy(sim.mem + gpa + 9, cmd, cmd_len);
}

static void test_offered_only_with_backend(void **state)
{
	struct svsm_regs r;

	(void)state;
	assert_int_equal(call(CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(2, 1), &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, CALL(1, 1));
	assert_int_equal(call(CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(2, 2), &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, 0);
	svsm_vm_set_vtpm(&vm, NULL);
	assert_int_equal(call(CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(2, 1), &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(call(CALL(2, SVSM_VTPM_QUERY), 0, NULL), SVSM_ERR_UNSUPPORTED_PROTOCOL);
	assert_int_equal(call(CALL(2, SVSM_VTPM_CMD), BUF, NULL), SVSM_ERR_UNSUPPORTED_PROTOCOL);
	assert_int_equal(commands, 0);
}

static void test_query(void **state)
{
	struct svsm_regs r;

	(void)state;
	assert_int_equal(call(CALL(2, SVSM_VTPM_QUERY), 0, &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, 1u << 8); /* TPM_SEND_COMMAND, what Linux requires */
	assert_int_equal(r.rdx, 0);
	assert_int_equal(call(CALL(2, SVSM_VTPM_CALLS), 0, NULL), SVSM_ERR_UNSUPPORTED_CALL);
	assert_int_equal(call(CALL(2, 0xFFFFFFFFu), 0, NULL), SVSM_ERR_UNSUPPORTED_CALL);
}

static void test_cmd(void **state)
{
	uint32_t size;

	(void)state;
	put_request(BUF, 8, 0, sizeof(get_random), get_random, sizeof(get_random));
	assert_int_equal(call(CALL(2, SVSM_VTPM_CMD), BUF, NULL), SVSM_SUCCESS);
	assert_int_equal(seen_len, sizeof(get_random));
	assert_memory_equal(seen, get_random, sizeof(get_random));
	assert_int_equal(lock_state_seen, 0);
	memcpy(&size, sim.mem + BUF, 4);
	assert_int_equal(size, 10);
	assert_int_equal(sim.mem[BUF + 4], 0x80); /* response bytes from offset 4 */
	assert_int_equal(sim.mem[BUF + 5], 0x01);
	assert_int_equal(sim.mem[BUF + 13], 0x40 + 9 % 7);
	/* Not page aligned, the buffer running into the next page: allowed. */
	put_request(BUF + 0x810, 8, 0, sizeof(get_random), get_random, sizeof(get_random));
	assert_int_equal(call(CALL(2, SVSM_VTPM_CMD), BUF + 0x810, NULL), SVSM_SUCCESS);
	/* The largest command and the largest response. */
	static uint8_t big[SVSM_VTPM_CMD_MAX];

	memset(big, 0x33, sizeof(big));
	put_request(BUF, 8, 0, SVSM_VTPM_CMD_MAX, big, sizeof(big));
	backend_resp_len = SVSM_VTPM_RESP_MAX;
	assert_int_equal(call(CALL(2, SVSM_VTPM_CMD), BUF, NULL), SVSM_SUCCESS);
	assert_int_equal(seen_len, SVSM_VTPM_CMD_MAX);
	memcpy(&size, sim.mem + BUF, 4);
	assert_int_equal(size, SVSM_VTPM_RESP_MAX);
	assert_int_equal(commands, 3);
}

struct bad_cmd {
	const char *what;
	uint64_t gpa;
	uint32_t platform_cmd;
	uint8_t locality;
	uint32_t size;
	uint64_t rc;
};

static void test_cmd_bad(void **state)
{
	const struct bad_cmd bad[] = {
		{ "other platform command", BUF, 7, 0, 12, SVSM_ERR_UNSUPPORTED_CALL },
		{ "platform command 0", BUF, 0, 0, 12, SVSM_ERR_UNSUPPORTED_CALL },
		{ "locality 1", BUF, 8, 1, 12, SVSM_ERR_INVALID_PARAMETER },
		{ "empty command", BUF, 8, 0, 0, SVSM_ERR_INVALID_PARAMETER },
		{ "command too long", BUF, 8, 0, SVSM_VTPM_CMD_MAX + 1, SVSM_ERR_INVALID_PARAMETER },
		{ "size near 4 GiB", BUF, 8, 0, 0xFFFFFFF0u, SVSM_ERR_INVALID_PARAMETER },
		{ "buffer in SVSM memory", RAM_END + 0x1000, 8, 0, 12, SVSM_ERR_INVALID_ADDRESS },
		{ "buffer running into SVSM memory", RAM_END - 0x800, 8, 0, 12,
		  SVSM_ERR_INVALID_ADDRESS },
		{ "buffer in a VMSA", BOOT_VMSA, 8, 0, 12, SVSM_ERR_INVALID_ADDRESS },
		{ "buffer in the calling area", BOOT_CA + 8, 8, 0, 12, SVSM_ERR_INVALID_ADDRESS },
		{ "buffer overlapping the VMSA", BOOT_VMSA - 0x10, 8, 0, 12, SVSM_ERR_INVALID_ADDRESS },
		{ "buffer beyond memory", 0x80000000, 8, 0, 12, SVSM_ERR_INVALID_ADDRESS },
		{ "buffer wrapping", 0xFFFFFFFFFFFFF800ull, 8, 0, 12, SVSM_ERR_INVALID_ADDRESS },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t before[SVSM_VTPM_BUFFER_SIZE];
		bool visible = bad[i].gpa <= SIM_SIZE - SVSM_VTPM_BUFFER_SIZE;

		print_message("bad vTPM command: %s\n", bad[i].what);
		if (visible) {
			put_request(bad[i].gpa, bad[i].platform_cmd, bad[i].locality, bad[i].size,
				    get_random, sizeof(get_random));
			memcpy(before, sim.mem + bad[i].gpa, sizeof(before));
		}
		assert_int_equal(call(CALL(2, SVSM_VTPM_CMD), bad[i].gpa, NULL), bad[i].rc);
		if (visible)
			assert_memory_equal(before, sim.mem + bad[i].gpa, sizeof(before));
	}
	assert_int_equal(commands, 0); /* none reached the TPM */
}

static void test_backend_failures(void **state)
{
	uint8_t before[64];

	(void)state;
	put_request(BUF, 8, 0, sizeof(get_random), get_random, sizeof(get_random));
	memcpy(before, sim.mem + BUF, sizeof(before));
	backend_result = SVSM_EBUSY;
	assert_int_equal(call(CALL(2, SVSM_VTPM_CMD), BUF, NULL), SVSM_ERR_BUSY);
	backend_result = SVSM_EIO;
	assert_int_equal(call(CALL(2, SVSM_VTPM_CMD), BUF, NULL), SVSM_ERR_INVALID_REQUEST);
	backend_result = SVSM_OK;
	backend_resp_len = SVSM_VTPM_RESP_MAX + 1; /* a back end that overruns is not believed */
	assert_int_equal(call(CALL(2, SVSM_VTPM_CMD), BUF, NULL), SVSM_ERR_INVALID_REQUEST);
	assert_memory_equal(before, sim.mem + BUF, sizeof(before));
	/* Another vCPU's command in progress: BUSY at once, the TPM not entered twice. */
	backend_resp_len = 10;
	spin_lock(&vm.vtpm_lock);
	commands = 0;
	assert_int_equal(call(CALL(2, SVSM_VTPM_CMD), BUF, NULL), SVSM_ERR_BUSY);
	assert_int_equal(commands, 0);
	spin_unlock(&vm.vtpm_lock);
	assert_int_equal(call(CALL(2, SVSM_VTPM_CMD), BUF, NULL), SVSM_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_offered_only_with_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmd_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backend_failures, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
