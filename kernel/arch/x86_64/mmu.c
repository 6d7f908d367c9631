/*
 * The kernel's page tables. boot.asm maps the first 4 GiB so C can run;
 * mmu_init then builds the real map: every byte of RAM (up to 512 GiB)
 * identity mapped with 1 GiB pages where the CPU has them (2 MiB
 * otherwise), non-executable, except the kernel text, which is read-only
 * and executable; read-only data is read-only; page 0 and the boot stack's
 * guard page are not mapped. The low 1 MiB stays executable only for the
 * SMP trampoline page.
 *
 * Large pages are split into smaller ones on demand (guard pages under
 * thread stacks) with a compare-and-swap, so two CPUs splitting the same
 * large page cannot lose each other's work; a split table maps exactly
 * what the large page did, so other CPUs' TLBs stay right without a
 * shootdown.
 */
#include <stdatomic.h>
#include <stdint.h>

#include <torito/boot.h>
#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/errno.h>
#include <torito/power.h>
#include <torito/mem.h>
#include <torito/panic.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/mmu.h"
#include "kernel/kernel.h"

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PS (1ull << 7)
#define PTE_PAT_LARGE (1ull << 12)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define GIB (1ull << 30)
#define MAP_MAX (512 * GIB) /* one PML4 entry */
#define TRAMPOLINE_PAGE 0x8000

extern uint64_t boot_pt[512];
extern char __image_start[], __text_end[], __rodata_end[], __image_end[];
extern char boot_stack_guard[];

static uint64_t mapped_limit = 4 * GIB; /* boot.asm's map */
static uint64_t table_bytes[CPU_MAX];	 /* page tables each CPU allocated */
static uint64_t nx_bit;			 /* PTE_NX if EFER.NXE is on */

