/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: the input is a program of allocator operations (buddy alloc
 * and free, slab alloc and free on one of four CPUs, and frees of pointers
 * that are not live).
 * After every step the buddy and slab consistency checks must pass, live
 * blocks must keep their contents, and every bad free must be refused by
 * mm_panic with the allocator state unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/buddy.h"
#include "mm/mm_env.h"
#include "mm/slab.h"

#define PAGE 4096ull
#define BASE 0x40000000ull
#define SIZE (3ull << 20)
#define SLOTS 64

static jmp_buf *panic_jump;
static unsigned cpu; /* the "CPU" whose magazines the program uses; ops switch it */


void mm_panic(const char *fmt, ...)
{
	va_list ap;

	if (panic_jump != NULL)
		longjmp(*panic_jump, 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

struct slot {
	uint64_t pa;     /* buddy block, or 0 */
	unsigned order;
	uint8_t *obj;    /* kmalloc or fixed-cache object, or NULL */
	size_t size;
	int fixed;       /* the fixed cache obj is from, or -1 (kmalloc) */
	uint8_t tag;
};

static uint8_t *mem;
static struct buddy b;
static struct slab_heap h;
static struct slab_fixed fixed[2]; /* 40-byte and 300-byte objects */
static struct slot slots[SLOTS];

static void free_obj(int which, void *obj)
{
	if (which < 0)
		slab_heap_free(&h, cpu, obj);
	else
		slab_fixed_free(&fixed[which], cpu, obj);
}

static void check(void)
{
	const char *why = buddy_check(&b);

	if (why == NULL)
		why = slab_heap_check(&h);
	if (why != NULL) {
		fprintf(stderr, "invariant broken: %s\n", why);
		abort();
	}
}

static void verify(const struct slot *s)
{
	const uint8_t *p = s->obj != NULL ? s->obj : buddy_va(&b, s->pa);
	size_t n = s->obj != NULL ? s->size : (size_t)(PAGE << s->order);

	if (p[0] != s->tag || p[n - 1] != s->tag) {
		fprintf(stderr, "a live block was overwritten\n");
		abort();
	}
}

static bool is_live(uint64_t pa, unsigned order, const void *obj)
{
	for (unsigned i = 0; i < SLOTS; i++) {
		if ((obj == NULL && slots[i].pa == pa && slots[i].order == order) ||
		    (obj != NULL && slots[i].obj == obj))
			return true;
	}
	return false;
}

/* A free that must be refused: mm_panic, and nothing changed. */
static void bad_free(uint64_t pa, unsigned order, void *obj, int which)
{
	jmp_buf jb;
	struct buddy_stats before, after;

	buddy_get_stats(&b, &before);
	panic_jump = &jb;
	if (setjmp(jb) == 0) {
		if (obj != NULL)
			free_obj(which, obj);
		else
			buddy_free(&b, pa, order);
		fprintf(stderr, "bad free of %llx/%p accepted\n", (unsigned long long)pa, obj);
		abort();
	}
	panic_jump = NULL;
	buddy_get_stats(&b, &after);
	if (memcmp(&before, &after, sizeof(before)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (mem == NULL && posix_memalign((void **)&mem, 4 << 20, SIZE) != 0)
		abort();
	buddy_init(&b, (uintptr_t)mem - BASE);
	/* Two zones: one aligned, one starting off a 2 MiB boundary. */
	if (buddy_add_zone(&b, BASE, BASE + 2 * (1 << 20)) != 0 ||
	    buddy_add_zone(&b, BASE + (2 << 20) + 3 * PAGE, BASE + SIZE) != 0)
		abort();
	slab_heap_init(&h, &b);
	if (slab_fixed_init(&fixed[0], &h, "f40", 40) != 0 ||
	    slab_fixed_init(&fixed[1], &h, "f300", 300) != 0)
		abort();
	memset(slots, 0, sizeof(slots));
	cpu = 0;

	for (size_t i = 0; i + 3 <= size; i += 3) {
		uint8_t op = data[i] % 7;
		struct slot *s = &slots[data[i + 1] % SLOTS];
		uint8_t arg = data[i + 2];

		switch (op) {
		case 0: /* page allocation into an empty slot */
		case 1: /* kmalloc into an empty slot */
			if (s->pa != 0 || s->obj != NULL)
				break;
			s->tag = (uint8_t)(arg | 1);
			if (op == 0) {
				s->order = arg % (BUDDY_MAX_ORDER + 2);
				uint64_t pa = buddy_alloc(&b, s->order);

				if (pa == MM_PA_NONE)
					break;
				if (pa % (PAGE << s->order) != 0)
					abort();
				s->pa = pa;
				memset(buddy_va(&b, pa), s->tag, PAGE << s->order);
			} else if (data[i] & 0x80) { /* from a fixed cache */
				s->fixed = (data[i] >> 6) & 1;
				s->size = s->fixed == 0 ? 40 : 300;
				s->obj = slab_fixed_alloc(&fixed[s->fixed], cpu);
				if (s->obj != NULL)
					memset(s->obj, s->tag, s->size);
			} else {
				s->fixed = -1;
				s->size = (size_t)arg * (arg < 128 ? 1 : 40) + (data[i] >> 4);
				s->obj = slab_heap_alloc(&h, cpu, s->size);
				if (s->size == 0 && s->obj != NULL)
					abort();
				if (s->obj != NULL)
					memset(s->obj, s->tag, s->size);
			}
			break;
		case 2: /* free what the slot holds */
			if (s->pa != 0) {
				verify(s);
				buddy_free(&b, s->pa, s->order);
			} else if (s->obj != NULL) {
				verify(s);
				free_obj(s->fixed, s->obj);
			}
			memset(s, 0, sizeof(*s));
			break;
		case 3: { /* a page address and order that are not a live block */
			uint64_t pa = BASE + ((uint64_t)arg * 0x3001 % SIZE & ~(PAGE - 1));
			unsigned order = data[i] >> 4 & 3;

			if (!is_live(pa, order, NULL))
				bad_free(pa, order, NULL, -1);
			break;
		}
		case 4: { /* a pointer into the heap that is not a live object */
			uint8_t *p = mem + ((uint64_t)arg * 0x2f1 + (data[i] >> 3)) % SIZE;

			if (!is_live(0, 0, p))
				bad_free(0, 0, p, (int)(data[i] % 3) - 1); /* kfree or either fixed cache */
			break;
		}
		case 6: /* run on another CPU: objects migrate between magazines */
			cpu = arg % 4;
			break;
		case 5: /* a live block freed twice */
			if (s->pa != 0) {
				buddy_free(&b, s->pa, s->order);
				bad_free(s->pa, s->order, NULL, -1);
				memset(s, 0, sizeof(*s));
			} else if (s->obj != NULL) {
				if (arg & 1) { /* a live object freed the wrong way: kfree/other cache */
					int wrong = s->fixed < 0 ? (int)(arg >> 1 & 1) : s->fixed == 0 ? 1 : -1;

					bad_free(0, 0, s->obj, wrong);
					break;
				}
				free_obj(s->fixed, s->obj);
				bad_free(0, 0, s->obj, s->fixed);
				memset(s, 0, sizeof(*s));
			}
			break;
		}
		check();
		for (unsigned k = 0; k < SLOTS; k++) {
			if (slots[k].pa != 0 || slots[k].obj != NULL)
				verify(&slots[k]);
		}
	}
	return 0;
}
