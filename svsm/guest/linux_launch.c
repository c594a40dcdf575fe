/* SPDX-License-Identifier: MIT */
/*
 * A Linux kernel launched at VMPL2 without firmware (include/svsm/
 * linux_launch.h). The order: check everything the launch carried (the
 * descriptor, the setup header, where the kernel and initrd lie), pick
 * the boot block, make every page of guest RAM private, validated and
 * the guest's (2 MiB at a time where a whole aligned 2 MiB is RAM with
 * nothing measured in it; the measured kernel and initrd pages are
 * validated already and are only granted), then write the block and mark
 * its VMSA.
 */
#include "svsm/linux_launch.h"

#include <stdbool.h>

#include "abi/linux_boot.h"
#include "abi/snp.h"
#include "abi/vmsa.h"
#include "abi/x86.h"
#include "lib/string.h"
#include "svsm/errno.h"
#include "svsm/guest_launch.h"
#include "svsm/guest_mem.h"
#include "svsm/linux_acpi.h"
#include "svsm/linux_image.h"
#include "abi/tcg_log.h"
#include "svsm/measured_boot.h"
#include "svsm/platform.h"
#include "svsm/snp_secrets.h"

#define PAGE 0x1000ull
#define TWO_MB 0x200000ull
#define ONE_GB 0x40000000ull
#define LOW_RAM_END 0xA0000ull     /* conventional memory; 0xA0000-0xFFFFF is the legacy hole (reserved) */
#define LOW_MEM_END 0x100000ull
#define LIMIT_4G 0x100000000ull

/* The boot state of the 64-bit protocol (boot.rst): CS 0x10, DS/ES/SS 0x18, paging on, interrupts off. */
#define LINUX_SEL_CODE 0x10
#define LINUX_SEL_DATA 0x18
#define GDT_CODE64 0x00AF9A000000FFFFull /* present, DPL 0, code, read, L, G */
#define GDT_DATA 0x00CF92000000FFFFull   /* present, DPL 0, data, write, D/B, G */
#define BOOT_CR0 (CR0_PE | (1u << 4) /* ET */ | (1u << 5) /* NE */ | CR0_PG)
#define BOOT_CR4 CR4_PAE
#define BOOT_EFER (EFER_LME | EFER_LMA | EFER_SVME)
#define BOOT_PAT 0x0007040600070406ull

struct ll {
	const struct linux_launch_cfg *cfg;
	struct linux_launch_out *o;
	struct linux_image img;
	struct memmap measured; /* kernel and initrd pages the launch validated */
	uint64_t kernel_end;    /* the kernel's window: [kernel_gpa, kernel_end) */
	uint64_t ram_top;
	unsigned pds;
	uint8_t page[4096] __attribute__((aligned(8))); /* read as uint64_t tables and structures */
};

static uint64_t up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < b_end && b < a_end;
}

