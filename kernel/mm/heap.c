/*
 * Per-core heaps: size-class slabs over 4 KiB pages, free page runs in
 * power-of-two bins with boundary-tag coalescing, a lock-free return queue
 * for blocks freed on other cores, and the global region registry behind
 * heap_of(). Sits under the kernel's kmalloc/kfree (one heap per core, built
 * by mm setup from the boot memory map) and needs nothing from the kernel:
 * portable C, host-tested with pthreads standing in for cores.
 *
 * Region layout: [header | page descriptors | pad to 4 KiB | data pages].
 * Pages from the region's frontier to its end form one implicit free run
 * whose descriptors have never been written (they hold whatever the memory
 * held, and nothing reads them): setting up a region writes its header only,
 * so boot does not touch RAM in proportion to its size. When no binned run
 * fits, pages are carved from the frontier (their descriptors are written
 * then); a run freed next to the frontier moves it back down, so freeing
 * everything returns a region to frontier == 0.
 * Below the frontier, one descriptor per data page says what the page is:
 *   PAGE_FREE       head of a free run (npages, bin links); its last page is
 *                   PAGE_FREE_TAIL (npages too) so a freed neighbour finds it
 *   PAGE_LARGE      head of an allocated run (npages)
 *   PAGE_SLAB       a page cut into blocks of one class (free list, counts)
 *   PAGE_BODY       any other page (inside a run)
 * Invariants (heap_check() verifies them): only true run heads/tails carry
 * FREE/FREE_TAIL/LARGE marks, no two free runs touch, no run crosses the
 * frontier, and no free run ends at it (it would have been absorbed).
 *
 * Block words: a free slab block holds [next, FREE_TAG ^ addr]; a block on a
 * return queue holds [next, REMOTE_TAG ^ addr]. Mixing in the address means
 * copied bytes never look like a tag. Allocation clears word 1, so a live
 * block carries a tag only if its user wrote one. Word 1 is accessed with
 * atomics because a racing (buggy) remote double free may read it.
 *
 * Left out: per-cpu magazines and returning memory to a global pool (a core
 * never borrows another core's memory); size classes above 2048 bytes (those
 * take whole pages); a >4 KiB-aligned request may fail while an aligned hole
 * exists in a binned run, because it asks the bins for n + align - 1 pages
 * (the frontier is checked exactly).
 */
#include "kernel/mm/heap.h"

#include <torito/errno.h>
#include <torito/string.h>

#define HEAP_MAGIC    0x48656170u
#define REGION_MAGIC  0x726567696f6e4870ull
#define FREE_TAG      ((uintptr_t)0x46524545b10cf7eeull)
#define REMOTE_TAG    ((uintptr_t)0x52454d4fb10c5e1dull)
#define PAGE	      HEAP_PAGE_SIZE
#define SHIFT	      HEAP_PAGE_SHIFT
#define MAX_RUN_PAGES 0x80000000u
/* Same-bin candidates inspected for a best fit before settling. */
#define FIT_SCAN 32

enum page_kind {
	PAGE_BODY = 0,
	PAGE_FREE,
	PAGE_FREE_TAIL,
	PAGE_LARGE,
	PAGE_SLAB,
};

struct heap_page {
	union {
		uint32_t npages; /* FREE, FREE_TAIL, LARGE: run length */
		uint32_t carved; /* SLAB: blocks handed out at least once */
	};
	uint8_t kind;
	uint8_t cls;   /* SLAB: size class */
	uint16_t used; /* SLAB: live blocks (plus blocks lost to corruption) */
	void *free;    /* SLAB: free block list */
	struct heap_region *region;    /* FREE head, LARGE, SLAB */
	struct heap_page *next, *prev; /* FREE: bin list; SLAB: partial list */
};

struct heap_region {
	uint64_t magic;
	struct heap *heap;
	struct heap_region *next; /* the heap's region list */
	uintptr_t start, end;	  /* data pages */
	uint32_t npages;
	/* Owned by the heap's CPU; no lock. Pages [frontier, npages) are free
	 * and their descriptors are undefined: never read them. */
	uint32_t frontier;
	struct heap_page desc[];
};

/*
 * Size classes: multiples of 16, each the largest size with its number of
 * blocks per page (so a page wastes at most 96 bytes), plus every power of
 * two (so any alignment up to 2048 has a class that is a multiple of it).
 */
/* clang-format off */
#define CLASSES(X)                                                            \
	X(16) X(32) X(48) X(64) X(80) X(96) X(112) X(128) X(144) X(160)       \
	X(192) X(224) X(256) X(288) X(336) X(400) X(448) X(512) X(576)        \
	X(672) X(816) X(1024) X(1360) X(2048)
/* clang-format on */
#define SIZE_OF(s) s,
#define CAP_OF(s)  (PAGE / (s)),
/* ceil(2^32 / s): (off * recip) >> 32 == off / s exactly for off < 4096. */
#define RECIP_OF(s) (uint32_t)((((uint64_t)1 << 32) + (s)-1) / (s)),

