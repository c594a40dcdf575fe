/* SPDX-License-Identifier: MIT */
/*
 * Guest memory as one vCPU's own accesses reach it, and exceptions
 * delivered the way the CPU delivers them (vsnp/vcpu.h).
 */
#include "vcpu.h"

#include "abi/x86.h"
#include "lib/string.h"
#include "svsm/errno.h"

uint64_t vsnp_gpr(const struct vsnp_vcpu *c, unsigned n)
{
	const uint64_t g[16] = {
		c->vmcb->save.rax, c->g.rcx, c->g.rdx, c->g.rbx, c->vmcb->save.rsp, c->g.rbp, c->g.rsi, c->g.rdi,
		c->g.r8, c->g.r9, c->g.r10, c->g.r11, c->g.r12, c->g.r13, c->g.r14, c->g.r15,
	};

	return g[n & 15];
}

/* A private access to guest-physical gpa..+len (one page) the RMP allows the vCPU's VMPL. */
static int phys_private(struct vsnp_vcpu *c, uint64_t gpa, void *buf, size_t len, bool write)
{
	uint64_t page = gpa & ~(PAGE_SIZE - 1);
	void *va;

	if (((gpa + len - 1) & ~(PAGE_SIZE - 1)) != page ||
	    rmp_model_access(&c->m->rmp, page, c->vmpl, write ? RMP_ACCESS_WRITE : RMP_ACCESS_READ) != RMP_OK ||
	    vsnp_gmem_page(&c->m->gmem, page, &va, NULL) != SVSM_OK)
		return SVSM_EFAULT;
	if (write)
		memcpy((uint8_t *)va + (gpa - page), buf, len);
	else
		memcpy(buf, (uint8_t *)va + (gpa - page), len);
	return SVSM_OK;
}

int vsnp_guest_translate(struct vsnp_vcpu *c, uint64_t va, uint64_t *gpa, bool *priv)
{
	const struct vmcb_save *s = &c->vmcb->save;
	uint64_t cbit = 1ull << c->m->cbit_pos;

	if (!(s->cr0 & CR0_PG)) {
		*gpa = va & 0xFFFFFFFFull;
		*priv = true;
		return SVSM_OK;
	}
	if (!(s->efer & EFER_LMA) || (s->cr4 & CR4_LA57))
		return SVSM_EFAULT;

	uint64_t table = s->cr3 & PTE_ADDR_MASK & ~cbit;

	for (int level = 3; level >= 0; level--) {
		unsigned shift = 12 + 9 * (unsigned)level;
		uint64_t e;

		/* Table accesses are private whatever their C-bit. */
		if (phys_private(c, table + ((va >> shift) & 511) * 8, &e, 8, false) != SVSM_OK || !(e & PTE_P))
			return SVSM_EFAULT;
		if (level == 0 || (level <= 2 && (e & PTE_PS))) {
			uint64_t mask = (1ull << shift) - 1;
			uint64_t pa = e & PTE_ADDR_MASK;

			*priv = (pa & cbit) != 0;
			*gpa = ((pa & ~cbit) & ~mask) | (va & mask);
			return SVSM_OK;
		}
		table = e & PTE_ADDR_MASK & ~cbit;
	}
	return SVSM_EFAULT;
}

/*
 * len bytes at linear address lin, page by page: data accesses need a
 * private mapping; instruction fetches are private whatever the C-bit.
 */
static int linear_access(struct vsnp_vcpu *c, uint64_t lin, void *buf, size_t len, bool write, bool fetch)
{
	uint8_t *p = buf;

	while (len > 0) {
		size_t n = PAGE_SIZE - (lin & (PAGE_SIZE - 1));
		uint64_t gpa;
		bool priv;

		n = n < len ? n : len;
		if (vsnp_guest_translate(c, lin, &gpa, &priv) != SVSM_OK || (!priv && !fetch) ||
		    phys_private(c, gpa, p, n, write) != SVSM_OK)
			return SVSM_EFAULT;
		lin += n, p += n, len -= n;
	}
	return SVSM_OK;
}

int vsnp_guest_virt(struct vsnp_vcpu *c, uint64_t va, void *buf, size_t len, bool write)
{
	return linear_access(c, va, buf, len, write, false);
}

int vsnp_guest_insn(struct vsnp_vcpu *c, uint8_t *buf, size_t len)
{
	const struct vmcb_save *s = &c->vmcb->save;
	/* In 64-bit mode CS's base is 0; otherwise it applies. */
	uint64_t lin = (s->efer & EFER_LMA) && (s->cs.attrib & VMSA_SEG_ATTR_L) ? s->rip : s->cs.base + s->rip;

	return linear_access(c, lin, buf, len, false, true);
}

/*
 * 32-bit protected mode at CPL0 (a firmware's early code, before long
 * mode: OVMF's reset vector serves CPUID from the CPUID page in a #VC
 * handler of a 32-bit IDT): an interrupt or trap gate to a present 32-bit
 * code segment of the GDT; EFLAGS, CS, EIP and the error code pushed on
 * the current stack, 4 bytes each (APM vol.2 §8.7, §4.8.2 descriptors).
 * A privilege change, a task gate or paging without long mode: SVSM_EFAULT.
 */
