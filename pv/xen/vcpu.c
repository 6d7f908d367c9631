/*
 * Starting secondary vCPUs of a PVH guest, for the SMP code: Xen needs no
 * INIT/SIPI and no real-mode trampoline. VCPUOP_initialise takes a
 * vcpu_hvm_context in VCPU_HVM_MODE_64B (long mode, paging on, flat
 * segments whose hidden parts Xen fills in), then VCPUOP_up runs it. The
 * control registers are copied from the calling CPU, so the new vCPU has
 * the same paging mode, NX and write-protect settings.
 */
#include <stdint.h>

#include <torito/errno.h>

#include "pv/xen/arch.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/xen.h"

#define MSR_EFER	0xc0000080
#define RFLAGS_RESERVED 0x2 /* bit 1 is always set; IF clear */

int xen_vcpu_up(unsigned int vcpu, uint64_t entry_rip, uint64_t stack_top,
		uint64_t cr3)
{
	struct vcpu_hvm_context ctx = { .mode = VCPU_HVM_MODE_64B };
	struct vcpu_hvm_x86_64 *r = &ctx.cpu_regs.x86_64;
	long rc;

	if (!xen_present())
		return -ENODEV;
	if (vcpu == 0 || (stack_top & 15))
		return -EINVAL;
	r->rip = entry_rip;
	r->rsp = stack_top;
	r->rflags = RFLAGS_RESERVED;
	r->cr0 = xen_read_cr0();
	r->cr3 = cr3;
	r->cr4 = xen_read_cr4();
	r->efer = xen_rdmsr(MSR_EFER);
	rc = hypercall_vcpu_op(VCPUOP_initialise, vcpu, &ctx);
	if (rc == 0)
		rc = hypercall_vcpu_op(VCPUOP_up, vcpu, NULL);
	return xen_errno(rc);
}
