/* SPDX-License-Identifier: MIT */
/*
 * The vsnp guest's nested page table, derived from the RMP model on demand
 * (include/vsnp/vsnp.h has the rules). Portable: the kernel and host tests
 * run it on their own pgtable_ops.
 *
 * Why on demand: the RMP changes with every PVALIDATE, RMPADJUST and page
 * state change; mapping at fault time from the current RMP entry and
 * dropping the pages each change touches keeps one source of truth (the
 * RMP model) and makes "the nested table never grants more than the RMP"
 * easy to check.
 */
#include <stdbool.h>

#include "abi/snp.h"
#include "abi/vmcb.h"
#include "svsm/errno.h"
#include "vsnp/vsnp.h"

#define NPT_PAGE 4096ull
#define NPT_LARGE (512 * NPT_PAGE)

int vsnp_npt_init(struct vsnp_npt *n, const struct pgtable_ops *ops, void *ctx,
		  struct rmp_model *rmp, const struct memmap *guest_ram, uint64_t cbit,
		  unsigned vmpl)
{
	/* One bit, above the model's RAM, and low enough that GPA | C-bit is a valid address. */
	if (cbit == 0 || (cbit & (cbit - 1)) != 0 || cbit >= PGT_MAX_PA / 2 ||
	    rmp->base + rmp->pages * NPT_PAGE > cbit || vmpl >= SNP_VMPL_COUNT)
		return SVSM_EINVAL;
	n->rmp = rmp;
	n->backing = NULL;
	n->backing_large = NULL;
	n->backing_ctx = NULL;
	n->paging_off = false;
	n->next = NULL;
	n->guest_ram = guest_ram;
	n->cbit = cbit;
	n->vmpl = vmpl;
	n->faults = 0;
	n->large_maps = 0;
	n->mapped_around = 0;
	/* enc_mask 0: nested entries carry host physical addresses, never a C-bit. */
	return pgt_init(&n->pt, ops, ctx, 0);
}

/* The RMP access bit an NPF stands for (EXITINFO1 is a #PF-style error code). */
static unsigned npf_access(uint64_t exit_info_1, unsigned cpl)
{
	if (exit_info_1 & VMCB_NPF_FETCH)
		return cpl == 3 ? RMP_ACCESS_EXEC_USER : RMP_ACCESS_EXEC_SUPER;
	if (exit_info_1 & VMCB_NPF_WRITE)
		return RMP_ACCESS_WRITE;
	return RMP_ACCESS_READ;
}

/*
 * Maps (or widens) the nested entry of one page. Nested accesses are user
 * accesses (APM vol.2 §15.25.5), so every nested leaf has PGT_USER.
 */
static int npt_set(struct vsnp_npt *n, uint64_t gpa, uint64_t pa, unsigned rights)
{
	unsigned flags = rights | PGT_USER;

	if (n->backing != NULL && n->backing(n->backing_ctx, pa, &pa) != SVSM_OK)
		return SVSM_EFAULT;

	if (pgt_lookup(&n->pt, gpa, NULL, NULL) == SVSM_OK)
		return pgt_protect(&n->pt, gpa, NPT_PAGE, flags);
	return pgt_map(&n->pt, gpa, pa, NPT_PAGE, flags);
}

/*
 * Whether the 2 MiB around pa may be one nested page. The hardware's RMP
 * check faults a nested page larger than its RMP entry (NPF error bit 35,
 * "RMP page size mismatch"; Linux KVM's PFERR_GUEST_SIZEM_BIT), so only a 2 MiB RMP entry qualifies; within it,
 * all of it guest RAM and every page validated, no VMSA, allowing this
 * access with the same VMPL permissions as the first (the model keeps a
 * 2 MiB entry uniform; the loop makes that a checked fact, not a hope),
 * and one aligned block of machine memory behind it: *machine its address.
 */
static bool large_ok(const struct vsnp_npt *n, uint64_t pa, unsigned access, uint64_t *machine)
{
	uint64_t base = pa & ~(NPT_LARGE - 1);
	const struct rmp_entry *first = rmp_model_entry(n->rmp, base);

	if (first == NULL || !first->large || !memmap_contains(n->guest_ram, base, base + NPT_LARGE))
		return false;
	*machine = base;
	if (n->backing != NULL &&
	    (n->backing_large == NULL || n->backing_large(n->backing_ctx, base, machine) != SVSM_OK ||
	     (*machine & (NPT_LARGE - 1)) != 0))
		return false;
	for (uint64_t off = 0; off < NPT_LARGE; off += NPT_PAGE) {
		const struct rmp_entry *e = rmp_model_entry(n->rmp, base + off);

		if (e == NULL || !e->large || !e->assigned || !e->validated || e->vmsa ||
		    e->perms[n->vmpl] != first->perms[n->vmpl] ||
		    rmp_model_access(n->rmp, base + off, n->vmpl, access) != RMP_OK)
			return false;
	}
	return true;
}