static int deliver_protected32(struct vsnp_vcpu *c, unsigned vector, uint64_t error)
{
	struct vmcb_save *v = &c->vmcb->save;
	uint64_t gate, desc;

	if (v->cpl != 0 || (v->cr0 & CR0_PG) || (uint64_t)vector * 8 + 7 > v->idtr.limit ||
	    vsnp_guest_virt(c, v->idtr.base + vector * 8ull, &gate, sizeof(gate), false) != SVSM_OK)
		return SVSM_EFAULT;

	unsigned type = (unsigned)(gate >> 40) & 0xF;
	uint16_t sel = (uint16_t)(gate >> 16);
	uint32_t handler = (uint32_t)(gate & 0xFFFF) | (uint32_t)((gate >> 32) & 0xFFFF0000u);

	if (!(gate & (1ull << 47)) || (type != 0xE && type != 0xF) || (sel & 4) != 0 || (sel & ~7u) == 0 ||
	    (uint64_t)(sel & ~7u) + 7 > v->gdtr.limit ||
	    vsnp_guest_virt(c, v->gdtr.base + (sel & ~7u), &desc, sizeof(desc), false) != SVSM_OK)
		return SVSM_EFAULT;
	/* A present, non-system, code, 32-bit (D) segment. */
	if (!(desc & (1ull << 47)) || !(desc & (1ull << 44)) || !(desc & (1ull << 43)) || !(desc & (1ull << 54)))
		return SVSM_EFAULT;

	uint32_t limit = (uint32_t)(desc & 0xFFFF) | (uint32_t)((desc >> 32) & 0xF0000);
	uint32_t frame[4] = { (uint32_t)error, (uint32_t)v->rip, v->cs.selector, (uint32_t)v->rflags };
	uint32_t esp = (uint32_t)v->rsp - sizeof(frame);

	if (vsnp_guest_virt(c, (v->ss.base + esp) & 0xFFFFFFFFull, frame, sizeof(frame), true) != SVSM_OK)
		return SVSM_EFAULT;
	v->rsp = esp;
	v->rip = handler;
	v->cs.selector = sel;
	v->cs.base = (uint32_t)((desc >> 16) & 0xFFFFFF) | (uint32_t)((desc >> 32) & 0xFF000000u);
	v->cs.limit = (desc & (1ull << 55)) ? (limit << 12) | 0xFFF : limit;
	/* VMCB form: bits 7:0 the descriptor's bits 47:40 (type, S, DPL, P), 11:8 its bits 55:52 (AVL, L, D, G). */
	v->cs.attrib = (uint16_t)(((desc >> 40) & 0xFF) | (((desc >> 52) & 0xF) << 8));
	v->rflags &= ~((1ull << 8) | (1ull << 14) | (1ull << 16) | (type == 0xE ? (1ull << 9) : 0));
	return SVSM_OK;
}

int vsnp_deliver_exception(struct vsnp_vcpu *c, unsigned vector, uint64_t error)
{
	struct vmcb_save *v = &c->vmcb->save;
	uint64_t gate[2];

	if ((v->cr0 & CR0_PE) && !(v->efer & EFER_LMA))
		return deliver_protected32(c, vector, error);
	/* Otherwise 64-bit mode only: a #VC before the SVSM has its IDT (stage 1), or in real mode, finds no handler. */
	if (!(v->efer & EFER_LMA) || !(v->cs.attrib & VMSA_SEG_ATTR_L) ||
	    (uint64_t)vector * 16 + 15 > v->idtr.limit ||
	    vsnp_guest_virt(c, v->idtr.base + vector * 16ull, gate, sizeof(gate), false) != SVSM_OK)
		return SVSM_EFAULT;

	unsigned type = (unsigned)(gate[0] >> 40) & 0xF;
	unsigned ist = (unsigned)(gate[0] >> 32) & 7;
	unsigned dpl_new = 0;
	uint64_t handler = (gate[0] & 0xFFFF) | ((gate[0] >> 32) & 0xFFFF0000ull) | (gate[1] << 32);
	uint64_t rsp = v->rsp;
	uint16_t old_ss = v->ss.selector;

	if (!(gate[0] & (1ull << 47)) || (type != 0xE && type != 0xF))
		return SVSM_EFAULT;
	/* The new stack: the IST slot, else TSS.RSP0 on a change to CPL0, else the current one. */
	if (ist != 0) {
		if (vsnp_guest_virt(c, v->tr.base + 0x24 + 8 * (ist - 1ull), &rsp, 8, false) != SVSM_OK)
			return SVSM_EFAULT;
	} else if (v->cpl != dpl_new) {
		if (vsnp_guest_virt(c, v->tr.base + 0x04, &rsp, 8, false) != SVSM_OK)
			return SVSM_EFAULT;
	}
	rsp &= ~15ull;

	uint64_t frame[6] = { error, v->rip, v->cs.selector, v->rflags, v->rsp, old_ss };

	rsp -= sizeof(frame);
	if (vsnp_guest_virt(c, rsp, frame, sizeof(frame), true) != SVSM_OK)
		return SVSM_EFAULT;
	v->rsp = rsp;
	v->rip = handler;
	v->cs.selector = (uint16_t)(gate[0] >> 16);
	if (v->cpl != 0) {
		/* To CPL0: a null SS (64-bit mode), CS's DPL 0 (APM vol.2 §8.9.3). */
		v->ss.selector = 0;
		v->cs.attrib &= (uint16_t)~(3u << 5);
		v->ss.attrib &= (uint16_t)~(3u << 5);
		v->cpl = 0;
	}
	/* TF, NT, RF cleared; IF too through an interrupt gate. */
	v->rflags &= ~((1ull << 8) | (1ull << 14) | (1ull << 16) | (type == 0xE ? (1ull << 9) : 0));
	return SVSM_OK;
}

void vsnp_inject(struct vsnp_vcpu *c, unsigned vector, bool has_error, uint32_t error)
{
	uint64_t ev = vector | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID;

	if (has_error)
		ev |= VMCB_EVENT_ERROR_VALID | ((uint64_t)error << 32);
	c->vmcb->ctl.event_inj = ev;
}
