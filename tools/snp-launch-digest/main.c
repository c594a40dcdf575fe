/* SPDX-License-Identifier: MIT */
/*
 * snp-launch-digest: the launch digest (report MEASUREMENT) vsnp gives a
 * payload, computed from the payload file on the host.
 *   snp-launch-digest PAYLOAD.elf [--cbit-pos N] [--vmpl N] [--sev-features HEX]
 *   snp-launch-digest --igvm FILE.igvm
 * It runs the SVSM's own launch code (svsm/guest/launch.c) on the fake
 * backend with a guest memory that keeps nothing: every page the launch
 * places goes through the same PAGE_INFO chain as in the SVSM
 * (vsnp/model/launch_digest.c). The pages whose contents a host
 * chooses per boot (boot page, secrets and CPUID pages) are not hashed, so
 * only the file and the launch's fixed inputs count: the guest C-bit
 * position (the SVSM prints it at boot; 39 under QEMU's default 40 physical
 * address bits), the VMPL and SEV_FEATURES (the SVSM's defaults).
 * With --igvm, the digest of an IGVM file's SEV-SNP platform as its loader
 * launches it (vsnp/model/igvm_measure.c: file order, PAGE_DATA,
 * PARAMETER_INSERT and the VP context's VMSA at 0xFFFFFFFFF000, the rules
 * of the igvm crate's and COCONUT's igvmmeasure), after the file passed
 * every check of lib/igvm.c.
 * Prints the digest as 96 hex digits. Exit 0; 1 the payload or file is
 * refused (with the reason); 2 usage or file error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/snp.h"
#include "elf_check.h"
#include "svsm/errno.h"
#include "../tool_file.h"
#include "svsm/guest_launch.h"
#include "svsm/guest_mem.h"
#include "vsnp/igvm_measure.h"
#include "vsnp/launch_digest.h"
#include "svsm/platform_fake.h"

#define FILE_MAX (64u << 20)
#define DEFAULT_CBIT_POS 39u
#define TWO_MB (2ull << 20)

/* The fake backend starts from the native table; the kernel's is not linked here. */
const struct platform_ops platform_native_ops = { .name = "native" };

static struct memmap guest_ram;

/* Guest memory that keeps nothing: the digest hashes what the launch hands to it. */
int copy_to_guest(gpa_t guest, const void *src, size_t len, size_t align)
{
	uint64_t gpa = gpa_addr(guest);

	(void)src;
	if ((gpa & (align - 1)) != 0)
		return SVSM_EINVAL;
	return memmap_contains(&guest_ram, gpa, gpa + len) ? SVSM_OK : SVSM_EFAULT;
}

int copy_from_guest(void *dst, gpa_t guest, size_t len, size_t align)
{
	uint64_t gpa = gpa_addr(guest);

	(void)dst, (void)gpa, (void)len, (void)align;
	return SVSM_EFAULT; /* the launch never reads guest memory */
}

static uint8_t *read_file(const char *path, size_t *len)
{
	return tool_read_file("snp-launch-digest", path, FILE_MAX, len);
}

static int parse_uint(const char *s, int base, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, base);
	return errno == 0 && *s != '\0' && *s != '-' && *end == '\0' && *out <= max ? 0 : -1;
}

static int usage(void)
{
	fprintf(stderr, "usage: snp-launch-digest PAYLOAD.elf [--cbit-pos N] [--vmpl N] "
			"[--sev-features HEX]\n       snp-launch-digest --igvm FILE.igvm\n");
	return 2;
}

static void print_digest(const struct launch_digest *d)
{
	for (unsigned i = 0; i < sizeof(d->ld); i++)
		printf("%02x", d->ld[i]);
	printf("\n");
}

