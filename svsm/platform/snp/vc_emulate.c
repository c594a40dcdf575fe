/* SPDX-License-Identifier: MIT */
/* #VC emulation of CPUID, RDMSR/WRMSR and IN/OUT (include/svsm/snp_vc.h). */
#include "svsm/snp_vc.h"

#include "abi/ghcb.h"
#include "svsm/errno.h"
#include "svsm/vc_decode.h"

static int hv_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	const struct snp_vc_env *env = ctx;

	return snp_ghcb_cpuid(env->hv, leaf, subleaf, env->osxsave ? env->xcr0 : 1, out);
}

int snp_vc_cpuid(const struct snp_vc_env *env, uint32_t leaf, uint32_t subleaf,
		 struct cpuid_regs *out)
{
	const struct snp_cpuid_env cenv = {
		.osxsave = env->osxsave, .pke = env->pke, .xcr0 = env->xcr0, .xss = env->xss,
		.hv = hv_cpuid, .ctx = (void *)(uintptr_t)env,
	};

	return snp_cpuid_lookup(env->cpuid, leaf, subleaf, &cenv, out);
}

static int emulate_cpuid(const struct snp_vc_env *env, struct vc_regs *r)
{
	struct cpuid_regs out;
	int err = snp_vc_cpuid(env, (uint32_t)r->rax, (uint32_t)r->rcx, &out);

	if (err != SVSM_OK)
		return err;
	/* CPUID writes the 32-bit registers, which zero-extends them. */
	r->rax = out.eax, r->rbx = out.ebx, r->rcx = out.ecx, r->rdx = out.edx;
	return SVSM_OK;
}

static int emulate_msr(const struct snp_vc_env *env, struct vc_regs *r, bool write)
{
	uint32_t msr = (uint32_t)r->rcx;
	uint64_t v;
	int err;

	if (write)
		return snp_ghcb_wrmsr(env->hv, msr, (r->rdx << 32) | (uint32_t)r->rax);
	err = snp_ghcb_rdmsr(env->hv, msr, &v);
	if (err != SVSM_OK)
		return err;
	r->rax = (uint32_t)v, r->rdx = v >> 32;
	return SVSM_OK;
}

static int emulate_io(const struct snp_vc_env *env, struct vc_regs *r, const struct ioio_info *io)
{
	uint64_t mask = 0xFFFFFFFFull >> (32 - 8 * io->size);
	uint32_t v = (uint32_t)(r->rax & mask);
	int err;

	if (io->string)
		return SVSM_ENOTSUP; /* INS/OUTS: the SVSM never uses them */
	err = snp_ghcb_io(env->hv, io->port, io->size, io->in, &v);
	if (err != SVSM_OK || !io->in)
		return err;
	/* IN AL/AX keeps the rest of RAX; IN EAX zero-extends like any 32-bit write. */
	r->rax = io->size == 4 ? v : (r->rax & ~mask) | v;
	return SVSM_OK;
}

int snp_vc_emulate(const struct snp_vc_env *env, uint64_t exit_code, struct vc_regs *regs,
		   const uint8_t *insn, size_t avail)
{
	struct vc_insn d;
	struct vc_regs r = *regs;
	int err;

	if (exit_code != SVM_EXIT_CPUID && exit_code != SVM_EXIT_MSR && exit_code != SVM_EXIT_IOIO)
		return SVSM_ENOTSUP;
	err = vc_decode(exit_code, insn, avail, (uint16_t)r.rdx, &d);
	if (err != SVSM_OK)
		return err;
	switch (exit_code) {
	case SVM_EXIT_CPUID:
		err = emulate_cpuid(env, &r);
		break;
	case SVM_EXIT_MSR:
		err = emulate_msr(env, &r, d.exit_info_1 == SVM_MSR_WRITE);
		break;
	default:
		err = emulate_io(env, &r, &d.io);
		break;
	}
	if (err != SVSM_OK)
		return err;
	r.rip += d.len;
	*regs = r;
	return SVSM_OK;
}
