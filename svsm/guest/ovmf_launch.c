/* SPDX-License-Identifier: MIT */
/*
 * A guest firmware (OVMF) the launch carried for VMPL2 (include/svsm/ovmf_launch.h):
 * its SEV metadata read again from the launched pages, which the PSP
 * measured and only VMPL0 can reach yet, never from what the packer said.
 */
#include "svsm/ovmf_launch.h"

#include "abi/x86.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/mm.h"

struct fw_pages {
	uint64_t pa, size;
};

/* Reads [off, off + len) of the firmware image, a page at a time through the temporary window. */
static int read_fw(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct fw_pages *f = ctx;
	uint8_t *out = buf;

	if (off > f->size || len > f->size - off)
		return -1;
	while (len != 0) {
		const uint64_t page = (off & ~(uint64_t)(PAGE_SIZE - 1)), in = off - page;
		const size_t n = len < PAGE_SIZE - in ? len : (size_t)(PAGE_SIZE - in);
		void *va;

		if (tmpmap(pa_init(f->pa + page), 1, PGT_ENC, &va) != SVSM_OK)
			return -1;
		memcpy(out, (const uint8_t *)va + in, n);
		tmpunmap(va, 1);
		out += n, off += n, len -= n;
	}
	return 0;
}

int ovmf_launch_read_meta(const struct boot_info *bi, struct ovmf_meta *m, char why[OVMF_WHY_LEN])
{
	struct fw_pages f = { bi->firmware_pa, bi->firmware_size };

	return ovmf_meta_read(bi->firmware_size, read_fw, &f, m, why);
}
