/*
 * Kernel-internal services shared between kernel/ modules: the identity
 * phys_map used with the portable parsers, and hypervisor detection.
 */
#ifndef TORITO_KERNEL_KERNEL_H
#define TORITO_KERNEL_KERNEL_H

#include <stdint.h>

#include <torito/boot.h>

/*
 * Physical memory is identity mapped below 4 GiB except page 0: returns
 * (void *)paddr when [paddr, paddr + len) lies in that window, else NULL.
 */
const void *phys_map(void *ctx, uint64_t paddr, uint64_t len);

/* Fills bi->hypervisor and bi->hypervisor_sig from CPUID 0x40000000. */
void hypervisor_detect(struct boot_info *bi);

/*
 * Halts the calling CPU until an interrupt arrives or time_now_ns() reaches
 * deadline_ns (0: no deadline), then returns with interrupts disabled.
 * Callers re-check their condition in a loop.
 */
void cpu_idle_until(uint64_t deadline_ns);

/*
 * Splits usable, mapped RAM into one heap per CPU (ncpus from the MADT).
 * Call once on CPU 0 before anything allocates.
 */
void mem_init(unsigned int ncpus);

/* Gives RAM newly mapped between old_limit and mmu_mapped_limit() to the
 * heaps (after mmu_init). */
void mem_add_mapped(uint64_t old_limit);

/* Bytes of page tables the calling CPU allocated (splitting large pages
 * for guard pages); they stay for good and are not application memory. */
uint64_t mmu_table_bytes(void);

/* The end of the identity map: physical memory below it is mapped. */
uint64_t mmu_mapped_limit(void);

#endif /* TORITO_KERNEL_KERNEL_H */
