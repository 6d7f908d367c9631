/*
 * Tests for the heap's frontier: a region's pages start as one implicit free
 * run whose descriptors are never written until pages are carved from it.
 * Checks that setup writes the region header only (a poison pattern filled
 * in before heap_init() survives everywhere else, and a page-protection
 * tracer sees a 1 GiB region touched on one page), that alloc/free patterns
 * crossing the frontier keep every heap_check() invariant, that freed runs
 * merge back into the frontier so "free everything" is the baseline again,
 * and that frees above the frontier are refused like frees of free pages.
 * Poison bytes are chosen so that stale descriptors would look like free,
 * large or slab pages: reading one would show up as a wrong answer.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <torito/errno.h>

#include "kernel/mm/heap.h"
#include "testing/unit/check.h"

#define KiB  1024ul
#define MiB  (1024ul * 1024)
#define PAGE HEAP_PAGE_SIZE

/* kind bytes 1..4 are FREE, FREE_TAIL, LARGE, SLAB in heap.c */
static const uint8_t poisons[] = { 0x01, 0x02, 0x03, 0x04, 0xa5, 0xff };

static struct heap heap_a;

struct faults {
	int count[4];
	const void *last;
};

static void on_fault(void *ctx, const struct heap *h, enum heap_fault f,
		     const void *p)
{
	struct faults *fs = ctx;

	(void)h;
	fs->count[f]++;
	fs->last = p;
}

static struct heap_stats stats(const struct heap *h)
{
	struct heap_stats s;

	heap_get_stats(h, &s);
	return s;
}

static void check_baseline(const struct heap *h, const struct heap_stats *b)
{
	struct heap_stats s = stats(h);

	CHECK_EQ(heap_check(h), 0);
	CHECK_EQ(s.in_use_bytes, 0);
	CHECK_EQ(s.slab_bytes, 0);
	CHECK_EQ(s.free_bytes, b->free_bytes);
	CHECK_EQ(s.largest_free_bytes, b->largest_free_bytes);
	CHECK_EQ(s.total_bytes, b->total_bytes);
}

static char *poisoned(size_t size, uint8_t poison)
{
	char *buf = aligned_alloc(PAGE, size);

	CHECK(buf != NULL);
	memset(buf, poison, size);
	return buf;
}

/* Pages of [buf, buf + size) holding a byte other than poison, as a bitmap
 * of page indexes below 64 plus a count of all of them. */
struct touched {
	uint64_t low;
	size_t count;
};

static struct touched touched_pages(const char *buf, size_t size,
				    uint8_t poison)
{
	static uint8_t clean[PAGE];
	struct touched t = { 0, 0 };

	memset(clean, poison, PAGE);
	for (size_t pg = 0; pg < size / PAGE; pg++) {
		if (memcmp(buf + pg * PAGE, clean, PAGE) != 0) {
			t.count++;
			if (pg < 64)
				t.low |= 1ull << pg;
		}
	}
	return t;
}

/* heap_init() writes the header only; a small block touches its descriptor
 * (beside the header) and its own page; freeing all is the baseline. */
