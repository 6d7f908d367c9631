/*
 * Traps: the IDT and the register frame the entry stubs save. Private to
 * kernel/.
 */
#ifndef TORITO_KERNEL_ARCH_X86_64_TRAP_H
#define TORITO_KERNEL_ARCH_X86_64_TRAP_H

#include <stdint.h>

/* Layout fixed by isr.asm: lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Bytes of IST stack memory per CPU (#DF, NMI and #MC stacks). */
#define GDT_IST_BYTES (3 * 8192)

/*
 * Loads CPU cpu's GDT and TSS. ist_stacks: GDT_IST_BYTES, 16-aligned (NULL
 * on CPU 0, which uses static ones). Allocates nothing, so it can run
 * first thing on a new CPU.
 */
void gdt_init(unsigned int cpu, void *ist_stacks);

/* Fills and loads the IDT (shared by all CPUs); call once on CPU 0. */
void idt_init(void);

/* Loads the IDT on an application processor. */
void idt_load(void);

/* Prints the return addresses of the rbp chain starting at rbp. */
void backtrace_print(uint64_t rbp);

#endif /* TORITO_KERNEL_ARCH_X86_64_TRAP_H */
