/* SPDX-License-Identifier: MIT */
/*
 * The platform seam: everything the SVSM asks of the machine it runs on.
 * One backend is active (platform_select after the boot probe); callers use
 * the platform_* functions and never test which backend it is.
 *
 * Backends:
 *  - native (svsm/platform/native): QEMU without SNP; validation and
 *    permission changes succeed without effect, guest-facing requests are
 *    refused with SVSM_ENOTSUP. Self-tests only.
 *  - fake (svsm/platform/fake, host tests only): the RMP model behind
 *    validate/adjust/page-state, everything recorded.
 *  - snp (svsm/platform/snp, kernel only): SEV-SNP hardware, brought up
 *    by snp_early_init before the probe (include/svsm/platform_snp.h).
 *
 * Results: pvalidate/rmpadjust return an insn_rc (svsm/insn_rc.h: the
 * hardware's code, never a fault) so callers can map it to an SVSM
 * protocol result; everything else returns SVSM_OK or an SVSM_E*.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cpu.h"
#include "svsm/addr.h"
#include "svsm/errno.h"
#include "svsm/insn_rc.h"
#include "svsm/platform_probe.h"

struct platform_ops {
	const char *name;
	/*
	 * PVALIDATE of the page at pa (RMP_PG_SIZE_*) with the hardware's
	 * contract: *unchanged (CF = 1) means nothing changed; a failure
	 * changes nothing, even when a 2 MiB request is done as 512 x 4 KiB.
	 */
	insn_rc (*pvalidate)(paddr_t pa, unsigned page_size, bool validate, bool *unchanged);
	/* RMPADJUST of the page at pa with attrs (include/abi/snp.h layout). */
	insn_rc (*rmpadjust)(paddr_t pa, unsigned page_size, uint64_t attrs);
	/* Page state change of one page to private or shared. SVSM_OK or SVSM_EIO. */
	int (*page_state)(paddr_t pa, unsigned page_size, bool private_);
	/* CPUID as the platform vouches for it (SNP: from the CPUID page). */
	int (*cpuid)(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out);
	int (*rdmsr)(uint32_t msr, uint64_t *val);
	int (*wrmsr)(uint32_t msr, uint64_t val);
	int (*io_in)(uint16_t port, unsigned size, uint32_t *val);
	int (*io_out)(uint16_t port, unsigned size, uint32_t val);
	/* Start (or stop) a vCPU from a VMSA page. */
	int (*ap_create)(uint32_t apic_id, paddr_t vmsa_pa, unsigned vmpl, uint64_t sev_features);
	/* Run a lower VMPL on this CPU until it exits back. */
	int (*run_vmpl)(unsigned vmpl);
	/* SNP guest request: request and response pages (shared); *fw_error gets the firmware code. */
	int (*guest_request)(paddr_t req_pa, paddr_t resp_pa, uint64_t *fw_error);
	/* Ends the VM with a GHCB reason set and code. */
	__attribute__((noreturn)) void (*terminate)(unsigned set, unsigned code);
	/* The PTE bit that marks private (encrypted) memory; 0 without encryption. */
	uint64_t (*enc_mask)(void);
	/* len random bytes. SVSM_OK or SVSM_EIO when no entropy source works. */
	int (*random)(void *buf, size_t len);
};

/*
 * Selects the backend for the probed platform. SVSM_OK, or SVSM_ENOTSUP
 * for SNP when the snp backend is not linked in (host tests) or was not
 * brought up (the SVSM was not entered through the SNP entry).
 */
int platform_select(const struct platform_info *info);
/* Installs a backend directly (host tests, and backends that wrap another). */
void platform_install(const struct platform_ops *ops);
const struct platform_ops *platform_current(void);

/* ---- what callers use ---- */

static inline insn_rc platform_pvalidate(paddr_t pa, unsigned size, bool validate, bool *unchanged)
{
	return platform_current()->pvalidate(pa, size, validate, unchanged);
}

static inline insn_rc platform_rmpadjust(paddr_t pa, unsigned size, uint64_t attrs)
{
	return platform_current()->rmpadjust(pa, size, attrs);
}

static inline int platform_page_state(paddr_t pa, unsigned size, bool private_)
{
	return platform_current()->page_state(pa, size, private_);
}

static inline int platform_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	return platform_current()->cpuid(leaf, subleaf, out);
}

static inline int platform_rdmsr(uint32_t msr, uint64_t *val)
{
	return platform_current()->rdmsr(msr, val);
}

static inline int platform_wrmsr(uint32_t msr, uint64_t val)
{
	return platform_current()->wrmsr(msr, val);
}

static inline int platform_io_in(uint16_t port, unsigned size, uint32_t *val)
{
	return platform_current()->io_in(port, size, val);
}

static inline int platform_io_out(uint16_t port, unsigned size, uint32_t val)
{
	return platform_current()->io_out(port, size, val);
}

static inline int platform_ap_create(uint32_t apic_id, paddr_t vmsa_pa, unsigned vmpl,
				     uint64_t sev_features)
{
	return platform_current()->ap_create(apic_id, vmsa_pa, vmpl, sev_features);
}

static inline int platform_run_vmpl(unsigned vmpl)
{
	return platform_current()->run_vmpl(vmpl);
}

static inline int platform_guest_request(paddr_t req_pa, paddr_t resp_pa, uint64_t *fw_error)
{
	return platform_current()->guest_request(req_pa, resp_pa, fw_error);
}

__attribute__((noreturn)) static inline void platform_terminate(unsigned set, unsigned code)
{
	platform_current()->terminate(set, code);
}

static inline uint64_t platform_enc_mask(void)
{
	return platform_current()->enc_mask();
}

static inline int platform_random(void *buf, size_t len)
{
	return platform_current()->random(buf, len);
}

/* The native backend's table (also the base the fake backend starts from in tests). */
extern const struct platform_ops platform_native_ops;
