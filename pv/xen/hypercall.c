/*
 * The hypercall page: one page of text that Xen overwrites with 128 call
 * stubs (32 bytes each: load the number, VMCALL or VMMCALL as the CPU
 * wants, return) once the guest writes the page's address to the MSR that
 * CPUID leaf base + 2 names. Calling through the page keeps the Intel/AMD
 * difference out of Torito. Until hypercall_init runs the page holds int3,
 * so an early hypercall traps loudly instead of returning garbage.
 *
 * x86_64 hypercall ABI: number in the stub, arguments in rdi, rsi, rdx,
 * r10, r8; result in rax. A debug Xen clobbers the argument registers,
 * so the asm lists them all as outputs.
 */
#include <stdint.h>

#include "pv/xen/arch.h"
#include "pv/xen/hypercall.h"

__asm__(".pushsection .text.xen_hypercall_page, \"ax\", @progbits\n"
	".balign 4096\n"
	".globl xen_hypercall_page\n"
	"xen_hypercall_page:\n"
	".fill 4096, 1, 0xcc\n"
	".popsection\n");

extern char xen_hypercall_page[4096];

void hypercall_init(uint32_t base)
{
	uint32_t r[4];

	xen_cpuid(base + 2, 0, r); /* eax: pages, ebx: MSR */
	/* One page holds every hypercall number below 128, all we use. */
	xen_wrmsr(r[1], (uint64_t)(uintptr_t)xen_hypercall_page);
}

long hypercall(unsigned int op, unsigned long a1, unsigned long a2,
	       unsigned long a3, unsigned long a4, unsigned long a5)
{
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	uintptr_t entry = (uintptr_t)xen_hypercall_page + op * 32;
	long ret;

	__asm__ volatile("call *%[entry]"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
			   "+r"(r8)
			 : [entry] "r"(entry)
			 : "memory", "rcx", "r9", "r11", "cc");
	return ret;
}

long hypercall_hvm_get_param(unsigned int index, uint64_t *value)
{
	struct xen_hvm_param p = {
		.domid = DOMID_SELF,
		.index = index,
	};
	long rc = hypercall_hvm_op(HVMOP_get_param, &p);

	if (rc == 0)
		*value = p.value;
	return rc;
}

long hypercall_hvm_set_param(unsigned int index, uint64_t value)
{
	struct xen_hvm_param p = {
		.domid = DOMID_SELF,
		.index = index,
		.value = value,
	};

	return hypercall_hvm_op(HVMOP_set_param, &p);
}
