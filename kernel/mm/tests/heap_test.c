/*
 * Unit tests for the per-core heap on the host: region setup (odd bases and
 * sizes, refusals), every size class, alignment, large runs, coalescing back
 * to the baseline, out of memory, several regions, the registry, and every
 * kind of bad free the heap claims to detect.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <torito/errno.h>

#include "kernel/mm/heap.h"
#include "testing/unit/check.h"

#define MiB  (1024ul * 1024)
#define PAGE HEAP_PAGE_SIZE

static struct heap heap_a, heap_b;

struct faults {
	int count[4];
	const void *last;
};

static void on_fault(void *ctx, const struct heap *h, enum heap_fault f,
		     const void *p)
{
	struct faults *fs = ctx;

	fs->count[f]++;
	fs->last = p;
}

static struct heap_stats stats(const struct heap *h)
{
	struct heap_stats s;

	heap_get_stats(h, &s);
	return s;
}

/* Whether h is exactly as after init: everything free, one run per region. */
static void check_baseline(const struct heap *h, const struct heap_stats *b)
{
	struct heap_stats s = stats(h);

	CHECK_EQ(heap_check(h), 0);
	CHECK_EQ(s.in_use_bytes, 0);
	CHECK_EQ(s.slab_bytes, 0);
	CHECK_EQ(s.free_bytes, b->free_bytes);
	CHECK_EQ(s.largest_free_bytes, b->largest_free_bytes);
	CHECK_EQ(s.total_bytes, b->total_bytes);
	CHECK_EQ(s.allocs, s.frees);
}

static uint8_t pat(uintptr_t p, size_t i)
{
	return (uint8_t)((p >> 4) * 131 + i * 7 + 1);
}

static void fill(void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = pat((uintptr_t)p, i);
}

static int intact(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i] != pat((uintptr_t)p, i))
			return 0;
	return 1;
}

static void test_init_refusals(void)
{
	char *buf = malloc(MiB), *pages = aligned_alloc(PAGE, 2 * PAGE);

	CHECK_EQ(heap_init(NULL, 0, buf, MiB), -EINVAL);
	CHECK_EQ(heap_init(&heap_a, 0, NULL, MiB), -EINVAL);
	CHECK_EQ(heap_init(&heap_a, 0, buf, 0), -EINVAL);
	/* A page and a bit: no room for header, descriptor and a page. */
	CHECK_EQ(heap_init(&heap_a, 0, pages, PAGE + 200), -EINVAL);
	CHECK_EQ(heap_init(&heap_a, 0, pages + 4000, PAGE + 296), -EINVAL);
	/* Wraps around the address space (refused before any write). */
	CHECK_EQ(heap_init(&heap_a, 0, (void *)(UINTPTR_MAX - 100), 4 * PAGE),
		 -EINVAL);
	CHECK_EQ(heap_add_region(&heap_a, buf, MiB), -EINVAL); /* not a heap */
	/* Smallest that works: two aligned pages give one data page. */
	CHECK_EQ(heap_init(&heap_a, 0, pages, 2 * PAGE), 0);
	CHECK_EQ(stats(&heap_a).total_bytes, PAGE);
	CHECK(heap_alloc(&heap_a, PAGE, 0) == pages + PAGE);
	heap_destroy(&heap_a);

	CHECK_EQ(heap_init(&heap_a, 3, buf, MiB), 0);
	CHECK_EQ(stats(&heap_a).total_bytes % PAGE, 0);
	/* Overlaps: same range, a range inside, a range straddling. */
	CHECK_EQ(heap_init(&heap_b, 1, buf, MiB), -EEXIST);
	CHECK_EQ(heap_init(&heap_b, 1, buf + 100 * 1024, 4 * PAGE), -EEXIST);
	CHECK_EQ(heap_add_region(&heap_a, buf + MiB - 2 * PAGE, MiB), -EEXIST);
	CHECK_EQ(heap_owner(buf + 500 * 1024), 3);
	heap_destroy(&heap_a);
	CHECK(heap_of(buf + 500 * 1024) == NULL);
	CHECK_EQ(heap_owner(buf + 500 * 1024), HEAP_NO_CPU);
	/* After destroy the memory can be a heap again. */
	CHECK_EQ(heap_init(&heap_b, 1, buf, MiB), 0);
	heap_destroy(&heap_b);
	free(pages);
	free(buf);
}

