/*
 * Kernel memory for applications and drivers. Memory is identity mapped,
 * so a pointer from mem_alloc is also its physical (DMA) address; use
 * virt_to_phys anyway, so code stays right if that ever changes.
 *
 * Allocation is per core and lock-free (kernel/mm); mem_free may be called
 * on any core (a block freed away from home is sent back to its owner).
 */
#ifndef TORITO_MEM_H
#define TORITO_MEM_H

#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>

/* size bytes aligned to 16, or NULL when memory is exhausted. Never blocks. */
void *mem_alloc(size_t size);

/* size bytes aligned to align (a power of two up to 4096), or NULL. */
void *mem_alloc_aligned(size_t size, size_t align);

/* Zeroed memory, as mem_alloc_aligned. */
void *mem_zalloc(size_t size, size_t align);

/* Frees p (NULL is allowed). Any core may call it. */
void mem_free(void *p);

/* The calling CPU's memory, as its heap sees it. */
struct mem_stats {
	size_t total_bytes;	   /* RAM this CPU owns (data pages) */
	size_t free_bytes;	   /* in free page runs */
	size_t in_use_bytes;	   /* live blocks, rounded to their class */
	size_t page_table_bytes;   /* kernel page tables (not in in_use) */
	size_t peak_in_use_bytes;  /* highest in_use_bytes so far */
	uint64_t allocs, frees;	   /* counts since boot */
	uint64_t remote_frees;	   /* frees that came home from other CPUs */
	uint64_t bad_frees;	   /* refused frees (double, foreign, ...) */
};

/*
 * Fills *out for the calling CPU, after taking in blocks other CPUs sent
 * home. Returns 0, or -ENODEV if this CPU owns no memory. Thread context.
 */
int mem_stats(struct mem_stats *out) __must_check;

static inline uint64_t virt_to_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

#endif /* TORITO_MEM_H */
