/* SPDX-License-Identifier: MIT */
/* Guest pages for self-tests (st_guest.h). */
#include "st_guest.h"

#include "abi/snp.h"
#include "svsm/mm.h"
#include "svsm/platform.h"

#define TWO_MB 0x200000ull

/* Whether st_guest_2m_take validated its page (a backend may find it valid already). */
static bool validated_here;

uint64_t st_guest_2m_take(void)
{
	const struct memmap *g = mm_guest_memory();
	bool unchanged = true;

	/* The top 2 MiB page of the highest guest range: far from the launch's own pages. */
	for (unsigned i = g->count; i-- > 0;) {
		uint64_t top = g->r[i].end & ~(TWO_MB - 1);

		if (top < TWO_MB || top - TWO_MB < g->r[i].start)
			continue;
		if (!insn_rc_ok(platform_pvalidate(pa_init(top - TWO_MB), RMP_PG_SIZE_2M, true, &unchanged)))
			return 0;
		validated_here = !unchanged;
		return top - TWO_MB;
	}
	return 0;
}

void st_guest_2m_give(uint64_t gpa)
{
	bool unchanged = true;

	if (gpa != 0 && validated_here)
		(void)platform_pvalidate(pa_init(gpa), RMP_PG_SIZE_2M, false, &unchanged);
	validated_here = false;
}
