/*
 * The local APIC (xAPIC, memory mapped) of the calling CPU: enable, EOI,
 * IPIs, and the one-shot timer that ends an idle halt. Private to kernel/.
 */
#ifndef TORITO_KERNEL_ARCH_X86_64_LAPIC_H
#define TORITO_KERNEL_ARCH_X86_64_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_TIMER_VECTOR 0x30
#define LAPIC_IPI_VECTOR 0x31
#define LAPIC_SPURIOUS_VECTOR 0xff

/* Enables this CPU's local APIC (all LVTs masked, TPR 0). */
void lapic_init(void);
uint32_t lapic_id(void);
void lapic_eoi(void);

/* Sends a fixed IPI with vector to the CPU with APIC id dest. */
void lapic_send_ipi(uint32_t dest, uint8_t vector);

/* INIT and STARTUP IPIs to start an application processor. */
void lapic_send_init(uint32_t dest);
void lapic_send_startup(uint32_t dest, uint8_t page);

/* The same, broadcast to all CPUs but this one. */
void lapic_send_init_all(void);
void lapic_send_startup_all(uint8_t page);

/*
 * Calibrates the APIC timer against the TSC (needs time_init first). Uses
 * TSC-deadline mode where the CPU has it.
 */
void lapic_timer_init(void);

/*
 * Arms the one-shot timer to fire LAPIC_TIMER_VECTOR at TSC value deadline
 * (0 disarms). Only the earliest deadline of a CPU is ever armed.
 */
void lapic_timer_arm(uint64_t tsc_deadline);

#endif /* TORITO_KERNEL_ARCH_X86_64_LAPIC_H */
