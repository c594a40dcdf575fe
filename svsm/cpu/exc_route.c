/* SPDX-License-Identifier: MIT */
/* Where an exception goes (include/svsm/exc.h: exc_route). Portable, host-tested. */
#include "abi/ghcb.h"
#include "abi/x86.h"
#include "svsm/exc.h"

enum exc_route exc_route(uint64_t cs, uint64_t vector, uint64_t error_code)
{
	if ((cs & 3) != 3)
		return EXC_ROUTE_KERNEL;
	/* Machine-level events are the kernel's whatever was running. */
	if (vector == X86_EXC_NMI || vector == X86_EXC_MC || vector == X86_EXC_DF)
		return EXC_ROUTE_KERNEL;
	/*
	 * Under SEV-ES/SNP CPUID at CPL3 raises #VC (exit code 0x72, GHCB spec
	 * 56421 §4.1.7: a non-automatic exit); a module asks it at start-up
	 * (glibc's CPU features), so the platform answers it as for the
	 * kernel. MSR and port accesses fault with #GP at CPL3 before any
	 * intercept, so no other exit code is a module's to have served.
	 */
	if (vector == X86_EXC_VC && error_code == SVM_EXIT_CPUID)
		return EXC_ROUTE_USER_VC;
	return EXC_ROUTE_TASK;
}