static void test_untouched(uint8_t poison)
{
	size_t size = 32 * MiB;
	char *buf = poisoned(size, poison);
	struct heap_stats base;
	struct touched t;
	char *p, *q, *data;
	size_t i;

	CHECK_EQ(heap_init(&heap_a, 0, buf, size), 0);
	t = touched_pages(buf, size, poison);
	CHECK_EQ(t.count, 1);
	CHECK_EQ(t.low, 1);
	for (i = 128; i < PAGE; i++) /* header: one cache line or two */
		if ((uint8_t)buf[i] != poison)
			break;
	CHECK_EQ(i, PAGE);
	base = stats(&heap_a);
	CHECK_EQ(base.free_bytes, base.total_bytes);
	CHECK_EQ(base.largest_free_bytes, base.total_bytes);
	CHECK(base.total_bytes > size - size / 50);
	CHECK_EQ(heap_check(&heap_a), 0);

	/* The first block opens the first data page, after the room left
	 * for descriptors (about 1% of the region). */
	p = heap_alloc(&heap_a, 64, 0);
	data = p;
	CHECK(data >= buf + size / 128 && data < buf + size / 64);
	CHECK_EQ((uintptr_t)data % PAGE, 0);
	t = touched_pages(buf, size, poison);
	CHECK_EQ(t.count, 2);
	CHECK_EQ(t.low, 1); /* the header page; the other is p's */
	CHECK_EQ(touched_pages(data, PAGE, poison).count, 1); /* tag word */

	/* A 3-page block comes off the frontier next, right after p's page;
	 * its descriptors are in the header page too. */
	q = heap_alloc(&heap_a, 3 * PAGE, 0);
	CHECK(q == data + PAGE);
	CHECK_EQ(heap_check(&heap_a), 0);
	CHECK_EQ(touched_pages(buf, size, poison).count, 3);
	CHECK_EQ(touched_pages(data + 4 * PAGE, size - (data - buf) - 4 * PAGE,
			       poison)
			 .count,
		 0);
	heap_free(&heap_a, q);
	heap_free(&heap_a, p);
	heap_trim(&heap_a);
	check_baseline(&heap_a, &base);
	CHECK_EQ(stats(&heap_a).allocs, stats(&heap_a).frees);
	/* Still nothing written above the pages handed out. */
	CHECK_EQ(touched_pages(data + 4 * PAGE, size - (data - buf) - 4 * PAGE,
			       poison)
			 .count,
		 0);
	/* And the whole region is one block again. */
	p = heap_alloc(&heap_a, base.total_bytes, 0);
	CHECK(p == data);
	heap_free(&heap_a, p);
	check_baseline(&heap_a, &base);
	heap_destroy(&heap_a);
	free(buf);
}

/* Frees next to the frontier move it down; frees elsewhere make binned runs
 * that are used before the frontier; a binned run next to a run freed at the
 * frontier goes with it. */
static void test_merge_back(uint8_t poison)
{
	size_t size = 4 * MiB;
	char *buf = poisoned(size, poison);
	struct heap_stats base, s;
	char *a, *b, *c, *d, *e;

	CHECK_EQ(heap_init(&heap_a, 0, buf, size), 0);
	base = stats(&heap_a);
	a = heap_alloc(&heap_a, PAGE, 0);
	b = heap_alloc(&heap_a, 2 * PAGE, 0);
	c = heap_alloc(&heap_a, 3 * PAGE, 0);
	CHECK(b == a + PAGE && c == b + 2 * PAGE);
	CHECK_EQ(stats(&heap_a).largest_free_bytes,
		 base.total_bytes - 6 * PAGE);

	/* c is at the frontier: freeing it moves the frontier back. */
	heap_free(&heap_a, c);
	CHECK_EQ(heap_check(&heap_a), 0);
	s = stats(&heap_a);
	CHECK_EQ(s.largest_free_bytes, base.total_bytes - 3 * PAGE);
	CHECK_EQ(s.free_bytes, base.total_bytes - 3 * PAGE);
	CHECK(heap_alloc(&heap_a, 3 * PAGE, 0) == c);

	/* b is in the middle: a binned run, reused before the frontier. */
	heap_free(&heap_a, b);
	CHECK_EQ(heap_check(&heap_a), 0);
	CHECK(heap_alloc(&heap_a, PAGE, 0) == b);
	d = heap_alloc(&heap_a, PAGE, 0); /* the rest of b's run */
	CHECK(d == b + PAGE);
	/* Too big for any hole: from the frontier, above c. */
	e = heap_alloc(&heap_a, 2 * PAGE, 0);
	CHECK(e == c + 3 * PAGE);
	heap_free(&heap_a, b);
	heap_free(&heap_a, d); /* b+d merge into one binned run */
	heap_free(&heap_a, c); /* merges with b+d, still below e */
	CHECK_EQ(heap_check(&heap_a), 0);
	CHECK_EQ(stats(&heap_a).largest_free_bytes,
		 base.total_bytes - 8 * PAGE);
	/* e at the frontier: its free takes the b..c run along. */
	heap_free(&heap_a, e);
	CHECK_EQ(heap_check(&heap_a), 0);
	s = stats(&heap_a);
	CHECK_EQ(s.largest_free_bytes, base.total_bytes - PAGE);
	CHECK_EQ(s.free_bytes, base.total_bytes - PAGE);
	heap_free(&heap_a, a);
	check_baseline(&heap_a, &base);
	heap_destroy(&heap_a);
	free(buf);
}

