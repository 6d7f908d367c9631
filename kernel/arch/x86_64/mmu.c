/*
 * Paging adjustments on boot.asm's identity map: unmapping page 0 once the
 * boot record has been read, and guard pages under thread stacks. Large
 * pages are split into 4 KiB pages with a compare-and-swap, so two CPUs
 * splitting the same 2 MiB page cannot lose each other's work; the new
 * table maps exactly what the large page did, so other CPUs' TLBs stay
 * right without a shootdown.
 */
#include <stdatomic.h>
#include <stdint.h>

#include <torito/mem.h>
#include <torito/panic.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/mmu.h"

#define PTE_P (1ull << 0)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

extern uint64_t boot_pt[512];

static void invlpg(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

void mmu_unmap_null_page(void)
{
	boot_pt[0] = 0;
	invlpg(0);
}

static _Atomic uint64_t *table(uint64_t entry)
{
	return (_Atomic uint64_t *)(uintptr_t)(entry & PTE_ADDR);
}

/* The 4 KiB page-table entry for va, splitting a 2 MiB page if needed. */
static _Atomic uint64_t *pte_of(uintptr_t va)
{
	_Atomic uint64_t *pml4 = table(read_cr3());
	uint64_t e = atomic_load(&pml4[(va >> 39) & 511]);
	_Atomic uint64_t *pdpt, *pd, *pt;

	BUG_ON(!(e & PTE_P));
	pdpt = table(e);
	e = atomic_load(&pdpt[(va >> 30) & 511]);
	BUG_ON(!(e & PTE_P) || (e & PTE_PS));
	pd = table(e);
	e = atomic_load(&pd[(va >> 21) & 511]);
	BUG_ON(!(e & PTE_P));
	if (e & PTE_PS) {
		uint64_t flags = e & ~PTE_ADDR & ~PTE_PS & ~(1ull << 12);
		uint64_t base = e & PTE_ADDR & ~0x1fffffull;
		uint64_t *new_pt = mem_zalloc(4096, 4096);
		BUG_ON(!new_pt); /* boot-time sized: out of memory here is a bug */
		for (int i = 0; i < 512; i++)
			new_pt[i] = (base + (uint64_t)i * 4096) | flags;
		uint64_t want = virt_to_phys(new_pt) | (flags & (PTE_NX | 0xfff));
		if (!atomic_compare_exchange_strong(&pd[(va >> 21) & 511], &e,
						    want))
			mem_free(new_pt); /* another CPU split it first */
		e = atomic_load(&pd[(va >> 21) & 511]);
	}
	pt = table(e);
	return &pt[(va >> 12) & 511];
}

void mmu_set_guard(void *page, bool guard)
{
	uintptr_t va = (uintptr_t)page;
	_Atomic uint64_t *pte = pte_of(va);

	if (guard)
		atomic_fetch_and(pte, ~PTE_P);
	else
		atomic_fetch_or(pte, PTE_P);
	invlpg(va);
}