static const char *check_desc(struct ll *l)
{
	const struct linux_launch_cfg *cfg = l->cfg;
	const struct svsm_linux_payload *d = cfg->desc;
	const char *why;

	if (memcmp(d->magic, SVSM_LINUX_MAGIC, sizeof(d->magic)) != 0 || d->version != SVSM_LINUX_VERSION ||
	    d->size != sizeof(*d))
		return "Linux payload descriptor of another magic, version or size";
	why = linux_image_check(cfg->setup, d->setup_size, (uint64_t)d->setup_size + d->kernel_size, &l->img);
	if (why != NULL)
		return why;
	if (l->img.setup_size != d->setup_size)
		return "descriptor's setup size is not the setup header's";
	if (d->cmdline_size >= SVSM_LAUNCH_CMDLINE_MAX)
		return "command line longer than its page (4095 bytes and a NUL)";
	why = linux_cmdline_check(&l->img, cfg->cmdline, d->cmdline_size);
	if (why != NULL)
		return why;
	if (d->kernel_gpa < LOW_MEM_END || d->kernel_gpa % l->img.alignment != 0)
		return "kernel not at a multiple of its kernel_alignment above 1 MiB";
	l->kernel_end = d->kernel_gpa + l->img.init_size;
	if (l->kernel_end < d->kernel_gpa || !memmap_contains(cfg->guest_ram, d->kernel_gpa, l->kernel_end))
		return "the kernel's init_size window is not all guest RAM";
	memmap_init(&l->measured);
	if (memmap_add(&l->measured, d->kernel_gpa, up(d->kernel_gpa + d->kernel_size, PAGE)) != SVSM_OK)
		return "kernel range";
	if (d->initrd_gpa != 0 || d->initrd_size != 0) {
		uint64_t end = d->initrd_gpa + d->initrd_size;

		if (d->initrd_gpa % PAGE != 0 || d->initrd_size == 0 || end < d->initrd_gpa ||
		    !memmap_contains(cfg->guest_ram, d->initrd_gpa, end))
			return "initrd not in guest RAM (too large for the VM's memory?)";
		if (overlaps(d->initrd_gpa, end, d->kernel_gpa, l->kernel_end))
			return "initrd overlaps the kernel's init_size window";
		if (end - 1 > l->img.hdr.initrd_addr_max && !(l->img.hdr.xloadflags & LINUX_XLF_CAN_BE_LOADED_ABOVE_4G))
			return "initrd ends above the kernel's initrd_addr_max";
		if (memmap_add(&l->measured, d->initrd_gpa, up(end, PAGE)) != SVSM_OK)
			return "initrd range";
	}
	if (cfg->vcpu_count == 0 || cfg->vcpu_count > LINUX_ACPI_MAX_CPUS)
		return "vCPU count out of range for the MADT";
	if (cfg->guest_ram->count == 0)
		return "no guest RAM";
	l->ram_top = cfg->guest_ram->r[cfg->guest_ram->count - 1].end;
	l->pds = (unsigned)(up(l->ram_top, ONE_GB) / ONE_GB);
	if (l->pds > LINUX_MAX_RAM_GIB)
		return "guest RAM above 64 GiB: more than the boot page tables map";
	if ((cfg->cbit & (cfg->cbit - 1)) != 0 || cfg->cbit < l->ram_top)
		return "bad C-bit";
	return NULL;
}

/* The lowest 2 MiB-aligned 2 MiB of guest RAM above 1 MiB and below 4 GiB clear of the kernel and initrd. */
static const char *pick_block(struct ll *l)
{
	const struct linux_launch_cfg *cfg = l->cfg;

	for (uint64_t b = TWO_MB; b + TWO_MB <= LIMIT_4G; b += TWO_MB) {
		if (memmap_contains(cfg->guest_ram, b, b + TWO_MB) && !memmap_intersects(&l->measured, b, b + TWO_MB) &&
		    !overlaps(b, b + TWO_MB, cfg->desc->kernel_gpa, l->kernel_end)) {
			l->o->block_gpa = b;
			return NULL;
		}
	}
	return "no 2 MiB of guest RAM below 4 GiB left for the boot block";
}

static uint64_t block_page(const struct ll *l, unsigned i)
{
	return l->o->block_gpa + i * PAGE;
}

static uint64_t block_special_end(const struct ll *l)
{
	return block_page(l, LINUX_BLOCK_PAGE_PD + l->pds);
}

/*
 * The launch's pages as the RMP operations take them: every address here
 * was checked to be guest RAM (kernel and initrd in check_desc(), the rest
 * chosen from the guest's RAM map: pick_block(), take_ram()).
 */
static paddr_t launch_pa(uint64_t gpa)
{
	return pa_from_checked_gpa(gpa_init(gpa));
}

static int grant(const struct ll *l, uint64_t gpa, unsigned size, const char **why)
{
	if (!insn_rc_ok(platform_rmpadjust(launch_pa(gpa), size, l->cfg->vmpl | RMP_PERM_ALL))) {
		*why = "RMPADJUST grant to the guest failed";
		return SVSM_EIO;
	}
	l->o->granted += size == RMP_PG_SIZE_2M ? TWO_MB : PAGE;
	return SVSM_OK;
}

/* guest_page_take, counted by page size. */
static int take(struct ll *l, uint64_t gpa, unsigned size, const char **why)
{
	int err = guest_page_take(launch_pa(gpa), size, why);

	if (err != SVSM_OK)
		return err;
	if (size == RMP_PG_SIZE_2M)
		l->o->validated_2m++;
	else
		l->o->validated_4k++;
	return SVSM_OK;
}

