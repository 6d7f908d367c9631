/*
 * The long-mode GDT and TSS, one pair per CPU (a TSS is marked busy when
 * loaded, so CPUs cannot share one). The TSS exists only for its interrupt
 * stack table: double faults, NMIs and machine checks switch to stacks of
 * their own, so a kernel stack overflow ends in a readable report instead
 * of a triple fault.
 */
#include <stdint.h>

#include <torito/compiler.h>
#include <torito/cpu.h>
#include <torito/string.h>

#include "kernel/arch/x86_64/trap.h"

#define IST_STACK_SIZE (GDT_IST_BYTES / 3)

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

static struct {
	struct tss tss;
	uint64_t gdt[5];
} percpu[CPU_MAX];

/* CPU 0's IST stacks; smp.c allocates the others' (GDT_IST_BYTES each). */
static uint8_t boot_ist[GDT_IST_BYTES] __aligned(16);

void gdt_init(unsigned int cpu, void *ist_stacks)
{
	uint8_t *ist = ist_stacks ? ist_stacks : boot_ist;
	struct tss *tss = &percpu[cpu].tss;
	uint64_t *gdt = percpu[cpu].gdt;
	uint64_t base = (uintptr_t)tss;
	uint64_t limit = sizeof(*tss) - 1;
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed ptr = { sizeof(percpu[cpu].gdt) - 1, (uintptr_t)gdt };

	for (int i = 0; i < 3; i++)
		tss->ist[i] = (uintptr_t)(ist + (i + 1) * IST_STACK_SIZE);
	tss->iomap_base = sizeof(*tss);

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* 0x08: 64-bit code */
	gdt[2] = 0x00cf92000000ffffull; /* 0x10: data */
	/* 0x18: 64-bit available TSS, 16 bytes. */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
		 (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;

	__asm__ volatile("lgdt %0\n\t"
			 "pushq $0x08\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw $0x10, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "movw $0x18, %%ax\n\t"
			 "ltr %%ax"
			 :
			 : "m"(ptr)
			 : "rax", "memory");
}
