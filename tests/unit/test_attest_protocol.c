/* SPDX-License-Identifier: MIT */
/*
 * The attestation protocol (SVSM spec 58019, attestation protocol) end to end
 * on the fake backend with the PSP model behind its guest requests: the report
 * verifies against the PSP's chain and carries SHA-512(nonce || manifest); the
 * manifest lists the vTPM when it has data; too-small buffers get the sizes;
 * bad operations are refused before anything reaches the PSP; PSP failures wipe
 * VMPCK0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/md.h>

#include "abi/svsm_abi.h"
#include "guest_sim.h"
#include "protocols/attest.h"
#include "report_verify.h"
#include "svsm/errno.h"
#include "svsm/platform_fake.h"
#include "vsnp/psp_model.h"

#define MB 0x100000ull
#define RAM_END (3 * MB)
#define SIM_SIZE (4 * MB)
#define BOOT_VMSA 0x101000ull
#define BOOT_CA 0x102000ull
#define OP (BOOT_CA + 8)
#define NONCE 0x110040ull
#define REPORT 0x111000ull
#define MANIFEST 0x112000ull
#define REQ_PA 0xF0000000ull
#define RESP_PA 0xF0001000ull
#define CALL(p, c) (((uint64_t)(p) << 32) | (c))

const struct platform_ops platform_native_ops = { .name = "native" };

static const uint8_t seed[32] = { 'a', 't', 't', 'e', 's', 't' };
static struct psp_model psp;
static struct platform_fake fake;
static struct guest_sim sim;
static struct svsm_vm vm;
static struct svsm_attest att;
static struct snp_guest_msg req_page __attribute__((aligned(4096)));
static struct snp_guest_msg resp_page __attribute__((aligned(4096)));
static enum { PSP_OK, PSP_BUSY, PSP_FAIL, PSP_TAMPER } psp_mode;
static const uint8_t ekpub[70] = { 0x00, 0x23, 0x00, 0x0b, [69] = 0xEE }; /* stands for a TPMT_PUBLIC */
static bool have_ekpub;

static int guest_request(void *ctx, uint64_t req_pa, uint64_t resp_pa, uint64_t *fw)
{
	(void)ctx;
	assert_int_equal(req_pa, REQ_PA);
	assert_int_equal(resp_pa, RESP_PA);
	if (psp_mode == PSP_BUSY)
		return SVSM_EBUSY;
	if (psp_mode == PSP_FAIL) {
		*fw = PSP_FW_ERR_INVALID_PARAM;
		return SVSM_EIO;
	}
	int err = psp_model_guest_request(&psp, &req_page, &resp_page, fw);

	if (psp_mode == PSP_TAMPER)
		resp_page.payload[40] ^= 1;
	return err;
}

static int tpm_send(void *ctx, const uint8_t *c, size_t l, uint8_t *r, size_t m, size_t *rl)
{
	(void)ctx, (void)c, (void)l, (void)r, (void)m, (void)rl;
	return SVSM_EIO;
}

static int tpm_manifest(void *ctx, uint8_t *buf, size_t max, size_t *len)
{
	(void)ctx;
	if (!have_ekpub || max < sizeof(ekpub))
		return SVSM_ENOENT;
	memcpy(buf, ekpub, sizeof(ekpub));
	*len = sizeof(ekpub);
	return SVSM_OK;
}

static bool have_state;
static const struct svsm_vtpm_state_entry state_entry = {
	SVSM_VTPM_STATE_FORMAT, SVSM_VTPM_STATE_PERSISTENT, 41, { 0xD1, [31] = 0xD2 }
};

static int tpm_state(void *ctx, uint8_t *buf, size_t max, size_t *len)
{
	(void)ctx;
	if (!have_state || max < sizeof(state_entry))
		return SVSM_ENOENT;
	memcpy(buf, &state_entry, sizeof(state_entry));
	*len = sizeof(state_entry);
	return SVSM_OK;
}

static const struct vtpm_backend tpm = { .send_command = tpm_send, .manifest = tpm_manifest,
					 .state_manifest = tpm_state };

static const struct psp_launch launch = { .measurement = { 0x4D }, .tcb = 0x1234 };

