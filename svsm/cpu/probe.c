/* SPDX-License-Identifier: MIT */
/*
 * Each wrapper labels the instruction that may fault and registers a fixup
 * that sets the error and continues after it (see EXTABLE_ENTRY).
 */
#include "svsm/probe.h"

#include "svsm/errno.h"
#include "svsm/exc.h"

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	int err = SVSM_OK;

	__asm__ volatile("1: rdmsr\n"
			 EXTABLE_SAFE_FIXUP
			 : "=a"(lo), "=d"(hi), [err] "+r"(err)
			 : "c"(msr), [efault] "i"(SVSM_EFAULT));
	*val = ((uint64_t)hi << 32) | lo;
	return err;
}

int read_u64_safe(uint64_t addr, uint64_t *val)
{
	uint64_t v = 0;
	int err = SVSM_OK;

	__asm__ volatile("1: movq (%[addr]), %[v]\n"
			 EXTABLE_SAFE_FIXUP
			 : [v] "+r"(v), [err] "+r"(err)
			 : [addr] "r"(addr), [efault] "i"(SVSM_EFAULT)
			 : "memory");
	*val = v;
	return err;
}

int write_u64_safe(uint64_t addr, uint64_t val)
{
	int err = SVSM_OK;

	__asm__ volatile("1: movq %[v], (%[addr])\n"
			 EXTABLE_SAFE_FIXUP
			 : [err] "+r"(err)
			 : [addr] "r"(addr), [v] "r"(val), [efault] "i"(SVSM_EFAULT)
			 : "memory");
	return err;
}

int copy_safe(void *dst, const void *src, size_t n)
{
	int err = SVSM_OK;

	__asm__ volatile("1: rep movsb\n"
			 EXTABLE_SAFE_FIXUP
			 : "+D"(dst), "+S"(src), "+c"(n), [err] "+r"(err)
			 : [efault] "i"(SVSM_EFAULT)
			 : "memory");
	return err;
}

int wrmsr_safe(uint32_t msr, uint64_t val)
{
	int err = SVSM_OK;

	__asm__ volatile("1: wrmsr\n"
			 EXTABLE_SAFE_FIXUP
			 : [err] "+r"(err)
			 : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)),
			   [efault] "i"(SVSM_EFAULT)
			 : "memory");
	return err;
}
