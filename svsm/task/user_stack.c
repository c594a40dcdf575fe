/* SPDX-License-Identifier: MIT */
/* The initial CPL3 stack (include/svsm/user_stack.h). */
#include "svsm/user_stack.h"

#include <stdbool.h>

#include "abi/elf64.h"
#include "abi/x86.h"
#include "lib/string.h"
#include "svsm/errno.h"

static const char platform[] = "x86_64";

/* Bytes the strings need, or 0 for a NULL string or too many. */
static size_t strings_size(const char *const *s, unsigned n, bool *bad)
{
	size_t total = 0;

	if (n > USER_STACK_MAX_ARGS || (n > 0 && s == NULL)) {
		*bad = true;
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		if (s[i] == NULL) {
			*bad = true;
			return 0;
		}
		total += strlen(s[i]) + 1;
	}
	return total;
}

static void put64(uint8_t *buf, size_t off, uint64_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

int user_stack_build(uint8_t *buf, size_t size, uint64_t top, const struct user_stack_args *a,
		     uint64_t *rsp)
{
	bool bad = a->argc == 0 || a->elf == NULL || (top & 15) != 0;
	size_t strs = strings_size(a->argv, a->argc, &bad) + strings_size(a->envp, a->envc, &bad);

	if (bad)
		return SVSM_EINVAL;

	/* From the top down: an end marker, the strings, the platform string, the random bytes. */
	size_t info = 8 + strs + sizeof(platform) + 16;
	size_t words = 1 + (a->argc + 1) + (a->envc + 1) + 2 * USER_STACK_AUXV;
	/* RSP (the argc word) must be 16-byte aligned: round the whole block up. */
	size_t need = ((info + 15) & ~(size_t)15) + ((words * 8 + 15) & ~(size_t)15);

	if (need > size)
		return SVSM_ENOSPC;

	uint64_t base = top - size;                /* address of buf[0] */
	size_t pos = size - 8;                     /* the end marker */
	uint64_t argp[USER_STACK_MAX_ARGS], envp_[USER_STACK_MAX_ARGS];

	memset(buf + size - need, 0, need);
	for (unsigned i = a->envc; i-- > 0;) {
		size_t n = strlen(a->envp[i]) + 1;

		pos -= n;
		memcpy(buf + pos, a->envp[i], n);
		envp_[i] = base + pos;
	}
	for (unsigned i = a->argc; i-- > 0;) {
		size_t n = strlen(a->argv[i]) + 1;

		pos -= n;
		memcpy(buf + pos, a->argv[i], n);
		argp[i] = base + pos;
	}
	pos -= sizeof(platform);
	memcpy(buf + pos, platform, sizeof(platform));
	uint64_t platform_va = base + pos;

	pos -= 16;
	memcpy(buf + pos, a->random, 16);
	uint64_t random_va = base + pos;

	size_t sp = size - need;                   /* the argc word, 16-byte aligned */
	size_t w = sp;
	const uint64_t auxv[USER_STACK_AUXV][2] = {
		{ AT_PHDR, a->elf->phdr },
		{ AT_PHENT, sizeof(struct elf64_phdr) },
		{ AT_PHNUM, a->elf->phnum },
		{ AT_PAGESZ, PAGE_SIZE },
		{ AT_BASE, 0 }, /* no interpreter */
		{ AT_FLAGS, 0 },
		{ AT_ENTRY, a->elf->entry },
		{ AT_UID, 0 },
		{ AT_EUID, 0 },
		{ AT_GID, 0 },
		{ AT_EGID, 0 },
		{ AT_PLATFORM, platform_va },
		{ AT_HWCAP, a->hwcap },
		{ AT_CLKTCK, 100 },
		{ AT_SECURE, 0 },
		{ AT_RANDOM, random_va },
		{ AT_EXECFN, argp[0] },
		{ AT_NULL, 0 },
	};

	put64(buf, w, a->argc), w += 8;
	for (unsigned i = 0; i < a->argc; i++)
		put64(buf, w, argp[i]), w += 8;
	put64(buf, w, 0), w += 8;
	for (unsigned i = 0; i < a->envc; i++)
		put64(buf, w, envp_[i]), w += 8;
	put64(buf, w, 0), w += 8;
	for (unsigned i = 0; i < USER_STACK_AUXV; i++) {
		put64(buf, w, auxv[i][0]);
		put64(buf, w + 8, auxv[i][1]);
		w += 16;
	}
	*rsp = base + sp;
	return SVSM_OK;
}
