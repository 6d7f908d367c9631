/*
 * The Xen public interface as pv/xen sees it: includes the headers of
 * @xen_headers (Debian's libxen-dev copy of xen/include/public) in a form
 * that compiles both freestanding and on the host. The public headers
 * expect the integer types and the ring barriers to be defined by the
 * includer, and xs_wire.h defines an error table when EINVAL is visible;
 * this header takes care of all three. Include it instead of <xen/...>.
 */
#ifndef TORITO_PV_XEN_XEN_IF_H
#define TORITO_PV_XEN_XEN_IF_H

#include <stddef.h>
#include <stdint.h>

#include <torito/string.h> /* io/ring.h uses memset */

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00 /* Xen 4.14 and later */
#endif

/*
 * Barriers for io/ring.h. On x86 (TSO) only the full barrier costs an
 * instruction; the acquire/release fences keep the compiler from moving
 * ring loads and stores across the index updates.
 */
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

/* RING_HAS_UNCONSUMED_* as booleans; counts come from ring_check.h. */
#define XEN_RING_HAS_UNCONSUMED_IS_BOOL 1

#include <xen/xen.h>

#include <xen/arch-x86/cpuid.h>
#include <xen/event_channel.h>
#include <xen/features.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/hvm_vcpu.h>
#include <xen/hvm/params.h>
#include <xen/io/blkif.h>
#include <xen/io/console.h>
#include <xen/io/netif.h>
#include <xen/io/protocols.h>
#include <xen/io/ring.h>
#include <xen/io/xenbus.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>

/* xs_wire.h would define its own errno table if EINVAL were visible. */
#pragma push_macro("EINVAL")
#undef EINVAL
#include <xen/io/xs_wire.h>
#pragma pop_macro("EINVAL")

#endif /* TORITO_PV_XEN_XEN_IF_H */
