/*
 * Event channels, 2-level ABI, on every CPU. Each CPU's vCPU gets its own
 * upcall vector from irq_alloc_vector on that CPU
 * (HVMOP_set_evtchn_upcall_vector, which Xen delivers through the emulated
 * LAPIC, so the core's EOI after the handler is right; on a Xen without it
 * CPU 0 falls back to the domain-wide HVM_PARAM_CALLBACK_IRQ vector, which
 * needs no EOI, where the extra one is harmless, and the other CPUs take
 * no events). An upcall walks its
 * vCPU's pending-selector word and the pending & ~mask words of
 * shared_info, and handles only the ports bound to that vCPU: the pending
 * array is shared, so a word can hold another vCPU's ports, which stay
 * pending for their own upcall (Linux keeps the same per-CPU filter).
 * Pending bits are cleared with locked instructions, since Xen sets them
 * concurrently.
 *
 * Each CPU also has an IPI port (EVTCHNOP_bind_ipi). evtchn_trigger sets a
 * port's bit in a software-pending bitmap and signals the IPI port of the
 * port's CPU, whose handler then runs the port's handler there: how a
 * xenstore watch, which fires on CPU 0, reaches a device driven from
 * another CPU.
 *
 * CPUs other than 0 are set up at INIT_DEVICES by a short thread on each.
 * Left out: the FIFO ABI (more than 4096 ports), vCPUs past 31 (they would
 * need VCPUOP_register_vcpu_info; such a CPU takes no events).
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/driver.h>
#include <torito/errno.h>
#include <torito/thread.h>

#include "pv/xen/arch.h"
#include "pv/xen/evtchn.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/xen.h"

#define BITS_PER_WORD 64
#define NR_PORTS      (BITS_PER_WORD * BITS_PER_WORD)
#define MAX_ROUNDS    16 /* re-scans per upcall before leaving it to the next */
#define NO_PORT	      0xffffffffu

/* Written by the thread that owns the port, read by upcalls (atomics). */
static struct {
	evtchn_handler_fn fn;
	void *ctx;
	uint32_t vcpu; /* the vCPU whose upcall handles it */
} ports[NR_PORTS];

static uint64_t soft_pending[NR_PORTS / BITS_PER_WORD];

/* Per CPU; each entry written once, by its CPU's setup. */
static struct {
	bool ready;
	uint32_t vcpu;
} cpus[CPU_MAX];
static evtchn_port_t vcpu_ipi[XEN_LEGACY_MAX_VCPUS];

static uint64_t stray_events; /* pending ports with no handler */

static void call(evtchn_port_t port)
{
	evtchn_handler_fn fn =
		__atomic_load_n(&ports[port].fn, __ATOMIC_ACQUIRE);

	if (fn)
		fn(port, ports[port].ctx);
	else
		stray_events++;
}

static uint32_t port_vcpu(evtchn_port_t port)
{
	return __atomic_load_n(&ports[port].vcpu, __ATOMIC_RELAXED);
}

static void dispatch(struct shared_info *s, unsigned int word, uint32_t vcpu)
{
	volatile uint64_t *pending = (volatile uint64_t *)s->evtchn_pending;
	volatile uint64_t *mask = (volatile uint64_t *)s->evtchn_mask;
	uint64_t bits = pending[word] & ~mask[word];

	while (bits) {
		unsigned int port =
			word * BITS_PER_WORD + __builtin_ctzll(bits);

		bits &= bits - 1;
		if (port_vcpu(port) != vcpu)
			continue; /* another vCPU's: its upcall takes it */
		xen_sync_clear_bit(port, pending);
		call(port);
	}
}

/* Interrupt context, on the vCPU in ctx. */
static void upcall(void *ctx)
{
	uint32_t vcpu = (uint32_t)(uintptr_t)ctx;
	struct shared_info *s = xen_shared_info();
	struct vcpu_info *vi = &s->vcpu_info[vcpu];

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
			dispatch(s, word, vcpu);
		}
	}
}

