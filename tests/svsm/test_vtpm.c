/* SPDX-License-Identifier: MIT */
/*
 * The vTPM module at CPL3 behind the SVSM's vTPM protocol, on the live
 * machine: TPM2_Startup(CLEAR), GetRandom, PCR_Extend and PCR_Read sent
 * as SVSM_VTPM_CMD calls through svsm_dispatch, with the request and
 * response in guest memory, and the responses checked (the PCR value
 * against SHA-256 computed here). A command of the wrong size is answered
 * TPM_RC_COMMAND_SIZE and the vTPM keeps working.
 */
#include <mbedtls/sha256.h>

#include "abi/svsm_abi.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "protocols/svsm_vm.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/guest_mem.h"
#include "svsm/lapic.h"
#include "svsm/mm.h"
#include "svsm/modar.h"
#include "svsm/platform.h"
#include "svsm/selftest.h"
#include "svsm/task.h"
#include "svsm/vtpm_module.h"
#include "svsm/vtpm_persist.h"
#include "st_guest.h"

static struct svsm_vm vm;
static uint64_t buf_gpa;

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One SVSM_VTPM_CMD: the call's RAX, the response (its size in *rlen) in rsp. */
static uint64_t vtpm_call(const uint8_t *cmd, uint32_t len, uint8_t *rsp, uint32_t *rlen)
{
	static struct svsm_vtpm_request req;
	static struct svsm_vtpm_response out;
	struct svsm_regs r = { .rax = (uint64_t)SVSM_VTPM_PROTOCOL << 32 | SVSM_VTPM_CMD, .rcx = buf_gpa };

	memset(&req, 0, sizeof(req));
	req.platform_command = SVSM_VTPM_TPM_SEND_COMMAND;
	req.size = len;
	memcpy(req.command, cmd, len);
	if (copy_to_guest(gpa_init(buf_gpa), &req, sizeof(req), 1) != SVSM_OK)
		return ~0ull;
	svsm_dispatch(&vm, 0, &r);
	if (r.rax == SVSM_SUCCESS && copy_from_guest(&out, gpa_init(buf_gpa), sizeof(out), 1) == SVSM_OK) {
		*rlen = out.size;
		memcpy(rsp, out.response, out.size <= sizeof(out.response) ? out.size : 0);
	}
	return r.rax;
}

/*
 * The same until it is not BUSY, as a guest driver retries: even a short
 * command may outlast a slice (10 ms of the host's time) when the host is
 * busy, and then answers BUSY first.
 */
static uint64_t vtpm_call_done(const uint8_t *cmd, uint32_t len, uint8_t *rsp, uint32_t *rlen)
{
	uint64_t rc = SVSM_ERR_BUSY;

	for (unsigned i = 0; rc == SVSM_ERR_BUSY && i < 100000; i++)
		rc = vtpm_call(cmd, len, rsp, rlen);
	return rc;
}

/* TPM 2.0 Part 3 commands as bytes (big endian). */
static const uint8_t STARTUP_CLEAR[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x44, 0, 0 };
static const uint8_t GET_RANDOM_16[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7B, 0, 16 };
static const uint8_t PCR_READ_16[] = {
	0x80, 0x01, 0, 0, 0, 20, 0, 0, 0x01, 0x7E, /* TPM_CC_PCR_Read */
	0, 0, 0, 1, 0, 0x0B, 3, 0, 0, 0x01,         /* one selection: SHA-256, PCR16 */
};

/* Without a timer to end its slices, the vTPM is not offered (a looping module would hold the lock). */
SELFTEST(vtpm_refused_without_a_preemption_source)
{
	static struct vtpm_module m;
	struct buddy_stats before, after;
	const char *why = NULL;

	buddy_get_stats(mm_buddy(), &before);
	lapic_hold_off(true);
	int err = vtpm_module_start(&m, svsm_modules, (size_t)(svsm_modules_end - svsm_modules), NULL, "vtpm", &why);

	lapic_hold_off(false);
	ST_EQ(err, SVSM_ENOTSUP);
	ST_ASSERT(why != NULL && strncmp(why, "no usable APIC timer", 20) == 0);
	ST_ASSERT(m.task == NULL);
	buddy_get_stats(mm_buddy(), &after);
	ST_EQ(after.free_pages, before.free_pages);
}