static const uint16_t class_size[HEAP_NCLASSES] = { CLASSES(SIZE_OF) };
static const uint16_t class_cap[HEAP_NCLASSES] = { CLASSES(CAP_OF) };
static const uint32_t class_recip[HEAP_NCLASSES] = { CLASSES(RECIP_OF) };

_Static_assert(sizeof(class_size) / sizeof(class_size[0]) == HEAP_NCLASSES,
	       "HEAP_NCLASSES must match CLASSES");
_Static_assert(sizeof(struct heap_page) <= 40, "page descriptor grew");

/* ---------------------------------------------------------------------- */
/* Region registry: sorted by address, lock-free readers (seqlock).       */

struct registry_entry {
	_Atomic uintptr_t lo, hi; /* [region header, end of data) */
	_Atomic(struct heap_region *) region;
};

static struct {
	atomic_flag lock;	  /* writers only (boot time) */
	_Atomic unsigned int seq; /* odd while entries move */
	_Atomic unsigned int count;
	struct registry_entry e[HEAP_MAX_REGIONS];
} registry = { .lock = ATOMIC_FLAG_INIT };

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void registry_lock(void)
{
	while (atomic_flag_test_and_set_explicit(&registry.lock,
						 memory_order_acquire))
		cpu_relax();
}

static void registry_unlock(void)
{
	atomic_flag_clear_explicit(&registry.lock, memory_order_release);
}

/* First entry with hi > p (entries never overlap). Any caller. */
static unsigned int registry_search(uintptr_t p, unsigned int n)
{
	unsigned int lo = 0, hi = n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (atomic_load_explicit(&registry.e[mid].hi,
					 memory_order_relaxed) > p)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static struct heap_region *registry_find(uintptr_t p)
{
	struct heap_region *found;
	unsigned int seq, n, i;

	for (;;) {
		seq = atomic_load_explicit(&registry.seq, memory_order_acquire);
		if (seq & 1) {
			cpu_relax();
			continue;
		}
		found = NULL;
		n = atomic_load_explicit(&registry.count, memory_order_relaxed);
		if (n > HEAP_MAX_REGIONS)
			n = HEAP_MAX_REGIONS;
		i = registry_search(p, n);
		if (i < n && atomic_load_explicit(&registry.e[i].lo,
						  memory_order_relaxed) <= p)
			found = atomic_load_explicit(&registry.e[i].region,
						     memory_order_relaxed);
		/* Order the entry reads before re-reading seq (seqlock). */
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&registry.seq, memory_order_relaxed) ==
		    seq)
			return found;
	}
}

static void entry_copy(unsigned int to, unsigned int from)
{
	struct registry_entry *d = &registry.e[to], *s = &registry.e[from];

	atomic_store_explicit(
		&d->lo, atomic_load_explicit(&s->lo, memory_order_relaxed),
		memory_order_relaxed);
	atomic_store_explicit(
		&d->hi, atomic_load_explicit(&s->hi, memory_order_relaxed),
		memory_order_relaxed);
	atomic_store_explicit(
		&d->region,
		atomic_load_explicit(&s->region, memory_order_relaxed),
		memory_order_relaxed);
}

/* Opens a write section: readers that overlap it retry. Lock held. */
static void registry_write_begin(void)
{
	unsigned int seq =
		atomic_load_explicit(&registry.seq, memory_order_relaxed);

	atomic_store_explicit(&registry.seq, seq + 1, memory_order_relaxed);
	/* Readers must see the odd seq before any entry changes. */
	atomic_thread_fence(memory_order_release);
}

static void registry_write_end(void)
{
	unsigned int seq =
		atomic_load_explicit(&registry.seq, memory_order_relaxed);

	/* Publishes the entries and the region headers they point to. */
	atomic_store_explicit(&registry.seq, seq + 1, memory_order_release);
}

/* Checks [lo, hi) is free and a slot is left; returns the index or -errno. */
static int registry_slot(uintptr_t lo, uintptr_t hi)
{
	unsigned int n =
		atomic_load_explicit(&registry.count, memory_order_relaxed);
	unsigned int i = registry_search(lo, n);

	if (i < n &&
	    atomic_load_explicit(&registry.e[i].lo, memory_order_relaxed) < hi)
		return -EEXIST;
	if (n == HEAP_MAX_REGIONS)
		return -ENOSPC;
	return (int)i;
}

/* Inserts at slot i (from registry_slot, lock still held). */
static void registry_insert(unsigned int i, struct heap_region *r)
{
	unsigned int n =
		atomic_load_explicit(&registry.count, memory_order_relaxed);

	registry_write_begin();
	for (unsigned int j = n; j > i; j--)
		entry_copy(j, j - 1);
	atomic_store_explicit(&registry.e[i].lo, (uintptr_t)r,
			      memory_order_relaxed);
	atomic_store_explicit(&registry.e[i].hi, r->end, memory_order_relaxed);
	atomic_store_explicit(&registry.e[i].region, r, memory_order_relaxed);
	atomic_store_explicit(&registry.count, n + 1, memory_order_relaxed);
	registry_write_end();
}

