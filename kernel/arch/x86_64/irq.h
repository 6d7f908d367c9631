/*
 * Interrupt-controller setup, private to kernel/: masks the 8259 PICs,
 * reads the MADT, programs IOAPICs, and dispatches vectors to handlers
 * registered through torito/driver.h.
 */
#ifndef TORITO_KERNEL_ARCH_X86_64_IRQ_H
#define TORITO_KERNEL_ARCH_X86_64_IRQ_H

#include <stdint.h>

#include "kernel/acpi/acpi.h"

/* The MADT as read at boot (zeroed if the machine has none). */
extern struct acpi_madt_info irq_madt;

/* Masks the PICs, enables the LAPIC, reads the MADT, masks IOAPIC inputs. */
void irq_init(void);

/* Runs the handler of vector (interrupt context) and sends EOI. */
void irq_dispatch(unsigned int vector);

#endif /* TORITO_KERNEL_ARCH_X86_64_IRQ_H */
