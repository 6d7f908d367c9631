/*
 * cpu_idle_until: the one place a CPU halts while waiting. It arms the
 * LAPIC one-shot timer for the deadline (the only timer interrupt Torito
 * ever takes: there is no periodic tick) and halts with `sti; hlt`, which
 * cannot lose a wake-up: interrupts open only for the hlt itself.
 */
#include <stdint.h>

#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/timeinit.h"
#include "kernel/kernel.h"

void cpu_idle_until(uint64_t deadline_ns)
{
	lapic_timer_arm(deadline_ns ? time_ns_to_tsc(deadline_ns) : 0);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	lapic_timer_arm(0);
}
