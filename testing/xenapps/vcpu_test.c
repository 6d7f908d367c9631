/*
 * vcpu_test: xen_vcpu_up under real Xen. The domain has more vCPUs than
 * the kernel starts (xl maxvcpus above vcpus: the MADT marks the extra
 * ones disabled, so the kernel's SMP code leaves them alone); this starts
 * the last one in long mode on a small stack at an entry that stores a
 * token and halts, and checks the token arrives. Then the error cases:
 * vCPU 0, a vCPU the domain lacks, starting the same vCPU twice.
 */
#include <stdint.h>

#include <torito/app.h>
#include <torito/boot.h>
#include <torito/console.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/time.h>

#include "pv/xen/xen.h"

#define STACK_SIZE 16384
#define TOKEN	   0x600dcafe

volatile uint32_t vcpu_token;

/* The new vCPU's whole life: no GDT, no IDT, interrupts off. */
__asm__(".text\n"
	".globl vcpu_test_entry\n"
	"vcpu_test_entry:\n"
	"	movl $0x600dcafe, vcpu_token(%rip)\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n");
void vcpu_test_entry(void);

static uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

int torito_main(void)
{
	char arg[8];
	unsigned int vcpu = 1;
	uint8_t *stack = mem_alloc_aligned(STACK_SIZE, 4096);
	uint64_t top = (uint64_t)(uintptr_t)(stack + STACK_SIZE);
	uint64_t deadline;
	int rc;

	if (boot_cmdline_get(boot_info(), "vcpu", arg, sizeof(arg)))
		vcpu = (unsigned int)(arg[0] - '0');
	if (!stack)
		return 1;
	rc = xen_vcpu_up(vcpu, (uint64_t)(uintptr_t)vcpu_test_entry, top,
			 read_cr3());
	kprintf("vcpu: xen_vcpu_up(%u): %s\n", vcpu,
		rc == 0 ? "ok" : errno_name(rc));
	if (rc < 0)
		return 1;
	deadline = time_now_ns() + 5000000000ull;
	while (vcpu_token != TOKEN && time_now_ns() < deadline)
		time_delay_us(1000);
	kprintf("vcpu: vCPU %u %s (token 0x%x)\n", vcpu,
		vcpu_token == TOKEN ? "ran" : "did not run", vcpu_token);
	kprintf("vcpu: again: %s\n",
		errno_name(xen_vcpu_up(vcpu,
				       (uint64_t)(uintptr_t)vcpu_test_entry,
				       top, read_cr3())));
	kprintf("vcpu: vCPU 0: %s\n",
		errno_name(xen_vcpu_up(0, 0, top, read_cr3())));
	kprintf("vcpu: vCPU 60: %s\n",
		errno_name(xen_vcpu_up(60, 0, top, read_cr3())));
	kprintf("vcpu: misaligned stack: %s\n",
		errno_name(xen_vcpu_up(vcpu, 0, top - 8, read_cr3())));
	return vcpu_token == TOKEN ? 0 : 1;
}
