/* SPDX-License-Identifier: MIT */
/*
 * A model of the SNP Reverse Map Table for one guest, at 4 KiB granularity:
 * what PVALIDATE, RMPADJUST and the hypervisor's RMP updates do, and the
 * access check the hardware applies. Portable C shared by host tests, the
 * `fake` platform backend and the future `vsnp` backend (which derives its
 * nested page tables from rmp_model_access).
 *
 * Rules and their sources: APM vol. 3 (24594) PVALIDATE and RMPADJUST; APM vol.
 * 2 (24593) §15.36, the RMP (each rule is named R-* below and has its own host
 * test). The raw RMP entry layout is not architectural (APM vol. 2 §15.36), so
 * entries here are a plain struct. Where the public sources do not settle a
 * hardware behaviour ([UNCONFIRMED]), the model's choice is stated and marked
 * "model choice".
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/snp.h"

struct rmp_entry {
	uint8_t assigned;  /* private to the guest (hypervisor RMPUPDATE) */
	uint8_t validated; /* PVALIDATE state */
	uint8_t large;     /* part of a 2 MiB RMP entry */
	uint8_t vmsa;
	uint8_t immutable;
	uint8_t perms[SNP_VMPL_COUNT]; /* RMP_PERM_* >> 8 per VMPL; [0] is always all */
};

struct rmp_model {
	uint64_t base;  /* GPA of the first modelled page (2 MiB aligned) */
	uint64_t pages; /* multiple of 512 */
	struct rmp_entry *e;
	/*
	 * A second window (rmp_model_add_window; 0 pages: none): guest
	 * memory outside RAM, such as a firmware image ending at 4 GiB.
	 * Entry indices past `pages` are this window's.
	 */
	uint64_t win_base;
	uint64_t win_pages;
	struct rmp_entry *win_e;
};

/* Result of PVALIDATE / RMPADJUST: the hardware code plus PVALIDATE's CF ("no update"). */
struct rmp_result {
	int code;       /* PVALIDATE_* / RMPADJUST_*, or RMP_MODEL_FAULT */
	bool unchanged; /* PVALIDATE succeeded but the Validated bit already had that value (CF = 1) */
};

/*
 * The instruction would fault instead of returning a code (PVALIDATE below
 * VMPL0: APM vol. 3, PVALIDATE, fault type [UNCONFIRMED]). Not a hardware
 * return value.
 */
#define RMP_MODEL_FAULT (-1)

enum rmp_access {
	RMP_ACCESS_READ = 1,
	RMP_ACCESS_WRITE = 2,
	RMP_ACCESS_EXEC_USER = 4,
	RMP_ACCESS_EXEC_SUPER = 8,
};

enum rmp_verdict {
	RMP_OK = 0,
	RMP_NOT_ASSIGNED,  /* private access to a page the guest does not own: RMP violation */
	RMP_NOT_VALIDATED, /* #VC with error code 0x404 (APM vol. 2 (24593) §15.36, page validation) */
	RMP_NO_PERMISSION, /* the VMPL lacks the permission: RMP violation */
	RMP_OUT_OF_RANGE,
};

/* entries: pages elements; every page starts unassigned (shared). SVSM_EINVAL for a bad shape. */
int rmp_model_init(struct rmp_model *m, struct rmp_entry *entries, uint64_t base, uint64_t pages);
/*
 * A second window of pages entries at base (the same shape rules), which
 * must not overlap the first; one per model. SVSM_OK or SVSM_EINVAL.
 */
int rmp_model_add_window(struct rmp_model *m, struct rmp_entry *entries, uint64_t base, uint64_t pages);

/* ---- hypervisor / firmware side (RMPUPDATE, PSMASH) ---- */

/*
 * Makes [gpa, +4 KiB or 2 MiB) private (assigned, not validated, no VMSA,
 * lower-VMPL permissions cleared) or shared (unassigned). SVSM_OK or
 * SVSM_EINVAL (misaligned, outside, immutable, or a 4 KiB change inside a
 * 2 MiB entry: PSMASH first).
 */
int rmp_model_set_private(struct rmp_model *m, uint64_t gpa, bool large, bool private_);
/* Splits the 2 MiB entry holding gpa into 512 4 KiB entries with the same state. */
int rmp_model_psmash(struct rmp_model *m, uint64_t gpa);
/* Marks a page immutable (firmware-owned pages such as the secrets page) or not. */
int rmp_model_set_immutable(struct rmp_model *m, uint64_t gpa, bool immutable);

/* ---- guest instructions ---- */

struct rmp_result rmp_model_pvalidate(struct rmp_model *m, unsigned caller_vmpl, uint64_t gpa,
				      unsigned page_size, bool validate);
struct rmp_result rmp_model_rmpadjust(struct rmp_model *m, unsigned caller_vmpl, uint64_t gpa,
				      unsigned page_size, uint64_t attrs);

/* ---- the check every guest access gets ---- */

enum rmp_verdict rmp_model_access(const struct rmp_model *m, uint64_t gpa, unsigned vmpl,
				  unsigned access);
/* The entry for gpa, or NULL outside the model. */
const struct rmp_entry *rmp_model_entry(const struct rmp_model *m, uint64_t gpa);
