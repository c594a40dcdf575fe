/* SPDX-License-Identifier: MIT */
/* A page of guest RAM made private and validated for a launch (include/svsm/guest_launch.h). */
#include <stdbool.h>

#include "abi/snp.h"
#include "svsm/errno.h"
#include "svsm/guest_launch.h"
#include "svsm/platform.h"

int guest_page_take(paddr_t pa, unsigned size, const char **why)
{
	bool unchanged;

	if (platform_page_state(pa, size, true) != SVSM_OK) {
		*why = "page state change to private failed";
		return SVSM_EIO;
	}
	/* Validated already: not a page a launch may take (the hypervisor's doing, or a second launch). */
	if (!insn_rc_ok(platform_pvalidate(pa, size, true, &unchanged)) || unchanged) {
		*why = "PVALIDATE of a launch page failed or found it validated already";
		return SVSM_EIO;
	}
	return SVSM_OK;
}
