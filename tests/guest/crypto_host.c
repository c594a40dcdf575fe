/* SPDX-License-Identifier: MIT */
/*
 * The test guest runs the SVSM's own guest-message layer
 * (protocols/guest_msg.c) on Debian's libmbedcrypto.a, with the kernel's C
 * library shim (svsm/crypto/libc_shim.c). This file is what that shim asks
 * of its host, as a guest OS would provide it:
 *  - kzalloc/kfree: a 64 KiB stack of blocks; freeing the newest block
 *    gives it back (and then the one below it, if that was freed before),
 *    which is how mbedTLS frees its cipher contexts; an exhausted arena
 *    answers NULL, which mbedTLS reports as an allocation failure;
 *  - console_printf/vprintf: the serial port;
 *  - panic: print and end the guest with a failure status;
 *  - the stack canary at %fs:0x28 (the library is built with the stack
 *    protector): FS_BASE, which vsnp leaves to the guest, points at a
 *    block that holds it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "guest.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "svsm/console.h"
#include "svsm/panic.h"

#define ARENA_SIZE (64 * 1024)

/* Each block: this header, then the caller's bytes (16-byte aligned). */
struct block {
	uint32_t size;  /* header included */
	uint32_t below; /* offset of the block below, or ~0 */
	uint32_t freed;
	uint32_t pad;
};

static uint8_t arena[ARENA_SIZE] __attribute__((aligned(16)));
static uint32_t arena_used, top = ~0u;

void *kzalloc(size_t size)
{
	size_t need = sizeof(struct block) + ((size + 15) & ~(size_t)15);

	if (size == 0 || size > ARENA_SIZE || need > ARENA_SIZE - arena_used)
		return NULL;

	struct block *b = (struct block *)(arena + arena_used);

	b->size = (uint32_t)need;
	b->below = top;
	b->freed = 0;
	memset(b + 1, 0, need - sizeof(*b));
	top = arena_used;
	arena_used += (uint32_t)need;
	return b + 1;
}

void kfree(void *p)
{
	if (p == NULL)
		return;
	if ((uint8_t *)p < arena + sizeof(struct block) || (uint8_t *)p >= arena + ARENA_SIZE)
		panic("kfree of %p, which is not from the arena", p);
	((struct block *)p - 1)->freed = 1;
	while (top != ~0u && ((struct block *)(arena + top))->freed) {
		arena_used = top;
		top = ((struct block *)(arena + top))->below;
	}
}

void console_vprintf(const char *fmt, va_list ap)
{
	guest_vprintf(fmt, ap);
}

void console_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	guest_vprintf(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	guest_printf("# guest panic: ");
	va_start(ap, fmt);
	guest_vprintf(fmt, ap);
	va_end(ap);
	guest_printf("\n");
	guest_terminate(GUEST_TERM_SET, 1);
}

void guest_crypto_init(void)
{
	static uint64_t tls[8] __attribute__((aligned(64)));
	uint64_t base = (uint64_t)(uintptr_t)tls;

	tls[0] = base;                  /* %fs:0 points at itself, as the x86-64 TLS ABI has it */
	tls[5] = 0x5EC0C0DE2A6C1E57ull; /* %fs:0x28: the canary (a constant: this guest has no secrets) */
	__asm__ volatile("wrmsr" : : "c"(0xC0000100u), "a"((uint32_t)base), "d"((uint32_t)(base >> 32)));
}
