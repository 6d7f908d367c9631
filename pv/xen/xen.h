/*
 * pv/xen platform services shared by its modules: whether we run under Xen,
 * the shared_info page, Xen error translation, and xen_vcpu_up for the SMP
 * code. Private to pv/xen (the kernel reaches Xen only through the
 * backends it installs: console, power-off, TSC rate, interrupt vectors).
 * Bare metal only.
 */
#ifndef TORITO_PV_XEN_XEN_H
#define TORITO_PV_XEN_XEN_H

#include <stdbool.h>
#include <stdint.h>

#include <torito/compiler.h>

#include "pv/xen/xen_if.h"

/* True once xen_platform_init found Xen and set up hypercalls. */
bool xen_present(void);

/* The shared_info page (mapped at INIT_PLATFORM), or NULL if not mapped. */
struct shared_info *xen_shared_info(void);

/* The Xen CPUID base leaf (0x40000000 or 0x40000100...), 0 if not Xen. */
uint32_t xen_cpuid_base(void);

/* A Xen errno (negative) as a Torito errno: same number where errno.h has
 * it, -EIO otherwise. 0 and positive values pass through. */
int xen_errno(long rc);

/*
 * Starts vCPU vcpu (1..) directly in 64-bit long mode with paging on:
 * rip = entry_rip, rsp = stack_top, cr3 = cr3, interrupts off, flat 64-bit
 * code and data segments (Xen sets the hidden parts; the GDTR and IDTR are
 * zero, so the entry must load its own GDT and IDT before it reloads a
 * segment register or enables interrupts). Uses VCPUOP_initialise with a
 * vcpu_hvm_context (VCPU_HVM_MODE_64B) and then VCPUOP_up.
 *
 * Returns 0, -ENODEV (not Xen), -EINVAL (vcpu 0 or stack not 16-aligned),
 * -EEXIST (the vCPU was already initialised), -ENOENT (no such vCPU in
 * this domain), or -EIO for another Xen error. Call on CPU 0 from thread
 * context; it does not wait for the new vCPU to run.
 */
int xen_vcpu_up(unsigned int vcpu, uint64_t entry_rip, uint64_t stack_top,
		uint64_t cr3) __must_check;

#endif /* TORITO_PV_XEN_XEN_H */
