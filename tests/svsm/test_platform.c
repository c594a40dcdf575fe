/* SPDX-License-Identifier: MIT */
/* The platform seam on the live machine: the native backend. */
#include "abi/snp.h"
#include "abi/x86.h"
#include "lib/cpu.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/platform.h"
#include "svsm/selftest.h"

SELFTEST(platform_native_backend_selected)
{
	ST_ASSERT(strcmp(platform_current()->name, "native") == 0);
	ST_EQ(platform_enc_mask(), 0);
}

SELFTEST(platform_native_validation_is_a_successful_no_op)
{
	bool unchanged = true;

	ST_EQ(platform_pvalidate(0x100000, RMP_PG_SIZE_4K, true, &unchanged), PVALIDATE_SUCCESS);
	ST_ASSERT(!unchanged);
	ST_EQ(platform_rmpadjust(0x100000, RMP_PG_SIZE_4K, 2 | RMP_PERM_READ), RMPADJUST_SUCCESS);
	ST_EQ(platform_page_state(0x100000, RMP_PG_SIZE_4K, false), SVSM_OK);
}

SELFTEST(platform_native_cpu_access)
{
	struct cpuid_regs a, b;
	uint64_t efer = 0;
	uint32_t lsr = 0;

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

	ST_EQ(platform_ap_create(1, 0x5000, 2, 1), SVSM_ENOTSUP);
	ST_EQ(platform_run_vmpl(2), SVSM_ENOTSUP);
	ST_EQ(platform_guest_request(0x1000, 0x2000, &fw), SVSM_ENOTSUP);
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