static int group_setup(void **state)
{
	(void)state;
	return psp_model_init(&psp, seed, &launch) == SVSM_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	psp_model_free(&psp);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(psp.seqno, 0, sizeof(psp.seqno));
	sim.size = SIM_SIZE;
	sim.mem = calloc(1, SIM_SIZE);
	memmap_init(&sim.guest_ram);
	memmap_init(&sim.svsm_mem);
	memmap_add(&sim.guest_ram, 0, RAM_END);
	memmap_add(&sim.svsm_mem, RAM_END, SIM_SIZE);
	sim.rmp = NULL;
	guest_sim_use(&sim);
	memset(&fake, 0, sizeof(fake));
	fake.guest_request = guest_request;
	platform_fake_install(&fake);
	psp_mode = PSP_OK;
	have_ekpub = false;
	have_state = false;
	if (svsm_vm_init(&vm, 2, 1, &sim.guest_ram, &sim.svsm_mem, pa_init(BOOT_VMSA), gpa_init(BOOT_CA), 0) != SVSM_OK ||
	    svsm_attest_init(&att, psp.vmpck[0], &req_page, pa_init(REQ_PA), &resp_page, pa_init(RESP_PA)) != SVSM_OK)
		return -1;
	svsm_vm_set_attest(&vm, &att);
	for (unsigned i = 0; i < 64; i++)
		sim.mem[NONCE + i] = (uint8_t)(0x80 + i);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(sim.mem);
	return 0;
}

static struct svsm_attest_single_op good_op(void)
{
	struct svsm_attest_single_op op;

	memset(&op, 0, sizeof(op));
	op.base.report_gpa = REPORT;
	op.base.report_size = 4096;
	op.base.nonce_gpa = NONCE;
	op.base.nonce_size = 64;
	op.base.manifest_gpa = MANIFEST;
	op.base.manifest_size = 4096;
	return op;
}

static uint64_t call(uint32_t c, const struct svsm_attest_single_op *op, struct svsm_regs *out)
{
	struct svsm_regs r = { CALL(1, c), OP, 0x11, 0x22, 0 };

	memcpy(sim.mem + OP, op, c == SVSM_ATTEST_SINGLE_SERVICE ? sizeof(*op) : sizeof(op->base));
	svsm_dispatch(&vm, 0, &r);
	if (out != NULL)
		*out = r;
	return r.rax;
}

static void expect_report_data(const uint8_t *manifest, size_t mlen)
{
	const struct snp_attestation_report *r = (const void *)(sim.mem + REPORT);
	const struct report_certs certs = { psp.ark_cert.der, psp.ark_cert.len, psp.ask_cert.der,
					    psp.ask_cert.len, psp.vcek_cert.der, psp.vcek_cert.len };
	uint8_t buf[64 + 4096], hash[64];

	memcpy(buf, sim.mem + NONCE, 64);
	memcpy(buf + 64, manifest, mlen);
	assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA512), buf, 64 + mlen,
				    hash),
			 0);
	assert_memory_equal(r->report_data, hash, 64);
	assert_int_equal(r->vmpl, 0);
	assert_int_equal(r->measurement[0], 0x4D);
	assert_int_equal(snp_report_verify(r, &certs), REPORT_OK);
}

static void test_offered(void **state)
{
	struct svsm_regs r = { CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(1, 1), 0, 0, 0 };

	(void)state;
	svsm_dispatch(&vm, 0, &r);
	assert_int_equal(r.rcx, CALL(1, 1));
	svsm_vm_set_attest(&vm, NULL);
	r = (struct svsm_regs){ CALL(0, SVSM_CORE_QUERY_PROTOCOL), CALL(1, 1), 0, 0, 0 };
	svsm_dispatch(&vm, 0, &r);
	assert_int_equal(r.rcx, 0);
	struct svsm_attest_single_op op = good_op();

	assert_int_equal(call(SVSM_ATTEST_SERVICES, &op, NULL), SVSM_ERR_UNSUPPORTED_PROTOCOL);
	assert_int_equal(fake.guest_requests, 0);
}

