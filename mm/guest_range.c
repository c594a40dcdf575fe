/* SPDX-License-Identifier: MIT */
#include "mm/guest_range.h"

#include "svsm/errno.h"

int guest_range_check(const struct memmap *guest_ram, const struct memmap *svsm_mem, uint64_t gpa,
		      uint64_t len, uint64_t align)
{
	if (align == 0 || (align & (align - 1)) != 0 || (gpa & (align - 1)) != 0)
		return SVSM_EINVAL;
	if (len == 0)
		return SVSM_OK;
	if (len > GUEST_COPY_MAX || gpa + len < gpa)
		return SVSM_ERANGE;
	if (memmap_intersects(svsm_mem, gpa, gpa + len))
		return SVSM_EPERM;
	if (!memmap_contains(guest_ram, gpa, gpa + len))
		return SVSM_EFAULT;
	return SVSM_OK;
}
