/* SPDX-License-Identifier: MIT */
/* What the kernel knows after early boot, and the hand-off to the run mode. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/memmap.h"
#include "svsm/boot_info.h"
#include "svsm/platform_probe.h"

struct svsm_boot {
	struct boot_info bi;   /* copied once from stage 2's page */
	/* Usable RAM; after mm_init, only what the SVSM does not own (the guest's). */
	struct memmap usable;
	uint64_t heap_pa;      /* the SVSM heap (mm_init), in the buddy allocator */
	uint64_t heap_size;
	struct platform_info platform;
};

/* Checks stage 2's record; NULL if sound, else what is wrong. Pure. */
const char *bootinfo_check(const struct boot_info *bi);

/*
 * Usable RAM from the boot info: usable ranges below direct_map_end, minus
 * the first MiB, the loader image and the SVSM region. SVSM_OK or an error.
 */
int bootinfo_usable(const struct boot_info *bi, struct memmap *out);

/* The boot state (valid after svsm_main's early steps). */
struct svsm_boot *svsm_boot_state(void);

/* Direct-map address of physical address pa; panics outside the direct map. */
void *phys_to_virt(uint64_t pa);

/*
 * The run mode, chosen at link time: svsm/boot/run.c in svsm-kernel.elf,
 * tests/svsm/runner.c in the self-test kernel. Does not return.
 */
__attribute__((noreturn)) void svsm_run(struct svsm_boot *b);
/* What the kernel calls itself in its first console line ("SVSM 0.1.0 kernel"); the run mode's. */
extern const char svsm_run_banner[];
/* True for command-line keys the run mode understands (others are warned about). */
bool svsm_run_accepts_key(const char *key, size_t len);
