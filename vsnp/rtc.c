/* SPDX-License-Identifier: MIT */
/* The CMOS real-time clock a guest firmware sees (include/vsnp/rtc.h). */
#include "vsnp/rtc.h"

#include "lib/string.h"

#define SECONDS_PER_DAY 86400
#define DAYS_1970_FROM_0000_03_01 719468 /* days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar */

/* Days since 1970-01-01 of a Gregorian date, counting years from March so the leap day comes last. */
static int64_t days_of(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const int64_t yoe = y - era * 400;                          /* 0..399 */
	const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
	const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  /* 0..146096 */

	return era * 146097 + doe - DAYS_1970_FROM_0000_03_01;
}

int64_t vsnp_rtc_seconds(unsigned year, unsigned month, unsigned day, unsigned h, unsigned m, unsigned s)
{
	return days_of(year, month, day) * SECONDS_PER_DAY + h * 3600 + m * 60 + s;
}

void vsnp_rtc_civil(int64_t seconds, unsigned *year, unsigned *month, unsigned *day, unsigned *h, unsigned *m,
		    unsigned *s, unsigned *weekday)
{
	int64_t z = seconds >= 0 ? seconds / SECONDS_PER_DAY : (seconds - SECONDS_PER_DAY + 1) / SECONDS_PER_DAY;
	const int64_t sod = seconds - z * SECONDS_PER_DAY;

	*h = (unsigned)(sod / 3600), *m = (unsigned)(sod / 60 % 60), *s = (unsigned)(sod % 60);
	*weekday = (unsigned)(((z % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
	z += DAYS_1970_FROM_0000_03_01;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const int64_t doe = z - era * 146097;
	const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const int64_t mp = (5 * doy + 2) / 153;

	*day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*year = (unsigned)(yoe + era * 400 + (*month <= 2));
}

void vsnp_rtc_init(struct vsnp_rtc *r, int64_t seconds, uint64_t tsc0, uint64_t tsc_hz)
{
	memset(r, 0, sizeof(*r));
	r->a = 0x26;               /* 32.768 kHz time base, 1024 Hz rate: what a PC's BIOS leaves */
	r->b = RTC_B_24H;          /* BCD, 24 hours */
	r->base = seconds;
	r->tsc0 = tsc0;
	r->tsc_hz = tsc_hz;
}

static uint8_t to_reg(const struct vsnp_rtc *r, unsigned v)
{
	return (r->b & RTC_B_DM_BINARY) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | (v % 10));
}

static unsigned from_reg(const struct vsnp_rtc *r, uint8_t v)
{
	return (r->b & RTC_B_DM_BINARY) ? v : (unsigned)(v >> 4) * 10 + (v & 0xF);
}

/* The time registers (0 seconds, 2 minutes, 4 hours, 6 weekday, 7 day, 8 month, 9 year) and the century. */
static uint8_t time_reg(const struct vsnp_rtc *r, unsigned idx, uint64_t now)
{
	unsigned y, mo, d, h, mi, s, wd;
	const int64_t t = r->base + (int64_t)(r->tsc_hz != 0 && now > r->tsc0 ? (now - r->tsc0) / r->tsc_hz : 0);

	vsnp_rtc_civil(t, &y, &mo, &d, &h, &mi, &s, &wd);
	switch (idx) {
	case 0: return to_reg(r, s);
	case 2: return to_reg(r, mi);
	case 4:
		if (r->b & RTC_B_24H)
			return to_reg(r, h);
		return (uint8_t)(to_reg(r, h % 12 == 0 ? 12 : h % 12) | (h >= 12 ? 0x80 : 0)); /* bit 7: PM */
	case 6: return to_reg(r, wd + 1); /* 1 = Sunday */
	case 7: return to_reg(r, d);
	case 8: return to_reg(r, mo);
	case 9: return to_reg(r, y % 100);
	default: return to_reg(r, y / 100); /* RTC_REG_CENTURY */
	}
}

static bool is_time_reg(unsigned idx)
{
	return idx == 0 || idx == 2 || idx == 4 || (idx >= 6 && idx <= 9) || idx == RTC_REG_CENTURY;
}

/* SET cleared: the time the guest wrote becomes the clock's (12-hour values read back as written). */
static void apply_set_time(struct vsnp_rtc *r, uint64_t now)
{
	const uint8_t *t = r->set_time;
	unsigned hour = from_reg(r, t[4] & 0x7F);

	if (!(r->b & RTC_B_24H))
		hour = hour % 12 + ((t[4] & 0x80) ? 12 : 0);
	r->base = vsnp_rtc_seconds(from_reg(r, r->ram[RTC_REG_CENTURY]) * 100 + from_reg(r, t[9]), from_reg(r, t[8]),
				   from_reg(r, t[7]), hour, from_reg(r, t[2]), from_reg(r, t[0]));
	r->tsc0 = now;
}

bool vsnp_rtc_io(struct vsnp_rtc *r, uint16_t port, unsigned size, bool in, uint32_t *val, uint64_t now)
{
	if (size != 1 || (port != RTC_PORT_INDEX && port != RTC_PORT_DATA))
		return false;
	if (port == RTC_PORT_INDEX) {
		if (in)
			*val = 0xFF;                   /* write-only on a PC */
		else
			r->index = (uint8_t)(*val & 0x7F); /* bit 7 masks NMIs: no effect here */
		return true;
	}
	const unsigned idx = r->index;
	const uint8_t v = (uint8_t)*val;

	if (in) {
		if (idx == RTC_REG_A)
			*val = r->a & 0x7F;            /* UIP never set: an update is never in progress */
		else if (idx == RTC_REG_B)
			*val = r->b;
		else if (idx == RTC_REG_C)
			*val = 0;                      /* no interrupt flag ever */
		else if (idx == RTC_REG_D)
			*val = RTC_D_VRT;
		else if (idx == 1 || idx == 3 || idx == 5)
			*val = r->alarm[idx / 2];
		else if (is_time_reg(idx) && !(r->b & RTC_B_SET))
			*val = time_reg(r, idx, now);
		else if (idx <= 9)
			*val = r->set_time[idx];       /* a time register while SET holds updates */
		else
			*val = r->ram[idx];            /* other CMOS bytes (the century while SET holds updates) */
		return true;
	}
	if (idx == RTC_REG_A) {
		r->a = v & 0x7F;
	} else if (idx == RTC_REG_B) {
		if (!(r->b & RTC_B_SET) && (v & RTC_B_SET)) {
			/* Updates stop: the registers hold the time now, for the guest to change. */
			for (unsigned i = 0; i <= 9; i++)
				r->set_time[i] = is_time_reg(i) ? time_reg(r, i, now) : 0;
			r->ram[RTC_REG_CENTURY] = time_reg(r, RTC_REG_CENTURY, now);
		}
		const bool was_set = (r->b & RTC_B_SET) != 0;

		r->b = v;
		if (was_set && !(v & RTC_B_SET))
			apply_set_time(r, now);
	} else if (idx == 1 || idx == 3 || idx == 5) {
		r->alarm[idx / 2] = v;
	} else if (is_time_reg(idx)) {
		if (r->b & RTC_B_SET) {
			if (idx == RTC_REG_CENTURY)
				r->ram[RTC_REG_CENTURY] = v;
			else
				r->set_time[idx] = v;
		}
		/* While the clock runs, a time write is ignored (the guest sets SET first). */
	} else if (idx != RTC_REG_C && idx != RTC_REG_D) {
		r->ram[idx] = v;
	}
	return true;
}
