/* SPDX-License-Identifier: MIT */
/*
 * snp-verify: checks an SNP attestation report as a relying party would.
 *   snp-verify REPORT ARK.der ASK.der VCEK.der [--report-data HEX]
 * REPORT is the raw 1184-byte ATTESTATION_REPORT (what SVSM_ATTEST_*
 * writes into the report buffer). With --report-data the report's
 * REPORT_DATA must equal the 64 given bytes (128 hex digits).
 * Exit status: 0 verified, 1 not verified, 2 usage or file error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_verify.h"

#define CERT_MAX (64 * 1024)

static int read_file(const char *path, uint8_t *buf, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		fprintf(stderr, "snp-verify: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*len = fread(buf, 1, max, f);
	if (ferror(f) || (*len == max && fgetc(f) != EOF)) {
		fprintf(stderr, "snp-verify: %s: unreadable or larger than %zu bytes\n", path, max);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static int parse_hex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static void print_hex(const char *name, const uint8_t *b, size_t n)
{
	printf("%-12s ", name);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	static uint8_t ark[CERT_MAX], ask[CERT_MAX], vcek[CERT_MAX];
	static struct snp_attestation_report report;
	uint8_t want[SNP_REPORT_DATA_LEN];
	size_t rlen, ark_len, ask_len, vcek_len;
	int check_data = 0;

	if (argc == 7 && strcmp(argv[5], "--report-data") == 0) {
		if (parse_hex(argv[6], want, sizeof(want)) != 0) {
			fprintf(stderr, "snp-verify: --report-data needs exactly 128 hex digits\n");
			return 2;
		}
		check_data = 1;
	} else if (argc != 5) {
		fprintf(stderr, "usage: snp-verify REPORT ARK.der ASK.der VCEK.der [--report-data HEX]\n");
		return 2;
	}
	if (read_file(argv[1], (uint8_t *)&report, sizeof(report), &rlen) != 0 ||
	    read_file(argv[2], ark, sizeof(ark), &ark_len) != 0 ||
	    read_file(argv[3], ask, sizeof(ask), &ask_len) != 0 ||
	    read_file(argv[4], vcek, sizeof(vcek), &vcek_len) != 0)
		return 2;
	if (rlen != sizeof(report)) {
		fprintf(stderr, "snp-verify: %s: %zu bytes, an attestation report is %u\n", argv[1],
			rlen, SNP_REPORT_SIZE);
		return 2;
	}

	const struct report_certs certs = { ark, ark_len, ask, ask_len, vcek, vcek_len };
	enum report_verdict v = snp_report_verify(&report, &certs);

	printf("version      %u\nvmpl         %u\npolicy       0x%llx\n", report.version, report.vmpl,
	       (unsigned long long)report.policy);
	print_hex("measurement", report.measurement, sizeof(report.measurement));
	print_hex("report_data", report.report_data, sizeof(report.report_data));
	print_hex("chip_id", report.chip_id, sizeof(report.chip_id));
	printf("verdict      %s\n", snp_report_verdict_name(v));
	if (v != REPORT_OK)
		return 1;
	if (check_data && memcmp(want, report.report_data, sizeof(want)) != 0) {
		printf("verdict      REPORT_DATA differs from --report-data\n");
		return 1;
	}
	return 0;
}