/* Alignment above a page from the frontier: the skipped pages become a free
 * run that smaller requests use; nothing above the block is written. */
static void test_aligned(uint8_t poison)
{
	size_t size = 8 * MiB, align = 256 * KiB;
	char *buf = poisoned(size, poison);
	struct heap_stats base;
	char *a, *p, *q, *r;
	uintptr_t end;

	CHECK_EQ(heap_init(&heap_a, 0, buf, size), 0);
	base = stats(&heap_a);
	a = heap_alloc(&heap_a, 16, 0);
	p = heap_alloc(&heap_a, 2 * PAGE, align);
	CHECK(p != NULL);
	CHECK_EQ((uintptr_t)p % align, 0);
	CHECK(p > a && p - a <= (ptrdiff_t)align);
	CHECK_EQ(heap_check(&heap_a), 0);
	/* Exactly the block left the free pages: the lead is still free. */
	CHECK_EQ(stats(&heap_a).free_bytes, base.total_bytes - 3 * PAGE);
	end = (uintptr_t)p + 2 * PAGE;
	CHECK_EQ(touched_pages((char *)end, (uintptr_t)buf + size - end, poison)
			 .count,
		 0);
	/* The lead (if a's page was not already aligned) serves next. */
	q = heap_alloc(&heap_a, PAGE, 0);
	CHECK(q != NULL);
	if (p - a > (ptrdiff_t)PAGE)
		CHECK(q == a + PAGE);
	else
		CHECK(q == p + 2 * PAGE);
	/* Whole-heap-sized alignment: only the frontier can give it. */
	r = heap_alloc(&heap_a, PAGE, 2 * MiB);
	CHECK(r != NULL);
	CHECK_EQ((uintptr_t)r % (2 * MiB), 0);
	CHECK_EQ(heap_check(&heap_a), 0);
	heap_free(&heap_a, p);
	heap_free(&heap_a, r);
	heap_free(&heap_a, q);
	heap_free(&heap_a, a);
	heap_trim(&heap_a);
	check_baseline(&heap_a, &base);
	CHECK(heap_alloc(&heap_a, base.total_bytes, 0) != NULL);
	heap_destroy(&heap_a);
	free(buf);
}

/* Frees at, above and inside the frontier are faults, as for free pages,
 * whatever the stale descriptors there look like. */
