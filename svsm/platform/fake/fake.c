/* SPDX-License-Identifier: MIT */
/* The fake backend (include/svsm/platform_fake.h). Host tests only. */
#include "svsm/platform_fake.h"


#include "abi/snp.h"
#include "svsm/errno.h"

static struct platform_fake *fk;

/*
 * The model's answer as the seam gives it: a fault (the model's
 * RMP_MODEL_FAULT) is FAIL_INPUT, as the snp backend reports a faulting
 * instruction (svsm/snp_pvalidate.h).
 */
static insn_rc fake_code(struct rmp_result r)
{
	return r.code == RMP_MODEL_FAULT ? INSN_RC_FAIL_INPUT : insn_rc_eax((uint32_t)r.code);
}

static insn_rc fake_pvalidate(paddr_t pa, unsigned size, bool validate, bool *unchanged)
{
	struct rmp_result r = rmp_model_pvalidate(fk->rmp, 0, pa_addr(pa), size, validate);

	*unchanged = r.unchanged;
	return fake_code(r);
}

static insn_rc fake_rmpadjust(paddr_t pa, unsigned size, uint64_t attrs)
{
	return fake_code(rmp_model_rmpadjust(fk->rmp, 0, pa_addr(pa), size, attrs));
}

static int fake_page_state(paddr_t pa, unsigned size, bool private_)
{
	int err = rmp_model_set_private(fk->rmp, pa_addr(pa), size == RMP_PG_SIZE_2M, private_);

	return err == SVSM_OK ? SVSM_OK : SVSM_EIO;
}

static int fake_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	/* A deterministic answer that depends on both inputs; no vendor semantics. */
	out->eax = leaf;
	out->ebx = subleaf;
	out->ecx = leaf ^ subleaf;
	out->edx = 0;
	return SVSM_OK;
}

static int fake_rdmsr(uint32_t msr, uint64_t *val)
{
	for (unsigned i = 0; i < fk->msrs; i++) {
		if (fk->msr_index[i] == msr) {
			*val = fk->msr_value[i];
			return SVSM_OK;
		}
	}
	return SVSM_EFAULT; /* as a #GP on an MSR that does not exist */
}

static int fake_wrmsr(uint32_t msr, uint64_t val)
{
	for (unsigned i = 0; i < fk->msrs; i++) {
		if (fk->msr_index[i] == msr) {
			fk->msr_value[i] = val;
			return SVSM_OK;
		}
	}
	if (fk->msrs == FAKE_MSRS)
		return SVSM_EFAULT;
	fk->msr_index[fk->msrs] = msr;
	fk->msr_value[fk->msrs++] = val;
	return SVSM_OK;
}

static int fake_io_in(uint16_t port, unsigned size, uint32_t *val)
{
	if (size != 1 && size != 2 && size != 4)
		return SVSM_EINVAL;
	*val = port == fk->last_io_port ? fk->last_io_val : 0xFFFFFFFFu >> (32 - 8 * size);
	return SVSM_OK;
}

static int fake_io_out(uint16_t port, unsigned size, uint32_t val)
{
	if (size != 1 && size != 2 && size != 4)
		return SVSM_EINVAL;
	fk->io_writes++;
	fk->last_io_port = port;
	fk->last_io_val = val;
	return SVSM_OK;
}

static int fake_ap_create(uint32_t apic_id, paddr_t vmsa_pa, unsigned vmpl, uint64_t features)
{
	fk->ap_creates++;
	fk->last_apic_id = apic_id;
	fk->last_vmsa_pa = pa_addr(vmsa_pa);
	fk->last_vmsa_vmpl = vmpl;
	fk->last_sev_features = features;
	return SVSM_OK;
}

static int fake_run_vmpl(unsigned vmpl)
{
	if (vmpl >= SNP_VMPL_COUNT)
		return SVSM_EINVAL;
	fk->run_vmpl_calls++;
	fk->last_run_vmpl = vmpl;
	return SVSM_OK;
}

static int fake_guest_request(paddr_t req_pa, paddr_t resp_pa, uint64_t *fw_error)
{
	*fw_error = 0;
	fk->guest_requests++;
	if (fk->guest_request == NULL)
		return SVSM_ENOTSUP; /* no PSP behind this fake */
	return fk->guest_request(fk->guest_request_ctx, pa_addr(req_pa), pa_addr(resp_pa), fw_error);
}

__attribute__((noreturn)) static void fake_terminate(unsigned set, unsigned code)
{
	fk->on_terminate(set, code);
}

static uint64_t fake_enc_mask(void)
{
	return fk->enc_mask;
}

static int fake_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	/* xorshift64: reproducible test randomness, never for secrets. */
	for (size_t i = 0; i < len; i++) {
		fk->rng_state ^= fk->rng_state << 13;
		fk->rng_state ^= fk->rng_state >> 7;
		fk->rng_state ^= fk->rng_state << 17;
		p[i] = (uint8_t)fk->rng_state;
	}
	return SVSM_OK;
}

static const struct platform_ops fake_ops = {
	.name = "fake",
	.pvalidate = fake_pvalidate,
	.rmpadjust = fake_rmpadjust,
	.page_state = fake_page_state,
	.cpuid = fake_cpuid,
	.rdmsr = fake_rdmsr,
	.wrmsr = fake_wrmsr,
	.io_in = fake_io_in,
	.io_out = fake_io_out,
	.ap_create = fake_ap_create,
	.run_vmpl = fake_run_vmpl,
	.guest_request = fake_guest_request,
	.terminate = fake_terminate,
	.enc_mask = fake_enc_mask,
	.random = fake_random,
};

void platform_fake_install(struct platform_fake *f)
{
	fk = f;
	if (fk->rng_state == 0)
		fk->rng_state = 0x9E3779B97F4A7C15ull;
	platform_install(&fake_ops);
}