static void test_services(void **state)
{
	static const uint8_t guid[16] = SVSM_MANIFEST_GUID;
	struct svsm_attest_single_op op = good_op();
	struct svsm_manifest_hdr h;
	struct svsm_regs r;

	(void)state;
	assert_int_equal(call(SVSM_ATTEST_SERVICES, &op, &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, sizeof(h)); /* no service has data: just the header */
	assert_int_equal(r.rdx, 0);
	assert_int_equal(r.r8, SNP_REPORT_SIZE);
	memcpy(&h, sim.mem + MANIFEST, sizeof(h));
	assert_memory_equal(h.guid, guid, 16);
	assert_int_equal(h.size, sizeof(h));
	assert_int_equal(h.count, 0);
	expect_report_data(sim.mem + MANIFEST, sizeof(h));
	/* With a vTPM that has an EK: one entry, its data after the table. */
	svsm_vm_set_vtpm(&vm, &tpm);
	have_ekpub = true;
	assert_int_equal(call(SVSM_ATTEST_SERVICES, &op, &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, 48 + sizeof(ekpub));
	memcpy(&h, sim.mem + MANIFEST, sizeof(h));
	assert_int_equal(h.count, 1);
	assert_int_equal(h.size, 48 + sizeof(ekpub));
	struct svsm_manifest_entry e;
	static const uint8_t vtpm_guid[16] = SVSM_VTPM_SERVICE_GUID;

	memcpy(&e, sim.mem + MANIFEST + 24, sizeof(e));
	assert_memory_equal(e.guid, vtpm_guid, 16);
	assert_int_equal(e.offset, 48);
	assert_int_equal(e.size, sizeof(ekpub));
	assert_memory_equal(sim.mem + MANIFEST + 48, ekpub, sizeof(ekpub));
	expect_report_data(sim.mem + MANIFEST, 48 + sizeof(ekpub));
	assert_int_equal(fake.guest_requests, 2);
	/* With the state entry too: two entries, then the EK, then the state's version and digest. */
	static const uint8_t state_guid[16] = SVSM_VTPM_STATE_GUID;
	const size_t total = 24 + 2 * 24 + sizeof(ekpub) + sizeof(state_entry);

	have_state = true;
	memset(sim.mem + MANIFEST, 0, 4096);
	assert_int_equal(call(SVSM_ATTEST_SERVICES, &op, &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, total);
	memcpy(&h, sim.mem + MANIFEST, sizeof(h));
	assert_int_equal(h.count, 2);
	assert_int_equal(h.size, total);
	memcpy(&e, sim.mem + MANIFEST + 24, sizeof(e));
	assert_memory_equal(e.guid, vtpm_guid, 16);
	assert_int_equal(e.offset, 72);
	assert_memory_equal(sim.mem + MANIFEST + 72, ekpub, sizeof(ekpub));
	memcpy(&e, sim.mem + MANIFEST + 48, sizeof(e));
	assert_memory_equal(e.guid, state_guid, 16);
	assert_int_equal(e.offset, 72 + sizeof(ekpub));
	assert_int_equal(e.size, sizeof(state_entry));
	assert_memory_equal(sim.mem + MANIFEST + 72 + sizeof(ekpub), &state_entry, sizeof(state_entry));
	expect_report_data(sim.mem + MANIFEST, total);
	/* The state entry alone (no EK yet): one entry, its data right after the table. */
	have_ekpub = false;
	assert_int_equal(call(SVSM_ATTEST_SERVICES, &op, &r), SVSM_SUCCESS);
	memcpy(&h, sim.mem + MANIFEST, sizeof(h));
	assert_int_equal(h.count, 1);
	assert_int_equal(h.size, 48 + sizeof(state_entry));
	memcpy(&e, sim.mem + MANIFEST + 24, sizeof(e));
	assert_memory_equal(e.guid, state_guid, 16);
	assert_int_equal(e.offset, 48);
	assert_memory_equal(sim.mem + MANIFEST + 48, &state_entry, sizeof(state_entry));
}

static void test_single_service(void **state)
{
	static const uint8_t vtpm_guid[16] = SVSM_VTPM_SERVICE_GUID;
	struct svsm_attest_single_op op = good_op();
	struct svsm_regs r;

	(void)state;
	svsm_vm_set_vtpm(&vm, &tpm);
	have_ekpub = true;
	memcpy(op.service_guid, vtpm_guid, 16);
	assert_int_equal(call(SVSM_ATTEST_SINGLE_SERVICE, &op, &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, sizeof(ekpub));
	assert_memory_equal(sim.mem + MANIFEST, ekpub, sizeof(ekpub));
	expect_report_data(ekpub, sizeof(ekpub));
	/* The state entry by its own GUID: its data alone; absent, the GUID is unknown. */
	static const uint8_t state_guid[16] = SVSM_VTPM_STATE_GUID;

	memcpy(op.service_guid, state_guid, 16);
	assert_int_equal(call(SVSM_ATTEST_SINGLE_SERVICE, &op, NULL), SVSM_ERR_UNSUPPORTED_PROTOCOL);
	have_state = true;
	assert_int_equal(call(SVSM_ATTEST_SINGLE_SERVICE, &op, &r), SVSM_SUCCESS);
	assert_int_equal(r.rcx, sizeof(state_entry));
	assert_memory_equal(sim.mem + MANIFEST, &state_entry, sizeof(state_entry));
	expect_report_data((const uint8_t *)&state_entry, sizeof(state_entry));
	memcpy(op.service_guid, vtpm_guid, 16);
	/* Unknown service, a vTPM without an EK yet, a manifest version other than 0. */
	op.service_guid[0] ^= 1;
	assert_int_equal(call(SVSM_ATTEST_SINGLE_SERVICE, &op, NULL), SVSM_ERR_UNSUPPORTED_PROTOCOL);
	op.service_guid[0] ^= 1;
	have_ekpub = false;
	assert_int_equal(call(SVSM_ATTEST_SINGLE_SERVICE, &op, NULL), SVSM_ERR_UNSUPPORTED_PROTOCOL);
	have_ekpub = true;
	op.manifest_version = 1;
	assert_int_equal(call(SVSM_ATTEST_SINGLE_SERVICE, &op, NULL), SVSM_ERR_INVALID_PARAMETER);
	assert_int_equal(call(SVSM_ATTEST_CALLS, &op, NULL), SVSM_ERR_UNSUPPORTED_CALL);
	assert_int_equal(fake.guest_requests, 2); /* the EK alone, then the state alone */
}

static void test_too_small(void **state)
{
	struct svsm_attest_single_op op = good_op();
	struct svsm_regs r;

	(void)state;
	svsm_vm_set_vtpm(&vm, &tpm);
	have_ekpub = true;
	memset(sim.mem + REPORT, 0x77, 8192);
	op.base.report_size = SNP_REPORT_SIZE - 1;
	assert_int_equal(call(SVSM_ATTEST_SERVICES, &op, &r), SVSM_ERR_INVALID_PARAMETER);
	assert_int_equal(r.rcx, 48 + sizeof(ekpub));
	assert_int_equal(r.rdx, 0);
	assert_int_equal(r.r8, SNP_REPORT_SIZE);
	op = good_op();
	op.base.manifest_size = 48;
	assert_int_equal(call(SVSM_ATTEST_SERVICES, &op, &r), SVSM_ERR_INVALID_PARAMETER);
	assert_int_equal(r.rcx, 48 + sizeof(ekpub));
	for (unsigned i = 0; i < 8192; i++)
		assert_int_equal(sim.mem[REPORT + i], 0x77);
	assert_int_equal(fake.guest_requests, 0);
}

static void test_bad_ops(void **state)
{
	struct svsm_attest_single_op bad[16];
	const uint64_t want[16] = {
		SVSM_ERR_INVALID_PARAMETER, SVSM_ERR_INVALID_PARAMETER, SVSM_ERR_INVALID_PARAMETER,
		SVSM_ERR_INVALID_ADDRESS, SVSM_ERR_INVALID_ADDRESS, SVSM_ERR_INVALID_PARAMETER,
		SVSM_ERR_INVALID_PARAMETER, SVSM_ERR_INVALID_ADDRESS, SVSM_ERR_INVALID_ADDRESS,
		SVSM_ERR_INVALID_ADDRESS, SVSM_ERR_INVALID_ADDRESS, SVSM_ERR_INVALID_PARAMETER,
		SVSM_ERR_INVALID_ADDRESS, SVSM_ERR_INVALID_ADDRESS, SVSM_ERR_INVALID_ADDRESS,
		SVSM_ERR_INVALID_PARAMETER,
	};
	unsigned n = 0;

	(void)state;
	for (unsigned i = 0; i < 16; i++)
		bad[i] = good_op();
	bad[n++].base.rsvd_0c = 1;
	bad[n++].base.rsvd_1a[5] = 1;
	bad[n++].base.rsvd_3c = 1;
	bad[n++].base.report_gpa += 8;                       /* not page aligned */
	bad[n++].base.manifest_gpa += 0x800;
	bad[n++].base.nonce_size = 32;                       /* SVSM spec, attestation protocol: 64 bytes */
	bad[n].base.nonce_gpa = 0x110FF0, n++;               /* crosses its page */
	bad[n].base.report_gpa = RAM_END, n++;               /* SVSM memory */
	bad[n].base.manifest_gpa = BOOT_VMSA, n++;           /* a VMSA */
	bad[n].base.report_gpa = BOOT_CA, n++;               /* a calling area */
	bad[n].base.nonce_gpa = BOOT_VMSA + 64, n++;
	bad[n].base.manifest_gpa = REPORT, n++;              /* overlaps the report buffer */
	bad[n].base.report_gpa = 0x40000000, n++;            /* beyond RAM */
	bad[n].base.report_gpa = RAM_END - 0x1000, bad[n].base.report_size = 0x2000, n++;
	bad[n].base.certs_gpa = RAM_END, bad[n].base.certs_size = 4096, n++;
	bad[n].base.certs_gpa = MANIFEST, bad[n].base.certs_size = 4096, n++;
	assert_int_equal(n, 16);
	memset(sim.mem + REPORT, 0x33, 8192);
	for (unsigned i = 0; i < n; i++) {
		print_message("bad attestation operation %u\n", i);
		assert_int_equal(call(SVSM_ATTEST_SERVICES, &bad[i], NULL), want[i]);
	}
	/* The operation itself in SVSM memory, or misaligned. */
	struct svsm_regs r = { CALL(1, 0), RAM_END + 8, 0, 0, 0 };

	svsm_dispatch(&vm, 0, &r);
	assert_int_equal(r.rax, SVSM_ERR_INVALID_ADDRESS);
	r = (struct svsm_regs){ CALL(1, 0), OP + 4, 0, 0, 0 };
	svsm_dispatch(&vm, 0, &r);
	assert_int_equal(r.rax, SVSM_ERR_INVALID_ADDRESS);
	for (unsigned i = 0; i < 8192; i++)
		assert_int_equal(sim.mem[REPORT + i], 0x33);
	assert_int_equal(fake.guest_requests, 0);
	assert_false(att.msg.wiped);
}

static void test_psp_failures(void **state)
{
	struct svsm_attest_single_op op = good_op();

	(void)state;
	memset(sim.mem + REPORT, 0x33, 4096);
	psp_mode = PSP_BUSY;
	assert_int_equal(call(SVSM_ATTEST_SERVICES, &op, NULL), SVSM_ERR_BUSY);
	assert_int_equal(fake.guest_requests, SVSM_ATTEST_BUSY_RETRIES + 1);
	assert_true(att.msg.wiped); /* it went out: its IV is spent */
	psp_mode = PSP_OK;
	assert_int_equal(call(SVSM_ATTEST_SERVICES, &op, NULL), SVSM_ERR_INVALID_REQUEST);
	/* Fresh key: a firmware error, then a tampered response. */
	assert_int_equal(svsm_attest_init(&att, psp.vmpck[0], &req_page, pa_init(REQ_PA), &resp_page, pa_init(RESP_PA)),
			 SVSM_OK);
	psp_mode = PSP_FAIL;
	assert_int_equal(call(SVSM_ATTEST_SERVICES, &op, NULL), SVSM_ERR_INVALID_REQUEST);
	assert_true(att.msg.wiped);
	memset(psp.seqno, 0, sizeof(psp.seqno));
	assert_int_equal(svsm_attest_init(&att, psp.vmpck[0], &req_page, pa_init(REQ_PA), &resp_page, pa_init(RESP_PA)),
			 SVSM_OK);
	psp_mode = PSP_TAMPER;
	assert_int_equal(call(SVSM_ATTEST_SERVICES, &op, NULL), SVSM_ERR_INVALID_REQUEST);
	assert_true(att.msg.wiped);
	for (unsigned i = 0; i < 4096; i++)
		assert_int_equal(sim.mem[REPORT + i], 0x33);
	/* Another report in progress: BUSY at once. */
	assert_int_equal(svsm_attest_init(&att, psp.vmpck[0], &req_page, pa_init(REQ_PA), &resp_page, pa_init(RESP_PA)),
			 SVSM_OK);
	spin_lock(&vm.attest_lock);
	assert_int_equal(call(SVSM_ATTEST_SERVICES, &op, NULL), SVSM_ERR_BUSY);
	spin_unlock(&vm.attest_lock);
	assert_int_equal(svsm_attest_init(&att, psp.vmpck[0], &req_page, pa_init(REQ_PA), &req_page, pa_init(REQ_PA)),
			 SVSM_EINVAL);
}

/*
 * The SVSM's own key request (what seals the vTPM's state): a key, the
 * same one again, the PSP's refusal as SVSM_EPERM with its status and the
 * caller's buffer untouched, and a lost or tampered answer wiping VMPCK0.
 */
static void test_derive_key(void **state)
{
	struct snp_key_req q = { .guest_field_select = SNP_KEY_FIELD_MEASUREMENT | SNP_KEY_FIELD_POLICY };
	uint8_t a[SNP_DERIVED_KEY_LEN], b[SNP_DERIVED_KEY_LEN], untouched[SNP_DERIVED_KEY_LEN];
	uint32_t status = 99;

	(void)state;
	assert_int_equal(svsm_attest_derive_key(&att, &q, a, &status), SVSM_OK);
	assert_int_equal(status, 0);
	assert_int_equal(svsm_attest_derive_key(&att, &q, b, &status), SVSM_OK);
	assert_memory_equal(a, b, sizeof(a));
	/* A report in between keeps the sequence in step. */
	struct svsm_attest_single_op op = good_op();

	assert_int_equal(call(SVSM_ATTEST_SERVICES, &op, NULL), SVSM_SUCCESS);
	assert_int_equal(svsm_attest_derive_key(&att, &q, b, &status), SVSM_OK);
	assert_memory_equal(a, b, sizeof(a));

	memset(untouched, 0xA5, sizeof(untouched));
	memcpy(b, untouched, sizeof(b));
	q.vmpl = 9;
	assert_int_equal(svsm_attest_derive_key(&att, &q, b, &status), SVSM_EPERM);
	assert_int_equal(status, SNP_REPORT_STATUS_INVALID_PARAMS);
	assert_memory_equal(b, untouched, sizeof(b));
	assert_false(att.msg.wiped); /* a refusal is an answer: the key stays */
	q.vmpl = 0;
	psp_mode = PSP_TAMPER;
	assert_int_equal(svsm_attest_derive_key(&att, &q, b, &status), SVSM_EIO);
	assert_memory_equal(b, untouched, sizeof(b));
	assert_true(att.msg.wiped);
	psp_mode = PSP_OK;
	assert_int_equal(svsm_attest_derive_key(&att, &q, b, &status), SVSM_EIO); /* wiped stays wiped */
	memset(psp.seqno, 0, sizeof(psp.seqno));
	assert_int_equal(svsm_attest_init(&att, psp.vmpck[0], &req_page, pa_init(REQ_PA), &resp_page, pa_init(RESP_PA)),
			 SVSM_OK);
	psp_mode = PSP_FAIL;
	assert_int_equal(svsm_attest_derive_key(&att, &q, b, &status), SVSM_EIO);
	assert_true(att.msg.wiped);
	assert_memory_equal(b, untouched, sizeof(b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_offered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_services, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_service, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psp_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_derive_key, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