static void invlpg(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

uint64_t mmu_mapped_limit(void)
{
	return mapped_limit;
}

static _Atomic uint64_t *table(uint64_t entry)
{
	return (_Atomic uint64_t *)(uintptr_t)(entry & PTE_ADDR);
}

/*
 * Replaces the large-page entry *e (mapping `size` bytes) by a table of 512
 * entries mapping the same memory with the same rights.
 */
static int split(_Atomic uint64_t *e, uint64_t old, uint64_t size)
{
	uint64_t sub = size / 512;
	uint64_t flags = old & ~PTE_ADDR & ~PTE_PAT_LARGE;
	uint64_t base = old & PTE_ADDR & ~(size - 1);
	uint64_t *t = mem_zalloc(4096, 4096);

	if (!t)
		return -ENOMEM;
	table_bytes[cpu_id()] += 4096;
	if (sub == 4096)
		flags &= ~PTE_PS; /* 4 KiB entries have no PS bit */
	for (int i = 0; i < 512; i++)
		t[i] = (base + (uint64_t)i * sub) | flags;
	/* The table itself must allow everything its entries allow. */
	if (!atomic_compare_exchange_strong(e, &old,
					    virt_to_phys(t) | PTE_P | PTE_RW))
	{
		mem_free(t); /* another CPU split it first */
		table_bytes[cpu_id()] -= 4096;
	}
	return 0;
}

uint64_t mmu_table_bytes(void)
{
	return table_bytes[cpu_id()];
}

/* The 4 KiB entry for va under root, splitting large pages on the way;
 * NULL when there is no memory for a new table. */
static _Atomic uint64_t *pte_of(_Atomic uint64_t *root, uintptr_t va)
{
	_Atomic uint64_t *t = root;

	for (int shift = 39; shift > 12; shift -= 9) {
		_Atomic uint64_t *e = &t[(va >> shift) & 511];
		uint64_t v = atomic_load(e);
		BUG_ON(!(v & PTE_P));
		if (v & PTE_PS) {
			/* the size this entry maps */
			if (split(e, v, 1ull << shift) < 0)
				return NULL;
			v = atomic_load(e);
		}
		t = table(v);
	}
	return &t[(va >> 12) & 511];
}

static _Atomic uint64_t *kernel_root(void)
{
	return table(read_cr3());
}

void mmu_unmap_null_page(void)
{
	boot_pt[0] = 0;
	invlpg(0);
}

int mmu_set_guard(void *page, bool guard)
{
	uintptr_t va = (uintptr_t)page;
	_Atomic uint64_t *pte = pte_of(kernel_root(), va);

	if (!pte)
		return -ENOMEM;
	if (guard)
		atomic_fetch_and(pte, ~PTE_P);
	else
		atomic_fetch_or(pte, PTE_P);
	invlpg(va);
	return 0;
}

static uint64_t ram_top(void)
{
	const struct boot_info *bi = boot_info();
	uint64_t top = 4 * GIB;

	for (unsigned int i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOT_MEM_USABLE &&
		    bi->mem[i].base + bi->mem[i].len > top)
			top = bi->mem[i].base + bi->mem[i].len;
	top = ALIGN_UP(top, GIB);
	if (top > MAP_MAX) {
		kprintf("torito: warning: RAM above 512 GiB is not used\n");
		top = MAP_MAX;
	}
	return top;
}

/* Rights of the 4 KiB page at pa in the first 2 MiB. */
static uint64_t low_page_flags(uint64_t pa)
{
	if (pa == 0 || pa == (uintptr_t)boot_stack_guard)
		return 0;
	if (pa >= (uintptr_t)__image_start && pa < (uintptr_t)__text_end)
		return PTE_P; /* text: read-only, executable */
	if (pa >= (uintptr_t)__text_end && pa < (uintptr_t)__rodata_end)
		return PTE_P | nx_bit;
	if (pa == TRAMPOLINE_PAGE)
		return PTE_P | PTE_RW;
	return PTE_P | PTE_RW | nx_bit;
}

void mmu_init(void)
{
	uint32_t r[4];
	uint64_t top = ram_top(), *pml4, *pdpt;
	bool gib_pages;

	cpuid(0x80000001, 0, r);
	gib_pages = (r[3] >> 26) & 1;
	nx_bit = (rdmsr(0xc0000080) & (1u << 11)) ? PTE_NX : 0;
	pml4 = mem_zalloc(4096, 4096);
	pdpt = mem_zalloc(4096, 4096);
	if (!pml4 || !pdpt)
		goto no_memory;
	pml4[0] = virt_to_phys(pdpt) | PTE_P | PTE_RW;
	for (uint64_t g = 0; g < top / GIB; g++) {
		uint64_t flags = PTE_P | PTE_RW | PTE_PS | nx_bit;
		if (gib_pages && g > 0) {
			pdpt[g] = (g * GIB) | flags;
			continue;
		}
		uint64_t *pd = mem_zalloc(4096, 4096);
		if (!pd)
			goto no_memory;
		for (uint64_t i = 0; i < 512; i++)
			pd[i] = (g * GIB + i * (2ull << 20)) | flags;
		pdpt[g] = virt_to_phys(pd) | PTE_P | PTE_RW;
	}
	/* The first 2 MiB reuse boot.asm's 4 KiB table, rights per page. */
	for (uint64_t i = 0; i < 512; i++)
		boot_pt[i] = (i * 4096) | low_page_flags(i * 4096);
	table(pdpt[0])[0] = virt_to_phys(boot_pt) | PTE_P | PTE_RW;
	/* The image may run past 2 MiB: give those pages their rights too. */
	for (uintptr_t va = 2ull << 20; va < (uintptr_t)__image_end; va += 4096) {
		_Atomic uint64_t *pte = pte_of((_Atomic uint64_t *)pml4, va);
		if (!pte)
			goto no_memory;
		atomic_store(pte, va | low_page_flags(va));
	}
	__asm__ volatile("mov %0, %%cr3" : : "r"(virt_to_phys(pml4)) : "memory");
	mapped_limit = top;
	return;
no_memory:
	kprintf("torito: not enough memory for the page tables (%lu KiB "
		"usable); give the machine more RAM\n",
		(unsigned long)(boot_usable_bytes(boot_info()) >> 10));
	power_off(1);
}