static void registry_remove(struct heap_region *r)
{
	unsigned int n, i;

	registry_lock();
	n = atomic_load_explicit(&registry.count, memory_order_relaxed);
	i = registry_search((uintptr_t)r, n);
	if (i < n && atomic_load_explicit(&registry.e[i].region,
					  memory_order_relaxed) == r) {
		registry_write_begin();
		for (; i + 1 < n; i++)
			entry_copy(i, i + 1);
		atomic_store_explicit(&registry.count, n - 1,
				      memory_order_relaxed);
		registry_write_end();
	}
	registry_unlock();
}

/* ---------------------------------------------------------------------- */
/* Small helpers.                                                          */

static inline uintptr_t tag_load(uintptr_t p)
{
	return __atomic_load_n((uintptr_t *)p + 1, __ATOMIC_RELAXED);
}

static inline void tag_store(uintptr_t p, uintptr_t v)
{
	__atomic_store_n((uintptr_t *)p + 1, v, __ATOMIC_RELAXED);
}

static inline uint32_t page_index(const struct heap_region *r,
				  const struct heap_page *d)
{
	return (uint32_t)(d - r->desc);
}

static inline uintptr_t page_addr(const struct heap_region *r,
				  const struct heap_page *d)
{
	return r->start + ((uintptr_t)page_index(r, d) << SHIFT);
}

static inline unsigned int bin_of(uint32_t npages)
{
	return 31u - (unsigned int)__builtin_clz(npages);
}

/* The region of h holding p (header included), or NULL. */
static struct heap_region *region_of(const struct heap *h, uintptr_t p)
{
	for (struct heap_region *r = h->regions; r; r = r->next)
		if (p - (uintptr_t)r < r->end - (uintptr_t)r)
			return r;
	return NULL;
}

/* Owner-side fault: count, report. */
static void fault(struct heap *h, enum heap_fault f, uintptr_t p)
{
	h->st.bad_frees++;
	if (h->fault_fn)
		h->fault_fn(h->fault_ctx, h, f, (const void *)p);
}

/* Fault seen by a core that does not own h: atomics only. */
static void fault_remote(struct heap *h, enum heap_fault f, uintptr_t p)
{
	atomic_fetch_add_explicit(&h->remote_rejects, 1, memory_order_relaxed);
	if (h->fault_fn)
		h->fault_fn(h->fault_ctx, h, f, (const void *)p);
}

static void account_alloc(struct heap *h, size_t bytes)
{
	h->st.allocs++;
	h->st.in_use_bytes += bytes;
	if (h->st.in_use_bytes > h->st.peak_in_use_bytes)
		h->st.peak_in_use_bytes = h->st.in_use_bytes;
}

static void account_free(struct heap *h, size_t bytes, bool remote)
{
	h->st.frees++;
	h->st.in_use_bytes -= bytes;
	if (remote)
		h->st.remote_frees++;
}

/* ---------------------------------------------------------------------- */
/* Free page runs.                                                         */

static void bin_insert(struct heap *h, struct heap_page *d)
{
	unsigned int b = bin_of(d->npages);

	d->prev = NULL;
	d->next = h->bins[b];
	if (d->next)
		d->next->prev = d;
	h->bins[b] = d;
	h->bin_mask |= 1u << b;
}

static void bin_remove(struct heap *h, struct heap_page *d)
{
	unsigned int b = bin_of(d->npages);

	if (d->prev)
		d->prev->next = d->next;
	else
		h->bins[b] = d->next;
	if (d->next)
		d->next->prev = d->prev;
	if (!h->bins[b])
		h->bin_mask &= ~(1u << b);
}

/* Marks pages [i, i + n) of r as one free run; neighbours must not be free. */
static void run_mark(struct heap *h, struct heap_region *r, uint32_t i,
		     uint32_t n)
{
	struct heap_page *d = &r->desc[i];

	d->kind = PAGE_FREE;
	d->npages = n;
	d->region = r;
	if (n > 1) {
		r->desc[i + n - 1].kind = PAGE_FREE_TAIL;
		r->desc[i + n - 1].npages = n;
	}
	bin_insert(h, d);
	h->st.free_bytes += (size_t)n << SHIFT;
}

/* Takes the free run headed at page i out of its bin; returns its length. */
static uint32_t run_unmark(struct heap *h, struct heap_region *r, uint32_t i)
{
	struct heap_page *d = &r->desc[i];
	uint32_t n = d->npages;

	bin_remove(h, d);
	d->kind = PAGE_BODY;
	r->desc[i + n - 1].kind = PAGE_BODY;
	h->st.free_bytes -= (size_t)n << SHIFT;
	return n;
}

/* Frees pages [i, i + n) of r (below its frontier), merging with free
 * neighbours; a run that ends at the frontier moves the frontier down. */
static void run_free(struct heap *h, struct heap_region *r, uint32_t i,
		     uint32_t n)
{
	if (i > 0) {
		const struct heap_page *l = &r->desc[i - 1];

		if (l->kind == PAGE_FREE || l->kind == PAGE_FREE_TAIL) {
			uint32_t li = i - l->npages;

			n += run_unmark(h, r, li);
			i = li;
		}
	}
	if (i + n == r->frontier) {
		r->frontier = i;
		h->st.free_bytes += (size_t)n << SHIFT;
		return;
	}
	if (r->desc[i + n].kind == PAGE_FREE)
		n += run_unmark(h, r, i + n);
	run_mark(h, r, i, n);
}