static int take_ram(struct ll *l, const char **why)
{
	const struct memmap *ram = l->cfg->guest_ram;
	uint64_t blk = l->o->block_gpa, vmsa = block_page(l, LINUX_BLOCK_PAGE_VMSA);
	int err = SVSM_OK;

	for (unsigned i = 0; i < ram->count && err == SVSM_OK; i++) {
		for (uint64_t a = ram->r[i].start; a < ram->r[i].end && err == SVSM_OK;) {
			if (a % TWO_MB == 0 && a + TWO_MB <= ram->r[i].end && !memmap_intersects(&l->measured, a, a + TWO_MB) &&
			    a != blk) {
				err = take(l, a, RMP_PG_SIZE_2M, why);
				if (err == SVSM_OK)
					err = grant(l, a, RMP_PG_SIZE_2M, why);
				a += TWO_MB;
				continue;
			}
			if (!memmap_contains(&l->measured, a, a + PAGE))
				err = take(l, a, RMP_PG_SIZE_4K, why);
			if (err == SVSM_OK && a != vmsa)
				err = grant(l, a, RMP_PG_SIZE_4K, why);
			a += PAGE;
		}
	}
	return err;
}

static int put(struct ll *l, uint64_t gpa, const char **why)
{
	if (copy_to_guest(gpa_init(gpa), l->page, PAGE, PAGE) != SVSM_OK) {
		*why = "writing a boot page failed";
		return SVSM_EFAULT;
	}
	return SVSM_OK;
}

/* Appends [addr, addr + size) of type to the e820 map, merged with the last entry where it continues it. */
static bool e820_add(struct linux_boot_params *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	struct linux_e820_entry *last = bp->e820_entries ? &bp->e820_table[bp->e820_entries - 1] : NULL;

	if (size == 0)
		return true;
	if (last != NULL && last->type == type && last->addr + last->size == addr) {
		last->size += size;
		return true;
	}
	if (bp->e820_entries == LINUX_E820_MAX)
		return false;
	bp->e820_table[bp->e820_entries++] = (struct linux_e820_entry){ addr, size, type };
	return true;
}

/* The type of the page at a: reserved in the legacy hole and the block's boot pages, ACPI for the tables. */
static uint32_t e820_type(const struct ll *l, uint64_t a)
{
	if (a >= LOW_RAM_END && a < LOW_MEM_END)
		return LINUX_E820_RESERVED;
	if (a == block_page(l, LINUX_BLOCK_PAGE_ACPI))
		return LINUX_E820_ACPI;
	if (a >= l->o->block_gpa && a < block_special_end(l))
		return LINUX_E820_RESERVED;
	return LINUX_E820_RAM;
}

/* The e820 map: guest RAM, typed per page by e820_type, which changes only at these boundaries. */
static const char *build_e820(const struct ll *l, struct linux_boot_params *bp)
{
	const struct memmap *ram = l->cfg->guest_ram;
	const uint64_t acpi = block_page(l, LINUX_BLOCK_PAGE_ACPI);
	const uint64_t edges[] = { LOW_RAM_END, LOW_MEM_END, l->o->block_gpa, acpi, acpi + PAGE, block_special_end(l) };

	for (unsigned i = 0; i < ram->count; i++) {
		for (uint64_t a = ram->r[i].start; a < ram->r[i].end;) {
			uint64_t b = ram->r[i].end;

			for (unsigned k = 0; k < sizeof(edges) / sizeof(edges[0]); k++)
				b = edges[k] > a && edges[k] < b ? edges[k] : b;
			if (!e820_add(bp, a, b - a, e820_type(l, a)))
				return "more than 128 e820 entries";
			a = b;
		}
	}
	return NULL;
}

