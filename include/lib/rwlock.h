/* SPDX-License-Identifier: MIT */
/*
 * A reader-writer spinlock on GCC atomics (kernel and host tests): many
 * readers or one writer. A waiting writer blocks new readers, so a stream
 * of PVALIDATE calls cannot starve vCPU creation.
 */
#pragma once

#include <stdint.h>

struct rwlock {
	volatile uint32_t state; /* bit 31: writer holds or waits; bits 30..0: readers */
};

#define RWLOCK_INIT { 0 }
#define RWLOCK_WRITER 0x80000000u

static inline void read_lock(struct rwlock *l)
{
	for (;;) {
		uint32_t s = __atomic_load_n(&l->state, __ATOMIC_RELAXED);

		if (!(s & RWLOCK_WRITER) &&
		    __atomic_compare_exchange_n(&l->state, &s, s + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		__builtin_ia32_pause();
	}
}

static inline void read_unlock(struct rwlock *l)
{
	__atomic_fetch_sub(&l->state, 1, __ATOMIC_RELEASE);
}

static inline void write_lock(struct rwlock *l)
{
	/* Claim the writer bit, then wait for the readers inside to leave. */
	while (__atomic_fetch_or(&l->state, RWLOCK_WRITER, __ATOMIC_ACQUIRE) & RWLOCK_WRITER)
		__builtin_ia32_pause();
	while (__atomic_load_n(&l->state, __ATOMIC_ACQUIRE) != RWLOCK_WRITER)
		__builtin_ia32_pause();
}

static inline void write_unlock(struct rwlock *l)
{
	__atomic_store_n(&l->state, 0, __ATOMIC_RELEASE);
}
