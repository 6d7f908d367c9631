/*
 * Per-core heaps, private to kernel/: each core owns one struct heap over one
 * or more regions of RAM and allocates from it without a lock. A block freed
 * by another core goes home through the owner's lock-free return queue.
 *
 * Calling contexts. "Owner only" means: only the core in h->cpu may call it,
 * one call at a time (the scheduler is cooperative, so a call is never
 * interleaved with another call on the same heap; interrupt handlers must not
 * allocate). "Any core" calls are lock-free and may run concurrently with
 * the owner and with each other. Nothing here blocks, sleeps or spins on
 * another core (the region registry writers, boot-time only, excepted).
 *
 * Blocks. heap_alloc() hands out blocks of 16..2048 bytes from slab pages
 * (one 4 KiB page per slab, one size class per page) and larger blocks as
 * runs of whole 4 KiB pages. Every block is at least 16-byte aligned, every
 * large block is page aligned. Free page runs are kept in power-of-two bins
 * and coalesced with their neighbours on free, so memory returns to one run
 * per region once everything is freed.
 *
 * Setup touches O(1) memory. Under emulation or nested virtualisation the
 * first touch of a page is what costs, so a region is set up by writing its
 * header only: its pages start as one implicit free run above a "frontier",
 * a page's descriptor is written when the page is carved off the frontier,
 * and a run freed next to the frontier moves it back down.
 *
 * Finding the home of a pointer. Each region begins with a header and room
 * for an array of page descriptors (40 bytes per 4 KiB page, about 1%, only
 * written below the frontier); the header names its heap and cpu. Every
 * region is entered in one global, sorted registry, so heap_of(p) is a
 * binary search over regions plus one header read, and needs no per-block
 * header. The kernel's kfree() is heap_free_any(this_cpu_heap, p).
 *
 * Errors in frees (foreign pointer, interior pointer, double free, a freed
 * block written after free) are detected where cheap (descriptor state bits,
 * per-block magic words mixed with the block address), counted in
 * heap_stats.bad_frees and reported through the fault callback; the heap is
 * left consistent and the offending block is dropped (leaked), never reused.
 */
#ifndef TORITO_KERNEL_MM_HEAP_H
#define TORITO_KERNEL_MM_HEAP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>

#define HEAP_PAGE_SHIFT 12
#define HEAP_PAGE_SIZE	(1ul << HEAP_PAGE_SHIFT)
/* Largest request served from a slab; bigger ones take whole pages. */
#define HEAP_SMALL_MAX 2048
/* Every block is aligned at least this much. */
#define HEAP_MIN_ALIGN 16
#define HEAP_NCLASSES  24
#define HEAP_NBINS     32
/* How many regions (all heaps together) the registry can hold. */
#define HEAP_MAX_REGIONS 128
/* heap_owner() of a pointer no heap manages. */
#define HEAP_NO_CPU (~0u)

struct heap;
struct heap_page;
struct heap_region;

/* What a bad free looked like; passed to the fault callback. */
enum heap_fault {
	HEAP_FAULT_FOREIGN,   /* not inside a region of this heap */
	HEAP_FAULT_NOT_BLOCK, /* inside, but not the start of a live block */
	HEAP_FAULT_DOUBLE,    /* the block is already free (or queued) */
	HEAP_FAULT_CORRUPT,   /* a free block was written after its free */
};

/*
 * Called once per detected fault, on the core that detected it (the owner,
 * or the core calling heap_free_remote()), so it must be callable from any
 * core and must not call back into the heap.
 */
typedef void (*heap_fault_fn)(void *ctx, const struct heap *h,
			      enum heap_fault fault, const void *p);

struct heap_stats {
	size_t total_bytes; /* usable bytes (data pages) in all regions */
	size_t free_bytes;  /* bytes in free page runs */
	size_t largest_free_bytes; /* the largest free page run */
	size_t slab_bytes;	   /* bytes in pages cut into small blocks */
	size_t in_use_bytes;	   /* live blocks, rounded to class or pages */
	size_t peak_in_use_bytes;  /* highest in_use_bytes seen */
	uint64_t allocs;	   /* successful heap_alloc() calls */
	uint64_t frees;		   /* blocks freed, locally or from the queue */
	uint64_t remote_frees;	/* of those, blocks that came via the queue */
	uint64_t failed_allocs; /* heap_alloc() calls that returned NULL */
	uint64_t bad_frees;	/* faults: frees refused, corrupt free lists */
	size_t leaked_bytes;	/* blocks given up after a corrupt free list */
};

/*
 * One core's heap. The caller provides the storage (static per-cpu data is
 * fine; it is 64-byte aligned); the fields are private to heap.c.
 */
struct heap {
	/* Set by heap_init(), read-only afterwards: any core may read. */
	uint32_t magic;
	unsigned int cpu;
	heap_fault_fn fault_fn;
	void *fault_ctx;