static int boot_params(struct ll *l, const char **why)
{
	const struct linux_launch_cfg *cfg = l->cfg;
	struct linux_boot_params *bp = (struct linux_boot_params *)l->page;
	uint64_t cmdline = block_page(l, LINUX_BLOCK_PAGE_CMDLINE);
	const struct svsm_linux_payload *d = cfg->desc;

	memset(l->page, 0, sizeof(l->page));
	/* boot.rst: the setup header as the file has it, to 0x202 + the byte at 0x201. */
	memcpy(&bp->hdr, cfg->setup + LINUX_SETUP_HDR_OFFSET, 0x202u + cfg->setup[0x201] - LINUX_SETUP_HDR_OFFSET);
	bp->hdr.type_of_loader = LINUX_LOADER_UNDEFINED;
	bp->hdr.loadflags = (uint8_t)(bp->hdr.loadflags | LINUX_LOADED_HIGH);
	bp->hdr.cmd_line_ptr = (uint32_t)cmdline;
	bp->ext_cmd_line_ptr = (uint32_t)(cmdline >> 32);
	bp->hdr.ramdisk_image = (uint32_t)d->initrd_gpa;
	bp->ext_ramdisk_image = (uint32_t)(d->initrd_gpa >> 32);
	bp->hdr.ramdisk_size = (uint32_t)d->initrd_size;
	bp->ext_ramdisk_size = (uint32_t)(d->initrd_size >> 32);
	bp->hdr.setup_data = block_page(l, LINUX_BLOCK_PAGE_CC) + LINUX_SETUP_CC_OFFSET;
	bp->acpi_rsdp_addr = block_page(l, LINUX_BLOCK_PAGE_ACPI);
	*why = build_e820(l, bp);
	if (*why != NULL)
		return SVSM_EINVAL;
	l->o->e820_entries = bp->e820_entries;
	l->o->boot_params_gpa = block_page(l, LINUX_BLOCK_PAGE_PARAMS);
	l->o->rsdp_gpa = bp->acpi_rsdp_addr;
	return put(l, l->o->boot_params_gpa, why);
}

static void build_vmsa(struct ll *l)
{
	const struct linux_launch_cfg *cfg = l->cfg;
	struct vmsa *v = (struct vmsa *)l->page;
	const struct vmsa_seg code = { LINUX_SEL_CODE, VMSA_ATTR_CODE64, 0xFFFFFFFF, 0 };
	const struct vmsa_seg data = { LINUX_SEL_DATA, 0xC93, 0xFFFFFFFF, 0 };

	memset(l->page, 0, sizeof(l->page));
	v->cs = code;
	v->ds = v->es = v->ss = v->fs = v->gs = data;
	v->tr = (struct vmsa_seg){ 0, VMSA_ATTR_TSS_BUSY, 0xFFFF, 0 };
	v->ldtr = (struct vmsa_seg){ 0, VMSA_ATTR_LDT, 0xFFFF, 0 };
	v->gdtr.base = block_page(l, LINUX_BLOCK_PAGE_GDT);
	v->gdtr.limit = 4 * 8 - 1;
	v->vmpl = (uint8_t)cfg->vmpl;
	v->efer = BOOT_EFER;
	v->cr0 = BOOT_CR0;
	v->cr4 = BOOT_CR4;
	v->cr3 = block_page(l, LINUX_BLOCK_PAGE_PML4) | cfg->cbit;
	v->rflags = 2;
	v->dr6 = 0xFFFF0FF0;
	v->dr7 = 0x400;
	v->rip = l->o->entry;
	v->rsi = l->o->boot_params_gpa;
	v->g_pat = BOOT_PAT;
	v->xcr0 = 1;
	v->mxcsr = 0x1F80;
	v->x87_fcw = 0x37F;
	v->sev_features = cfg->sev_features;
}

/*
 * Measured boot (linux_launch.h): the kernel file, the initrd and the command line into the vTPM
 * and the event log, which goes into its block page as a setup_data node.
 */
