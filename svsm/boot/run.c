/* SPDX-License-Identifier: MIT */
/*
 * The run mode of svsm-kernel.elf (the self-test kernel links
 * tests/svsm/runner.c instead). Guest launch at VMPL2 is not built yet, so
 * this reports what the platform allows and ends the run.
 */
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/machine.h"

bool svsm_run_accepts_key(const char *key, size_t len)
{
	(void)key;
	(void)len;
	return false;
}

void svsm_run(struct svsm_boot *b)
{
	switch (b->platform.kind) {
	case PLATFORM_NATIVE:
		log_info("run: no SVM on this CPU, so no guest can run here (self-tests only)");
		break;
	case PLATFORM_VSNP:
		log_warn("run: vsnp would emulate SEV-SNP: no confidentiality on this machine");
		log_info("run: guest launch at VMPL2 is not implemented yet; nothing to run");
		break;
	case PLATFORM_SNP:
		log_err("run: SEV-SNP detected, but the snp backend is not built yet");
		machine_exit(SVSM_EXIT_FAIL);
	}
	console_printf("SVSM: boot complete on %s; no payload launched\n",
		       platform_kind_name(b->platform.kind));
	machine_exit(SVSM_EXIT_PASS);
}
