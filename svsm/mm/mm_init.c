/* SPDX-License-Identifier: MIT */
/*
 * The SVSM's own memory: the SVSM region stage 2 set up (kernel, boot info,
 * its page-table pool) and a heap taken from usable RAM here. Everything
 * else in usable RAM is the guest's; the kernel reaches it only through
 * guest copies (svsm/mm/guest_copy.c).
 */
#include <stdarg.h>

#include "abi/x86.h"
#include "lib/fmt.h"
#include "mm/kmalloc.h"
#include "mm/mm_env.h"
#include "svsm/boot.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/mm.h"
#include "svsm/panic.h"
#include "svsm/percpu.h"
#include "svsm/platform_snp.h"

static struct buddy kbuddy;
static struct memmap svsm_mem;
static struct memmap guest_mem;

void mm_panic(const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	panic("mm: %s", msg);
}

unsigned mm_cpu_index(void)
{
	return this_cpu()->cpu_index;
}

struct buddy *mm_buddy(void)
{
	return &kbuddy;
}

const struct memmap *mm_svsm_memory(void)
{
	return &svsm_mem;
}

const struct memmap *mm_guest_memory(void)
{
	return &guest_mem;
}

int mm_guest_memory_give(uint64_t start, uint64_t end)
{
	if (((start | end) & (PAGE_SIZE - 1)) != 0 || end <= start || memmap_intersects(&svsm_mem, start, end))
		return SVSM_EINVAL;
	return memmap_add(&guest_mem, start, end);
}

int mm_guest_memory_add_low(const struct boot_info *bi)
{
	int err = SVSM_OK;

	for (uint32_t i = 0; i < bi->mem_count && err == SVSM_OK; i++) {
		const struct boot_mem_range *m = &bi->mem[i];

		if (m->type == BOOT_MEM_USABLE && m->base < BOOT_LOW_MEMORY_END)
			err = memmap_add(&guest_mem, m->base,
					 m->base + m->size < BOOT_LOW_MEMORY_END ? m->base + m->size : BOOT_LOW_MEMORY_END);
	}
	return err;
}

/* A 2 MiB-aligned run of size bytes in usable RAM, so the heap has 2 MiB blocks. */
static uint64_t pick_heap(const struct memmap *usable, uint64_t size)
{
	/*
	 * The highest 2 MiB-aligned run that fits, below 4 GiB: low memory
	 * stays for the guest, whose payload links at fixed addresses there
	 * (the test guest at 32 MiB).
	 */
	for (unsigned i = usable->count; i-- > 0;) {
		uint64_t end = usable->r[i].end < (4ull << 30) ? usable->r[i].end : (4ull << 30);
		uint64_t start = (end - size) & ~(LARGE_PAGE_SIZE - 1);

		if (end > size && end - size >= usable->r[i].start && start >= usable->r[i].start &&
		    start + size <= end)
			return start;
	}
	return MM_PA_NONE;
}

/*
 * With a guest firmware (boot_info svsm_mem) the heap is the top of the
 * SVSM's declared range, which must be usable RAM clear of the region;
 * the rest of the range leaves guest RAM too: the hypervisor hides the
 * whole range from the firmware (include/abi/svsm_launch.h).
 */
static uint64_t heap_in_range(struct svsm_boot *b)
{
	const struct boot_info *bi = &b->bi;
	const uint64_t end = bi->svsm_mem_pa + bi->svsm_mem_size, heap = end - SVSM_HEAP_SIZE;

	if (bi->svsm_mem_size < bi->svsm_size + SVSM_HEAP_SIZE || !memmap_contains(&b->usable, heap, end))
		panic("mm: the SVSM's range 0x%llx-0x%llx has no room or no RAM for the %llu MiB heap above its region",
		      (unsigned long long)bi->svsm_mem_pa, (unsigned long long)end,
		      (unsigned long long)(SVSM_HEAP_SIZE >> 20));
	if (memmap_remove(&b->usable, bi->svsm_mem_pa, heap) != SVSM_OK)
		panic("mm: cannot take the SVSM's range out of the usable map");
	return heap; /* mm_init takes the heap itself out */
}

void mm_init(struct svsm_boot *b)
{
	uint64_t heap = b->bi.svsm_mem_size != 0 ? heap_in_range(b) : pick_heap(&b->usable, SVSM_HEAP_SIZE);
	int err;

	if (heap == MM_PA_NONE)
		panic("mm: no 2 MiB-aligned run of %llu MiB in usable RAM for the SVSM heap",
		      (unsigned long long)(SVSM_HEAP_SIZE >> 20));
	err = memmap_remove(&b->usable, heap, heap + SVSM_HEAP_SIZE);
	if (err != SVSM_OK)
		panic("mm: cannot take the heap out of the usable map (error %d)", err);
	b->heap_pa = heap;
	b->heap_size = SVSM_HEAP_SIZE;
	/* Under SNP the heap is guest RAM nobody validated yet: make it the SVSM's first. */
	if (b->bi.entry_kind == BOOT_ENTRY_SNP)
		snp_early_validate(heap, SVSM_HEAP_SIZE);

	memmap_init(&svsm_mem);
	err = memmap_add(&svsm_mem, b->bi.svsm_pa, b->bi.svsm_pa + b->bi.svsm_size);
	if (err == SVSM_OK)
		err = memmap_add(&svsm_mem, heap, heap + SVSM_HEAP_SIZE);
	if (err != SVSM_OK)
		panic("mm: cannot record SVSM memory (error %d)", err);
	guest_mem = b->usable;

	buddy_init(&kbuddy, SVSM_DIRECT_MAP_BASE);
	err = buddy_add_zone(&kbuddy, heap, heap + SVSM_HEAP_SIZE);
	if (err != SVSM_OK)
		panic("mm: heap zone refused (error %d)", err);
	kmalloc_init(&kbuddy);

	struct buddy_stats st;

	buddy_get_stats(&kbuddy, &st);
	log_info("mm: heap 0x%llx-0x%llx (%llu MiB), %llu KiB metadata, %llu pages free; this kernel keeps %llu KiB "
		 "(region and heap); guest RAM %llu MiB in %u ranges",
		 (unsigned long long)heap, (unsigned long long)(heap + SVSM_HEAP_SIZE),
		 (unsigned long long)(SVSM_HEAP_SIZE >> 20), (unsigned long long)(st.meta_bytes >> 10),
		 (unsigned long long)st.free_pages, (unsigned long long)(memmap_total(&svsm_mem) >> 10),
		 (unsigned long long)(memmap_total(&guest_mem) >> 20), guest_mem.count);
}