static int measure(struct ll *l, const char **why)
{
	const struct linux_launch_cfg *cfg = l->cfg;
	const struct svsm_linux_payload *d = cfg->desc;
	struct linux_setup_data *node = (struct linux_setup_data *)l->page;
	static const char kernel_ev[] = "Linux kernel (bzImage: setup part, protected-mode part)";
	static const char initrd_ev[] = "Linux initrd";
	const struct mb_piece kernel[] = { { cfg->setup, 0, d->setup_size }, { NULL, d->kernel_gpa, d->kernel_size } };
	const struct mb_piece initrd = { NULL, d->initrd_gpa, d->initrd_size };
	const struct mb_piece cmdline = { cfg->cmdline, 0, d->cmdline_size };
	static struct mb_log log;
	static char cmdline_ev[SVSM_LAUNCH_CMDLINE_MAX]; /* the command line and a NUL */
	int err;

	memcpy(cmdline_ev, cfg->cmdline, d->cmdline_size); /* checked: cmdline_size < 4096 */
	cmdline_ev[d->cmdline_size] = 0;
	memset(l->page, 0, sizeof(l->page));
	err = mb_start(&log, cfg->tpm, l->page + sizeof(*node), sizeof(l->page) - sizeof(*node), why);
	if (err == SVSM_OK)
		err = mb_measure(&log, LINUX_PCR_KERNEL, TCG_EV_IPL, kernel, 2, kernel_ev, sizeof(kernel_ev), why);
	if (err == SVSM_OK && d->initrd_size != 0)
		err = mb_measure(&log, LINUX_PCR_INITRD, TCG_EV_IPL, &initrd, 1, initrd_ev, sizeof(initrd_ev), why);
	if (err == SVSM_OK)
		err = mb_measure(&log, LINUX_PCR_CMDLINE, TCG_EV_IPL, &cmdline, 1, cmdline_ev, d->cmdline_size + 1,
				 why);
	if (err != SVSM_OK)
		return err;
	*node = (struct linux_setup_data){ 0, LINUX_SETUP_SVSM_TCG_LOG, (uint32_t)log.len };
	l->o->measured_events = log.events;
	l->o->tcg_log_len = (uint32_t)log.len;
	return put(l, block_page(l, LINUX_BLOCK_PAGE_TCG_LOG), why);
}

