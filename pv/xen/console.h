/*
 * The Xen consoles: the PV console ring that xenconsoled serves (`xl
 * console`), and for a domain without one, a fallback into Xen's own log:
 * HYPERVISOR_console_io where Xen allows it (debug builds; release builds
 * refuse it to domUs), else the HVM debug port 0xe9 (shown by `xl dmesg`
 * when Xen runs with guest_loglvl=all). Private to pv/xen; bare metal.
 */
#ifndef TORITO_PV_XEN_CONSOLE_H
#define TORITO_PV_XEN_CONSOLE_H

#include <torito/compiler.h>

/* Makes console_io (if Xen accepts it from this guest) or port 0xe9 the
 * kernel console. */
void xencons_debug_init(void);

/*
 * Maps the PV console ring (HVM_PARAM_CONSOLE_PFN/EVTCHN) and makes it the
 * kernel console. Returns 0, -ENODEV (the domain has no PV console) or
 * -ERANGE (ring page outside the identity map).
 */
int xencons_init(void) __must_check;

/* Waits (bounded, about a second of Xen yields) until xenconsoled has
 * read everything written; before power-off. Any context. */
void xencons_flush(void);

#endif /* TORITO_PV_XEN_CONSOLE_H */