/*
 * The nested rights for a page whose RMP permissions for the view's VMPL
 * are perms, at a fault for access (0: none yet). Execute: one NX bit
 * serves both CPLs, so it is granted only when the RMP allows both, or
 * for the fetch being judged (then Xu vs Xs is exact only at the first
 * fetch).
 */
static unsigned rights_of(unsigned perms, unsigned access)
{
	unsigned rights = 0;

	if (perms & RMP_ACCESS_WRITE)
		rights |= PGT_WRITE;
	if ((perms & (RMP_ACCESS_EXEC_USER | RMP_ACCESS_EXEC_SUPER)) ==
		    (RMP_ACCESS_EXEC_USER | RMP_ACCESS_EXEC_SUPER) ||
	    (access & (RMP_ACCESS_EXEC_USER | RMP_ACCESS_EXEC_SUPER)))
		rights |= PGT_EXEC;
	return rights;
}

/*
 * Fault-around, after a private 4 KiB page at gpa (machine-independent
 * address pa) was mapped: the other pages of its aligned NPT_AROUND-page
 * window that the RMP lets this VMPL read now, not yet mapped, and no
 * VMSA, are mapped with the rights a fault on each would give them. Guests
 * touch memory in runs (a kernel image read through, page tables built),
 * and each fault spared is a world switch (under TCG, about 10 us and a
 * flush of QEMU's TLB). Only private addresses (C-bit set, or paging off):
 * an address without the C-bit is a shared access for data. Best effort:
 * a page that cannot be mapped here faults on its own later.
 */
#define NPT_AROUND 64

static void map_around(struct vsnp_npt *n, uint64_t gpa, uint64_t pa)
{
	uint64_t first = pa & ~(NPT_AROUND * NPT_PAGE - 1);

	for (uint64_t p = first; p < first + NPT_AROUND * NPT_PAGE; p += NPT_PAGE) {
		const struct rmp_entry *e = rmp_model_entry(n->rmp, p);
		uint64_t g = gpa - pa + p;

		if (p == pa || e == NULL || e->vmsa || !(e->perms[n->vmpl] & RMP_ACCESS_READ) ||
		    rmp_model_access(n->rmp, p, n->vmpl, RMP_ACCESS_READ) != RMP_OK ||
		    pgt_lookup(&n->pt, g, NULL, NULL) == SVSM_OK)
			continue;
		if (npt_set(n, g, p, rights_of(e->perms[n->vmpl], 0)) != SVSM_OK)
			return;
		n->mapped_around++;
	}
}

static enum vsnp_npf_verdict fault_private(struct vsnp_npt *n, uint64_t gpa, uint64_t pa,
					   unsigned access, const char **why)
{
	switch (rmp_model_access(n->rmp, pa, n->vmpl, access)) {
	case RMP_OK:
		break;
	case RMP_NOT_VALIDATED:
		return VSNP_NPF_INJECT_VC_404;
	case RMP_NOT_ASSIGNED:
		*why = "private access to a page the guest does not own";
		return VSNP_NPF_VIOLATION;
	case RMP_NO_PERMISSION:
		*why = "the VMPL has no such permission on the page";
		return VSNP_NPF_VIOLATION;
	case RMP_OUT_OF_RANGE:
	default:
		*why = "address outside the RMP";
		return VSNP_NPF_NOT_RAM;
	}

	/* Rights from the RMP entry (rights_of), so later accesses the RMP allows do not fault again. */
	const struct rmp_entry *e = rmp_model_entry(n->rmp, pa);
	unsigned perms = e->perms[n->vmpl];
	unsigned rights;

	/*
	 * A present nested entry is always readable, so write or execute
	 * without read cannot be mapped without granting read too. The
	 * hardware would allow this access and fault a later read; vsnp
	 * stops the guest instead of granting more than the RMP (the SVSM
	 * itself only grants all rights or none).
	 */
	if (e->vmsa && n->vmpl != 0 && (access & ~RMP_ACCESS_READ) != 0) {
		/*
		 * Below VMPL0 a VMSA is at most read, as the RMP lets it (an SVSM
		 * lets a guest read the VMSAs it created; the state of a vCPU that
		 * runs is in its VMCB, so the page shows it as it was when the
		 * vCPU last stopped, as on hardware): never written or executed,
		 * whatever the rights say. VMPL0 reads and writes the VMSAs it
		 * made (the SVSM serves calls from them).
		 */
		*why = "a write to or execution of a VMSA page";
		return VSNP_NPF_VIOLATION;
	}
	if (!(perms & RMP_ACCESS_READ)) {
		*why = "the VMPL may write or execute the page but not read it, which nested paging cannot map (vsnp limit)";
		return VSNP_NPF_VIOLATION;
	}

	rights = rights_of(perms, access);
	if (e->vmsa && n->vmpl != 0)
		rights = 0; /* read only (above) */
	/*
	 * All of a 2 MiB RMP entry at once where large_ok allows it and none of
	 * it is mapped yet (else EEXIST: this page alone). pgt_map makes it one
	 * 2 MiB leaf, or 512 4 KiB leaves in a table an earlier unmap left.
	 */
	uint64_t machine;

	if (large_ok(n, pa, access, &machine) &&
	    pgt_map(&n->pt, gpa & ~(NPT_LARGE - 1), machine, NPT_LARGE, rights | PGT_USER | PGT_LARGE) == SVSM_OK) {
		n->faults++;
		n->large_maps++;
		return VSNP_NPF_MAPPED;
	}
	if (npt_set(n, gpa, pa, rights) != SVSM_OK) {
		*why = "nested page table could not be extended (out of memory, or no machine page behind it)";
		return VSNP_NPF_VIOLATION;
	}
	n->faults++;
	if ((gpa & n->cbit) != 0 || n->paging_off)
		map_around(n, gpa, pa);
	return VSNP_NPF_MAPPED;
}

