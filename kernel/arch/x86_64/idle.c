/*
 * cpu_idle_until: the one place a CPU halts while waiting. It arms the
 * LAPIC one-shot timer for the deadline (the only timer interrupt Torito
 * ever takes: there is no periodic tick) and halts with `sti; hlt`, which
 * cannot lose a wake-up: interrupts open only for the hlt itself. Other
 * CPUs end the halt with an IPI (arch_kick_cpu).
 */
#include <stdint.h>

#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/timeinit.h"
#include "kernel/kernel.h"
#include "kernel/sched/sched.h"

void arch_idle_until_tsc(uint64_t deadline_tsc)
{
	lapic_timer_arm(deadline_tsc);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	lapic_timer_arm(0);
}

void cpu_idle_until(uint64_t deadline_ns)
{
	arch_idle_until_tsc(deadline_ns ? time_ns_to_tsc(deadline_ns) : 0);
}

void arch_kick_cpu(uint32_t apic_id)
{
	lapic_send_ipi(apic_id, LAPIC_IPI_VECTOR);
}
