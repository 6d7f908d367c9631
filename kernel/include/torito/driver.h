/*
 * The driver-side kernel API: what pv/ and hw/ code uses to plug into the
 * core. Applications never include this (they use the consumer headers).
 *
 * Registration is by linker section, never by #ifdef: a driver's Bazel
 * target is `alwayslink = True`, and an app selects it by listing it in its
 * deps. TORITO_INIT(stage, fn) puts fn in the table kernel_entry walks.
 * Entries are explicitly 8-aligned: otherwise gcc aligns each 24-byte
 * entry to 16, the linker pads between objects, and the table walk (one
 * sizeof apart) reads padding.
 */
#ifndef TORITO_DRIVER_H
#define TORITO_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>

/* Init stages, run in order on CPU 0 by kernel_entry. */
#define INIT_EARLY 0	/* right after hypervisor detection, on the boot page
			   tables, before memory and interrupts exist: consoles
			   that need neither (Xen's PV console) */
#define INIT_PLATFORM 1 /* memory, paging and interrupt vectors are up:
			   hypercall setup, shared pages, the TSC rate */
#define INIT_DEVICES 2	/* buses are up: probe devices */

struct init_entry {
	int stage;
	const char *name;
	void (*fn)(void);
};

/*
 * Registers fn to run at stage. fn must not fail loudly: a driver that finds
 * no device simply returns; one that fails logs one line and returns.
 */
#define TORITO_INIT(stage, fn)                                                \
	static const struct init_entry __init_entry_##fn __used __aligned(8)  \
		__section(".torito.init." #stage) = { stage, #fn, fn }

/* A console backend: writes len bytes; must work from any context. */
typedef void (*console_write_fn)(const char *s, size_t len);

/* Makes fn the console (replacing the serial port, e.g. by Xen's PV console). */
void console_set_backend(console_write_fn fn);

/*
 * A power-off backend, tried before isa-debug-exit and ACPI (e.g. Xen's
 * SCHEDOP_shutdown). status 0 is success. It returns only if it failed.
 */
typedef void (*power_off_fn)(int status);
void power_set_backend(power_off_fn fn);

/* Sets the TSC rate for a platform that knows it (e.g. Xen's time info),
 * so time_init need not measure it. Call at INIT_PLATFORM. */
void time_set_tsc_hz(uint64_t hz);

/*
 * Interrupts. Handlers run in interrupt context on the CPU that owns the
 * vector, with interrupts off; they should only mark work and wake
 * threads. The core sends the end-of-interrupt after the handler returns.
 */
typedef void (*irq_handler_fn)(void *ctx);

/*
 * Allocates an interrupt vector on the calling CPU for fn(ctx). Returns the
 * vector (50..239; lower ones are the kernel's) or -ENOSPC.
 */
int irq_alloc_vector(irq_handler_fn fn, void *ctx) __must_check;

/* Flags for irq_route_gsi. */
#define IRQ_LEVEL (1u << 0)	   /* level-triggered (default: edge) */
#define IRQ_ACTIVE_LOW (1u << 1) /* active low (default: high) */

/*
 * Routes global system interrupt gsi (IOAPIC input; ISA IRQs are GSIs
 * 0-15 unless the MADT overrides them, which this call applies) to vector
 * on the calling CPU, unmasked. Returns 0, -ENODEV (no IOAPIC has gsi).
 */
int irq_route_gsi(unsigned int gsi, int vector, unsigned int flags) __must_check;

/* The MSI/MSI-X address and data that deliver vector to the calling CPU. */
uint64_t irq_msi_address(void);
uint32_t irq_msi_data(int vector);

/* Enables interrupts on the calling CPU (they start disabled). */
void irq_enable(void);

#endif /* TORITO_DRIVER_H */
