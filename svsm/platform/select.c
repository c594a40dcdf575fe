/* SPDX-License-Identifier: MIT */
/* Which backend serves the seam (include/svsm/platform.h). */
#include "svsm/errno.h"
#include "svsm/platform.h"

static const struct platform_ops *active = &platform_native_ops;

const struct platform_ops *platform_current(void)
{
	return active;
}

void platform_install(const struct platform_ops *ops)
{
	active = ops;
}

int platform_select(const struct platform_info *info)
{
	switch (info->kind) {
	case PLATFORM_NATIVE:
	case PLATFORM_VSNP:
		/* Under vsnp the SVSM itself runs natively; the guest side comes with the vsnp backend. */
		platform_install(&platform_native_ops);
		return SVSM_OK;
	case PLATFORM_SNP:
		break;
	}
	return SVSM_ENOTSUP;
}
