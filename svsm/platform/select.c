/* SPDX-License-Identifier: MIT */
/* Which backend serves the seam (include/svsm/platform.h). */
#include "svsm/errno.h"
#include "svsm/platform.h"

/*
 * The snp backend is linked into the kernel only (it needs the kernel's
 * memory management and instructions); in host tests the weak reference
 * stays NULL and SNP is refused like any platform without a backend.
 */
extern const struct platform_ops *snp_platform_ops(void) __attribute__((weak));

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
	case PLATFORM_SVM:
		/* Without SNP the SVSM runs natively: no guest, self-tests only. */
		platform_install(&platform_native_ops);
		return SVSM_OK;
	case PLATFORM_SNP: {
		/* Set up before the probe (snp_early_init) or not at all. */
		const struct platform_ops *snp = snp_platform_ops != NULL ? snp_platform_ops() : NULL;

		if (snp == NULL)
			return SVSM_ENOTSUP;
		platform_install(snp);
		return SVSM_OK;
	}
	}
	return SVSM_ENOTSUP;
}
