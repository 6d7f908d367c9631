/*
 * The early allocator: a bump pointer over the largest usable RAM region
 * above the image (below 4 GiB, where everything is identity mapped). It
 * serves drivers and applications until the per-core heaps (kernel/mm) are
 * wired in; until then mem_free only accepts the pointer and keeps the
 * memory, which the statistics say.
 */
#include <stdint.h>

#include <torito/boot.h>
#include <torito/compiler.h>
#include <torito/console.h>
#include <torito/mem.h>
#include <torito/string.h>

#include "kernel/kernel.h"

#define LIMIT (1ull << 32)

extern char __image_end[];

static uint64_t next, end;

void mem_early_init(void)
{
	const struct boot_info *bi = boot_info();
	uint64_t image_end = (uintptr_t)__image_end;

	for (unsigned int i = 0; i < bi->nmem; i++) {
		uint64_t b = bi->mem[i].base, e = b + bi->mem[i].len;
		if (bi->mem[i].type != BOOT_MEM_USABLE)
			continue;
		if (b < image_end)
			b = image_end;
		if (e > LIMIT)
			e = LIMIT;
		if (e > b && e - b > end - next) {
			next = ALIGN_UP(b, 4096);
			end = e;
		}
	}
}

void *mem_alloc_aligned(size_t size, size_t align)
{
	uint64_t p;

	if (align < 16)
		align = 16;
	if (align & (align - 1))
		return NULL;
	p = ALIGN_UP(next, align);
	if (p < next || p > end || size > end - p)
		return NULL;
	next = p + size;
	return (void *)(uintptr_t)p;
}

void *mem_alloc(size_t size)
{
	return mem_alloc_aligned(size, 16);
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
	(void)p;
}
