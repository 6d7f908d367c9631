/*
 * mem_alloc and friends over per-core heaps (heap.c): Toro's dedicated
 * memory. At boot, CPU 0 splits the usable RAM — above 1 MiB (left to the
 * firmware and the SMP trampoline), outside the kernel image, inside the
 * identity map — into one share per CPU the MADT lists, so each CPU
 * allocates from its own RAM without a lock; a block freed on another CPU
 * travels home through that heap's lock-free return queue.
 */
#include <stdint.h>

#include <torito/boot.h>
#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/string.h>

#include "kernel/kernel.h"
#include "kernel/mm/heap.h"
#include "kernel/sched/sched.h"

#define LOW_LIMIT (1ull << 20)
#define MIN_SHARE (1ull << 20) /* smaller leftovers are not worth a region */

extern char __image_start[], __image_end[];

static struct heap heaps[CPU_MAX];
static unsigned int nheaps;

static const char *const fault_names[] = {
	[HEAP_FAULT_FOREIGN] = "not heap memory",
	[HEAP_FAULT_NOT_BLOCK] = "not the start of a block",
	[HEAP_FAULT_DOUBLE] = "double free",
	[HEAP_FAULT_CORRUPT] = "free block overwritten",
};

static void report_fault(void *ctx, const struct heap *h, enum heap_fault f,
			 const void *p)
{
	(void)ctx;
	kprintf("mem: refused free of %p on cpu %u: %s\n", p, h->cpu,
		fault_names[f]);
}

/* Gives [base, end) to heaps, share bytes each, starting at *cpu. */
static void give(uint64_t base, uint64_t end, uint64_t share,
		 unsigned int *cpu, uint64_t *left)
{
	while (end - base >= MIN_SHARE) {
		uint64_t n = end - base;
		if (n > *left && *cpu + 1 < nheaps)
			n = *left;
		struct heap *h = &heaps[*cpu];
		int rc = h->magic ? heap_add_region(h, (void *)(uintptr_t)base, n)
				  : heap_init(h, *cpu, (void *)(uintptr_t)base, n);
		if (rc < 0)
			kprintf("mem: region %lx+%lx refused (%d)\n",
				(unsigned long)base, (unsigned long)n, rc);
		base += n;
		*left -= n < *left ? n : *left;
		if (*left == 0 && *cpu + 1 < nheaps) {
			(*cpu)++;
			*left = share;
		}
	}
}

/*
 * Usable RAM in [lo, hi), minus low memory and the image, in pieces; gives
 * each piece to the heaps when cpu is not NULL. Returns the bytes seen.
 */
static uint64_t for_each_free(uint64_t lo, uint64_t hi, uint64_t share,
			      unsigned int *cpu, uint64_t *left)
{
	const struct boot_info *bi = boot_info();
	uint64_t total = 0, img_b = (uintptr_t)__image_start,
		 img_e = (uintptr_t)__image_end;

	for (unsigned int i = 0; i < bi->nmem; i++) {
		uint64_t b = bi->mem[i].base, e = b + bi->mem[i].len;
		if (bi->mem[i].type != BOOT_MEM_USABLE)
			continue;
		b = MAX(MAX(ALIGN_UP(b, 4096), LOW_LIMIT), lo);
		e = MIN(ALIGN_DOWN(e, 4096), hi);
		if (e <= b)
			continue;
		uint64_t pieces[2][2] = { { b, MIN(e, img_b) },
					  { MAX(b, img_e), e } };
		for (int k = 0; k < 2; k++) {
			if (pieces[k][1] <= pieces[k][0])
				continue;
			total += pieces[k][1] - pieces[k][0];
			if (cpu)
				give(pieces[k][0], pieces[k][1], share, cpu, left);
		}
	}
	return total;
}

/* Shares the free RAM in [lo, hi) equally among the heaps. */
static void give_range(uint64_t lo, uint64_t hi)
{
	uint64_t total = for_each_free(lo, hi, 0, NULL, NULL);
	uint64_t share = ALIGN_DOWN(total / nheaps, 4096), left = share;
	unsigned int cpu = 0;

	if (total)
		for_each_free(lo, hi, share, &cpu, &left);
}

void mem_init(unsigned int ncpus)
{
	nheaps = ncpus ? MIN(ncpus, CPU_MAX) : 1;
	give_range(0, mmu_mapped_limit());
	for (unsigned int i = 0; i < nheaps; i++)
		if (heaps[i].magic)
			heap_set_fault_fn(&heaps[i], report_fault, NULL);
}

void mem_add_mapped(uint64_t old_limit)
{
	give_range(old_limit, mmu_mapped_limit());
	for (unsigned int i = 0; i < nheaps; i++)
		if (heaps[i].magic)
			heap_set_fault_fn(&heaps[i], report_fault, NULL);
}

static struct heap *my_heap(void)
{
	unsigned int id = cpu_id();

	return id < nheaps && heaps[id].magic ? &heaps[id] : NULL;
}

void *mem_alloc_aligned(size_t size, size_t align)
{
	struct heap *h = my_heap();

	if (align & (align - 1))
		return NULL;
	return h ? heap_alloc(h, size, align) : NULL;
}

void *mem_alloc(size_t size)
{
	return mem_alloc_aligned(size, 0);
}

void *mem_zalloc(size_t size, size_t align)
{
	void *p = mem_alloc_aligned(size, align);

	if (p)
		memset(p, 0, size);
	return p;
}

void mem_free(void *p)
{
	struct heap *h = my_heap();

	if (!p)
		return;
	if (h) {
		heap_free_any(h, p);
		return;
	}
	h = heap_of(p); /* a CPU without a heap of its own */
	if (h)
		heap_free_remote(h, p);
}

int mem_stats(struct mem_stats *out)
{
	struct heap *h = my_heap();
	struct heap_stats st;

	if (!h)
		return -ENODEV;
	heap_drain_remote(h);
	heap_get_stats(h, &st);
	*out = (struct mem_stats){
		.total_bytes = st.total_bytes,
		.free_bytes = st.free_bytes,
		.in_use_bytes = st.in_use_bytes - mmu_table_bytes(),
		.page_table_bytes = mmu_table_bytes(),
		.peak_in_use_bytes = st.peak_in_use_bytes,
		.allocs = st.allocs,
		.frees = st.frees,
		.remote_frees = st.remote_frees,
		.bad_frees = st.bad_frees,
	};
	return 0;
}