static void test_odd_region(void)
{
	size_t size = 3 * MiB + 777;
	char *buf = malloc(size + 64), *base = buf + 13;
	struct heap_stats s;
	void *p;

	CHECK_EQ(heap_init(&heap_a, 0, base, size), 0);
	s = stats(&heap_a);
	CHECK(s.total_bytes <= size && s.total_bytes > size - size / 50);
	CHECK_EQ(s.free_bytes, s.total_bytes);
	CHECK_EQ(s.largest_free_bytes, s.total_bytes);
	CHECK_EQ(heap_check(&heap_a), 0);
	/* The whole heap as one block lies inside [base, base + size). */
	p = heap_alloc(&heap_a, s.total_bytes, 0);
	CHECK(p != NULL);
	CHECK((char *)p >= base && (char *)p + s.total_bytes <= base + size);
	CHECK_EQ((uintptr_t)p % PAGE, 0);
	memset(p, 0xa5, s.total_bytes);
	CHECK(heap_alloc(&heap_a, 1, 0) == NULL);
	heap_free(&heap_a, p);
	check_baseline(&heap_a, &s);
	heap_destroy(&heap_a);
	free(buf);
}

static void test_size_classes(void)
{
	char *buf = malloc(8 * MiB);
	struct heap_stats base;
	void **blocks = malloc(600 * sizeof(void *));

	CHECK_EQ(heap_init(&heap_a, 0, buf, 8 * MiB), 0);
	base = stats(&heap_a);
	/* Every size 0..4200: aligned, usable size covers it, no clobbering. */
	for (size_t size = 0; size <= 4200; size++) {
		void *p = heap_alloc(&heap_a, size, 0);
		size_t got = heap_block_size(&heap_a, p);

		if (!p || got < size ||
		    got - size > (size <= HEAP_SMALL_MAX ? size + 16 : PAGE) ||
		    (uintptr_t)p % HEAP_MIN_ALIGN) {
			CHECK(0 && "bad block for size");
			break;
		}
		fill(p, got);
		heap_free(&heap_a, p);
	}
	/* Fill several slab pages of each class; blocks must not overlap. */
	for (size_t size = 16; size <= HEAP_SMALL_MAX; size += 16) {
		size_t cls, n, ok = 1;

		blocks[0] = heap_alloc(&heap_a, size, 0);
		cls = heap_block_size(&heap_a, blocks[0]);
		n = 2 * (PAGE / cls) + 1;
		for (size_t i = 0; i < n; i++) {
			if (i)
				blocks[i] = heap_alloc(&heap_a, size, 0);
			fill(blocks[i], cls);
		}
		for (size_t i = 0; i < n; i++)
			ok &= intact(blocks[i], cls);
		CHECK(ok);
		CHECK_EQ(heap_check(&heap_a), 0);
		CHECK_EQ(stats(&heap_a).in_use_bytes, n * cls);
		for (size_t i = 0; i < n; i++)
			heap_free(&heap_a, blocks[n - 1 - i]);
	}
	CHECK_EQ(stats(&heap_a).bad_frees, 0);
	CHECK_EQ(stats(&heap_a).in_use_bytes, 0);
	/* One empty slab stays cached per class until trimmed. */
	CHECK(stats(&heap_a).slab_bytes > 0);
	heap_trim(&heap_a);
	check_baseline(&heap_a, &base);
	heap_destroy(&heap_a);
	free(blocks);
	free(buf);
}