static void test_bad_frees(uint8_t poison)
{
	size_t size = 2 * MiB;
	char *buf = poisoned(size, poison);
	struct faults fs = { { 0 }, NULL };
	struct heap_stats base;
	char *big, *top;
	uint64_t bad = 0;

	CHECK_EQ(heap_init(&heap_a, 0, buf, size), 0);
	heap_set_fault_fn(&heap_a, on_fault, &fs);
	base = stats(&heap_a);

#define EXPECT_FAULT(kind, ptr)                            \
	do {                                               \
		CHECK_EQ(fs.count[kind], 1);               \
		CHECK(fs.last == (const void *)(ptr));     \
		CHECK_EQ(stats(&heap_a).bad_frees, ++bad); \
		CHECK_EQ(heap_check(&heap_a), 0);          \
		memset(fs.count, 0, sizeof(fs.count));     \
	} while (0)

	big = heap_alloc(&heap_a, 5 * PAGE, 0); /* the first data page */
	top = big + base.total_bytes - PAGE;	/* the last, never carved */
	CHECK_EQ(heap_block_size(&heap_a, big + 5 * PAGE), 0);
	CHECK_EQ(heap_block_size(&heap_a, top), 0);
	heap_free(&heap_a, big + 5 * PAGE); /* the frontier: a free head */
	EXPECT_FAULT(HEAP_FAULT_DOUBLE, big + 5 * PAGE);
	heap_free(&heap_a, big + 6 * PAGE); /* above it: inside the run */
	EXPECT_FAULT(HEAP_FAULT_NOT_BLOCK, big + 6 * PAGE);
	heap_free(&heap_a, top + 64);
	EXPECT_FAULT(HEAP_FAULT_NOT_BLOCK, top + 64);
	heap_free(&heap_a, big);
	heap_free(&heap_a, big); /* its page is now the frontier */
	EXPECT_FAULT(HEAP_FAULT_DOUBLE, big);
	/* Queued by another core, refused when the owner drains it. */
	heap_free_remote(&heap_a, top);
	heap_drain_remote(&heap_a);
	EXPECT_FAULT(HEAP_FAULT_NOT_BLOCK, top);
	CHECK_EQ(stats(&heap_a).remote_frees, 0);
	/* A block freed remotely lands at the frontier: a local free of it
	 * drains the queue first and is then a double free. */
	big = heap_alloc(&heap_a, PAGE, 0);
	heap_free_remote(&heap_a, big);
	heap_free(&heap_a, big);
	EXPECT_FAULT(HEAP_FAULT_DOUBLE, big);
	CHECK_EQ(stats(&heap_a).remote_frees, 1);
#undef EXPECT_FAULT
	check_baseline(&heap_a, &base);
	heap_destroy(&heap_a);
	free(buf);
}

/* Two regions: each has its own frontier; a block too big for the first
 * comes from the second; neither is touched above what it handed out. */
static void test_regions(uint8_t poison)
{
	size_t sa = 256 * KiB, sb = 8 * MiB;
	char *a = poisoned(sa, poison), *b = poisoned(sb, poison);
	struct heap_stats base;
	char *p, *q;

	CHECK_EQ(heap_init(&heap_a, 2, a, sa), 0);
	CHECK_EQ(heap_add_region(&heap_a, b, sb), 0);
	CHECK_EQ(touched_pages(a, sa, poison).count, 1);
	CHECK_EQ(touched_pages(b, sb, poison).count, 1);
	base = stats(&heap_a);
	CHECK(base.largest_free_bytes > sb - sb / 50);
	p = heap_alloc(&heap_a, 1 * MiB, 0);
	CHECK(p >= b && p < b + sb);
	q = heap_alloc(&heap_a, 64 * KiB, 0); /* newest region first */
	CHECK(q >= b && q < b + sb);
	CHECK_EQ(touched_pages(a, sa, poison).count, 1);
	CHECK(heap_alloc(&heap_a, sb, 0) == NULL);
	CHECK_EQ(heap_check(&heap_a), 0);
	heap_free(&heap_a, p);
	heap_free(&heap_a, q);
	check_baseline(&heap_a, &base);
	heap_destroy(&heap_a);
	free(a);
	free(b);
}

/* Random alloc/free of 1..48 pages (some aligned) and small blocks over a
 * small region, heap_check() after every step, then everything freed. */
