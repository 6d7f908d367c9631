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

/* Loads the GDT with a TSS (IST stacks for #DF, NMI, #MC) on this CPU. */
void gdt_init(void);

/* Fills and loads the IDT; exceptions report and power off. */
void idt_init(void);

/* Prints the return addresses of the rbp chain starting at rbp. */
void backtrace_print(uint64_t rbp);

#endif /* TORITO_KERNEL_ARCH_X86_64_TRAP_H */
