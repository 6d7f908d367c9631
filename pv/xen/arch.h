/*
 * The few x86_64 instructions pv/xen needs (CPUID, WRMSR, the interrupt
 * flag, locked bit operations on shared memory). The kernel keeps its own
 * copies private to kernel/, so drivers carry theirs. Bare metal only.
 */
#ifndef TORITO_PV_XEN_ARCH_H
#define TORITO_PV_XEN_ARCH_H

#include <stdbool.h>
#include <stdint.h>

static inline void xen_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline void xen_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

static inline uint64_t xen_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t xen_read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t xen_read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline uint64_t xen_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Disables interrupts and returns the previous RFLAGS for irq_restore. */
static inline unsigned long xen_irq_save(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void xen_irq_restore(unsigned long flags)
{
	__asm__ volatile("pushq %0; popfq" : : "r"(flags) : "memory", "cc");
}

/*
 * Locked bit operations on bitmaps Xen writes concurrently (the event
 * channel pending and mask arrays): bit n of the array of 64-bit words.
 */
static inline void xen_sync_clear_bit(unsigned int n, volatile uint64_t *map)
{
	__asm__ volatile("lock btrq %1, %0"
			 : "+m"(map[n / 64])
			 : "r"((uint64_t)(n % 64))
			 : "memory");
}

static inline void xen_sync_set_bit(unsigned int n, volatile uint64_t *map)
{
	__asm__ volatile("lock btsq %1, %0"
			 : "+m"(map[n / 64])
			 : "r"((uint64_t)(n % 64))
			 : "memory");
}

static inline void xen_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

#endif /* TORITO_PV_XEN_ARCH_H */