/* A state store in memory for the module's state channel (include/svsm/vtpm_persist.h). */
static struct {
	uint8_t img[4096];
	size_t len;
	bool fail;
	unsigned saves;
} mem_store;

static void mem_started(void *ctx)
{
	(void)ctx;
}

static int mem_save(void *ctx, const uint8_t *img, size_t len, const char **why)
{
	(void)ctx;
	if (mem_store.fail || len > sizeof(mem_store.img)) {
		*why = "the test's store refuses";
		return SVSM_EIO;
	}
	memcpy(mem_store.img, img, len);
	mem_store.len = len;
	mem_store.saves++;
	return SVSM_OK;
}

static void mem_evidence(void *ctx, uint64_t *version, uint8_t digest[VTPM_STATE_DIGEST_LEN])
{
	(void)ctx;
	*version = mem_store.saves;
	memset(digest, 0, VTPM_STATE_DIGEST_LEN);
}

/*
 * The state channel with hostile or failing stores: an initial image that
 * is not one, a store with less room than the state, a save that fails:
 * each a refused start with its reason and the heap as it was; a good
 * store gets the state and a second module starts from it.
 */
SELFTEST(vtpm_state_channel_refusals)
{
	static struct vtpm_module m;
	struct vtpm_state_store st = { NULL, NULL, 0, 4096, mem_started, mem_save, mem_evidence };
	struct buddy_stats before, after;
	const char *why = NULL;
	uint8_t probe;

	if (platform_random(&probe, 1) != SVSM_OK)
		return; /* no RDRAND: modules cannot start (vtpm_module_through_the_vtpm_protocol says so) */
	memset(&mem_store, 0, sizeof(mem_store));
	buddy_get_stats(mm_buddy(), &before);
	st.initial = (const uint8_t *)"not an NV image";
	st.initial_len = 15;
	ST_EQ(vtpm_module_start(&m, svsm_modules, (size_t)(svsm_modules_end - svsm_modules), &st, "vtpm", &why), SVSM_EIO);
	ST_ASSERT(why != NULL && strncmp(why, "the module exited during start-up", 32) == 0 && m.task == NULL);
	st.initial = NULL;
	st.initial_len = 0;
	st.max = 64; /* less than the module's state */
	ST_EQ(vtpm_module_start(&m, svsm_modules, (size_t)(svsm_modules_end - svsm_modules), &st, "vtpm", &why), SVSM_EIO);
	ST_ASSERT(m.task == NULL && mem_store.saves == 0);
	st.max = 4096;
	mem_store.fail = true;
	ST_EQ(vtpm_module_start(&m, svsm_modules, (size_t)(svsm_modules_end - svsm_modules), &st, "vtpm", &why), SVSM_EIO);
	ST_ASSERT(why != NULL && strncmp(why, "its state could not be saved", 28) == 0 && m.task == NULL);
	mem_store.fail = false;
	buddy_get_stats(mm_buddy(), &after);
	ST_EQ(after.free_pages, before.free_pages);
	/* A good store: the start saves the new TPM's state; a second module starts from that image. */
	ST_EQ(vtpm_module_start(&m, svsm_modules, (size_t)(svsm_modules_end - svsm_modules), &st, "vtpm", &why), SVSM_OK);
	ST_ASSERT(mem_store.saves >= 1 && mem_store.len > 12 && memcmp(mem_store.img, "VTPMNV", 6) == 0);
	task_destroy(m.task);
	st.initial = mem_store.img;
	st.initial_len = mem_store.len;
	ST_EQ(vtpm_module_start(&m, svsm_modules, (size_t)(svsm_modules_end - svsm_modules), &st, "vtpm", &why), SVSM_OK);
	task_destroy(m.task);
	m.task = NULL;
}

