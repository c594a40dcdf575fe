/* SPDX-License-Identifier: MIT */
/*
 * The test guest's #VC handler. On an SEV-SNP machine (vsnp.img) CPUID,
 * port I/O and most MSRs are non-automatic exits: the CPU raises #VC with
 * the exit code, and the guest asks the hypervisor itself through its
 * GHCB, as an SNP guest OS does (GHCB spec 56421 §2.3, §4.1). The work is
 * the SVSM's own portable code (svsm/platform/snp: vc_decode, vc_emulate,
 * hv_ghcb, cpuid_page): CPUID from the CPUID page the SVSM gave the guest,
 * the rest through the GHCB page. The hypervisor that runs the guest
 * without SEV-ES semantics (the SVSM's own vsnp backend) never raises these.
 *
 * A #VC can arrive while the guest's tests have the GHCB half filled in:
 * the handler keeps a copy and puts the page back before it returns. What
 * it cannot emulate ends the guest (reason set GUEST_TERM_SET, code 3):
 * printing the reason would raise #VC again.
 */
#include "guest.h"

#include "abi/ghcb.h"
#include "abi/x86.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"
#include "svsm/snp_cpuid.h"
#include "lib/io.h"
#include "svsm/snp_hv.h"
#include "svsm/snp_vc.h"

#define VC_VECTOR 29
#define GUEST_TERM_VC 3
#define INSN_MAX 15

static struct snp_hv hv;
static struct snp_cpuid cpuid;
static bool ready;
static unsigned long handled;
static uint8_t saved[4096] __attribute__((aligned(64)));

static uint64_t msr_exchange(void *ctx, uint64_t req)
{
	(void)ctx;
	return guest_msr_protocol(req);
}

static void vmgexit(void *ctx, uint64_t ghcb_gpa)
{
	(void)ctx;
	guest_ghcb_exit(ghcb_gpa);
}

void guest_hv_init(struct snp_hv *h, struct ghcb *g, uint64_t ghcb_gpa)
{
	*h = (struct snp_hv){ .msr_exchange = msr_exchange, .vmgexit = vmgexit, .ghcb = g, .ghcb_gpa = ghcb_gpa,
			      .version = 2 };
}

int guest_vc_init(struct ghcb *g, uint64_t ghcb_gpa, const struct snp_cpuid_table *t)
{
	const char *why;

	if (snp_cpuid_init(&cpuid, t, &why) != SVSM_OK)
		return -1;
	guest_hv_init(&hv, g, ghcb_gpa);
	ready = true;
	return 0;
}

struct snp_hv *guest_vc_hv(void)
{
	return ready ? &hv : NULL;
}

void guest_vc_outs(uint16_t port, const uint8_t *b, size_t n)
{
	static uint8_t kept[4096] __attribute__((aligned(64))); /* not `saved`: an interrupt's #VC may use that meanwhile */
	int err = SVSM_EIO;

	if (ready) {
		memcpy(kept, hv.ghcb, sizeof(kept));
		err = snp_ghcb_outsb(&hv, port, b, n);
		memcpy(hv.ghcb, kept, sizeof(kept));
	}
	for (size_t i = 0; err != SVSM_OK && i < n; i++)
		io_outb(port, b[i]);
}

static uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/*
 * INVD, WBINVD, MONITOR, MWAIT (exit codes 0x76, 0x89, 0x8A, 0x8B): the
 * hypervisor is told through the GHCB (MONITOR with RAX, RCX, RDX; MWAIT
 * with RAX, RCX), as the GHCB spec's NAE events for them say; the guest
 * steps over the 2- or 3-byte instruction if the bytes are that plain
 * instruction. 0, or -1 (not one of them, or the hypervisor refused).
 */
static int cache_insn(struct guest_exc_frame *f)
{
	const uint8_t *b = (const uint8_t *)(uintptr_t)f->rip;
	unsigned len;

	if (f->error == SVM_EXIT_INVD && b[0] == 0x0F && b[1] == 0x08)
		len = 2;
	else if (f->error == SVM_EXIT_WBINVD && b[0] == 0x0F && b[1] == 0x09)
		len = 2;
	else if (f->error == SVM_EXIT_MONITOR && b[0] == 0x0F && b[1] == 0x01 && b[2] == 0xC8)
		len = 3;
	else if (f->error == SVM_EXIT_MWAIT && b[0] == 0x0F && b[1] == 0x01 && b[2] == 0xC9)
		len = 3;
	else
		return -1;

	struct ghcb *g = hv.ghcb;

	memset(g, 0, sizeof(*g));
	g->protocol_version = hv.version;
	g->ghcb_usage = GHCB_USAGE_STANDARD;
	GHCB_SET(g, sw_exit_code, f->error);
	GHCB_SET(g, sw_exit_info_1, 0);
	GHCB_SET(g, sw_exit_info_2, 0);
	if (f->error == SVM_EXIT_MONITOR || f->error == SVM_EXIT_MWAIT) {
		GHCB_SET(g, rax, f->rax);
		GHCB_SET(g, rcx, f->rcx);
	}
	if (f->error == SVM_EXIT_MONITOR)
		GHCB_SET(g, rdx, f->rdx);
	guest_ghcb_exit(hv.ghcb_gpa);
	if ((uint32_t)g->sw_exit_info_1 != GHCB_RESULT_OK)
		return -1;
	f->rip += len;
	return 0;
}

bool guest_vc(struct guest_exc_frame *f)
{
	if (!ready || f->vector != VC_VECTOR)
		return false;
	if (f->error == SVM_EXIT_INVD || f->error == SVM_EXIT_WBINVD || f->error == SVM_EXIT_MONITOR ||
	    f->error == SVM_EXIT_MWAIT) {
		memcpy(saved, hv.ghcb, sizeof(saved));

		int err = cache_insn(f);

		memcpy(hv.ghcb, saved, sizeof(saved));
		if (err != 0)
			guest_terminate(GUEST_TERM_SET, GUEST_TERM_VC);
		handled++;
		return true;
	}
	if (f->error != SVM_EXIT_CPUID && f->error != SVM_EXIT_IOIO && f->error != SVM_EXIT_MSR)
		return false;

	uint64_t cr4 = read_cr4();
	struct snp_vc_env env = { .hv = &hv, .cpuid = &cpuid, .osxsave = (cr4 & CR4_OSXSAVE) != 0,
				  .pke = (cr4 & CR4_PKE) != 0, .xcr0 = 1, .xss = 0 };
	struct vc_regs r = { f->rax, f->rbx, f->rcx, f->rdx, f->rip };
	uint8_t insn[INSN_MAX];

	if (env.osxsave) {
		uint32_t lo, hi;

		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		env.xcr0 = ((uint64_t)hi << 32) | lo;
	}
	/* The guest's memory is mapped 1:1 and its code is readable: the bytes at RIP. */
	memcpy(insn, (const void *)(uintptr_t)f->rip, sizeof(insn));
	memcpy(saved, hv.ghcb, sizeof(saved));

	int err = snp_vc_emulate(&env, f->error, &r, insn, sizeof(insn));

	memcpy(hv.ghcb, saved, sizeof(saved));
	if (err != SVSM_OK)
		guest_terminate(GUEST_TERM_SET, GUEST_TERM_VC);
	f->rax = r.rax, f->rbx = r.rbx, f->rcx = r.rcx, f->rdx = r.rdx, f->rip = r.rip;
	handled++;
	return true;
}

bool guest_vc_seen(void)
{
	return handled != 0;
}
