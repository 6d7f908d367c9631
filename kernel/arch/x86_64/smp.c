/*
 * Starting the application processors on PC machines (QEMU pc and
 * microvm, KVM, bare metal): the CPUs come from the MADT; the trampoline
 * (trampoline.asm) is copied below 1 MiB and every AP is started at once
 * with a broadcast INIT-SIPI-SIPI. APs take tickets in the order they
 * arrive; ticket n gets the n-th stack and becomes CPU n + 1, learning its
 * APIC id from its own LAPIC. An AP beyond the supported count parks.
 * Xen PVH starts vCPUs by hypercall instead (see smp_set_backend).
 */
#include <stdatomic.h>
#include <stdint.h>

#include <torito/boot.h>
#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/mem.h>
#include <torito/string.h>
#include <torito/time.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/irq.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/sched/sched.h"

#define TRAMPOLINE_BASE 0x8000
#define AP_STACK_SIZE (16 * 1024)
#define AP_WAIT_MS 5000 /* generous: a loaded host may be slow to run a vCPU */
#define MSR_EFER 0xc0000080

struct tramp_data {
	uint32_t cr3, efer, next_ticket, nstacks;
	uint64_t stacks, entry;
} __attribute__((packed));

extern const char trampoline_start[], trampoline_end[], trampoline_data[];

static uint64_t ap_stacks[CPU_MAX];
static void *ap_ist[CPU_MAX];
static atomic_uint aps_started;

static __noreturn void ap_entry(unsigned int ticket)
{
	unsigned int id = ticket + 1;

	/* Our own GDT first: the trampoline's has no 64-bit code segment at
	 * the selector the IDT uses. Nothing may allocate before GS is set. */
	gdt_init(id, ap_ist[ticket]);
	idt_load();
	lapic_init();
	sched_cpu_init(id, lapic_id());
	lapic_timer_init();
	sched_adopt_boot_thread();
	this_cpu()->idle = this_cpu()->current;
	atomic_fetch_add(&aps_started, 1);
	sched_idle_loop();
}

static void wait_us(uint32_t us)
{
	if (boot_info()->hypervisor == HYPERVISOR_NONE)
		time_delay_us(us); /* real hardware wants the spec's delays */
}

void smp_start(void)
{
	volatile struct tramp_data *td;
	unsigned int want = irq_madt.ncpus, n, started;
	uint64_t deadline;

	if (want > CPU_MAX || irq_madt.cpus_dropped) {
		kprintf("torito: warning: %u CPUs present, %u supported; the "
			"rest stay parked\n",
			want + irq_madt.cpus_dropped, CPU_MAX);
		want = CPU_MAX;
	}
	if (want <= 1)
		return;
	n = want - 1;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *stack = mem_alloc_aligned(AP_STACK_SIZE, 4096);
		ap_ist[i] = mem_alloc_aligned(GDT_IST_BYTES, 16);
		if (!stack || !ap_ist[i]) {
			mem_free(stack);
			mem_free(ap_ist[i]);
			n = i;
			break;
		}
		ap_stacks[i] = (uintptr_t)(stack + AP_STACK_SIZE);
	}
	memcpy((void *)TRAMPOLINE_BASE, trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	td = (volatile struct tramp_data *)(TRAMPOLINE_BASE +
					    (trampoline_data - trampoline_start));
	td->cr3 = (uint32_t)read_cr3();
	td->efer = (uint32_t)rdmsr(MSR_EFER);
	td->next_ticket = 0;
	td->nstacks = n;
	td->stacks = (uintptr_t)ap_stacks;
	td->entry = (uintptr_t)ap_entry;

	/* Intel SDM vol. 3, 8.4.4.1: INIT, 10 ms, SIPI, 200 us, SIPI. */
	lapic_send_init_all();
	wait_us(10000);
	lapic_send_startup_all(TRAMPOLINE_BASE >> 12);
	wait_us(200);
	lapic_send_startup_all(TRAMPOLINE_BASE >> 12);

	deadline = time_now_ns() + AP_WAIT_MS * 1000000ull;
	while ((started = atomic_load(&aps_started)) < n &&
	       time_now_ns() < deadline)
		cpu_relax();
	if (started < n)
		kprintf("torito: warning: only %u of %u application processors "
			"started\n",
			started, n);
}
