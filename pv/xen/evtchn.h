/*
 * Event channels (2-level ABI): the upcall vector, binding, masking and
 * notification, and a handler per port. Private to pv/xen; bare metal.
 *
 * Handlers run in interrupt context on the CPU that took the upcall, with
 * interrupts off; like every interrupt handler they only mark work.
 */
#ifndef TORITO_PV_XEN_EVTCHN_H
#define TORITO_PV_XEN_EVTCHN_H

#include <stdint.h>

#include <torito/compiler.h>

#include "pv/xen/xen_if.h"

typedef void (*evtchn_handler_fn)(evtchn_port_t port, void *ctx);

/*
 * Installs the upcall vector for vCPU 0 (HVMOP_set_evtchn_upcall_vector,
 * falling back to HVM_PARAM_CALLBACK_IRQ of vector type). Returns 0,
 * -ENOSPC (no interrupt vector) or -EIO. Call at INIT_PLATFORM on CPU 0.
 */
int evtchn_init(void) __must_check;

/* Allocates a port for remote domain remote to bind to (frontends). */
int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port) __must_check;

/* Binds virtual IRQ virq (VIRQ_TIMER, ...) of vCPU vcpu to a new port. */
int evtchn_bind_virq(uint32_t virq, unsigned int vcpu,
		     evtchn_port_t *port) __must_check;

/*
 * Sets the handler of port (NULL removes it). The port stays masked until
 * evtchn_unmask. Returns 0 or -EINVAL for a port beyond the 2-level range.
 */
int evtchn_set_handler(evtchn_port_t port, evtchn_handler_fn fn,
		       void *ctx) __must_check;

/* Masks port: events stay pending but raise no upcall. Any context. */
void evtchn_mask(evtchn_port_t port);

/* Unmasks port; a pending event is delivered right away. Any context. */
void evtchn_unmask(evtchn_port_t port);

/* Signals the remote end of port. Any context. A failure (a port that is
 * not ours, or closed) is not actionable by the caller and is ignored. */
void evtchn_notify(evtchn_port_t port);

/* Masks port, removes its handler and closes it. */
void evtchn_close(evtchn_port_t port);

#endif /* TORITO_PV_XEN_EVTCHN_H */