/* A free run of at least need pages: best of a few in need's bin, else the
 * first run of the next nonempty bin, else any fit in need's bin. */
static struct heap_page *run_find(struct heap *h, uint32_t need)
{
	unsigned int b = bin_of(need), scanned = 0;
	struct heap_page *d, *best = NULL;
	uint32_t above;

	for (d = h->bins[b]; d && scanned < FIT_SCAN; d = d->next, scanned++) {
		if (d->npages >= need && (!best || d->npages < best->npages)) {
			best = d;
			if (d->npages == need)
				break;
		}
	}
	if (best)
		return best;
	above = h->bin_mask & ~((2u << b) - 1);
	if (above)
		return h->bins[__builtin_ctz(above)];
	for (; d; d = d->next)
		if (d->npages >= need)
			return d;
	return NULL;
}

/* Cuts n pages at the first align-aligned address out of free run d (which
 * must have room) and returns their head descriptor, kind still PAGE_BODY. */
static struct heap_page *run_carve(struct heap *h, struct heap_page *d,
				   uint32_t n, uintptr_t align)
{
	struct heap_region *r = d->region;
	uint32_t i = page_index(r, d), len = run_unmark(h, r, i);
	uintptr_t addr = page_addr(r, d);
	uint32_t lead = (uint32_t)((ALIGN_UP(addr, align) - addr) >> SHIFT);
	uint32_t tail = len - lead - n;
	struct heap_page *a = &r->desc[i + lead];

	/* The run was maximal, so its neighbours are in use: no merging. */
	if (lead)
		run_mark(h, r, i, lead);
	if (tail)
		run_mark(h, r, i + lead + n, tail);
	a->npages = n;
	a->region = r;
	return a;
}

/* Cuts n pages at the first align-aligned address at or above the frontier
 * of the first region with room, and returns their head descriptor, kind
 * PAGE_BODY; or NULL. The pages skipped for alignment become a free run.
 * Writes only the descriptors of the pages it takes. */
static struct heap_page *frontier_carve(struct heap *h, uint32_t n,
					uintptr_t align)
{
	for (struct heap_region *r = h->regions; r; r = r->next) {
		uint32_t f = r->frontier, room = r->npages - f;
		uintptr_t base = r->start + ((uintptr_t)f << SHIFT);
		uint64_t lead = ((0 - base) & (align - 1)) >> SHIFT;

		if (n > room || lead > room - n)
			continue;
		/* The pages' descriptors were undefined: make them body
		 * pages, as heap_init() once made every page. */
		for (uint32_t j = f; j < f + lead + n; j++)
			r->desc[j].kind = PAGE_BODY;
		r->frontier = f + (uint32_t)lead + n;
		h->st.free_bytes -= (size_t)(lead + n) << SHIFT;
		/* The page below f is in use (else it would be frontier). */
		if (lead)
			run_mark(h, r, f, (uint32_t)lead);
		r->desc[f + lead].npages = n;
		r->desc[f + lead].region = r;
		return &r->desc[f + lead];
	}
	return NULL;
}

/* n pages at an align-aligned address: from a binned free run of at least
 * need pages, else from a frontier; if neither has room, returns the cached
 * empty slabs (heap_trim()) and tries once more. Head kind is PAGE_BODY. */
static struct heap_page *pages_take(struct heap *h, uint32_t n, uint32_t need,
				    uintptr_t align)
{
	for (int pass = 0;; pass++) {
		struct heap_page *d = run_find(h, need);

		if (d)
			return run_carve(h, d, n, align);
		d = frontier_carve(h, n, align);
		if (d || pass)
			return d;
		heap_trim(h);
	}
}

/* ---------------------------------------------------------------------- */
/* Slabs.                                                                  */

static void partial_push(struct heap *h, struct heap_page *d)
{
	d->prev = NULL;
	d->next = h->partial[d->cls];
	if (d->next)
		d->next->prev = d;
	h->partial[d->cls] = d;
}

static void partial_remove(struct heap *h, struct heap_page *d)
{
	if (d->prev)
		d->prev->next = d->next;
	else
		h->partial[d->cls] = d->next;
	if (d->next)
		d->next->prev = d->prev;
}

static inline bool slab_full(const struct heap_page *d)
{
	return !d->free && d->carved == class_cap[d->cls];
}

static struct heap_page *slab_new(struct heap *h, unsigned int c)
{
	struct heap_page *d = pages_take(h, 1, 1, PAGE);

	if (!d)
		return NULL;
	d->kind = PAGE_SLAB;
	d->cls = (uint8_t)c;
	d->used = 0;
	d->carved = 0;
	d->free = NULL;
	partial_push(h, d);
	h->st.slab_bytes += PAGE;
	return d;
}

static void slab_release(struct heap *h, struct heap_page *d)
{
	struct heap_region *r = d->region;

	partial_remove(h, d);
	d->kind = PAGE_BODY;
	h->st.slab_bytes -= PAGE;
	run_free(h, r, page_index(r, d), 1);
}