static void test_random(uint8_t poison)
{
	enum { SLOTS = 64, OPS = 6000 };
	size_t size = 1 * MiB;
	char *buf = poisoned(size, poison), *slot[SLOTS] = { 0 };
	struct heap_stats base;
	uint32_t seed = poison * 2654435761u + 1;
	bool ok = true;

	CHECK_EQ(heap_init(&heap_a, 0, buf, size), 0);
	base = stats(&heap_a);
	for (int op = 0; op < OPS && ok; op++) {
		unsigned int k;

		seed = seed * 1103515245 + 12345;
		k = (seed >> 8) % SLOTS;
		if (slot[k]) {
			heap_free(&heap_a, slot[k]);
			slot[k] = NULL;
		} else {
			size_t sz = (seed >> 16) % 4
					    ? ((seed >> 18) % 48 + 1) * PAGE
					    : (seed >> 18) % 2048 + 1;
			size_t al = (seed >> 24) % 5 == 0
					    ? PAGE << ((seed >> 27) % 5)
					    : 0;

			slot[k] = heap_alloc(&heap_a, sz, al);
			ok &= !slot[k] || !al || (uintptr_t)slot[k] % al == 0;
		}
		ok &= heap_check(&heap_a) == 0;
	}
	CHECK(ok);
	CHECK(stats(&heap_a).failed_allocs > 0); /* the region did fill */
	for (int k = 0; k < SLOTS; k++)
		heap_free(&heap_a, slot[k]);
	CHECK_EQ(stats(&heap_a).bad_frees, 0);
	CHECK(heap_alloc(&heap_a, base.total_bytes, 0) != NULL);
	heap_trim(&heap_a);
	heap_destroy(&heap_a);
	free(buf);
}

/*
 * Page-touch tracer: a 1 GiB region reserved PROT_NONE; each page the heap
 * reads or writes faults once and is opened by the handler, which counts
 * it. Shows setup costs the same on any size, and that no stale descriptor
 * is even read.
 */
static char *trace_base;
static size_t trace_size;
static volatile sig_atomic_t trace_pages;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr & ~(PAGE - 1);

	(void)uc;
	if (a < (uintptr_t)trace_base ||
	    a >= (uintptr_t)trace_base + trace_size) {
		signal(sig, SIG_DFL); /* a real crash: let it happen */
		return;
	}
	trace_pages++;
	mprotect((void *)a, PAGE, PROT_READ | PROT_WRITE);
}

static void test_touch_trace(void)
{
	struct sigaction sa, old;
	struct heap_stats s;
	char *p;

	trace_size = 1024 * MiB;
	trace_base = mmap(NULL, trace_size, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(trace_base != MAP_FAILED);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(SIGSEGV, &sa, &old), 0);

	CHECK_EQ(heap_init(&heap_a, 0, trace_base, trace_size), 0);
	CHECK_EQ(trace_pages, 1);
	/* Small block: its descriptor (beside the header) and its page. */
	p = heap_alloc(&heap_a, 100, 0);
	CHECK(p != NULL);
	CHECK_EQ(trace_pages, 2);
	heap_get_stats(&heap_a, &s);
	CHECK_EQ(s.free_bytes, s.total_bytes - PAGE);
	CHECK_EQ(s.largest_free_bytes, s.total_bytes - PAGE);
	CHECK_EQ(heap_check(&heap_a), 0);
	CHECK_EQ(trace_pages, 2);
	heap_free(&heap_a, p);
	CHECK_EQ(stats(&heap_a).in_use_bytes, 0);
	/* A 1 MiB block (beside the cached empty slab): 256 descriptors, 10
	 * KiB after the header, open two more pages; its tag word one. */
	p = heap_alloc(&heap_a, 1 * MiB, 0);
	CHECK(p != NULL);
	CHECK_EQ(trace_pages, 2 + 2 + 1);
	heap_free(&heap_a, p);
	heap_trim(&heap_a);
	heap_get_stats(&heap_a, &s);
	CHECK_EQ(s.free_bytes, s.total_bytes);
	CHECK_EQ(s.largest_free_bytes, s.total_bytes);
	CHECK_EQ(heap_check(&heap_a), 0);
	heap_destroy(&heap_a);

	CHECK_EQ(sigaction(SIGSEGV, &old, NULL), 0);
	munmap(trace_base, trace_size);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(poisons); i++) {
		test_untouched(poisons[i]);
		test_merge_back(poisons[i]);
		test_aligned(poisons[i]);
		test_bad_frees(poisons[i]);
		test_regions(poisons[i]);
		test_random(poisons[i]);
	}
	test_touch_trace();
	return check_done();
}