static enum vsnp_npf_verdict fault_shared(struct vsnp_npt *n, uint64_t gpa, const char **why)
{
	const struct rmp_entry *e = rmp_model_entry(n->rmp, gpa);

	if (e == NULL) {
		/*
		 * No RAM of the VM at all: MMIO. KVM marks such pages with reserved
		 * bits in the nested tables, so the access is the non-automatic NPF
		 * and the guest gets #VC 0x400 (APM vol.2 §15.35.4) and asks for the
		 * access through the GHCB.
		 */
		*why = "MMIO";
		return VSNP_NPF_MMIO;
	}
	if (!memmap_contains(n->guest_ram, gpa, gpa + NPT_PAGE)) {
		*why = "not guest RAM";
		return VSNP_NPF_NOT_RAM;
	}
	if (e->assigned) {
		*why = "shared access to a private page";
		return VSNP_NPF_VIOLATION;
	}
	if (npt_set(n, gpa, gpa, PGT_WRITE) != SVSM_OK) {
		*why = "nested page table could not be extended (out of memory, or no machine page behind it)";
		return VSNP_NPF_VIOLATION;
	}
	n->faults++;
	return VSNP_NPF_MAPPED;
}

enum vsnp_npf_verdict vsnp_npt_fault(struct vsnp_npt *n, uint64_t gpa, uint64_t exit_info_1,
				     unsigned cpl, const char **why)
{
	unsigned access = npf_access(exit_info_1, cpl);
	uint64_t page = gpa & ~(NPT_PAGE - 1);

	*why = "";
	if (page >= 2 * n->cbit) {
		*why = "address above the C-bit";
		return VSNP_NPF_NOT_RAM;
	}
	/*
	 * Accesses that are private whatever their C-bit (APM vol.2 §15.34.5):
	 * everything with paging off, the CPU's own walks of the guest's page
	 * tables, and instruction fetches. Without the C-bit they are judged
	 * (and mapped) at the GPA as the private page it names.
	 */
	if (n->paging_off || (exit_info_1 & (VMCB_NPF_TABLE | VMCB_NPF_FETCH)))
		return fault_private(n, page, page & ~n->cbit, access, why);
	if (page & n->cbit)
		return fault_private(n, page, page & ~n->cbit, access, why);
	return fault_shared(n, page, why);
}

int vsnp_npt_drop(struct vsnp_npt *n, uint64_t pa, uint64_t size)
{
	if ((pa | size) % NPT_PAGE != 0 || size == 0 || pa + size < pa || pa + size > n->cbit)
		return SVSM_EINVAL;

	int err = SVSM_OK;
	bool mapped = false;

	/* Most changes meet nothing mapped (a page validated, then granted): no CPU need leave its guest for those. */
	for (const struct vsnp_npt *v = n; v != NULL && !mapped; v = v->next)
		mapped = pgt_range_mapped(&v->pt, pa | v->cbit, size) || pgt_range_mapped(&v->pt, pa, size);
	if (n->quiesce != NULL)
		n->quiesce(n->quiesce_ctx, mapped);
	if (!mapped)
		return SVSM_OK;
	for (; n != NULL && err == SVSM_OK; n = n->next) {
		err = pgt_unmap(&n->pt, pa | n->cbit, size);
		if (err == SVSM_OK)
			err = pgt_unmap(&n->pt, pa, size);
	}
	return err;
}
