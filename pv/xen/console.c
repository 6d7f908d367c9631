/*
 * Xen consoles. Output goes to the PV console ring once xencons_init has
 * mapped it (the first thing pv/xen does at INIT_PLATFORM); a domain
 * without a PV console gets HYPERVISOR_console_io if Xen lets this guest
 * use it, else the HVM debug port 0xe9, one byte per port write.
 *
 * The ring (struct xencons_interface) is written byte by byte at out_prod
 * and published with a release barrier; xenconsoled in dom0 advances
 * out_cons and is told through the console event channel. When the ring
 * is full the writer notifies and yields the vCPU to Xen (SCHEDOP_yield)
 * so dom0 can drain it, for a bounded number of tries; a console that
 * never drains (xenconsoled gone, or a backend that wrote an impossible
 * out_cons) loses output instead of hanging the guest. '\n' goes out as
 * "\r\n" for terminals (`xl console`). Input is not read.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/driver.h>
#include <torito/errno.h>
#include <torito/mem.h>

#include "pv/xen/arch.h"
#include "pv/xen/console.h"
#include "pv/xen/evtchn.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/xen.h"

#define YIELD_TRIES 20000 /* each a trip through Xen's scheduler */

static volatile struct xencons_interface *ring;
static evtchn_port_t port;
static bool stalled; /* the ring did not drain last time: don't wait again */

#define XEN_DEBUG_PORT 0xe9

static void console_io_write(const char *s, size_t len)
{
	(void)hypercall_console_io(CONSOLEIO_write, (unsigned int)len, s);
}

/* Xen prints a line per '\n' (or per 128 bytes) with the domain's id. */
static void port_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		__asm__ volatile("outb %0, %1"
				 :
				 : "a"((uint8_t)s[i]),
				   "Nd"((uint16_t)XEN_DEBUG_PORT));
}

void xencons_debug_init(void)
{
	/* A zero-length write tells whether Xen permits console_io. */
	if (hypercall_console_io(CONSOLEIO_write, 0, "") == 0)
		console_set_backend(console_io_write);
	else
		console_set_backend(port_write);
}

/* Free bytes in the output ring, or 0 when out_cons is impossible. */
static uint32_t ring_space(void)
{
	uint32_t used = ring->out_prod - ring->out_cons;

	return used > sizeof(ring->out) ? 0 : sizeof(ring->out) - used;
}

static void kick(void)
{
	evtchn_notify(port);
}

/* Waits for free space; false when the console does not drain. */
static bool wait_space(void)
{
	kick();
	for (int i = 0; !stalled && i < YIELD_TRIES; i++) {
		if (ring_space())
			return true;
		(void)hypercall_sched_op(SCHEDOP_yield, NULL);
	}
	stalled = true;
	return ring_space() != 0;
}

static bool put(char c)
{
	XENCONS_RING_IDX prod = ring->out_prod;

	if (!ring_space() && !wait_space())
		return false;
	stalled = false;
	ring->out[MASK_XENCONS_IDX(prod, ring->out)] = c;
	/* xenconsoled must see the byte before the index that covers it. */
	xen_wmb();
	ring->out_prod = prod + 1;
	return true;
}

static void ring_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n' && !put('\r'))
			break;
		if (!put(s[i]))
			break;
	}
	kick();
}

int xencons_init(void)
{
	uint64_t pfn = 0, evtchn = 0;

	if (hypercall_hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) < 0 ||
	    hypercall_hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &evtchn) < 0 ||
	    pfn == 0)
		return -ENODEV;
	if (pfn >= (1ull << 32) / 4096)
		return -ERANGE;
	ring = phys_to_virt(pfn * 4096);
	port = (evtchn_port_t)evtchn;
	console_set_backend(ring_write);
	return 0;
}

void xencons_flush(void)
{
	if (!ring)
		return;
	kick();
	for (int i = 0; i < YIELD_TRIES && ring->out_cons != ring->out_prod;
	     i++) {
		if (ring->out_prod - ring->out_cons > sizeof(ring->out))
			return; /* impossible indices: nothing to wait for */
		(void)hypercall_sched_op(SCHEDOP_yield, NULL);
	}
}
