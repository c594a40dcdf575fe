/* SPDX-License-Identifier: MIT */
/* Exception-table lookup: entries come from EXTABLE_ENTRY() in inline asm. */
#include "svsm/exc.h"

extern const struct extable_entry __start_ex_table[];
extern const struct extable_entry __stop_ex_table[];

const struct extable_entry *extable_find(uint64_t rip)
{
	/* Linear: a handful of entries, searched only when something faulted. */
	for (const struct extable_entry *e = __start_ex_table; e < __stop_ex_table; e++) {
		if (e->insn == rip)
			return e;
	}
	return NULL;
}
