/* SPDX-License-Identifier: MIT */
/*
 * The native backend: a machine without SEV-SNP (QEMU TCG here). There is
 * no RMP, so validation and permission changes succeed with no effect;
 * the calls that need SNP firmware or a hypervisor protocol are refused
 * with SVSM_ENOTSUP. Enough to boot and run self-tests through the seam.
 */
#include "abi/x86.h"
#include "lib/cpu.h"
#include "lib/io.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/exit_codes.h"
#include "svsm/machine.h"
#include "svsm/platform.h"
#include "svsm/probe.h"

#define CPUID_1_ECX_RDRAND (1u << 30)

static insn_rc native_pvalidate(paddr_t pa, unsigned size, bool validate, bool *unchanged)
{
	(void)pa, (void)size, (void)validate;
	*unchanged = false;
	return INSN_RC_SUCCESS; /* nothing to validate without an RMP */
}

static insn_rc native_rmpadjust(paddr_t pa, unsigned size, uint64_t attrs)
{
	(void)pa, (void)size, (void)attrs;
	return INSN_RC_SUCCESS;
}

static int native_page_state(paddr_t pa, unsigned size, bool private_)
{
	(void)pa, (void)size, (void)private_;
	return SVSM_OK; /* all memory is "private" and unencrypted alike */
}

static int native_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	*out = cpu_cpuid(leaf, subleaf);
	return SVSM_OK;
}

static int native_io_in(uint16_t port, unsigned size, uint32_t *val)
{
	switch (size) {
	case 1:
		*val = io_inb(port);
		return SVSM_OK;
	case 2:
		__asm__ volatile("inw %1, %w0" : "=a"(*val) : "Nd"(port));
		*val &= 0xFFFF;
		return SVSM_OK;
	case 4:
		__asm__ volatile("inl %1, %0" : "=a"(*val) : "Nd"(port));
		return SVSM_OK;
	}
	return SVSM_EINVAL;
}

static int native_io_out(uint16_t port, unsigned size, uint32_t val)
{
	switch (size) {
	case 1:
		io_outb(port, (uint8_t)val);
		return SVSM_OK;
	case 2:
		__asm__ volatile("outw %w0, %1" : : "a"(val), "Nd"(port));
		return SVSM_OK;
	case 4:
		__asm__ volatile("outl %0, %1" : : "a"(val), "Nd"(port));
		return SVSM_OK;
	}
	return SVSM_EINVAL;
}

static int native_ap_create(uint32_t apic_id, paddr_t vmsa_pa, unsigned vmpl, uint64_t features)
{
	(void)apic_id, (void)vmsa_pa, (void)vmpl, (void)features;
	return SVSM_ENOTSUP;
}

static int native_run_vmpl(unsigned vmpl)
{
	(void)vmpl;
	return SVSM_ENOTSUP;
}

static int native_guest_request(paddr_t req_pa, paddr_t resp_pa, uint64_t *fw_error)
{
	(void)req_pa, (void)resp_pa;
	*fw_error = 0;
	return SVSM_ENOTSUP;
}

__attribute__((noreturn)) static void native_terminate(unsigned set, unsigned code)
{
	log_err("platform: termination requested (reason set %u, code %u)", set, code);
	machine_exit(SVSM_EXIT_FAIL);
}

static uint64_t native_enc_mask(void)
{
	return 0;
}

static bool rdrand64(uint64_t *v)
{
	uint8_t ok;

	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
	return ok != 0;
}

static int native_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	if (!(cpu_cpuid(1, 0).ecx & CPUID_1_ECX_RDRAND))
		return SVSM_EIO;
	while (len > 0) {
		uint64_t v = 0;
		unsigned tries = 0;

		/* RDRAND may transiently fail; give up after 10 tries (the usual bound). */
		while (!rdrand64(&v)) {
			if (++tries == 10)
				return SVSM_EIO;
		}
		for (unsigned i = 0; i < 8 && len > 0; i++, len--)
			*p++ = (uint8_t)(v >> (8 * i));
	}
	return SVSM_OK;
}

const struct platform_ops platform_native_ops = {
	.name = "native",
	.pvalidate = native_pvalidate,
	.rmpadjust = native_rmpadjust,
	.page_state = native_page_state,
	.cpuid = native_cpuid,
	.rdmsr = rdmsr_safe,
	.wrmsr = wrmsr_safe,
	.io_in = native_io_in,
	.io_out = native_io_out,
	.ap_create = native_ap_create,
	.run_vmpl = native_run_vmpl,
	.guest_request = native_guest_request,
	.terminate = native_terminate,
	.enc_mask = native_enc_mask,
	.random = native_random,
};
