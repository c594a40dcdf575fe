/* SPDX-License-Identifier: MIT */
#include "mm/memmap.h"

#include "abi/x86.h"
#include "lib/string.h"
#include "svsm/errno.h"

void memmap_init(struct memmap *m)
{
	m->count = 0;
}

static uint64_t page_up(uint64_t v)
{
	return v > ~0ull - (PAGE_SIZE - 1) ? ~0ull & ~(PAGE_SIZE - 1) : (v + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static uint64_t page_down(uint64_t v)
{
	return v & ~(PAGE_SIZE - 1);
}

int memmap_add(struct memmap *m, uint64_t start, uint64_t end)
{
	if (end < start)
		return SVSM_EINVAL;
	start = page_up(start);
	end = page_down(end);
	if (start >= end)
		return SVSM_OK;

	/* First range that ends at or after start (touching ranges merge). */
	unsigned i = 0;

	while (i < m->count && m->r[i].end < start)
		i++;
	/* Ranges i..j-1 overlap or touch [start, end). */
	unsigned j = i;

	while (j < m->count && m->r[j].start <= end)
		j++;
	if (i == j) {
		if (m->count == MEMMAP_MAX)
			return SVSM_ENOSPC;
		memmove(&m->r[i + 1], &m->r[i], (m->count - i) * sizeof(m->r[0]));
		m->r[i] = (struct mem_range){ start, end };
		m->count++;
		return SVSM_OK;
	}
	if (m->r[i].start < start)
		start = m->r[i].start;
	if (m->r[j - 1].end > end)
		end = m->r[j - 1].end;
	m->r[i] = (struct mem_range){ start, end };
	memmove(&m->r[i + 1], &m->r[j], (m->count - j) * sizeof(m->r[0]));
	m->count -= j - i - 1;
	return SVSM_OK;
}

int memmap_remove(struct memmap *m, uint64_t start, uint64_t end)
{
	if (end < start)
		return SVSM_EINVAL;
	start = page_down(start);
	end = page_up(end);
	if (start >= end)
		return SVSM_OK;

	for (unsigned i = 0; i < m->count; i++) {
		struct mem_range *r = &m->r[i];

		if (r->end <= start || r->start >= end)
			continue;
		if (r->start < start && r->end > end) {
			/* Split: the only case that adds a range. */
			if (m->count == MEMMAP_MAX)
				return SVSM_ENOSPC;
			memmove(&m->r[i + 1], &m->r[i], (m->count - i) * sizeof(m->r[0]));
			m->count++;
			m->r[i].end = start;
			m->r[i + 1].start = end;
			return SVSM_OK;
		}
	}
	/* No split needed: trim or drop each overlapping range. */
	unsigned out = 0;

	for (unsigned i = 0; i < m->count; i++) {
		struct mem_range r = m->r[i];

		if (r.end > start && r.start < end) {
			if (r.start < start)
				r.end = start;
			else if (r.end > end)
				r.start = end;
			else
				continue;
		}
		m->r[out++] = r;
	}
	m->count = out;
	return SVSM_OK;
}

uint64_t memmap_total(const struct memmap *m)
{
	uint64_t t = 0;

	for (unsigned i = 0; i < m->count; i++)
		t += m->r[i].end - m->r[i].start;
	return t;
}

bool memmap_contains(const struct memmap *m, uint64_t start, uint64_t end)
{
	if (start >= end)
		return false;
	for (unsigned i = 0; i < m->count; i++) {
		if (m->r[i].start <= start && end <= m->r[i].end)
			return true;
	}
	return false;
}

bool memmap_intersects(const struct memmap *m, uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < m->count; i++) {
		if (m->r[i].start < end && start < m->r[i].end)
			return true;
	}
	return false;
}

bool memmap_valid(const struct memmap *m)
{
	if (m->count > MEMMAP_MAX)
		return false;
	for (unsigned i = 0; i < m->count; i++) {
		const struct mem_range *r = &m->r[i];

		if (r->start >= r->end || (r->start | r->end) % PAGE_SIZE != 0)
			return false;
		if (i > 0 && m->r[i - 1].end >= r->start)
			return false;
	}
	return true;
}
