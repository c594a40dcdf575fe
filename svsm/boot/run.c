/* SPDX-License-Identifier: MIT */
/*
 * The run mode of svsm-kernel.elf (the self-test kernel links
 * tests/svsm/runner.c instead): under SEV-SNP, launch the payload at
 * VMPL2 and serve it (run_snp.c); elsewhere there is no guest to run.
 */
#include "abi/guest_boot.h"
#include "abi/x86.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "svsm/platform.h"
#include "protocols/svsm_vm.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/guest_launch.h"
#include "svsm/machine.h"
#include "svsm/mm.h"
#include "svsm/panic.h"
#include "svsm/modar.h"
#include "svsm/task.h"
#include "svsm/vtpm_module.h"
#include "run_internal.h"

/* The payload is read into one buddy block: 4 MiB at most (order 10). */
#define PAYLOAD_MAX_ORDER 10

/* The vTPM module, when it started (vtpm_setup). */
static struct vtpm_module vtpm;

/* Options for the payload: "guest.*" keys are handed on in its boot page (docs/BOOT.md). */
bool svsm_run_accepts_key(const char *key, size_t len)
{
	return len > 6 && memcmp(key, "guest.", 6) == 0;
}

uint8_t *run_read_payload(const struct boot_info *bi, unsigned map_flags, uint64_t *block, unsigned *order)
{
	uint64_t pages = (bi->payload_size + PAGE_SIZE - 1) / PAGE_SIZE;
	unsigned o = 0;

	while ((1ull << o) < pages)
		o++;
	if (o > PAYLOAD_MAX_ORDER) {
		log_err("run: payload is %llu bytes; at most %llu are supported",
			(unsigned long long)bi->payload_size,
			(unsigned long long)(PAGE_SIZE << PAYLOAD_MAX_ORDER));
		return NULL;
	}
	uint64_t pa = buddy_alloc(mm_buddy(), o);

	if (pa == MM_PA_NONE) {
		log_err("run: no memory to read the payload");
		return NULL;
	}
	uint8_t *dst = phys_to_virt(pa);

	for (uint64_t done = 0; done < pages; done += GUEST_COPY_CHUNK_PAGES) {
		size_t n = pages - done < GUEST_COPY_CHUNK_PAGES ? (size_t)(pages - done) : GUEST_COPY_CHUNK_PAGES;
		void *src;

		if (tmpmap(pa_init(bi->payload_pa + done * PAGE_SIZE), n, map_flags, &src) != SVSM_OK)
			panic("run: cannot map the payload");
		memcpy(dst + done * PAGE_SIZE, src, n * PAGE_SIZE);
		tmpunmap(src, n);
	}
	*block = pa;
	*order = o;
	return dst;
}

/* The vTPM module from the kernel's archive (run_internal.h). */
const struct vtpm_backend *run_vtpm_start(const struct vtpm_state_store *store)
{
	const char *why;

	if (vtpm_module_start(&vtpm, svsm_modules, (size_t)(svsm_modules_end - svsm_modules), store, "vtpm",
			      &why) != SVSM_OK) {
		log_err("run: the vTPM module did not start: %s; the guest gets no vTPM protocol", why);
		return NULL;
	}
	return &vtpm.backend;
}

const char svsm_run_banner[] = "SVSM " SVSM_VERSION " kernel";

void svsm_run(struct svsm_boot *b)
{
	const char *kind = platform_kind_name(b->platform.kind);

	if (b->platform.kind == PLATFORM_SNP) {
		if (b->bi.payload_size != 0 || b->bi.firmware_size != 0)
			run_snp(b);
		log_info("run: no payload in the launch; nothing to run at VMPL2");
	} else if (b->bi.payload_size != 0) {
		/* A payload was asked for and cannot run: that is a failed run, not a clean boot. */
		console_printf("SVSM: a payload was given, but this boot is not SEV-SNP (platform %s): nothing launched; "
			       "the SVSM launches it at VMPL2 only on an SNP machine (vsnp.img with an IGVM file: "
			       "INSTALL.md)\n", kind);
		machine_exit(SVSM_EXIT_FAIL);
	} else {
		log_info("run: not SEV-SNP (platform %s): no guest can run here (self-tests only)", kind);
	}
	console_printf("SVSM: boot complete on %s; no payload launched\n", kind);
	machine_exit(SVSM_EXIT_PASS);
}