static void test_alignment(void)
{
	static const size_t sizes[] = { 1,    17,   100,  1000,
					2048, 3000, 5000, 70000 };
	char *buf = malloc(16 * MiB + 5);
	struct heap_stats base, s;

	CHECK_EQ(heap_init(&heap_a, 0, buf + 5, 16 * MiB), 0);
	base = stats(&heap_a);
	for (size_t align = 1; align <= 256 * 1024; align <<= 1) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			void *p = heap_alloc(&heap_a, sizes[i], align);
			void *q = heap_alloc(&heap_a, sizes[i], align);

			CHECK(p && q);
			CHECK_EQ((uintptr_t)p % align, 0);
			CHECK_EQ((uintptr_t)q % align, 0);
			CHECK(heap_block_size(&heap_a, p) >= sizes[i]);
			fill(p, sizes[i]);
			fill(q, sizes[i]);
			CHECK(intact(p, sizes[i]));
			heap_free(&heap_a, p);
			heap_free(&heap_a, q);
		}
	}
	/* Not a power of two: refused, counted, nothing leaked. */
	CHECK(heap_alloc(&heap_a, 64, 48) == NULL);
	CHECK(heap_alloc(&heap_a, 8192, 3 * PAGE) == NULL);
	s = stats(&heap_a);
	CHECK_EQ(s.failed_allocs, 2);
	CHECK_EQ(heap_check(&heap_a), 0);
	heap_trim(&heap_a);
	check_baseline(&heap_a, &base);
	heap_destroy(&heap_a);
	free(buf);
}

/* Allocates mixed blocks until the heap is full, frees them in a scrambled
 * order, and checks the heap is back to one run that a huge block fits. */
static void test_fill_and_coalesce(void)
{
	size_t size = 16 * MiB, n = 0, cap = 1 << 18, full;
	char *buf = malloc(size);
	void **blocks = malloc(cap * sizeof(void *));
	struct heap_stats base, s;
	unsigned int seed = 1;
	void *huge;

	CHECK_EQ(heap_init(&heap_a, 0, buf, size), 0);
	base = stats(&heap_a);
	for (int misses = 0; misses < 50 && n < cap;) {
		size_t sz;

		seed = seed * 1103515245 + 12345;
		sz = (seed >> 8) % 4 ? (seed >> 12) % 2048 + 1
				     : (seed >> 12) % (300 * 1024) + 2049;
		blocks[n] = heap_alloc(&heap_a, sz, 0);
		if (blocks[n])
			n++;
		else
			misses++;
	}
	s = stats(&heap_a);
	CHECK(n > 100);
	CHECK(s.failed_allocs >= 50);
	CHECK(s.peak_in_use_bytes == s.in_use_bytes);
	CHECK_EQ(heap_check(&heap_a), 0);
	/* Small blocks until not even a 16-byte block is left. */
	while (n < cap && (blocks[n] = heap_alloc(&heap_a, 16, 0)))
		n++;
	CHECK(n < cap);
	CHECK_EQ(stats(&heap_a).free_bytes, 0);
	full = stats(&heap_a).in_use_bytes;
	for (size_t i = 0; i < n; i++) {
		size_t j = i + (size_t)rand() % (n - i);
		void *t = blocks[i];

		blocks[i] = blocks[j];
		blocks[j] = t;
	}
	for (size_t i = 0; i < n; i++) {
		heap_free(&heap_a, blocks[i]);
		if (i % 4096 == 0)
			CHECK_EQ(heap_check(&heap_a), 0);
	}
	s = stats(&heap_a);
	CHECK_EQ(s.in_use_bytes, 0);
	CHECK_EQ(s.allocs, n);
	CHECK_EQ(s.frees, n);
	CHECK_EQ(s.bad_frees, 0);
	CHECK_EQ(s.peak_in_use_bytes, full);
	/* Without an explicit trim, a whole-heap block still fits: the
	 * allocator trims the cached slabs itself before failing. */
	huge = heap_alloc(&heap_a, base.total_bytes, 0);
	CHECK(huge != NULL);
	heap_free(&heap_a, huge);
	check_baseline(&heap_a, &base);
	heap_destroy(&heap_a);
	free(blocks);
	free(buf);
}