/* Block index of p in slab d, or -1 if p is not a carved block start. */
static int slab_block(const struct heap_page *d, uintptr_t p)
{
	uint32_t off = (uint32_t)(p & (PAGE - 1));
	uint32_t idx = (uint32_t)(((uint64_t)off * class_recip[d->cls]) >> 32);

	if (idx * class_size[d->cls] != off || idx >= d->carved)
		return -1;
	return (int)idx;
}

/* Whether free-list link v (0 ends the list) can be a free block of d. */
static bool slab_link_ok(const struct heap_page *d, uintptr_t page, uintptr_t v)
{
	if (!v)
		return true;
	return (v & ~(PAGE - 1)) == page && slab_block(d, v) >= 0 &&
	       tag_load(v) == (FREE_TAG ^ v);
}

static bool slab_list_has(const struct heap_page *d, uintptr_t page,
			  uintptr_t p)
{
	uintptr_t v = (uintptr_t)d->free;

	for (unsigned int n = 0; v && n < class_cap[d->cls]; n++) {
		if (v == p)
			return true;
		if (!slab_link_ok(d, page, v))
			return false;
		v = *(uintptr_t *)v;
	}
	return false;
}

/* One block from slab d, or NULL if d turned out to have none (its free list
 * was corrupt and has been dropped: those blocks are leaked, never reused). */
static uintptr_t slab_take(struct heap *h, struct heap_page *d)
{
	unsigned int c = d->cls;
	uintptr_t page = page_addr(d->region, d), b = (uintptr_t)d->free;

	if (b) {
		uintptr_t next = *(uintptr_t *)b;

		if (tag_load(b) != (FREE_TAG ^ b) ||
		    !slab_link_ok(d, page, next)) {
			uint32_t lost = d->carved - d->used;

			fault(h, HEAP_FAULT_CORRUPT, b);
			h->st.leaked_bytes += (size_t)lost * class_size[c];
			d->used = (uint16_t)(d->used + lost);
			d->free = NULL;
			return 0;
		}
		d->free = (void *)next;
	} else if (d->carved < class_cap[c]) {
		b = page + (uintptr_t)d->carved * class_size[c];
		d->carved++;
	} else {
		return 0;
	}
	tag_store(b, 0);
	d->used++;
	return b;
}

static void *slab_alloc(struct heap *h, unsigned int c)
{
	struct heap_page *d;
	uintptr_t b;

	do {
		d = h->partial[c];
		if (!d && !(d = slab_new(h, c)))
			return NULL;
		b = slab_take(h, d);
		if (slab_full(d))
			partial_remove(h, d);
	} while (!b);
	account_alloc(h, class_size[c]);
	return (void *)b;
}

static void slab_free(struct heap *h, struct heap_page *d, uintptr_t p,
		      bool remote)
{
	uintptr_t page = p & ~(PAGE - 1);
	bool was_full;

	if (slab_block(d, p) < 0) {
		fault(h, HEAP_FAULT_NOT_BLOCK, p);
		return;
	}
	if (d->used == 0 ||
	    (tag_load(p) == (FREE_TAG ^ p) && slab_list_has(d, page, p))) {
		fault(h, HEAP_FAULT_DOUBLE, p);
		return;
	}
	was_full = slab_full(d);
	*(uintptr_t *)p = (uintptr_t)d->free;
	tag_store(p, FREE_TAG ^ p);
	d->free = (void *)p;
	d->used--;
	account_free(h, class_size[d->cls], remote);
	if (was_full)
		partial_push(h, d);
	/* Keep one empty slab per class cached against alloc/free ping-pong. */
	if (d->used == 0 && (h->partial[d->cls] != d || d->next))
		slab_release(h, d);
}

/* ---------------------------------------------------------------------- */
/* Large blocks.                                                           */

static void *large_alloc(struct heap *h, size_t size, size_t align)
{
	uint64_t n, need, align_pages;
	struct heap_page *d;
	uintptr_t p;

	if (size > (size_t)MAX_RUN_PAGES << SHIFT)
		return NULL;
	n = (size + PAGE - 1) >> SHIFT;
	if (n == 0)
		n = 1;
	align_pages = align > PAGE ? align >> SHIFT : 1;
	need = n + align_pages - 1;
	if (need > MAX_RUN_PAGES)
		return NULL;
	d = pages_take(h, (uint32_t)n, (uint32_t)need,
		       align > PAGE ? align : PAGE);
	if (!d)
		return NULL;
	d->kind = PAGE_LARGE;
	p = page_addr(d->region, d);
	tag_store(p, 0);
	account_alloc(h, (size_t)n << SHIFT);
	return (void *)p;
}

static void large_free(struct heap *h, struct heap_region *r,
		       struct heap_page *d, bool remote)
{
	uint32_t n = d->npages;

	d->kind = PAGE_BODY;
	account_free(h, (size_t)n << SHIFT, remote);
	run_free(h, r, page_index(r, d), n);
}

/* ---------------------------------------------------------------------- */
/* Freeing, local and remote.                                              */

