/* SPDX-License-Identifier: MIT */
/*
 * Figures measured inside the VMPL2 guest (command-line word guest.bench):
 * null SVSM calls (QUERY_PROTOCOL) per second beside bare VMGEXIT round
 * trips (an MSR-protocol SEV-information request, which the SVSM answers
 * without leaving its exit handler), and pages per second validated
 * through the PVALIDATE call with 4 KiB and with 2 MiB entries. The clock
 * is the TSC, calibrated against the PIT (channel 2, 50 ms), whose ports
 * go to QEMU's emulated PIT. Figures only: nothing passes or fails on them.
 */
#include "abi/ghcb.h"
#include "guest.h"
#include "guest_bench.h"
#include "lib/io.h"

#define PIT_HZ 1193182u
#define CAL_MS 50u

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* TSC ticks per second: PIT channel 2 in mode 0 counts CAL_MS down; OUT2 (port 0x61 bit 5) rises at 0. */
static uint64_t tsc_hz(void)
{
	uint16_t count = (uint16_t)(PIT_HZ * CAL_MS / 1000);

	io_outb(0x61, (uint8_t)((io_inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
	io_outb(0x43, 0xB0);                                      /* channel 2, lo/hi, mode 0 */
	io_outb(0x42, (uint8_t)count);
	io_outb(0x42, (uint8_t)(count >> 8));
	uint64_t t0 = rdtsc();

	while (!(io_inb(0x61) & 0x20))
		;
	return (rdtsc() - t0) * 1000 / CAL_MS;
}

static void rate(const char *what, uint64_t n, uint64_t ticks, uint64_t hz, const char *unit)
{
	uint64_t per_s = ticks ? n * hz / ticks : 0;
	uint64_t ns = n ? ticks * 1000000000ull / hz / n : 0;

	guest_printf("# bench: %-44s %8llu %s/s  (%llu ns each, n=%llu)\n", what,
		     (unsigned long long)per_s, unit, (unsigned long long)ns, (unsigned long long)n);
}

/*
 * 8 rounds of validating 2 MiB at region through one PVALIDATE call (a list
 * of 510 x 4 KiB entries, or one 2 MiB entry), each followed by an untimed
 * rescind. False if a call failed (said on the console).
 */
static bool pvalidate_rounds(const struct guest_boot *boot, volatile struct svsm_ca *ca,
			     uint64_t region, bool large, uint64_t *ticks, uint64_t *pages)
{
	volatile struct svsm_pvalidate_hdr *h = (volatile struct svsm_pvalidate_hdr *)ca->buffer;
	volatile uint64_t *e = (volatile uint64_t *)(ca->buffer + sizeof(*h));
	unsigned n = large ? 1 : 510;

	*ticks = *pages = 0;
	for (unsigned r = 0; r < 8; r++) {
		for (unsigned pass = 0; pass < 2; pass++) {
			uint64_t action = pass == 0 ? SVSM_PVAL_ACTION_VALIDATE : 0;

			h->entries = (uint16_t)n, h->next = 0, h->reserved = 0;
			for (unsigned i = 0; i < n; i++)
				e[i] = large ? (region | 1 | action) : ((region + i * 4096ull) | action);
			struct guest_call c = { .rax = SVSM_CORE_PVALIDATE, .rcx = boot->caa_gpa + 8 };
			uint64_t t0 = rdtsc();

			guest_svsm_call(ca, &c);
			if (pass == 0)
				*ticks += rdtsc() - t0, *pages += large ? 512 : 510;
			if (c.rax != SVSM_SUCCESS) {
				guest_printf("# bench: PVALIDATE (%s entries) failed: 0x%llx\n",
					     large ? "2 MiB" : "4 KiB", (unsigned long long)c.rax);
				return false;
			}
		}
	}
	return true;
}

/* The vTPM buffer for the latency figures (§5.8). */
static uint8_t vbuf[4096] __attribute__((aligned(4096)));

/*
 * Microseconds per TPM command through SVSM_VTPM_CMD (VMGEXIT, the SVSM,
 * the CPL3 module, libtpms), BUSY answers retried as Linux does; each
 * command n times (a created key flushed after each, not timed).
 */
static void vtpm_latency(volatile struct svsm_ca *ca, const char *what, const uint8_t *cmd, uint32_t len,
			 unsigned n, bool flush, uint64_t hz)
{
	uint64_t ticks = 0, busy = 0;

	for (unsigned i = 0; i < n; i++) {
		struct guest_call c;
		uint64_t t0 = rdtsc();

		do {
			vbuf[0] = 8, vbuf[1] = vbuf[2] = vbuf[3] = 0, vbuf[4] = 0;
			for (unsigned k = 0; k < 4; k++)
				vbuf[5 + k] = (uint8_t)(len >> (8 * k));
			for (unsigned k = 0; k < len; k++)
				vbuf[9 + k] = cmd[k];
			c = (struct guest_call){ .rax = (uint64_t)SVSM_VTPM_PROTOCOL << 32 | SVSM_VTPM_CMD,
						 .rcx = (uint64_t)(uintptr_t)vbuf };
			guest_svsm_call(ca, &c);
			busy += c.rax == SVSM_ERR_BUSY;
		} while (c.rax == SVSM_ERR_BUSY);
		ticks += rdtsc() - t0;
		if (c.rax != SVSM_SUCCESS || vbuf[4 + 6] | vbuf[4 + 7] | vbuf[4 + 8] | vbuf[4 + 9]) {
			guest_printf("# bench: %s failed (round %u): 0x%llx, TPM rc 0x%02x%02x%02x%02x\n", what, i,
				     (unsigned long long)c.rax, vbuf[4 + 6], vbuf[4 + 7], vbuf[4 + 8], vbuf[4 + 9]);
			return;
		}
		if (flush) { /* TPM2_FlushContext(objectHandle), untimed */
			uint8_t fl[14] = { 0x80, 0x01, 0, 0, 0, 14, 0, 0, 0x01, 0x65 };

			for (unsigned k = 0; k < 4; k++)
				fl[10 + k] = vbuf[4 + 10 + k];
			/* The response overwrote the request header: all of it again. */
			vbuf[0] = 8, vbuf[1] = vbuf[2] = vbuf[3] = 0, vbuf[4] = 0;
			vbuf[5] = 14, vbuf[6] = vbuf[7] = vbuf[8] = 0;
			for (unsigned k = 0; k < 14; k++)
				vbuf[9 + k] = fl[k];
			c = (struct guest_call){ .rax = (uint64_t)SVSM_VTPM_PROTOCOL << 32 | SVSM_VTPM_CMD,
						 .rcx = (uint64_t)(uintptr_t)vbuf };
			guest_svsm_call(ca, &c);
			if (c.rax != SVSM_SUCCESS || vbuf[4 + 6] | vbuf[4 + 7] | vbuf[4 + 8] | vbuf[4 + 9])
				guest_printf("# bench: flush failed: 0x%llx, TPM rc 0x%02x%02x%02x%02x\n",
					     (unsigned long long)c.rax, vbuf[4 + 6], vbuf[4 + 7], vbuf[4 + 8], vbuf[4 + 9]);
		}
	}
	guest_printf("# bench: vTPM %-40s %8llu us each (n=%u, %llu BUSY answers)\n", what,
		     (unsigned long long)(ticks * 1000000 / hz / n), n, (unsigned long long)busy);
}

void guest_bench(const struct guest_boot *boot, volatile struct svsm_ca *ca, uint64_t region)
{
	uint64_t hz = tsc_hz();
	const unsigned calls = 2000;
	uint64_t t;

	guest_printf("# bench: TSC %llu MHz (PIT-calibrated)\n", (unsigned long long)(hz / 1000000));
	t = rdtsc();
	for (unsigned i = 0; i < calls; i++)
		(void)guest_msr_protocol(GHCB_MSR_SEV_INFO_REQ);
	rate("bare VMGEXIT round trips (MSR protocol)", calls, rdtsc() - t, hz, "exits");

	t = rdtsc();
	for (unsigned i = 0; i < calls; i++) {
		struct guest_call c = { .rax = SVSM_CORE_QUERY_PROTOCOL, .rcx = 1 };

		guest_svsm_call(ca, &c);
	}
	rate("null SVSM calls (QUERY_PROTOCOL)", calls, rdtsc() - t, hz, "calls");

	uint64_t ticks, pages;

	if (pvalidate_rounds(boot, ca, region, false, &ticks, &pages))
		rate("pages validated, 4 KiB entries (510 per call)", pages, ticks, hz, "pages");
	if (pvalidate_rounds(boot, ca, region, true, &ticks, &pages))
		rate("pages validated, 2 MiB entries (1 per call)", pages, ticks, hz, "pages");

	static const uint8_t getrandom[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7B, 0, 32 };
	static uint8_t extend[65] = {
		0x80, 0x02, 0, 0, 0, 65, 0, 0, 0x01, 0x82, 0, 0, 0, 16, 0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0,
		0, 0, 0, 1, 0, 0x0B,
	};
	static const uint8_t create_ecc[] = {
		0x80, 0x02, 0, 0, 0, 67, 0, 0, 0x01, 0x31, 0x40, 0, 0, 1, 0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0,
		0, 4, 0, 0, 0, 0, 0, 26, 0, 0x23, 0, 0x0B, 0, 0x03, 0, 0x72, 0, 0, 0, 0x06, 0, 128, 0, 0x43,
		0, 0x10, 0, 0x03, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};

	for (unsigned k = 0; k < 32; k++)
		extend[33 + k] = 0x5A;
	vtpm_latency(ca, "TPM2_GetRandom(32)", getrandom, sizeof(getrandom), 200, false, hz);
	vtpm_latency(ca, "TPM2_PCR_Extend(16, SHA-256)", extend, sizeof(extend), 200, false, hz);
	vtpm_latency(ca, "TPM2_CreatePrimary(ECC P-256)", create_ecc, sizeof(create_ecc), 20, true, hz);
}