static void test_out_of_memory(void)
{
	char *buf = aligned_alloc(PAGE, 64 * 1024);
	struct heap_stats s;
	void *p[300];
	int n = 0;

	CHECK_EQ(heap_init(&heap_a, 0, buf, 64 * 1024), 0);
	s = stats(&heap_a);
	CHECK_EQ(s.total_bytes, 15 * PAGE); /* one page for header + descs */
	CHECK(heap_alloc(&heap_a, 16 * PAGE, 0) == NULL);
	CHECK(heap_alloc(&heap_a, SIZE_MAX, 0) == NULL);
	CHECK(heap_alloc(&heap_a, SIZE_MAX - PAGE, PAGE) == NULL);
	CHECK(heap_alloc(&heap_a, 64, (size_t)1 << 62) == NULL);
	while (n < 300 && (p[n] = heap_alloc(&heap_a, 1024, 0)))
		n++;
	CHECK_EQ(n, 15 * 4);
	CHECK(heap_alloc(&heap_a, 16, 0) == NULL);
	CHECK(heap_alloc(&heap_a, PAGE, 0) == NULL);
	CHECK_EQ(stats(&heap_a).failed_allocs, 7);
	while (n > 0)
		heap_free(&heap_a, p[--n]);
	heap_trim(&heap_a);
	check_baseline(&heap_a, &s);
	heap_destroy(&heap_a);
	free(buf);
}

static void test_regions(void)
{
	char *a = malloc(MiB), *b = malloc(4 * MiB);
	struct heap_stats s;
	void *p, *q;

	CHECK_EQ(heap_init(&heap_a, 7, a, MiB), 0);
	CHECK_EQ(heap_add_region(&heap_a, b + 4001, 4 * MiB - 4001), 0);
	s = stats(&heap_a);
	CHECK(s.total_bytes > 4 * MiB && s.total_bytes < 5 * MiB);
	CHECK(s.largest_free_bytes < 4 * MiB);
	CHECK(s.largest_free_bytes > 3 * MiB);
	/* Only the big region fits this; no run spans regions. */
	p = heap_alloc(&heap_a, 3 * MiB, 0);
	CHECK((char *)p >= b && (char *)p < b + 4 * MiB);
	CHECK(heap_alloc(&heap_a, s.total_bytes - 3 * MiB, 0) == NULL);
	q = heap_alloc(&heap_a, 512 * 1024, 0);
	CHECK(q != NULL);
	CHECK(heap_of(p) == &heap_a && heap_of(q) == &heap_a);
	CHECK_EQ(heap_owner(p), 7);
	CHECK_EQ(heap_owner(q), 7);
	CHECK(heap_of(&s) == NULL);
	CHECK(heap_of(NULL) == NULL);
	CHECK_EQ(heap_check(&heap_a), 0);
	heap_free(&heap_a, p);
	heap_free(&heap_a, q);
	check_baseline(&heap_a, &s);
	heap_destroy(&heap_a);
	free(a);
	free(b);
}

static void test_registry_full(void)
{
	size_t chunk = 3 * PAGE;
	char *buf = malloc(chunk * (HEAP_MAX_REGIONS + 2));
	int rc, added = 0;

	CHECK_EQ(heap_init(&heap_a, 0, buf, chunk), 0);
	for (int i = 1; i < HEAP_MAX_REGIONS + 2; i++) {
		rc = heap_add_region(&heap_a, buf + i * chunk, chunk);
		if (rc)
			break;
		added++;
	}
	CHECK_EQ(rc, -ENOSPC);
	CHECK_EQ(added, HEAP_MAX_REGIONS - 1);
	/* Every region answers heap_of(); the heap spans them all. */
	for (int i = 0; i <= added; i++)
		CHECK(heap_of(buf + i * chunk + 64) == &heap_a);
	CHECK_EQ(heap_check(&heap_a), 0);
	heap_destroy(&heap_a);
	CHECK(heap_of(buf + chunk) == NULL);
	free(buf);
}

