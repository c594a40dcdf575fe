/* SPDX-License-Identifier: MIT */
/* The platform seam on the live machine: the native backend, and the snp backend's parts that run here. */
#include "abi/snp.h"
#include "abi/x86.h"
#include "lib/cpu.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/percpu.h"
#include "svsm/platform.h"
#include "svsm/platform_snp.h"
#include "svsm/snp_insn.h"
#include "svsm/snp_pvalidate.h"
#include "svsm/selftest.h"

/* Under SNP the snp backend runs this boot: the native backend's and the no-SNP checks do not apply. */
#define SKIP_ON_SNP()                                                        \
	do {                                                                 \
		if (strcmp(platform_current()->name, "snp") == 0)            \
			ST_SKIP("the snp backend runs this boot");          \
	} while (0)

SELFTEST(platform_snp_backend_selected)
{
	struct cpuid_regs r;

	if (strcmp(platform_current()->name, "snp") != 0)
		ST_SKIP("not entered through the SNP entry");
	ST_ASSERT(snp_platform_ops() == platform_current());
	ST_ASSERT(platform_enc_mask() != 0);
	/* CPUID answers come from the CPUID page: the C-bit leaf agrees with the mask in use. */
	ST_EQ(platform_cpuid(0x8000001F, 0, &r), SVSM_OK);
	ST_EQ(1ull << (r.ebx & 0x3F), platform_enc_mask());
	/* The snp backend serves AP creation and Run VMPL through the hypervisor: a bad request is refused. */
	ST_ASSERT(platform_ap_create(9999, pa_init(0x5000), 2, 1) != SVSM_OK);
}

SELFTEST(platform_native_backend_selected)
{
	SKIP_ON_SNP();
	ST_ASSERT(strcmp(platform_current()->name, "native") == 0);
	ST_EQ(platform_enc_mask(), 0);
}

SELFTEST(platform_native_validation_is_a_successful_no_op)
{
	bool unchanged = true;

	SKIP_ON_SNP();
	ST_EQ(platform_pvalidate(pa_init(0x100000), RMP_PG_SIZE_4K, true, &unchanged).code, PVALIDATE_SUCCESS);
	ST_ASSERT(!unchanged);
	ST_EQ(platform_rmpadjust(pa_init(0x100000), RMP_PG_SIZE_4K, 2 | RMP_PERM_READ).code, RMPADJUST_SUCCESS);
	ST_EQ(platform_page_state(pa_init(0x100000), RMP_PG_SIZE_4K, false), SVSM_OK);
}

SELFTEST(platform_native_cpu_access)
{
	struct cpuid_regs a, b;
	uint64_t efer = 0;
	uint32_t lsr = 0;

	SKIP_ON_SNP();
	ST_EQ(platform_cpuid(0x80000000, 0, &a), SVSM_OK);
	b = cpu_cpuid(0x80000000, 0);
	ST_EQ(a.eax, b.eax);
	ST_EQ(a.ebx, b.ebx);
	ST_EQ(platform_rdmsr(MSR_EFER, &efer), SVSM_OK);
	ST_ASSERT(efer & EFER_LME);
	ST_EQ(platform_wrmsr(MSR_EFER, efer), SVSM_OK);
	/* COM1 line status: the transmitter-empty bits are set on an idle UART. */
	ST_EQ(platform_io_in(0x3FD, 1, &lsr), SVSM_OK);
	ST_ASSERT(lsr & 0x20);
	ST_EQ(platform_io_in(0x3FD, 3, &lsr), SVSM_EINVAL);
}

SELFTEST(platform_native_refuses_snp_requests)
{
	uint64_t fw = 1;

	SKIP_ON_SNP();
	ST_EQ(platform_ap_create(1, pa_init(0x5000), 2, 1), SVSM_ENOTSUP);
	ST_EQ(platform_run_vmpl(2), SVSM_ENOTSUP);
	ST_EQ(platform_guest_request(pa_init(0x1000), pa_init(0x2000), &fw), SVSM_ENOTSUP);
	ST_EQ(fw, 0);
}

SELFTEST(platform_native_random)
{
	uint8_t a[32], b[32];
	bool has_rdrand = (cpu_cpuid(1, 0).ecx & (1u << 30)) != 0;

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	if (!has_rdrand) {
		/* qemu64 has no RDRAND: a clear error, never zeros passed off as random. */
		ST_EQ(platform_random(a, sizeof(a)), SVSM_EIO);
		return;
	}
	ST_EQ(platform_random(a, sizeof(a)), SVSM_OK);
	ST_EQ(platform_random(b, 7), SVSM_OK);
	ST_ASSERT(memcmp(a, b, 7) != 0);
}

/*
 * The snp backend's instruction wrappers on a machine without SNP: QEMU raises
 * #UD for PVALIDATE and RMPADJUST (docs/REFERENCES.md, measured under QEMU
 * 7.2), which the exception table turns into INSN_RC_FAULTED.code and the seam into
 * FAIL_INPUT.
 */
SELFTEST(platform_snp_instructions_fault_cleanly)
{
	static uint8_t page[4096] __attribute__((aligned(4096)));
	uint64_t before = this_cpu()->last_fault.count;
	bool cf = true, unchanged = true;

	SKIP_ON_SNP();
	ST_EQ(snp_insn_pvalidate(NULL, va_from_ptr(page), RMP_PG_SIZE_4K, true, &cf).code,
	      INSN_RC_FAULTED.code);
	ST_EQ(this_cpu()->last_fault.vector, X86_EXC_UD);
	ST_EQ(snp_insn_rmpadjust(va_from_ptr(page), RMP_PG_SIZE_4K, 1).code, INSN_RC_FAULTED.code);
	ST_EQ(this_cpu()->last_fault.count, before + 2);
	ST_EQ(snp_pvalidate_page(snp_insn_pvalidate, NULL, va_from_ptr(page),
				 RMP_PG_SIZE_4K, true, &unchanged).code,
	      PVALIDATE_FAIL_INPUT);
	ST_ASSERT(!unchanged);
}

SELFTEST(platform_snp_backend_absent_without_snp_entry)
{
	struct platform_info snp_info = { .kind = PLATFORM_SNP };
	const struct platform_ops *was = platform_current();

	SKIP_ON_SNP();
	/* Linked in, but never brought up on this boot: selecting it is refused, nothing changes. */
	ST_ASSERT(snp_platform_ops() == NULL);
	ST_EQ(platform_select(&snp_info), SVSM_ENOTSUP);
	ST_ASSERT(platform_current() == was);
}