static int block_pages(struct ll *l, const char **why)
{
	const struct linux_launch_cfg *cfg = l->cfg;
	uint64_t *q = (uint64_t *)l->page;
	int err;

	if (cfg->tpm != NULL && (err = measure(l, why)) != SVSM_OK)
		return err;

	/* 0: the CC blob, and the setup_data node pointing at it. */
	memset(l->page, 0, sizeof(l->page));
	struct linux_cc_blob cc = {
		.magic = LINUX_CC_BLOB_MAGIC,
		.version = 1,
		.secrets_phys = block_page(l, LINUX_BLOCK_PAGE_SECRETS),
		.secrets_len = PAGE,
		.cpuid_phys = block_page(l, LINUX_BLOCK_PAGE_CPUID),
		.cpuid_len = PAGE,
	};
	struct linux_setup_data_cc sd = {
		{ cfg->tpm != NULL ? block_page(l, LINUX_BLOCK_PAGE_TCG_LOG) : 0, LINUX_SETUP_CC_BLOB, 4 },
		(uint32_t)block_page(l, LINUX_BLOCK_PAGE_CC)
	};

	memcpy(l->page, &cc, sizeof(cc));
	memcpy(l->page + LINUX_SETUP_CC_OFFSET, &sd, sizeof(sd));
	if ((err = put(l, block_page(l, LINUX_BLOCK_PAGE_CC), why)) != SVSM_OK)
		return err;

	memset(l->page, 0, sizeof(l->page));
	memcpy(l->page, cfg->cpuid, sizeof(*cfg->cpuid));
	if ((err = put(l, block_page(l, LINUX_BLOCK_PAGE_CPUID), why)) != SVSM_OK)
		return err;

	struct snp_svsm_desc desc = {
		.base = cfg->svsm_base,
		.size = cfg->svsm_size,
		.caa = block_page(l, LINUX_BLOCK_PAGE_CA),
		.max_version = 1,
		.guest_vmpl = (uint8_t)cfg->vmpl,
	};

	if (snp_secrets_for_guest(cfg->secrets, &desc, (struct snp_secrets_page *)l->page) != SVSM_OK) {
		*why = "the guest's secrets page could not be built";
		return SVSM_EINVAL;
	}
	if ((err = put(l, block_page(l, LINUX_BLOCK_PAGE_SECRETS), why)) != SVSM_OK)
		return err;
	l->o->caa_gpa = desc.caa;
	memset(l->page, 0, sizeof(l->page));
	if ((err = put(l, desc.caa, why)) != SVSM_OK)
		return err;

	memcpy(l->page, cfg->cmdline, cfg->desc->cmdline_size); /* checked: at most cmdline_size < 4096 */
	if ((err = put(l, block_page(l, LINUX_BLOCK_PAGE_CMDLINE), why)) != SVSM_OK)
		return err;

	memset(l->page, 0, sizeof(l->page));
	q[LINUX_SEL_CODE / 8] = GDT_CODE64;
	q[LINUX_SEL_DATA / 8] = GDT_DATA;
	if ((err = put(l, block_page(l, LINUX_BLOCK_PAGE_GDT), why)) != SVSM_OK)
		return err;

	if (linux_acpi_build(l->page, block_page(l, LINUX_BLOCK_PAGE_ACPI), cfg->vcpu_count) != SVSM_OK) {
		*why = "ACPI tables";
		return SVSM_EINVAL;
	}
	if ((err = put(l, block_page(l, LINUX_BLOCK_PAGE_ACPI), why)) != SVSM_OK)
		return err;

	/* Page tables: all of guest RAM's GiBs mapped 1:1, private, in 2 MiB pages. */
	memset(l->page, 0, sizeof(l->page));
	q[0] = block_page(l, LINUX_BLOCK_PAGE_PDPT) | cfg->cbit | PTE_P | PTE_W;
	if ((err = put(l, block_page(l, LINUX_BLOCK_PAGE_PML4), why)) != SVSM_OK)
		return err;
	memset(l->page, 0, sizeof(l->page));
	for (unsigned i = 0; i < l->pds; i++)
		q[i] = block_page(l, LINUX_BLOCK_PAGE_PD + i) | cfg->cbit | PTE_P | PTE_W;
	if ((err = put(l, block_page(l, LINUX_BLOCK_PAGE_PDPT), why)) != SVSM_OK)
		return err;
	for (unsigned i = 0; i < l->pds; i++) {
		for (unsigned j = 0; j < 512; j++)
			q[j] = (i * ONE_GB + j * TWO_MB) | cfg->cbit | PTE_P | PTE_W | PTE_PS;
		if ((err = put(l, block_page(l, LINUX_BLOCK_PAGE_PD + i), why)) != SVSM_OK)
			return err;
	}

	if ((err = boot_params(l, why)) != SVSM_OK)
		return err;

	/* The VMSA last, VMPL0 only, with the VMSA bit (set through VMPL1's RMPADJUST). */
	build_vmsa(l);
	l->o->vmsa_gpa = block_page(l, LINUX_BLOCK_PAGE_VMSA);
	if ((err = put(l, l->o->vmsa_gpa, why)) != SVSM_OK)
		return err;
	if (!insn_rc_ok(platform_rmpadjust(launch_pa(l->o->vmsa_gpa), RMP_PG_SIZE_4K, 1 | RMPADJUST_VMSA))) {
		*why = "marking the boot VMSA failed";
		return SVSM_EIO;
	}
	return SVSM_OK;
}

/* The legacy area below 1 MiB zeroed: Linux reads the BIOS data area (EBDA pointer at 0x40E) there. */
static int zero_low(struct ll *l, const char **why)
{
	memset(l->page, 0, sizeof(l->page));
	for (uint64_t a = 0; a < LOW_MEM_END; a += PAGE) {
		if (memmap_contains(l->cfg->guest_ram, a, a + PAGE) && put(l, a, why) != SVSM_OK)
			return SVSM_EFAULT;
	}
	return SVSM_OK;
}

int linux_launch(const struct linux_launch_cfg *cfg, struct linux_launch_out *out, const char **why)
{
	static struct ll l; /* one launch at a time; the page buffer off the stack */
	int err;

	memset(&l, 0, sizeof(l));
	memset(out, 0, sizeof(*out));
	l.cfg = cfg;
	l.o = out;
	*why = "";
	if (cfg->vmpl < 1 || cfg->vmpl > 3) {
		*why = "guest VMPL must be 1..3";
		return SVSM_EINVAL;
	}
	if ((*why = check_desc(&l)) != NULL || (*why = pick_block(&l)) != NULL)
		return SVSM_EINVAL;
	*why = "";
	out->entry = cfg->desc->kernel_gpa + LINUX_ENTRY64_OFFSET;
	err = take_ram(&l, why);
	if (err == SVSM_OK)
		err = zero_low(&l, why);
	if (err == SVSM_OK)
		err = block_pages(&l, why);
	return err;
}
