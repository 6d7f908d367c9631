/*
 * Event channels (2-level ABI): a per-vCPU upcall vector on every CPU,
 * binding, masking and notification, a handler per port, and moving a
 * port to the CPU that consumes it. Private to pv/xen; bare metal.
 *
 * A port's handler runs in interrupt context on the CPU the port is bound
 * to (CPU 0 until evtchn_bind_here), with interrupts off; like every
 * interrupt handler it only marks work and wakes threads of that CPU.
 */
#ifndef TORITO_PV_XEN_EVTCHN_H
#define TORITO_PV_XEN_EVTCHN_H

#include <stdint.h>

#include <torito/compiler.h>

#include "pv/xen/xen_if.h"

typedef void (*evtchn_handler_fn)(evtchn_port_t port, void *ctx);

/*
 * Installs the upcall vector of the calling CPU's vCPU
 * (HVMOP_set_evtchn_upcall_vector; on CPU 0, where Xen lacks it,
 * HVM_PARAM_CALLBACK_IRQ) and the CPU's IPI port.
 * Returns 0, -ENOSPC (no interrupt vector), -ENOTSUP (a vCPU id past 31,
 * which the shared_info vcpu_info array does not cover) or -EIO. Call on
 * CPU 0 at INIT_PLATFORM; pv/xen calls it on the other CPUs itself.
 */
int evtchn_init_cpu(void) __must_check;

/* Allocates a port for remote domain remote to bind to (frontends). It is
 * bound to CPU 0 and masked. */
int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port) __must_check;

/*
 * Sets the handler of port (NULL removes it). The port stays masked until
 * evtchn_unmask. Returns 0 or -EINVAL for a port beyond the 2-level range.
 */
int evtchn_set_handler(evtchn_port_t port, evtchn_handler_fn fn,
		       void *ctx) __must_check;

/*
 * Moves port's events (and handler calls) to the calling CPU
 * (EVTCHNOP_bind_vcpu). Returns 0 (also when it is there already),
 * -ENODEV (this CPU takes no events), or -EIO. Thread context.
 */
int evtchn_bind_here(evtchn_port_t port) __must_check;

/* Masks port: events stay pending but raise no upcall. Any context. */
void evtchn_mask(evtchn_port_t port);

/* Unmasks port; a pending event is delivered right away. Any context. */
void evtchn_unmask(evtchn_port_t port);

/* Signals the remote end of port. Any context. A failure (a port that is
 * not ours, or closed) is not actionable by the caller and is ignored. */
void evtchn_notify(evtchn_port_t port);

/*
 * Runs port's handler soon on the CPU port is bound to, as if the remote
 * end had signalled it (through that CPU's IPI port). Any context, any
 * CPU: how code on one CPU wakes a device's consumer on another.
 */
void evtchn_trigger(evtchn_port_t port);

/* Makes cpu leave a halt (and re-check what it waits for). Any context. */
void evtchn_kick_cpu(unsigned int cpu);

/* Masks port, removes its handler and closes it. */
void evtchn_close(evtchn_port_t port);

#endif /* TORITO_PV_XEN_EVTCHN_H */
