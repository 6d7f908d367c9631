/*
 * Hypercalls for a PVH guest: calls through the hypercall page Xen fills
 * in (hypercall.c), one typed wrapper per hypercall pv/xen uses. Each
 * returns Xen's result: 0 or a positive value on success, a negative Xen
 * errno (same numbers as Linux, see <xen/errno.h>) on failure. Private to
 * pv/xen; bare metal only.
 */
#ifndef TORITO_PV_XEN_HYPERCALL_H
#define TORITO_PV_XEN_HYPERCALL_H

#include <stdint.h>

#include <torito/compiler.h>

#include "pv/xen/xen_if.h"

/*
 * Points the hypercall page MSR (from CPUID leaf base + 2) at our page so
 * Xen writes the VMCALL/VMMCALL stubs. Call once, on CPU 0, before any
 * other function here. base is the Xen CPUID base leaf.
 */
void hypercall_init(uint32_t base);

/* Calls hypercall op with up to five arguments. Any context. */
long hypercall(unsigned int op, unsigned long a1, unsigned long a2,
	       unsigned long a3, unsigned long a4, unsigned long a5);

static inline long hypercall_memory_op(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0, 0,
			 0);
}

static inline long hypercall_event_channel_op(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_event_channel_op, cmd, (unsigned long)arg,
			 0, 0, 0);
}

static inline long hypercall_hvm_op(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_hvm_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long hypercall_sched_op(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_sched_op, cmd, (unsigned long)arg, 0, 0,
			 0);
}

static inline long hypercall_vcpu_op(unsigned int cmd, unsigned int vcpu,
				     void *arg)
{
	return hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu, (unsigned long)arg, 0,
			 0);
}

static inline long hypercall_grant_table_op(unsigned int cmd, void *arg,
					    unsigned int count)
{
	return hypercall(__HYPERVISOR_grant_table_op, cmd, (unsigned long)arg,
			 count, 0, 0);
}

static inline long hypercall_console_io(unsigned int cmd, unsigned int len,
					const char *buf)
{
	return hypercall(__HYPERVISOR_console_io, cmd, len, (unsigned long)buf,
			 0, 0);
}

static inline long hypercall_xen_version(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_xen_version, cmd, (unsigned long)arg, 0,
			 0, 0);
}

/* HVMOP_get_param for this domain: 0 and *value, or a negative Xen errno. */
long hypercall_hvm_get_param(unsigned int index, uint64_t *value);

/* HVMOP_set_param for this domain. */
long hypercall_hvm_set_param(unsigned int index, uint64_t value);

#endif /* TORITO_PV_XEN_HYPERCALL_H */
