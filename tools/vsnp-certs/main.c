/* SPDX-License-Identifier: MIT */
/*
 * vsnp-certs: writes the certificate chain of the chip vsnp emulates.
 *   vsnp-certs OUTDIR      (created if it does not exist; its parent must)
 * The chain comes from the same PSP model and the same public chip seed
 * as in the SVSM (include/vsnp/vsnp_chip.h), so it is what signs vsnp's
 * reports: OUTDIR/ark.der, ask.der and vcek.der, for snp-verify. It is a
 * test-only chain: anyone can rebuild it, so a report that verifies under
 * it proves nothing about confidentiality (vsnp has none).
 * Exit 0; 2 usage, key or file error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "svsm/errno.h"
#include "vsnp/psp_model.h"
#include "vsnp/vsnp_chip.h"

static int write_file(const char *dir, const char *name, const struct psp_cert *c)
{
	char path[4096];
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		fprintf(stderr, "vsnp-certs: %s: path too long\n", dir);
		return -1;
	}
	f = fopen(path, "wb");
	if (f == NULL || fwrite(c->der, 1, c->len, f) != c->len) {
		fprintf(stderr, "vsnp-certs: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "vsnp-certs: %s: %s\n", path, strerror(errno));
		return -1;
	}
	printf("%s (%zu bytes)\n", path, c->len);
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t seed[32] = VSNP_CHIP_SEED;
	static struct psp_model psp;
	const struct psp_launch none = { .policy = VSNP_GUEST_POLICY };

	if (argc != 2) {
		fprintf(stderr, "usage: vsnp-certs OUTDIR\n");
		return 2;
	}
	if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "vsnp-certs: cannot create %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (psp_model_init(&psp, seed, &none) != SVSM_OK) {
		fprintf(stderr, "vsnp-certs: the PSP model could not make the chip's keys\n");
		return 2;
	}
	int bad = write_file(argv[1], "ark.der", &psp.ark_cert) != 0 ||
		  write_file(argv[1], "ask.der", &psp.ask_cert) != 0 ||
		  write_file(argv[1], "vcek.der", &psp.vcek_cert) != 0;

	psp_model_free(&psp);
	return bad ? 2 : 0;
}
