/* SPDX-License-Identifier: MIT */
/*
 * The SNP instructions a guest executes, emulated on the #UD that QEMU
 * TCG raises for them (vsnp/vcpu.h). Encodings and results: AMD APM vol.3
 * (PVALIDATE, RMPADJUST, PSMASH, RMPUPDATE, RMPREAD) and vol.2 §15.36.
 *   F2 0F 01 FF  PVALIDATE  RAX linear address, RCX[0] size, RDX[0] validate;
 *                           EAX 0 / 1 FAIL_INPUT / 6 FAIL_SIZEMISMATCH,
 *                           CF = 1 when nothing changed. VMPL0 only: at
 *                           another VMPL #GP(0) (the APM lists no return
 *                           code for it; model choice, as rmp_model.h says).
 *   F3 0F 01 FE  RMPADJUST  RAX linear address, RCX[0] size, RDX attributes;
 *                           EAX 0 / 1 / 2 FAIL_PERMISSION / 6.
 *   F3 0F 01 FF  PSMASH, F2 0F 01 FE RMPUPDATE, F2 0F 01 FD RMPREAD:
 *                           host instructions; in a guest EAX = 2 (ASID is
 *                           not 0).
 * RMPQUERY is not offered (CPUID 8000_001F EAX bit 6 clear): its #UD stands.
 * All need CPL0 (#GP(0) otherwise). The linear address goes through the
 * vCPU's own paging; a failed walk is the guest's #PF. A 4 KiB PVALIDATE
 * or RMPADJUST of a page in a 2 MiB RMP entry is a size-mismatch nested
 * fault on hardware, after which KVM splits the entry (PSMASH) and the
 * instruction runs again; here the split and the 4 KiB operation happen
 * at once. Every RMP change drops the nested mappings it touches.
 */
#include "vcpu.h"

#include "abi/snp.h"
#include "abi/x86.h"
#include "lib/string.h"
#include "svsm/errno.h"

#define UD_VECTOR 6
#define GP_VECTOR 13
#define PF_VECTOR 14
#define RFLAGS_CF (1ull << 0)
#define RFLAGS_STATUS 0x8D5ull /* CF PF AF ZF SF OF */
#define SNP_HOST_INSN_IN_GUEST 2 /* PSMASH / RMPUPDATE / RMPREAD with ASID != 0 */

enum op { OP_PVALIDATE, OP_RMPADJUST, OP_HOST };

static void finish(struct vsnp_vcpu *c, uint32_t eax, bool cf)
{
	struct vmcb_save *s = &c->vmcb->save;

	s->rax = eax; /* a 32-bit result zero-extends */
	s->rflags = (s->rflags & ~RFLAGS_STATUS) | (cf ? RFLAGS_CF : 0);
	s->rip += 4;
}

enum vsnp_insn_result vsnp_snp_insn(struct vsnp_vcpu *c, const char **why)
{
	static const struct {
		uint8_t b[4];
		enum op op;
	} table[] = {
		{ { 0xF2, 0x0F, 0x01, 0xFF }, OP_PVALIDATE },
		{ { 0xF3, 0x0F, 0x01, 0xFE }, OP_RMPADJUST },
		{ { 0xF3, 0x0F, 0x01, 0xFF }, OP_HOST },
		{ { 0xF2, 0x0F, 0x01, 0xFE }, OP_HOST },
		{ { 0xF2, 0x0F, 0x01, 0xFD }, OP_HOST },
	};
	struct vmcb_save *s = &c->vmcb->save;
	uint8_t insn[4];
	unsigned i;

	if (vsnp_guest_insn(c, insn, sizeof(insn)) != SVSM_OK)
		return VSNP_INSN_NOT_SNP;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (memcmp(insn, table[i].b, 4) == 0)
			break;
	if (i == sizeof(table) / sizeof(table[0]))
		return VSNP_INSN_NOT_SNP;
	if (s->cpl != 0) {
		vsnp_inject(c, GP_VECTOR, true, 0);
		return VSNP_INSN_FAULTED;
	}
	if (table[i].op == OP_HOST) {
		finish(c, SNP_HOST_INSN_IN_GUEST, false);
		return VSNP_INSN_DONE;
	}
	if (table[i].op == OP_PVALIDATE && c->vmpl != 0) {
		vsnp_inject(c, GP_VECTOR, true, 0);
		return VSNP_INSN_FAULTED;
	}

	/* The address size is the mode's: 64 bits in 64-bit mode, else 32. */
	bool long64 = (s->efer & EFER_LMA) && (s->cs.attrib & VMSA_SEG_ATTR_L);
	uint64_t va = long64 ? s->rax : (s->rax & 0xFFFFFFFFull);
	unsigned size = (unsigned)(c->g.rcx & 1);
	uint64_t gpa;
	bool priv;

	if (vsnp_guest_translate(c, va, &gpa, &priv) != SVSM_OK) {
		s->cr2 = va;
		vsnp_inject(c, PF_VECTOR, true, 0); /* not present, supervisor read */
		return VSNP_INSN_FAULTED;
	}

	struct rmp_model *rmp = &c->m->rmp;
	const struct rmp_entry *e = rmp_model_entry(rmp, gpa & ~(PAGE_SIZE - 1));

	if (size == RMP_PG_SIZE_4K && e != NULL && e->large && e->assigned &&
	    rmp_model_psmash(rmp, gpa & ~(LARGE_PAGE_SIZE - 1)) != SVSM_OK) {
		*why = "PSMASH of a 2 MiB RMP entry for a 4 KiB operation failed";
		return VSNP_INSN_STOP;
	}

	/* A VMSA some vCPU runs is in use: RMPADJUST cannot change it (FAIL_INUSE, APM vol.3 RMPADJUST). */
	if (table[i].op == OP_RMPADJUST && vsnp_vmsa_in_use(gpa & ~(PAGE_SIZE - 1))) {
		finish(c, RMPADJUST_FAIL_INUSE, false);
		return VSNP_INSN_DONE;
	}

	struct rmp_result r = table[i].op == OP_PVALIDATE
				      ? rmp_model_pvalidate(rmp, c->vmpl, gpa, size, (c->g.rdx & 1) != 0)
				      : rmp_model_rmpadjust(rmp, c->vmpl, gpa, size, c->g.rdx);

	if (r.code == RMP_MODEL_FAULT) {
		vsnp_inject(c, GP_VECTOR, true, 0);
		return VSNP_INSN_FAULTED;
	}
	if (r.code == 0 && !r.unchanged &&
	    vsnp_machine_drop(c->m, gpa & ~((size ? LARGE_PAGE_SIZE : PAGE_SIZE) - 1),
			  size ? LARGE_PAGE_SIZE : PAGE_SIZE) != SVSM_OK) {
		*why = "nested mappings could not be dropped after an RMP change";
		return VSNP_INSN_STOP;
	}
	finish(c, (uint32_t)r.code, r.unchanged);
	return VSNP_INSN_DONE;
}
