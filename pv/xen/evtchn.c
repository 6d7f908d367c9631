/*
 * Event channels, 2-level ABI. Xen raises an upcall on vCPU 0 through an
 * interrupt vector from irq_alloc_vector (the per-vCPU
 * HVMOP_set_evtchn_upcall_vector, which Xen delivers through the emulated
 * LAPIC, so the core's EOI after the handler is right; or, on a Xen
 * without it, the domain-wide HVM_PARAM_CALLBACK_IRQ vector, which needs
 * no EOI, where the extra one is harmless). The upcall walks the
 * pending-selector word of vcpu_info and the pending & ~mask words of
 * shared_info, clears each pending bit with a locked instruction (Xen sets
 * them concurrently) and calls the port's handler.
 *
 * Left out: the FIFO ABI (more than 4096 ports), upcalls on other vCPUs
 * (the SMP code will call evtchn_init per CPU once it exists).
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/console.h>
#include <torito/driver.h>
#include <torito/errno.h>

#include "pv/xen/arch.h"
#include "pv/xen/evtchn.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/xen.h"

#define BITS_PER_WORD 64
#define NR_PORTS      (BITS_PER_WORD * BITS_PER_WORD)
#define MAX_ROUNDS    16 /* re-scans per upcall before leaving it to the next */

static struct {
	evtchn_handler_fn fn;
	void *ctx;
} handlers[NR_PORTS];

static uint64_t stray_events; /* pending ports with no handler */

static void dispatch(struct shared_info *s, unsigned int word)
{
	volatile uint64_t *pending = (volatile uint64_t *)s->evtchn_pending;
	volatile uint64_t *mask = (volatile uint64_t *)s->evtchn_mask;
	uint64_t bits = pending[word] & ~mask[word];

	while (bits) {
		unsigned int port =
			word * BITS_PER_WORD + __builtin_ctzll(bits);

		bits &= bits - 1;
		xen_sync_clear_bit(port, pending);
		if (handlers[port].fn)
			handlers[port].fn(port, handlers[port].ctx);
		else
			stray_events++;
	}
}

/* Interrupt context, vCPU 0. */
static void upcall(void *ctx)
{
	struct shared_info *s = xen_shared_info();
	struct vcpu_info *vi = &s->vcpu_info[0];

	(void)ctx;
	for (int round = 0; round < MAX_ROUNDS; round++) {
		/* Clear the flag before looking, so an event that arrives
		 * while we scan sets it (and raises an upcall) again. */
		vi->evtchn_upcall_pending = 0;
		uint64_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0,
						   __ATOMIC_SEQ_CST);
		if (!sel)
			break;
		while (sel) {
			unsigned int word = __builtin_ctzll(sel);

			sel &= sel - 1;
			dispatch(s, word);
		}
	}
}

int evtchn_init(void)
{
	int vector = irq_alloc_vector(upcall, NULL);
	struct xen_hvm_evtchn_upcall_vector op = { .vcpu = 0 };
	uint64_t via;
	long rc;

	if (vector < 0)
		return vector;
	op.vector = (uint8_t)vector;
	rc = hypercall_hvm_op(HVMOP_set_evtchn_upcall_vector, &op);
	/*
	 * The domain-wide callback is set either way: as the fallback, and
	 * because the toolstack reads a non-zero HVM_PARAM_CALLBACK_IRQ as
	 * "this guest has PV drivers" (Linux does the same).
	 */
	via = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) |
	      (uint64_t)vector;
	if (hypercall_hvm_set_param(HVM_PARAM_CALLBACK_IRQ, via) < 0 && rc < 0)
		return xen_errno(rc);
	kprintf("xen: event channel upcall on vector %d (%s)\n", vector,
		rc == 0 ? "per-vCPU" : "callback");
	return 0;
}

int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = {
		.dom = DOMID_SELF,
		.remote_dom = remote,
	};
	long rc = hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	if (rc < 0)
		return xen_errno(rc);
	*port = op.port;
	return 0;
}

int evtchn_bind_virq(uint32_t virq, unsigned int vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_virq op = {
		.virq = virq,
		.vcpu = vcpu,
	};
	long rc = hypercall_event_channel_op(EVTCHNOP_bind_virq, &op);

	if (rc < 0)
		return xen_errno(rc);
	*port = op.port;
	return 0;
}

int evtchn_set_handler(evtchn_port_t port, evtchn_handler_fn fn, void *ctx)
{
	unsigned long flags;

	if (port >= NR_PORTS)
		return -EINVAL;
	flags = xen_irq_save();
	handlers[port].ctx = ctx;
	handlers[port].fn = fn;
	xen_irq_restore(flags);
	return 0;
}

void evtchn_mask(evtchn_port_t port)
{
	struct shared_info *s = xen_shared_info();

	if (port < NR_PORTS)
		xen_sync_set_bit(port, (volatile uint64_t *)s->evtchn_mask);
}

void evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };

	/* The hypercall re-raises the upcall if the port is pending. */
	(void)hypercall_event_channel_op(EVTCHNOP_unmask, &op);
}

void evtchn_notify(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };

	(void)hypercall_event_channel_op(EVTCHNOP_send, &op);
}

void evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };

	if (port >= NR_PORTS)
		return;
	evtchn_mask(port);
	handlers[port].fn = NULL; /* masked: no upcall can race with this */
	(void)hypercall_event_channel_op(EVTCHNOP_close, &op);
}
