/*
 * Local APIC driver (xAPIC MMIO at the base in IA32_APIC_BASE). The timer
 * runs one-shot only: in TSC-deadline mode when CPUID.1:ECX[24] says the
 * CPU has it, otherwise as a count-down calibrated against the TSC. There
 * is no periodic tick anywhere in Torito.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/time.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/lapic.h"

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define APIC_BASE_ENABLE (1u << 11)

#define REG_ID 0x20
#define REG_TPR 0x80
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_LVT_ERROR 0x370
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3e0

#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)
#define ICR_PENDING (1u << 12)

static volatile uint32_t *lapic;
static bool tsc_deadline;
static uint64_t apic_mult; /* APIC ticks per TSC tick, 32.32 fixed point */

static uint32_t rd(uint32_t reg)
{
	return lapic[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic = (volatile uint32_t *)(uintptr_t)(base & ~0xfffull);
	wr(REG_TPR, 0);
	wr(REG_LVT_TIMER, LVT_MASKED);
	wr(REG_LVT_LINT0, LVT_MASKED);
	wr(REG_LVT_LINT1, LVT_MASKED);
	wr(REG_LVT_ERROR, LVT_MASKED);
	wr(REG_SVR, 0x100 | LAPIC_SPURIOUS_VECTOR);
}

uint32_t lapic_id(void)
{
	return rd(REG_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(REG_EOI, 0);
}

static void send_icr(uint32_t dest, uint32_t lo)
{
	wr(REG_ICR_HI, dest << 24);
	wr(REG_ICR_LO, lo);
	for (int i = 0; i < 1000000 && (rd(REG_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
}

void lapic_send_ipi(uint32_t dest, uint8_t vector)
{
	send_icr(dest, vector);
}

void lapic_send_init(uint32_t dest)
{
	send_icr(dest, 0x4500); /* INIT, level assert */
}

void lapic_send_startup(uint32_t dest, uint8_t page)
{
	send_icr(dest, 0x4600 | page);
}

void lapic_send_init_all(void)
{
	send_icr(0, 0xc4500); /* all excluding self, INIT, assert */
}

void lapic_send_startup_all(uint8_t page)
{
	send_icr(0, 0xc4600 | page);
}

/* A (TSC, APIC count) pair read close together: retried while the two
 * reads are more than ~20 us apart, at most a few times. */
static void sample(uint64_t *tsc, uint64_t *count)
{
	uint64_t limit = time_tsc_hz() / 50000;

	for (int tries = 0; tries < 16; tries++) {
		uint64_t a = rdtsc();
		*count = rd(REG_TIMER_CUR);
		uint64_t b = rdtsc();
		*tsc = a + (b - a) / 2;
		if (b - a <= limit)
			return;
	}
}

void lapic_timer_init(void)
{
	uint32_t r[4];
	uint64_t tsc0, tsc1, cnt0, cnt1, ticks;

	cpuid(1, 0, r);
	tsc_deadline = (r[2] >> 24) & 1;
	if (tsc_deadline) {
		wr(REG_LVT_TIMER, LVT_TSC_DEADLINE | LAPIC_TIMER_VECTOR);
		return;
	}
	/* Count down from the maximum for 2 ms of TSC time. Each end is a
	 * (TSC, count) pair read back to back; a pair whose reads were far
	 * apart (the host paused this vCPU in between) is taken again, or the
	 * ratio, and every timer armed with it, would be off by the pause. */
	wr(REG_TIMER_DIV, 0x3); /* divide by 16 */
	wr(REG_LVT_TIMER, LVT_MASKED | LAPIC_TIMER_VECTOR);
	wr(REG_TIMER_INIT, 0xffffffffu);
	sample(&tsc0, &cnt0);
	while (rdtsc() - tsc0 < time_tsc_hz() / 500)
		cpu_relax();
	sample(&tsc1, &cnt1);
	wr(REG_TIMER_INIT, 0);
	ticks = cnt0 - cnt1;
	/* APIC ticks per TSC tick, 32.32 fixed point */
	apic_mult = tsc1 > tsc0 ? (ticks << 32) / (tsc1 - tsc0) : 0;
	if (apic_mult == 0)
		apic_mult = 1ull << 32; /* a broken timer: assume the TSC rate */
	wr(REG_LVT_TIMER, LAPIC_TIMER_VECTOR);
}

void lapic_timer_arm(uint64_t deadline)
{
	uint64_t now, ticks;

	if (tsc_deadline) {
		wrmsr(MSR_TSC_DEADLINE, deadline);
		return;
	}
	if (deadline == 0) {
		wr(REG_TIMER_INIT, 0);
		return;
	}
	now = rdtsc();
	ticks = deadline > now ? (uint64_t)(((unsigned __int128)(deadline - now) *
					     apic_mult) >> 32)
			       : 1;
	wr(REG_TIMER_INIT, ticks == 0 ? 1 : ticks > 0xffffffffu ? 0xffffffffu
								: (uint32_t)ticks);
}