/* --igvm: the launch digest of the file's SEV-SNP platform. */
static int igvm_digest(const char *path)
{
	static struct igvm_file f;
	char why[IGVM_WHY_LEN];
	struct launch_digest d;
	size_t len;
	uint8_t *buf = read_file(path, &len);

	if (buf == NULL)
		return 2;
	/* At most one page per 4 KiB of the file, and one per header: a generous bound for the overlap check. */
	size_t scratch_n = len / 4096 + len / 8 + 1;
	uint64_t *scratch = malloc(scratch_n * sizeof(*scratch));
	int rc = 1;

	if (scratch == NULL) {
		fprintf(stderr, "snp-launch-digest: no memory\n");
		rc = 2;
	} else if (igvm_open(&f, buf, len, scratch, scratch_n, why) != SVSM_OK) {
		fprintf(stderr, "snp-launch-digest: %s: IGVM file refused: %s\n", path, why);
	} else if (igvm_platform_of(&f, IGVM_PLATFORM_SEV_SNP) == NULL) {
		fprintf(stderr, "snp-launch-digest: %s: the IGVM file has no SEV-SNP platform\n", path);
	} else if (igvm_measure(&f, igvm_platform_of(&f, IGVM_PLATFORM_SEV_SNP)->mask, &d, why) != SVSM_OK) {
		fprintf(stderr, "snp-launch-digest: %s: %s\n", path, why);
	} else {
		print_digest(&d);
		fprintf(stderr, "snp-launch-digest: %llu pages measured from %u IGVM headers\n",
			(unsigned long long)d.pages, f.headers);
		rc = 0;
	}
	free(scratch);
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long long cbit_pos = DEFAULT_CBIT_POS, vmpl = GUEST_LAUNCH_VMPL;
	unsigned long long sev_features = GUEST_LAUNCH_SEV_FEATURES;
	const char *path = NULL;

	if (argc >= 2 && strcmp(argv[1], "--igvm") == 0)
		return argc == 3 ? igvm_digest(argv[2]) : usage();
	for (int i = 1; i < argc; i++) {
		int bad = 0;

		if (strcmp(argv[i], "--cbit-pos") == 0 && i + 1 < argc)
			bad = parse_uint(argv[++i], 10, 51, &cbit_pos) != 0 || cbit_pos < 32;
		else if (strcmp(argv[i], "--vmpl") == 0 && i + 1 < argc)
			bad = parse_uint(argv[++i], 10, 3, &vmpl) != 0 || vmpl < 1;
		else if (strcmp(argv[i], "--sev-features") == 0 && i + 1 < argc)
			bad = parse_uint(argv[++i], 16, ~0ull, &sev_features) != 0;
		else if (argv[i][0] != '-' && path == NULL)
			path = argv[i];
		else
			return usage();
		if (bad) {
			fprintf(stderr, "snp-launch-digest: bad value for %s: '%s' (C-bit position 32..51, "
					"VMPL 1..3, SEV features in hex)\n", argv[i - 1], argv[i]);
			return 2;
		}
	}
	if (path == NULL)
		return usage();

	size_t len;
	uint8_t *elf = read_file(path, &len);

	if (elf == NULL)
		return 2;

	/* Size the model from the image: guest RAM from 1 MiB to past the launch pages. */
	struct elf_kernel k;
	const char *why = elf_kernel_check(elf, len, GUEST_LAUNCH_MIN_VA, GUEST_LAUNCH_MAX_SPAN, &k);

	if (why != NULL) {
		fprintf(stderr, "snp-launch-digest: %s: payload refused: %s\n", path, why);
		return 1;
	}
	uint64_t top = (k.va_end + GUEST_LAUNCH_PAGES * 4096ull + TWO_MB - 1) & ~(TWO_MB - 1);
	uint64_t pages = (top + TWO_MB) / 4096; /* one more 2 MiB for the SVSM's range */
	struct rmp_entry *entries = calloc(pages, sizeof(*entries));
	static struct rmp_model rmp;
	static struct platform_fake fake;
	static struct snp_cpuid_table cpuid;
	static struct snp_secrets_page secrets;
	struct launch_digest d;
	struct guest_launch_out o;

	if (entries == NULL || rmp_model_init(&rmp, entries, 0, pages) != SVSM_OK) {
		fprintf(stderr, "snp-launch-digest: no memory for the RMP model\n");
		return 2;
	}
	fake.rmp = &rmp;
	platform_fake_install(&fake);
	memmap_init(&guest_ram);
	if (memmap_add(&guest_ram, GUEST_LAUNCH_MIN_VA, top) != SVSM_OK) {
		fprintf(stderr, "snp-launch-digest: payload too large\n");
		return 1;
	}
	/* Not hashed (SECRETS/CPUID pages), but the launch checks them: any valid content. */
	secrets.version = 3;
	memset(secrets.vmpck, 0xA5, sizeof(secrets.vmpck));
	cpuid.count = 1;

	struct guest_launch_cfg cfg = {
		.elf = elf,
		.elf_size = len,
		.guest_ram = &guest_ram,
		.cbit = 1ull << cbit_pos,
		.vmpl = (unsigned)vmpl,
		.sev_features = sev_features,
		.cpuid = &cpuid,
		.secrets = &secrets,
		.svsm_base = top,
		.svsm_size = TWO_MB,
		.cmdline = "",
		.vcpu_count = 1,
		.measure = launch_digest_measure,
		.measure_ctx = &d,
	};

	launch_digest_init(&d);
	if (guest_launch(&cfg, &o, &why) != SVSM_OK) {
		fprintf(stderr, "snp-launch-digest: %s: payload refused: %s\n", path, why);
		return 1;
	}
	print_digest(&d);
	fprintf(stderr, "snp-launch-digest: %llu pages measured (image 0x%llx-0x%llx, launch pages "
			"0x%llx-0x%llx)\n", (unsigned long long)d.pages,
		(unsigned long long)o.image_start, (unsigned long long)o.image_end,
		(unsigned long long)o.boot_start, (unsigned long long)o.boot_end);
	free(entries);
	free(elf);
	return 0;
}
