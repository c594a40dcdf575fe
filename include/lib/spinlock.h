/* SPDX-License-Identifier: MIT */
/*
 * A test-and-test-and-set spinlock on GCC atomics, usable in the kernel and
 * in host tests. No fairness: the SVSM has few CPUs and short sections.
 */
#pragma once

#include <stdbool.h>

struct spinlock {
	volatile int held;
};

#define SPINLOCK_INIT { 0 }

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE) != 0) {
		while (__atomic_load_n(&l->held, __ATOMIC_RELAXED) != 0)
			__builtin_ia32_pause();
	}
}

/* Takes the lock only if it is free right now; true if taken. */
static inline bool spin_trylock(struct spinlock *l)
{
	return __atomic_load_n(&l->held, __ATOMIC_RELAXED) == 0 &&
	       __atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

static inline bool spin_is_held(const struct spinlock *l)
{
	return __atomic_load_n(&l->held, __ATOMIC_RELAXED) != 0;
}