	/* Owned by the CPU in ->cpu; no lock. */
	struct heap_region *regions;
	struct heap_page *partial[HEAP_NCLASSES]; /* slabs with free blocks */
	struct heap_page *bins[HEAP_NBINS];	  /* free runs by log2(pages) */
	uint32_t bin_mask;			  /* bit b: bins[b] nonempty */
	uint8_t class_of[HEAP_SMALL_MAX / HEAP_MIN_ALIGN + 1];
	struct heap_stats st;

	/*
	 * Written by any core with atomics, emptied by the owner. On its own
	 * cache line so remote frees do not bounce the owner's hot fields.
	 */
	_Atomic(void *) remote __aligned(64);
	_Atomic(uint64_t) remote_rejects;
};

/*
 * Makes h a heap of cpu over [base, base + size). The region may have any
 * alignment: it is rounded inward to whole pages after the region header
 * and page descriptors are placed at its start. The region is entered in the
 * global registry (see heap_of()). Writes only the region header (one cache
 * line), whatever the size: the rest of the region is first written when
 * heap_alloc() hands it out.
 * Returns 0; -EINVAL if h is NULL, the range wraps around, or fewer than one
 * data page fits; -EEXIST if the range overlaps a registered region; -ENOSPC
 * if the registry is full.
 * Boot time, on any core, before h is used; never blocks.
 */
int heap_init(struct heap *h, unsigned int cpu, void *base,
	      size_t size) __must_check;

/*
 * Adds another region [base, base + size) to h (memory maps have holes).
 * Same rounding and return values as heap_init(). Owner only (or before the
 * owner starts); never blocks.
 */
int heap_add_region(struct heap *h, void *base, size_t size) __must_check;

/*
 * Removes h's regions from the registry; h and its memory may then be
 * reused. Owner only, and only when no other core still frees into h.
 */
void heap_destroy(struct heap *h);

/*
 * Sets the fault callback (NULL: count only). Before other cores use h.
 */
void heap_set_fault_fn(struct heap *h, heap_fault_fn fn, void *ctx);

/*
 * Allocates size bytes aligned to align (0 means HEAP_MIN_ALIGN; otherwise
 * a power of two; page-multiple alignments above 4 KiB are honoured too, by
 * trimming a larger run). size 0 gives a 16-byte block. First empties the
 * remote return queue if it is not empty.
 * Returns the block, uninitialised; NULL when out of memory or when align
 * is not a power of two (counted in failed_allocs).
 * Owner only; never blocks.
 */
void *heap_alloc(struct heap *h, size_t size, size_t align);

/*
 * Frees p, a block of h. NULL is ignored. A pointer that is not a live
 * block of h is refused: counted in bad_frees, reported, and left alone.
 * Owner only; never blocks.
 */
void heap_free(struct heap *h, void *p);

/*
 * Queues p, a block of home, to be freed by home's owner: a lock-free push
 * onto home's return queue (it reuses the block's first 16 bytes). A pointer
 * outside home's regions, misaligned, or already freed/queued is refused
 * (counted, reported) without touching home's owner-only state. A double
 * free is caught while the block sits in the queue or free in its slab;
 * once its memory is reused, a stale pointer cannot be told from a live one.
 * Any core, any context (interrupt handlers included: it touches only the
 * block and the queue head); lock-free, never blocks.
 */
void heap_free_remote(struct heap *home, void *p);

/*
 * Frees p wherever it lives: heap_free() if p belongs to self (the calling
 * core's heap), else heap_free_remote() to its home. A pointer in no heap is
 * counted as a bad free of self. NULL is ignored.
 * Any core, passing its own heap; never blocks.
 */
void heap_free_any(struct heap *self, void *p);

/*
 * Frees every block queued by heap_free_remote(). heap_alloc() does this
 * lazily; call it from the idle path to return memory sooner.
 * Owner only; never blocks.
 */
void heap_drain_remote(struct heap *h);

/*
 * Returns empty slab pages that are kept as a cache (at most one per size
 * class) to the page runs. heap_alloc() does this by itself before failing.
 * Owner only; never blocks.
 */
void heap_trim(struct heap *h);

/*
 * The heap whose region holds p, or NULL if no registered region does.
 * Looks only at the region registry and region headers.
 * Any core; lock-free (retries only while a region is being registered).
 */
struct heap *heap_of(const void *p);

/* The cpu of heap_of(p), or HEAP_NO_CPU. Any core; lock-free. */
unsigned int heap_owner(const void *p);

/*
 * Usable size of the live block p of h (its class size or whole pages), or
 * 0 if p is not a live block of h. Owner only.
 */
size_t heap_block_size(const struct heap *h, const void *p);

/*
 * Fills *out with h's statistics. Owner only (or once the owner is quiet,
 * e.g. after a test joined its threads); never blocks.
 */
void heap_get_stats(const struct heap *h, struct heap_stats *out);

/*
 * Checks every invariant of h (descriptor marks, coalescing, bins, slab
 * counts, byte totals, the frontiers); O(pages below the frontiers), and it
 * reads nothing above them. Returns 0, or -EBADMSG at the first broken
 * one. For tests and debugging. Owner only.
 */
int heap_check(const struct heap *h) __must_check;

#endif /* TORITO_KERNEL_MM_HEAP_H */
