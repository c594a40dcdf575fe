/* SPDX-License-Identifier: MIT */
/*
 * The guest's MMIO (include/vsnp/vsnp.h): an access to an address that is
 * no RAM of the VM reaches the hypervisor as the MMIO NAE events of the
 * GHCB page (GHCB spec 56421: MMIO read 0x80000001, MMIO write
 * 0x80000002; SW_EXITINFO1 the GPA, SW_EXITINFO2 the length, SW_SCRATCH
 * the data), after the guest's #VC handler decoded the instruction that
 * raised #VC 0x400 (cpu.c).
 *
 * Served, for the firmware's VMPL of a VM that boots a guest firmware
 * only: the q35 enhanced configuration window and the guest's boot
 * disk's registers (a modern virtio device, vsnp/vblk_modern.c, whose DMA
 * reaches shared guest pages only). Everything else (QEMU's other MMIO
 * devices: the I/O APIC, HPET, flash) is answered as an empty bus
 * answers (reads all ones, writes dropped) and counted.
 *
 * What is refused outright (GHCB_ERR_INVALID_INPUT, nothing read or
 * written): an address that is RAM of the VM (any page the RMP covers:
 * the guest's own, the SVSM's, a VMSA; an MMIO request is never a way
 * around the RMP), one with the C-bit (MMIO is shared), a length other
 * than 1, 2, 4 or 8, and an access that crosses a page. The data must lie
 * inside the GHCB's shared buffer (GHCB_ERR_INVALID_SCRATCH).
 */
#include "lib/string.h"
#include "svsm/ghcb_proto.h"
#include "vsnp/q35.h"
#include "vsnp/rmp_model.h"
#include "vsnp/vblk.h"
#include "vsnp/vsnp.h"

#define PAGE 4096ull

/* A served request: a read's value into the buffer, the trace line, the GHCB's answer. */
static void answered(struct vsnp_io *io, struct ghcb *g, uint64_t off, uint64_t gpa, uint64_t len, bool write,
		     uint64_t v)
{
	if (!write)
		memcpy(g->shared_buffer + off, &v, len);
	vsnp_io_trace(io, "MMIO", gpa, (unsigned)len, !write, v, true);
	ghcb_invalidate(g);
	ghcb_answer(g, GHCB_RESULT_OK, 0);
}

void vsnp_mmio_ghcb(struct vsnp_io *io, const struct rmp_model *rmp, uint64_t cbit, struct ghcb *g,
		    uint64_t ghcb_gpa)
{
	bool write = g->sw_exit_code == SVM_VMGEXIT_MMIO_WRITE;
	uint64_t gpa = g->sw_exit_info_1, len = g->sw_exit_info_2, off;

	if (!GHCB_VALID(g, sw_exit_info_1) || !GHCB_VALID(g, sw_exit_info_2) || !GHCB_VALID(g, sw_scratch)) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_MISSING_INPUT);
		return;
	}
	if ((len != 1 && len != 2 && len != 4 && len != 8) || gpa >= cbit || (gpa & (PAGE - 1)) + len > PAGE ||
	    rmp_model_entry(rmp, gpa & ~(PAGE - 1)) != NULL) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_INPUT);
		return;
	}
	if (!ghcb_scratch_in_buffer(g, ghcb_gpa, len, &off)) {
		ghcb_answer(g, GHCB_RESULT_ERROR, GHCB_ERR_INVALID_SCRATCH);
		return;
	}
	uint64_t ecam, v = 0;

	/* The q35 enhanced configuration window, for the firmware's VMPL of a VM that has one. */
	if (io->q35 != NULL && io->vmpl != 0 && io->vmpl < SNP_VMPL_COUNT && vsnp_q35_ecam(io->q35, &ecam) &&
	    gpa >= ecam && gpa - ecam < Q35_ECAM_SIZE && (gpa & (len - 1)) == 0) {
		if (write)
			memcpy(&v, g->shared_buffer + off, len);
		vsnp_q35_ecam_access(io->q35, gpa - ecam, (unsigned)len, write, &v);
		answered(io, g, off, gpa, len, write, v);
		return;
	}
	/* The guest's boot disk's registers (a modern virtio device's BAR), for the firmware's VMPL only. */
	if (io->guest_blk != NULL && io->vmpl != 0 && io->vmpl < SNP_VMPL_COUNT) {
		if (write)
			memcpy(&v, g->shared_buffer + off, len);
		if (vsnp_vblk_mmio(io->guest_blk, gpa, (unsigned)len, write, &v)) {
			answered(io, g, off, gpa, len, write, v);
			return;
		}
		v = 0;
	}
	/* Nothing else is allowed: an empty bus. */
	io->mmio_refused++;
	io->last_refused_mmio = gpa;
	if (!write)
		memset(g->shared_buffer + off, 0xFF, len);
	vsnp_io_trace(io, "MMIO", gpa, (unsigned)len, !write, write ? 0 : ~0ull, false);
	ghcb_invalidate(g);
	ghcb_answer(g, GHCB_RESULT_OK, 0);
}
