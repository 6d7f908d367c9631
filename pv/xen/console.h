/*
 * The Xen consoles: the HYPERVISOR_console_io debug console (early
 * fallback; Xen's own log, refused to unprivileged guests by release
 * builds) and the PV console ring that xenconsoled serves (`xl console`).
 * Private to pv/xen; bare metal.
 */
#ifndef TORITO_PV_XEN_CONSOLE_H
#define TORITO_PV_XEN_CONSOLE_H

#include <torito/compiler.h>

/* Makes console_io the kernel console if Xen accepts it from this guest. */
void xencons_early_init(void);

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
