/*
 * The driver-side kernel API: what pv/ and hw/ code uses to plug into the
 * core. Applications never include this (they use the consumer headers).
 *
 * Registration is by linker section, never by #ifdef: a driver's Bazel
 * target is `alwayslink = True`, and an app selects it by listing it in its
 * deps. TORITO_INIT(stage, fn) puts fn in the table kernel_entry walks.
 */
#ifndef TORITO_DRIVER_H
#define TORITO_DRIVER_H

#include <stddef.h>

#include <torito/compiler.h>

/* Init stages, run in order on CPU 0 by kernel_entry. */
#define INIT_PLATFORM 1 /* after hypervisor detection: consoles, hypercalls */
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
	static const struct init_entry __init_entry_##fn __used __section(    \
		".torito.init." #stage) = { stage, #fn, fn }

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

#endif /* TORITO_DRIVER_H */
