/* SPDX-License-Identifier: MIT */
/* Simulated guest memory (tests/unit/guest_sim.h). */
#include "guest_sim.h"

#include <string.h>

#include "mm/guest_range.h"
#include "svsm/errno.h"
#include "svsm/guest_mem.h"

static struct guest_sim *sim;

void guest_sim_use(struct guest_sim *g)
{
	sim = g;
}

static int check(uint64_t gpa, size_t len, size_t align)
{
	int err = guest_range_check(&sim->guest_ram, &sim->svsm_mem, gpa, len, align);

	if (err != SVSM_OK)
		return err;
	if (gpa + len > sim->size)
		return SVSM_EFAULT;
	if (sim->rmp != NULL) {
		for (uint64_t p = gpa & ~0xFFFull; p < gpa + len; p += 4096) {
			/* VMPL0 private access: #VC 0x404 on an unvalidated page, caught as EFAULT. */
			if (rmp_model_access(sim->rmp, p, 0, RMP_ACCESS_READ) != RMP_OK)
				return SVSM_EFAULT;
		}
	}
	sim->copies++;
	return SVSM_OK;
}

int copy_from_guest(void *dst, gpa_t guest, size_t len, size_t align)
{
	uint64_t gpa = gpa_addr(guest);

	int err = check(gpa, len, align);

	if (err == SVSM_OK)
		memcpy(dst, sim->mem + gpa, len);
	return err;
}

int copy_to_guest(gpa_t guest, const void *src, size_t len, size_t align)
{
	uint64_t gpa = gpa_addr(guest);

	int err = check(gpa, len, align);

	if (err == SVSM_OK)
		memcpy(sim->mem + gpa, src, len);
	return err;
}
