/* SPDX-License-Identifier: MIT */
/*
 * Guest-memory copies: check the range (mm/guest_range.c), then map it a
 * chunk at a time into the temporary window and copy with copy_safe, whose
 * faults the exception table turns into SVSM_EFAULT (under SNP a page
 * that is not validated raises #VC 0x404 inside the copy, which ends the
 * same way). Guest memory is never
 * reachable through the direct map, so this is the only way in.
 */
#include "abi/x86.h"
#include "mm/guest_range.h"
#include "svsm/errno.h"
#include "svsm/mm.h"
#include "svsm/platform.h"
#include "svsm/guest_mem.h"
#include "svsm/probe.h"

static int guest_copy(uint64_t gpa, void *buf, size_t len, size_t align, bool to_guest)
{
	int err = guest_range_check(mm_guest_memory(), mm_svsm_memory(), gpa, len, align);

	while (err == SVSM_OK && len > 0) {
		uint64_t page = gpa & ~(PAGE_SIZE - 1);
		uint64_t off = gpa - page;
		size_t chunk = GUEST_COPY_CHUNK_PAGES * PAGE_SIZE - off;
		void *va;

		if (chunk > len)
			chunk = len;

		size_t npages = (off + chunk + PAGE_SIZE - 1) / PAGE_SIZE;

		/* guest_range_check passed: guest RAM outside SVSM memory. */
		err = tmpmap(pa_from_checked_gpa(gpa_init(page)), npages,
			     to_guest ? PGT_WRITE | PGT_ENC : PGT_ENC, &va);
		if (err != SVSM_OK)
			break;

		uint8_t *g = (uint8_t *)va + off;

		err = to_guest ? copy_safe(g, buf, chunk) : copy_safe(buf, g, chunk);
		tmpunmap(va, npages);
		gpa += chunk;
		buf = (uint8_t *)buf + chunk;
		len -= chunk;
	}
	return err;
}

int copy_from_guest(void *dst, gpa_t guest, size_t len, size_t align)
{
	uint64_t gpa = gpa_addr(guest);

	return guest_copy(gpa, dst, len, align, false);
}

int copy_to_guest(gpa_t guest, const void *src, size_t len, size_t align)
{
	uint64_t gpa = gpa_addr(guest);

	return guest_copy(gpa, (void *)(uintptr_t)src, len, align, true);
}