/* Frees p into h; remote says it came off h's return queue. Owner only. */
static void free_local(struct heap *h, uintptr_t p, bool remote)
{
	struct heap_region *r = region_of(h, p);
	struct heap_page *d;
	uint32_t i;

	if (!r) {
		fault(h, HEAP_FAULT_FOREIGN, p);
		return;
	}
	if (p < r->start || (p & (HEAP_MIN_ALIGN - 1))) {
		fault(h, HEAP_FAULT_NOT_BLOCK, p);
		return;
	}
	/* Already on our queue? Empty it first, so the free below is seen
	 * as the double free it is. */
	if (!remote && tag_load(p) == (REMOTE_TAG ^ p))
		heap_drain_remote(h);
	/* After the drain: it may have moved the frontier down. A page at
	 * the frontier heads a free run, as a PAGE_FREE page does. */
	i = (uint32_t)((p - r->start) >> SHIFT);
	if (i >= r->frontier) {
		fault(h,
		      i == r->frontier && !(p & (PAGE - 1))
			      ? HEAP_FAULT_DOUBLE
			      : HEAP_FAULT_NOT_BLOCK,
		      p);
		return;
	}
	d = &r->desc[i];
	if (d->kind == PAGE_SLAB) {
		slab_free(h, d, p, remote);
	} else if (d->kind == PAGE_LARGE && (p & (PAGE - 1)) == 0) {
		large_free(h, r, d, remote);
	} else {
		fault(h,
		      d->kind == PAGE_FREE && !(p & (PAGE - 1))
			      ? HEAP_FAULT_DOUBLE
			      : HEAP_FAULT_NOT_BLOCK,
		      p);
	}
}