/* The IPI port's handler: runs the triggered ports bound to this vCPU. */
static void ipi(evtchn_port_t self, void *ctx)
{
	uint32_t vcpu = (uint32_t)(uintptr_t)ctx;

	(void)self;
	for (unsigned int w = 0; w < NR_PORTS / BITS_PER_WORD; w++) {
		uint64_t bits =
			__atomic_load_n(&soft_pending[w], __ATOMIC_ACQUIRE);

		while (bits) {
			unsigned int port =
				w * BITS_PER_WORD + __builtin_ctzll(bits);

			bits &= bits - 1;
			if (port_vcpu(port) != vcpu)
				continue;
			__atomic_fetch_and(&soft_pending[w],
					   ~(1ull << (port % BITS_PER_WORD)),
					   __ATOMIC_ACQ_REL);
			call(port);
		}
	}
}

/* This vCPU's id: CPUID leaf base + 4, EBX, when Xen says it is there. */
static int read_vcpu_id(uint32_t *vcpu)
{
	uint32_t base = xen_cpuid_base(), r[4];

	xen_cpuid(base, 0, r);
	if (r[0] >= base + 4) {
		xen_cpuid(base + 4, 0, r);
		if (r[0] & XEN_HVM_CPUID_VCPU_ID_PRESENT) {
			*vcpu = r[1];
			return 0;
		}
	}
	if (cpu_id() != 0)
		return -ENOTSUP;
	*vcpu = 0; /* the boot CPU is vCPU 0 */
	return 0;
}

static int set_vector(uint32_t vcpu, int vector)
{
	struct xen_hvm_evtchn_upcall_vector op = { .vcpu = vcpu,
						   .vector = (uint8_t)vector };
	long rc = hypercall_hvm_op(HVMOP_set_evtchn_upcall_vector, &op);
	uint64_t via = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) |
		       (uint64_t)vector;

	if (rc == 0 || vcpu != 0)
		return xen_errno(rc);
	/*
	 * Only as the fallback: with a domain-wide callback vector, Xen
	 * injects that vector into every vCPU whose upcall is pending,
	 * per-vCPU vectors or not, and a CPU without a handler for it would
	 * livelock (seen under Xen 4.17). PVH toolstacks do not read the
	 * parameter to find PV drivers, so it can stay unset.
	 */
	return xen_errno(hypercall_hvm_set_param(HVM_PARAM_CALLBACK_IRQ, via));
}

static int bind_ipi(uint32_t vcpu)
{
	struct evtchn_bind_ipi op = { .vcpu = vcpu };
	long rc = hypercall_event_channel_op(EVTCHNOP_bind_ipi, &op);

	if (rc < 0)
		return xen_errno(rc);
	if (op.port >= NR_PORTS)
		return -EIO;
	ports[op.port].vcpu = vcpu;
	ports[op.port].ctx = (void *)(uintptr_t)vcpu;
	__atomic_store_n(&ports[op.port].fn, ipi, __ATOMIC_RELEASE);
	vcpu_ipi[vcpu] = op.port;
	evtchn_unmask(op.port);
	return 0;
}

int evtchn_init_cpu(void)
{
	unsigned int cpu = cpu_id();
	uint32_t vcpu;
	int vector, rc = read_vcpu_id(&vcpu);

	if (rc < 0)
		return rc;
	if (vcpu >= XEN_LEGACY_MAX_VCPUS || cpu >= CPU_MAX)
		return -ENOTSUP;
	vector = irq_alloc_vector(upcall, (void *)(uintptr_t)vcpu);
	if (vector < 0)
		return vector;
	rc = set_vector(vcpu, vector);
	if (rc == 0)
		rc = bind_ipi(vcpu);
	if (rc < 0)
		return rc;
	cpus[cpu].vcpu = vcpu;
	__atomic_store_n(&cpus[cpu].ready, true, __ATOMIC_RELEASE);
	kprintf("xen: cpu %u is vCPU %u, event upcall on vector %d\n", cpu,
		vcpu, vector);
	return 0;
}

static void *setup_thread(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)evtchn_init_cpu();
}