static void vtpm_protocol_checks(struct selftest_ctx *t, struct vtpm_module *m, uint64_t base,
				 const struct memmap *g);

SELFTEST(vtpm_module_through_the_vtpm_protocol)
{
	static struct vtpm_module m;
	const struct memmap *g = mm_guest_memory();
	const char *why;

	int err = vtpm_module_start(&m, svsm_modules, (size_t)(svsm_modules_end - svsm_modules), NULL, "vtpm", &why);
	uint8_t probe;

	if (platform_random(&probe, 1) != SVSM_OK) {
		ST_EQ(err, SVSM_EIO); /* no RDRAND: modules cannot start, and say so */
		return;
	}
	ST_EQ(err, SVSM_OK);
	/* A guest: its VMSA, calling area and the vTPM buffer in a validated 2 MiB page of guest RAM. */
	uint64_t base = st_guest_2m_take();

	ST_ASSERT(base != 0);
	vtpm_protocol_checks(t, &m, base, g);
	st_guest_2m_give(base);
}

static void vtpm_protocol_checks(struct selftest_ctx *t, struct vtpm_module *m, uint64_t base, const struct memmap *g)
{
	static uint8_t rsp[4096];
	uint8_t pcr_extend[65] = {
		0x80, 0x02, 0, 0, 0, 65, 0, 0, 0x01, 0x82, 0, 0, 0, 16, /* PCR_Extend(PCR16) */
		0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0,             /* password session */
		0, 0, 0, 1, 0, 0x0B,                                   /* one SHA-256 digest */
	};
	uint32_t n = 0;
	uint8_t zeros_and_digest[64], want[32];

	buf_gpa = base + 0x3000;
	ST_EQ(svsm_vm_init(&vm, 2, 1, g, mm_svsm_memory(), pa_init(base + 0x1000), gpa_init(base + 0x2000), 0), SVSM_OK);
	svsm_vm_set_vtpm(&vm, &m->backend);

	struct svsm_regs q = { .rax = (uint64_t)SVSM_VTPM_PROTOCOL << 32 | SVSM_VTPM_QUERY };

	svsm_dispatch(&vm, 0, &q);
	ST_EQ(q.rax, SVSM_SUCCESS);
	ST_EQ(q.rcx & (1ull << SVSM_VTPM_TPM_SEND_COMMAND), 1ull << SVSM_VTPM_TPM_SEND_COMMAND);

	/* The SVSM started the TPM (as firmware does): the guest's Startup answers TPM_RC_INITIALIZE. */
	ST_EQ(vtpm_call_done(STARTUP_CLEAR, sizeof(STARTUP_CLEAR), rsp, &n), SVSM_SUCCESS);
	ST_EQ(n, 10);
	ST_EQ(be32(rsp + 6), 0x100);
	/* The EK public area (ECC, SHA-256, the EK attributes) is the vTPM's manifest. */
	static uint8_t man[600];
	size_t mlen = 0;

	ST_ASSERT(m->backend.manifest != NULL);
	ST_EQ(m->backend.manifest(m->backend.ctx, man, sizeof(man), &mlen), SVSM_OK);
	ST_ASSERT(mlen > 120 && man[1] == 0x23 && man[3] == 0x0B && man[7] == 0xB2);

	ST_EQ(vtpm_call_done(GET_RANDOM_16, sizeof(GET_RANDOM_16), rsp, &n), SVSM_SUCCESS);
	ST_EQ(n, 10 + 2 + 16);
	ST_EQ(be32(rsp + 6), 0);
	ST_EQ(rsp[10] << 8 | rsp[11], 16);

	memset(pcr_extend + 33, 0x5A, 32);
	ST_EQ(vtpm_call_done(pcr_extend, sizeof(pcr_extend), rsp, &n), SVSM_SUCCESS);
	ST_EQ(be32(rsp + 6), 0);

	ST_EQ(vtpm_call_done(PCR_READ_16, sizeof(PCR_READ_16), rsp, &n), SVSM_SUCCESS);
	ST_EQ(be32(rsp + 6), 0);
	/* hdr 10, update counter 4, selection 4+2+1+3, digest count 4, size 2, value 32. */
	ST_EQ(n, 10 + 4 + 10 + 4 + 2 + 32);
	ST_EQ(rsp[28] << 8 | rsp[29], 32);
	memset(zeros_and_digest, 0, 32);
	memset(zeros_and_digest + 32, 0x5A, 32);
	ST_EQ(mbedtls_sha256_ret(zeros_and_digest, sizeof(zeros_and_digest), want, 0), 0);
	ST_ASSERT(memcmp(rsp + 30, want, 32) == 0);

	/* A header that lies about the size: the TPM's own answer, the vTPM goes on. */
	uint8_t liar[12];

	memcpy(liar, GET_RANDOM_16, sizeof(liar));
	liar[5] = 40;
	ST_EQ(vtpm_call_done(liar, sizeof(liar), rsp, &n), SVSM_SUCCESS);
	ST_EQ(n, 10);
	ST_EQ(be32(rsp + 6), 0x142); /* TPM_RC_COMMAND_SIZE */
	ST_EQ(vtpm_call_done(GET_RANDOM_16, sizeof(GET_RANDOM_16), rsp, &n), SVSM_SUCCESS);
	ST_EQ(be32(rsp + 6), 0);
	ST_ASSERT(!m->broken && m->commands == 5);

	/*
	 * A long command: an RSA-2048 storage primary key. It runs in 10 ms
	 * slices; each call answers BUSY until it is done, the guest's other
	 * calls are answered meanwhile, and another TPM command is BUSY
	 * without running.
	 */
	static const uint8_t create_rsa[] = {
		0x80, 0x02, 0, 0, 0, 67, 0, 0, 0x01, 0x31, 0x40, 0, 0, 1, /* CreatePrimary(owner) */
		0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0,              /* password session */
		0, 4, 0, 0, 0, 0,                                      /* inSensitive */
		0, 26, 0, 0x01, 0, 0x0B, 0, 0x03, 0, 0x72, 0, 0,       /* RSA, SHA-256, storage attributes */
		0, 0x06, 0, 128, 0, 0x43, 0, 0x10, 0x08, 0x00, 0, 0, 0, 0, 0, 0, /* AES-128-CFB, 2048 bits */
		0, 0, 0, 0, 0, 0,                                      /* outsideInfo, creationPCR */
	};
	uint64_t busy = 0, answered = 0, rc;
	uint64_t before_busy = m->busy_answers;

	while ((rc = vtpm_call(create_rsa, sizeof(create_rsa), rsp, &n)) == SVSM_ERR_BUSY && busy < 100000) {
		struct svsm_regs qp = { .rax = (uint64_t)SVSM_CORE_PROTOCOL << 32 | SVSM_CORE_QUERY_PROTOCOL,
					.rcx = 1 };

		busy++;
		svsm_dispatch(&vm, 0, &qp);
		answered += qp.rax == SVSM_SUCCESS;
		if (busy == 1)
			ST_EQ(vtpm_call(GET_RANDOM_16, sizeof(GET_RANDOM_16), rsp, &n), SVSM_ERR_BUSY);
	}
	ST_EQ(rc, SVSM_SUCCESS);
	ST_EQ(be32(rsp + 6), 0);
	ST_ASSERT(busy > 0 && answered == busy);
	ST_EQ(m->busy_answers - before_busy, busy + 1);
	console_printf("# vtpm: RSA-2048 CreatePrimary took %llu slices of %u ms (BUSY answers)\n",
		       (unsigned long long)busy + 1, VTPM_SLICE_US / 1000);
	svsm_vm_set_vtpm(&vm, NULL);
	task_destroy(m->task);
}