/* Pushes p (inside r, a region of home) onto home's return queue. */
static void remote_push(struct heap *home, const struct heap_region *r,
			uintptr_t p)
{
	uintptr_t tag, want = REMOTE_TAG ^ p;
	void *head;

	if (p < r->start || (p & (HEAP_MIN_ALIGN - 1))) {
		fault_remote(home, HEAP_FAULT_NOT_BLOCK, p);
		return;
	}
	/* Claim the block: of two racing frees only one wins this CAS. */
	tag = tag_load(p);
	if (tag == want || tag == (FREE_TAG ^ p) ||
	    !__atomic_compare_exchange_n((uintptr_t *)p + 1, &tag, want, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		fault_remote(home, HEAP_FAULT_DOUBLE, p);
		return;
	}
	head = atomic_load_explicit(&home->remote, memory_order_relaxed);
	do {
		*(uintptr_t *)p = (uintptr_t)head;
		/* Release: the owner must see the link and the tag (and the
		 * caller's last writes to the block) once it sees p. */
	} while (!atomic_compare_exchange_weak_explicit(
		&home->remote, &head, (void *)p, memory_order_release,
		memory_order_relaxed));
}

/* ---------------------------------------------------------------------- */
/* Setup.                                                                  */

/* Where a region over [base, base + size) puts its header and pages. */
struct region_layout {
	uintptr_t hdr, start;
	size_t npages;
};

/* Rounds [base, base + size) inward: the header on a cache line, the data
 * on whole pages, as many pages as fit beside their descriptors. */
static int region_layout(void *base, size_t size, struct region_layout *l)
{
	const size_t fixed = sizeof(struct heap_region);
	uintptr_t lo = (uintptr_t)base, hi, end;
	size_t n;

	if (!base || __builtin_add_overflow(lo, size, &hi))
		return -EINVAL;
	l->hdr = ALIGN_UP(lo, (uintptr_t)64);
	end = ALIGN_DOWN(hi, PAGE);
	if (l->hdr < lo || end <= l->hdr || end - l->hdr <= fixed)
		return -EINVAL;
	n = (end - l->hdr - fixed) / (PAGE + sizeof(struct heap_page));
	if (n > MAX_RUN_PAGES)
		n = MAX_RUN_PAGES;
	/* At most a step or two: the estimate ignores the padding. */
	for (; n > 0; n--) {
		l->start = ALIGN_UP(
			l->hdr + fixed + n * sizeof(struct heap_page), PAGE);
		if (l->start + (n << SHIFT) <= end)
			break;
	}
	l->npages = n;
	return n ? 0 : -EINVAL;
}

/* Lays out a region over [base, base + size) and registers it for h. */
static int region_add(struct heap *h, void *base, size_t size)
{
	struct region_layout l;
	struct heap_region *r;
	int slot = region_layout(base, size, &l);

	if (slot < 0)
		return slot;
	registry_lock();
	slot = registry_slot(l.hdr, l.start + (l.npages << SHIFT));
	if (slot < 0) {
		registry_unlock();
		return slot;
	}
	/* Only now is the memory known to be nobody else's region. */
	r = (struct heap_region *)l.hdr;
	r->magic = REGION_MAGIC;
	r->heap = h;
	r->start = l.start;
	r->end = l.start + (l.npages << SHIFT);
	r->npages = (uint32_t)l.npages;
	/* Every page free above the frontier: no descriptor is written. */
	r->frontier = 0;
	registry_insert((unsigned int)slot, r);
	registry_unlock();

	r->next = h->regions;
	h->regions = r;
	h->st.total_bytes += l.npages << SHIFT;
	h->st.free_bytes += l.npages << SHIFT;
	return 0;
}

int heap_init(struct heap *h, unsigned int cpu, void *base, size_t size)
{
	unsigned int c = 0;
	int rc;

	if (!h)
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	atomic_init(&h->remote, NULL);
	atomic_init(&h->remote_rejects, 0);
	h->cpu = cpu;
	for (size_t i = 0; i < ARRAY_SIZE(h->class_of); i++) {
		while (class_size[c] < i * HEAP_MIN_ALIGN)
			c++;
		h->class_of[i] = (uint8_t)c;
	}
	rc = region_add(h, base, size);
	if (rc < 0)
		return rc;
	h->magic = HEAP_MAGIC;
	return 0;
}

int heap_add_region(struct heap *h, void *base, size_t size)
{
	if (!h || h->magic != HEAP_MAGIC)
		return -EINVAL;
	return region_add(h, base, size);
}

void heap_destroy(struct heap *h)
{
	if (!h || h->magic != HEAP_MAGIC)
		return;
	for (struct heap_region *r = h->regions; r; r = r->next) {
		registry_remove(r);
		r->magic = 0;
	}
	h->regions = NULL;
	h->magic = 0;
}

void heap_set_fault_fn(struct heap *h, heap_fault_fn fn, void *ctx)
{
	h->fault_fn = fn;
	h->fault_ctx = ctx;
}

/* ---------------------------------------------------------------------- */
/* The API.                                                                */

void *heap_alloc(struct heap *h, size_t size, size_t align)
{
	void *p = NULL;

	/* Relaxed: only a hint; the exchange in the drain acquires. */
	if (atomic_load_explicit(&h->remote, memory_order_relaxed))
		heap_drain_remote(h);
	if (align & (align - 1))
		goto out;
	if (align < HEAP_MIN_ALIGN)
		align = HEAP_MIN_ALIGN;
	if (size <= HEAP_SMALL_MAX && align <= HEAP_SMALL_MAX) {
		unsigned int c = h->class_of[(size + HEAP_MIN_ALIGN - 1) /
					     HEAP_MIN_ALIGN];

		while (class_size[c] & (align - 1))
			c++;
		p = slab_alloc(h, c);
	} else {
		p = large_alloc(h, size, align);
	}
out:
	if (!p)
		h->st.failed_allocs++;
	return p;
}

void heap_free(struct heap *h, void *p)
{
	if (p)
		free_local(h, (uintptr_t)p, false);
}

void heap_free_remote(struct heap *home, void *p)
{
	struct heap_region *r;

	if (!p || !home || home->magic != HEAP_MAGIC)
		return;
	r = registry_find((uintptr_t)p);
	if (!r || r->heap != home) {
		fault_remote(home, HEAP_FAULT_FOREIGN, (uintptr_t)p);
		return;
	}
	remote_push(home, r, (uintptr_t)p);
}

void heap_free_any(struct heap *self, void *p)
{
	struct heap_region *r;

	if (!p)
		return;
	if (self && region_of(self, (uintptr_t)p)) {
		free_local(self, (uintptr_t)p, false);
		return;
	}
	r = registry_find((uintptr_t)p);
	if (r)
		remote_push(r->heap, r, (uintptr_t)p);
	else if (self)
		fault(self, HEAP_FAULT_FOREIGN, (uintptr_t)p);
}

void heap_drain_remote(struct heap *h)
{
	/* Take the whole list at once: a single consumer, so no ABA. */
	void *b = atomic_exchange_explicit(&h->remote, NULL,
					   memory_order_acquire);

	while (b) {
		void *next = (void *)*(uintptr_t *)b;

		free_local(h, (uintptr_t)b, true);
		b = next;
	}
}

void heap_trim(struct heap *h)
{
	for (unsigned int c = 0; c < HEAP_NCLASSES; c++) {
		struct heap_page *d = h->partial[c], *next;

		for (; d; d = next) {
			next = d->next;
			if (d->used == 0)
				slab_release(h, d);
		}
	}
}

struct heap *heap_of(const void *p)
{
	struct heap_region *r = registry_find((uintptr_t)p);

	return r ? r->heap : NULL;
}

unsigned int heap_owner(const void *p)
{
	struct heap *h = heap_of(p);

	return h ? h->cpu : HEAP_NO_CPU;
}

size_t heap_block_size(const struct heap *h, const void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;
	const struct heap_region *r = region_of(h, p);
	const struct heap_page *d;

	if (!r || p < r->start || ((p - r->start) >> SHIFT) >= r->frontier)
		return 0;
	d = &r->desc[(p - r->start) >> SHIFT];
	if (d->kind == PAGE_LARGE && !(p & (PAGE - 1)))
		return (size_t)d->npages << SHIFT;
	if (d->kind != PAGE_SLAB || slab_block(d, p) < 0 ||
	    tag_load(p) == (FREE_TAG ^ p) || tag_load(p) == (REMOTE_TAG ^ p))
		return 0;
	return class_size[d->cls];
}

void heap_get_stats(const struct heap *h, struct heap_stats *out)
{
	const struct heap_page *d;
	uint32_t most = 0;

	*out = h->st;
	out->bad_frees +=
		atomic_load_explicit(&h->remote_rejects, memory_order_relaxed);
	for (const struct heap_region *r = h->regions; r; r = r->next)
		if (r->npages - r->frontier > most)
			most = r->npages - r->frontier;
	if (h->bin_mask)
		for (d = h->bins[bin_of(h->bin_mask)]; d; d = d->next)
			if (d->npages > most)
				most = d->npages;
	out->largest_free_bytes = (size_t)most << SHIFT;
}

/* ---------------------------------------------------------------------- */
/* Consistency check (tests, debugging).                                   */

struct check_sums {
	size_t free_bytes, slab_bytes, in_use_bytes, free_runs;
	size_t open_slabs[HEAP_NCLASSES];
};

/* Pages i+1 .. i+n-2 of a run must be plain body pages. */
static bool check_body(const struct heap_region *r, uint32_t i, uint32_t n)
{
	for (uint32_t j = i + 1; j + 1 < i + n; j++)
		if (r->desc[j].kind != PAGE_BODY)
			return false;
	return true;
}

static bool check_slab(const struct heap_page *d, uintptr_t page,
		       struct check_sums *s)
{
	uint32_t nfree = 0;

	if (d->cls >= HEAP_NCLASSES || d->carved > class_cap[d->cls] ||
	    d->used > d->carved)
		return false;
	for (uintptr_t v = (uintptr_t)d->free; v; v = *(uintptr_t *)v)
		if (++nfree > d->carved - d->used || !slab_link_ok(d, page, v))
			return false;
	if (nfree != d->carved - d->used)
		return false;
	s->slab_bytes += PAGE;
	s->in_use_bytes += (size_t)d->used * class_size[d->cls];
	if (!slab_full(d))
		s->open_slabs[d->cls]++;
	return true;
}

/* Walks the runs below r's frontier (never the descriptors above it). */
static bool check_region(const struct heap_region *r, struct check_sums *s)
{
	bool prev_free = false;

	if (r->frontier > r->npages)
		return false;
	for (uint32_t i = 0; i < r->frontier;) {
		const struct heap_page *d = &r->desc[i];
		uint32_t n = d->kind == PAGE_SLAB ? 1 : d->npages;

		if (d->kind == PAGE_BODY || d->kind == PAGE_FREE_TAIL ||
		    n == 0 || n > r->frontier - i || !check_body(r, i, n))
			return false;
		if (d->kind == PAGE_FREE) {
			if (prev_free || d->region != r ||
			    (n > 1 &&
			     (r->desc[i + n - 1].kind != PAGE_FREE_TAIL ||
			      r->desc[i + n - 1].npages != n)))
				return false;
			s->free_bytes += (size_t)n << SHIFT;
			s->free_runs++;
		} else if (d->kind == PAGE_LARGE) {
			if (n > 1 && r->desc[i + n - 1].kind != PAGE_BODY)
				return false;
			s->in_use_bytes += (size_t)n << SHIFT;
		} else if (d->kind != PAGE_SLAB || d->region != r ||
			   !check_slab(d, page_addr(r, d), s)) {
			return false;
		}
		prev_free = d->kind == PAGE_FREE;
		i += n;
	}
	/* A free run touching the frontier should have been absorbed. */
	s->free_bytes += (size_t)(r->npages - r->frontier) << SHIFT;
	return !prev_free;
}

static bool check_lists(const struct heap *h, struct check_sums *s)
{
	size_t runs = 0;

	for (unsigned int b = 0; b < HEAP_NBINS; b++) {
		const struct heap_page *prev = NULL, *d;

		if (!!h->bins[b] != !!(h->bin_mask & (1u << b)))
			return false;
		for (d = h->bins[b]; d; prev = d, d = d->next, runs++)
			if (d->kind != PAGE_FREE || bin_of(d->npages) != b ||
			    d->prev != prev || runs >= s->free_runs)
				return false;
	}
	if (runs != s->free_runs)
		return false;
	for (unsigned int c = 0; c < HEAP_NCLASSES; c++) {
		const struct heap_page *prev = NULL, *d;
		size_t k = 0;

		for (d = h->partial[c]; d; prev = d, d = d->next, k++)
			if (d->kind != PAGE_SLAB || d->cls != c ||
			    d->prev != prev || slab_full(d) ||
			    k >= s->open_slabs[c])
				return false;
		if (k != s->open_slabs[c])
			return false;
	}
	return true;
}

int heap_check(const struct heap *h)
{
	struct check_sums s;
	size_t total = 0;

	memset(&s, 0, sizeof(s));
	if (h->magic != HEAP_MAGIC)
		return -EBADMSG;
	for (const struct heap_region *r = h->regions; r; r = r->next) {
		if (r->magic != REGION_MAGIC || r->heap != h ||
		    heap_of(r) != h || !check_region(r, &s))
			return -EBADMSG;
		total += (size_t)r->npages << SHIFT;
	}
	if (!check_lists(h, &s) || total != h->st.total_bytes ||
	    s.free_bytes != h->st.free_bytes ||
	    s.slab_bytes != h->st.slab_bytes ||
	    s.in_use_bytes != h->st.in_use_bytes + h->st.leaked_bytes)
		return -EBADMSG;
	return 0;
}