/* The other CPUs, once the scheduler runs them. */
static void evtchn_cpus_init(void)
{
	if (!xen_shared_info())
		return;
	for (unsigned int cpu = 1; cpu < cpu_count(); cpu++) {
		struct thread *t = thread_create(cpu, setup_thread, NULL);
		int rc = t ? (int)(intptr_t)thread_join(t) : -ENOMEM;

		if (rc < 0)
			kprintf("xen: cpu %u takes no events (%s)\n", cpu,
				errno_name(rc));
	}
}
TORITO_INIT(INIT_DEVICES, evtchn_cpus_init);

int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = {
		.dom = DOMID_SELF,
		.remote_dom = remote,
	};
	long rc = hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	if (rc < 0)
		return xen_errno(rc);
	if (op.port >= NR_PORTS) {
		struct evtchn_close c = { .port = op.port };

		(void)hypercall_event_channel_op(EVTCHNOP_close, &c);
		return -ENOSPC;
	}
	evtchn_mask(op.port);
	__atomic_store_n(&ports[op.port].vcpu, 0, __ATOMIC_RELAXED);
	*port = op.port;
	return 0;
}

int evtchn_set_handler(evtchn_port_t port, evtchn_handler_fn fn, void *ctx)
{
	if (port >= NR_PORTS)
		return -EINVAL;
	/* Clear first, so an upcall never pairs the new fn with an old ctx. */
	__atomic_store_n(&ports[port].fn, NULL, __ATOMIC_RELEASE);
	ports[port].ctx = ctx;
	__atomic_store_n(&ports[port].fn, fn, __ATOMIC_RELEASE);
	return 0;
}

int evtchn_bind_here(evtchn_port_t port)
{
	unsigned int cpu = cpu_id();
	struct evtchn_bind_vcpu op = { .port = port };
	struct shared_info *s = xen_shared_info();
	bool masked;
	long rc;

	if (port >= NR_PORTS || cpu >= CPU_MAX ||
	    !__atomic_load_n(&cpus[cpu].ready, __ATOMIC_ACQUIRE))
		return -ENODEV;
	op.vcpu = cpus[cpu].vcpu;
	if (port_vcpu(port) == op.vcpu)
		return 0;
	masked = (((volatile uint64_t *)s->evtchn_mask)[port / 64] >>
		  (port % 64)) &
		 1;
	/* Masked while it moves, so no upcall sees it half-moved; the
	 * unmask redelivers an event that arrived meanwhile. */
	evtchn_mask(port);
	rc = hypercall_event_channel_op(EVTCHNOP_bind_vcpu, &op);
	if (rc == 0)
		__atomic_store_n(&ports[port].vcpu, op.vcpu, __ATOMIC_RELEASE);
	if (!masked)
		evtchn_unmask(port);
	return xen_errno(rc);
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

void evtchn_trigger(evtchn_port_t port)
{
	uint32_t vcpu;

	if (port >= NR_PORTS)
		return;
	vcpu = port_vcpu(port);
	__atomic_fetch_or(&soft_pending[port / BITS_PER_WORD],
			  1ull << (port % BITS_PER_WORD), __ATOMIC_ACQ_REL);
	if (vcpu < XEN_LEGACY_MAX_VCPUS && vcpu_ipi[vcpu])
		evtchn_notify(vcpu_ipi[vcpu]);
}

void evtchn_kick_cpu(unsigned int cpu)
{
	if (cpu < CPU_MAX &&
	    __atomic_load_n(&cpus[cpu].ready, __ATOMIC_ACQUIRE))
		evtchn_notify(vcpu_ipi[cpus[cpu].vcpu]);
}

void evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };

	if (port >= NR_PORTS)
		return;
	evtchn_mask(port);
	/* Masked: no new upcall calls it; one running on another CPU may
	 * still be inside the handler, which must tolerate that. */
	__atomic_store_n(&ports[port].fn, NULL, __ATOMIC_RELEASE);
	__atomic_fetch_and(&soft_pending[port / BITS_PER_WORD],
			   ~(1ull << (port % BITS_PER_WORD)), __ATOMIC_ACQ_REL);
	(void)hypercall_event_channel_op(EVTCHNOP_close, &op);
	__atomic_store_n(&ports[port].vcpu, 0, __ATOMIC_RELAXED);
}
