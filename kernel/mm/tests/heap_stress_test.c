/*
 * Random alloc/free sequences against a model. The model keeps every live
 * block's address, size and fill seed; each block is filled with a pattern
 * unique to it, and checked when freed and in periodic sweeps, so any
 * overlap or stray write by the heap shows up. heap_check() and the byte
 * counts are compared with the model as it goes; at the end everything is
 * freed and the heap must be back to its baseline.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/mm/heap.h"
#include "testing/unit/check.h"

#define MiB   (1024ul * 1024)
#define SLOTS 2048
#define OPS   100000

struct slot {
	uint8_t *p;
	size_t size, rounded;
	uint32_t seed;
};

static struct heap heap;
static struct slot slots[SLOTS];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static uint8_t pat(uint32_t seed, size_t i)
{
	uint32_t x = seed ^ (uint32_t)(i * 2654435761u);

	return (uint8_t)(x ^ x >> 13);
}

/* Writes (or checks) a block's pattern over bytes [lo, hi). */
static bool span(const struct slot *s, size_t lo, size_t hi, bool write)
{
	for (size_t i = lo; i < hi; i++) {
		if (write)
			s->p[i] = pat(s->seed, i);
		else if (s->p[i] != pat(s->seed, i))
			return false;
	}
	return true;
}

/* All of a small block; head, tail and one word per page of a big one
 * (keeps the test fast). Returns whether the pattern was intact. */
static bool pattern(const struct slot *s, bool write)
{
	bool ok = true;

	if (s->size <= 8192)
		return span(s, 0, s->size, write);
	ok &= span(s, 0, 256, write);
	for (size_t i = HEAP_PAGE_SIZE; i + 8 <= s->size; i += HEAP_PAGE_SIZE)
		ok &= span(s, i, i + 8, write);
	ok &= span(s, s->size - 256, s->size, write);
	return ok;
}

static void fill(const struct slot *s)
{
	pattern(s, true);
}

static bool intact(const struct slot *s)
{
	return pattern(s, false);
}

static size_t pick_size(void)
{
	uint32_t r = rnd() % 100;

	if (r < 70)
		return rnd() % HEAP_SMALL_MAX + 1;
	if (r < 95)
		return rnd() % (32 * 1024) + 1;
	return rnd() % (1 * MiB) + 1;
}

static size_t pick_align(void)
{
	uint32_t r = rnd() % 100;

	if (r < 80)
		return 0;
	return (size_t)1 << (rnd() % 14); /* 1 .. 8 KiB */
}

int main(void)
{
	size_t region = 24 * MiB, live = 0, model_bytes = 0, ooms = 0;
	uint8_t *buf = malloc(region + 100);
	struct heap_stats base, s;
	bool ok = true;

	/* Stale bytes where descriptors go look like free-run heads: the heap
	 * must never read a descriptor above a region's frontier. */
	memset(buf, 0x01, region + 100);
	CHECK_EQ(heap_init(&heap, 0, buf + 99, region), 0);
	heap_get_stats(&heap, &base);
	for (int op = 0; op < OPS && ok; op++) {
		struct slot *sl = &slots[rnd() % SLOTS];

		if (sl->p) {
			ok &= intact(sl);
			heap_free(&heap, sl->p);
			model_bytes -= sl->rounded;
			sl->p = NULL;
			live--;
		} else {
			size_t align = pick_align();

			sl->size = pick_size();
			sl->p = heap_alloc(&heap, sl->size, align);
			if (!sl->p) {
				ooms++;
				continue;
			}
			ok &= align == 0 || (uintptr_t)sl->p % align == 0;
			sl->rounded = heap_block_size(&heap, sl->p);
			ok &= sl->rounded >= sl->size;
			sl->seed = rnd();
			fill(sl);
			model_bytes += sl->rounded;
			live++;
		}
		if (op % 10000 == 0) {
			for (int i = 0; i < SLOTS; i++)
				if (slots[i].p)
					ok &= intact(&slots[i]);
			heap_get_stats(&heap, &s);
			CHECK_EQ(heap_check(&heap), 0);
			CHECK_EQ(s.in_use_bytes, model_bytes);
			CHECK_EQ(s.allocs - s.frees, live);
		}
	}
	CHECK(ok);
	heap_get_stats(&heap, &s);
	CHECK_EQ(s.failed_allocs, ooms);
	CHECK_EQ(s.bad_frees, 0);
	CHECK(s.peak_in_use_bytes > region / 2); /* the mix did fill the heap */
	for (int i = 0; i < SLOTS; i++) {
		if (slots[i].p) {
			ok &= intact(&slots[i]);
			heap_free(&heap, slots[i].p);
		}
	}
	CHECK(ok);
	heap_trim(&heap);
	heap_get_stats(&heap, &s);
	CHECK_EQ(heap_check(&heap), 0);
	CHECK_EQ(s.in_use_bytes, 0);
	CHECK_EQ(s.slab_bytes, 0);
	CHECK_EQ(s.free_bytes, base.free_bytes);
	CHECK_EQ(s.largest_free_bytes, base.total_bytes);
	CHECK_EQ(s.allocs, s.frees);
	CHECK(heap_alloc(&heap, base.total_bytes, 0) != NULL);
	printf("ops %d, out-of-memory %zu, peak %zu KiB of %zu KiB\n", OPS,
	       ooms, s.peak_in_use_bytes >> 10, base.total_bytes >> 10);
	heap_destroy(&heap);
	free(buf);
	return check_done();
}