static void test_bad_frees(void)
{
	char *buf = malloc(4 * MiB), *other = malloc(MiB);
	struct faults fs = { { 0 }, NULL };
	uint64_t bad = 0;
	char *p, *q, *big;
	int local;

	CHECK_EQ(heap_init(&heap_a, 0, buf, 4 * MiB), 0);
	CHECK_EQ(heap_init(&heap_b, 1, other, MiB), 0);
	heap_set_fault_fn(&heap_a, on_fault, &fs);

#define EXPECT_FAULT(kind, ptr)                            \
	do {                                               \
		CHECK_EQ(fs.count[kind], 1);               \
		CHECK(fs.last == (const void *)(ptr));     \
		CHECK_EQ(stats(&heap_a).bad_frees, ++bad); \
		CHECK_EQ(heap_check(&heap_a), 0);          \
		memset(fs.count, 0, sizeof(fs.count));     \
	} while (0)

	heap_free(&heap_a, NULL); /* ignored, like free(NULL) */
	CHECK_EQ(stats(&heap_a).bad_frees, 0);
	heap_free(&heap_a, &local);
	EXPECT_FAULT(HEAP_FAULT_FOREIGN, &local);
	p = heap_alloc(&heap_b, 64, 0);
	heap_free(&heap_a, p); /* heap_b's block */
	EXPECT_FAULT(HEAP_FAULT_FOREIGN, p);
	heap_free(&heap_b, p);
	heap_free(&heap_a, buf + 64); /* region header */
	EXPECT_FAULT(HEAP_FAULT_NOT_BLOCK, buf + 64);

	p = heap_alloc(&heap_a, 64, 0);
	q = heap_alloc(&heap_a, 64, 0);
	heap_free(&heap_a, p + 16); /* inside a block */
	EXPECT_FAULT(HEAP_FAULT_NOT_BLOCK, p + 16);
	heap_free(&heap_a, p + 8); /* misaligned */
	EXPECT_FAULT(HEAP_FAULT_NOT_BLOCK, p + 8);
	heap_free(&heap_a, q + 64 * 4); /* never handed out */
	EXPECT_FAULT(HEAP_FAULT_NOT_BLOCK, q + 64 * 4);
	heap_free(&heap_a, p);
	heap_free(&heap_a, p); /* double */
	EXPECT_FAULT(HEAP_FAULT_DOUBLE, p);
	heap_free(&heap_a, q);
	heap_free(&heap_a, q); /* double, slab now empty */
	EXPECT_FAULT(HEAP_FAULT_DOUBLE, q);

	big = heap_alloc(&heap_a, 5 * PAGE, 0);
	heap_free(&heap_a, big + PAGE);
	EXPECT_FAULT(HEAP_FAULT_NOT_BLOCK, big + PAGE);
	heap_free(&heap_a, big + 16);
	EXPECT_FAULT(HEAP_FAULT_NOT_BLOCK, big + 16);
	heap_free(&heap_a, big);
	heap_free(&heap_a, big); /* its page now heads a free run */
	EXPECT_FAULT(HEAP_FAULT_DOUBLE, big);

	/* Remote: a second queueing of the same block is refused at once. */
	p = heap_alloc(&heap_a, 200, 0);
	heap_free_remote(&heap_a, p);
	heap_free_remote(&heap_a, p);
	EXPECT_FAULT(HEAP_FAULT_DOUBLE, p);
	/* Freeing locally what is already queued: the queue is emptied
	 * first, so this is the double free it is. */
	heap_free(&heap_a, p);
	EXPECT_FAULT(HEAP_FAULT_DOUBLE, p);
	CHECK_EQ(stats(&heap_a).remote_frees, 1);
	/* Remote free of a block already free on the owner. */
	heap_free_remote(&heap_a, p);
	EXPECT_FAULT(HEAP_FAULT_DOUBLE, p);
	/* Remote free naming the wrong home. */
	q = heap_alloc(&heap_b, 32, 0);
	heap_free_remote(&heap_a, q);
	EXPECT_FAULT(HEAP_FAULT_FOREIGN, q);
	heap_free_remote(&heap_a, buf + 128); /* region header */
	EXPECT_FAULT(HEAP_FAULT_NOT_BLOCK, buf + 128);
	heap_free_any(&heap_a, q); /* goes home to heap_b */
	heap_drain_remote(&heap_b);
	CHECK_EQ(stats(&heap_b).remote_frees, 1);
	CHECK_EQ(stats(&heap_b).in_use_bytes, 0);
	heap_free_any(&heap_a, &local);
	EXPECT_FAULT(HEAP_FAULT_FOREIGN, &local);

	/* Written after free: the tag word. The block and the rest of its
	 * page's free list are given up, not handed out. */
	p = heap_alloc(&heap_a, 48, 0);
	q = heap_alloc(&heap_a, 48, 0);
	heap_free(&heap_a, p);
	heap_free(&heap_a, q);
	memset(q, 0x41, 16);
	{
		char *r = heap_alloc(&heap_a, 48, 0);

		CHECK(r != NULL && r != q && r != p);
		EXPECT_FAULT(HEAP_FAULT_CORRUPT, q);
		CHECK(stats(&heap_a).leaked_bytes >= 2 * 48);
		heap_free(&heap_a, r);
	}
	/* Written after free: only the link word, pointing elsewhere. */
	p = heap_alloc(&heap_a, 96, 0);
	q = heap_alloc(&heap_a, 96, 0);
	heap_free(&heap_a, p);
	heap_free(&heap_a, q);
	*(uintptr_t *)q = (uintptr_t)&local;
	CHECK(heap_alloc(&heap_a, 96, 0) != q);
	EXPECT_FAULT(HEAP_FAULT_CORRUPT, q);
	CHECK_EQ(heap_check(&heap_a), 0);
#undef EXPECT_FAULT
	heap_destroy(&heap_a);
	heap_destroy(&heap_b);
	free(buf);
	free(other);
}

