/* SPDX-License-Identifier: MIT */
/* TSC calibration (include/svsm/tsc.h). PIT: Intel 8254 data sheet; port 0x61 bits: IBM PC/AT. */
#include "svsm/tsc.h"

#include "lib/cpu.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/platform.h"

#define PIT_HZ 1193182u
#define CAL_MS 10u
/* Give up after this many TSC ticks (a PIT that never counts). */
#define CAL_LIMIT (20ull << 30)

static uint64_t hz, t0;

static int port_in(uint16_t port, uint8_t *v)
{
	uint32_t x = 0;
	int err = platform_io_in(port, 1, &x);

	*v = (uint8_t)x;
	return err;
}

void tsc_calibrate(void)
{
	uint16_t count = (uint16_t)(PIT_HZ * CAL_MS / 1000);
	uint8_t gate, out = 0;

	if (hz != 0)
		return;
	if (port_in(0x61, &gate) != SVSM_OK ||
	    platform_io_out(0x61, 1, (uint8_t)((gate & ~0x02u) | 0x01u)) != SVSM_OK || /* gate on, speaker off */
	    platform_io_out(0x43, 1, 0xB0) != SVSM_OK ||                             /* channel 2, lo/hi, mode 0 */
	    platform_io_out(0x42, 1, count & 0xFF) != SVSM_OK ||
	    platform_io_out(0x42, 1, count >> 8) != SVSM_OK) {
		log_warn("tsc: no PIT; clocks read 0");
		return;
	}
	uint64_t start = cpu_rdtsc(), now = start;

	while (!(out & 0x20) && now - start < CAL_LIMIT) { /* OUT2 (bit 5) rises at terminal count */
		if (port_in(0x61, &out) != SVSM_OK)
			break;
		now = cpu_rdtsc();
	}
	if (!(out & 0x20)) {
		log_warn("tsc: the PIT did not count; clocks read 0");
		return;
	}
	hz = (now - start) * 1000 / CAL_MS;
	t0 = now;
	log_info("tsc: %llu MHz (PIT-calibrated)", (unsigned long long)(hz / 1000000));
}

uint64_t tsc_hz(void)
{
	return hz;
}

uint64_t tsc_ns(void)
{
	if (hz == 0)
		return 0;
	uint64_t d = cpu_rdtsc() - t0;

	/* Split so d * 1e9 cannot overflow. */
	return d / hz * 1000000000ull + d % hz * 1000000000ull / hz;
}

uint64_t tsc_ms(void)
{
	return hz != 0 ? tsc_ns() / 1000000u : cpu_rdtsc() >> 21;
}

void tsc_spin(void)
{
	cpu_pause();
}