/* Thread stacks and packet pools: blocks of many MiB. */
static void test_many_mib(void)
{
	size_t size = 200 * MiB;
	char *buf = malloc(size);
	struct heap_stats base;
	char *p, *q;

	CHECK(buf != NULL);
	CHECK_EQ(heap_init(&heap_a, 0, buf, size), 0);
	base = stats(&heap_a);
	p = heap_alloc(&heap_a, 64 * MiB, 0);
	q = heap_alloc(&heap_a, 100 * MiB, 2 * MiB);
	CHECK(p && q);
	CHECK_EQ((uintptr_t)q % (2 * MiB), 0);
	CHECK_EQ(heap_block_size(&heap_a, p), 64 * MiB);
	p[0] = 1;
	p[64 * MiB - 1] = 2;
	q[100 * MiB - 1] = 3;
	CHECK(heap_alloc(&heap_a, 64 * MiB, 0) == NULL);
	CHECK_EQ(heap_check(&heap_a), 0);
	heap_free(&heap_a, p);
	heap_free(&heap_a, q);
	check_baseline(&heap_a, &base);
	heap_destroy(&heap_a);
	free(buf);
}

int main(void)
{
	test_init_refusals();
	test_odd_region();
	test_size_classes();
	test_alignment();
	test_fill_and_coalesce();
	test_out_of_memory();
	test_regions();
	test_registry_full();
	test_bad_frees();
	test_many_mib();
	return check_done();
}
