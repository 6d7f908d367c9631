/*
 * The monotonic clock: TSC ticks since boot scaled to nanoseconds with a
 * 32.32 fixed-point multiplier. The TSC rate comes from, in order: a
 * platform that knows it (Xen, through time_set_tsc_hz), CPUID leaf 0x15,
 * or a 10 ms measurement against PIT channel 2. If the PIT does not count
 * (absent, or broken), the rate is guessed and a warning is printed.
 */
#include <stdint.h>

#include <torito/boot.h>
#include <torito/console.h>
#include <torito/driver.h>
#include <torito/time.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/timeinit.h"

#define PIT_HZ 1193182u
#define PIT_CMD 0x43
#define CALIBRATE_MS 2
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define FALLBACK_HZ 2000000000ull

/* 32.32 fixed point, so conversions are one multiply (no 128-bit division,
 * which would need libgcc): ns = ticks * ns_mult >> 32, and back. */
static uint64_t tsc_hz, tsc_boot, ns_mult, tsc_mult;

void time_set_tsc_hz(uint64_t hz)
{
	tsc_hz = hz;
}

static uint64_t cpuid_tsc_hz(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] < 0x15)
		return 0;
	cpuid(0x15, 0, r); /* eax: denominator, ebx: numerator, ecx: crystal */
	if (r[0] == 0 || r[1] == 0 || r[2] == 0)
		return 0;
	return (uint64_t)r[2] * r[1] / r[0];
}

/* KVM's per-vCPU time info (struct pvclock_vcpu_time_info). */
struct pvclock {
	uint32_t version, pad0;
	uint64_t tsc_timestamp, system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags, pad[2];
} __attribute__((packed, aligned(32)));

static struct pvclock kvm_clock;

static uint64_t kvm_tsc_hz(void)
{
	uint32_t r[4];
	uint64_t hz;

	if (boot_info()->hypervisor != HYPERVISOR_KVM)
		return 0;
	cpuid(0x40000001, 0, r);
	if (!(r[0] & KVM_FEATURE_CLOCKSOURCE2))
		return 0;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uintptr_t)&kvm_clock | 1);
	/* ns = (ticks << shift) * mul >> 32, so hz = 2^32 * 1e9 / mul >> shift */
	if (kvm_clock.tsc_to_system_mul == 0)
		return 0;
	hz = (1000000000ull << 32) / kvm_clock.tsc_to_system_mul;
	hz = kvm_clock.tsc_shift >= 0 ? hz >> kvm_clock.tsc_shift
				      : hz << -kvm_clock.tsc_shift;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0); /* the rate was all we needed */
	return hz;
}

/* PIT channel 0's current count (latched, so both bytes belong together). */
static uint16_t pit_ch0_count(void)
{
	outb(PIT_CMD, 0x00); /* latch ch0 */
	uint8_t lo = inb(0x40);
	return (uint16_t)(lo | inb(0x40) << 8);
}

/*
 * Counts PIT channel 0 down for CALIBRATE_MS and compares with the TSC.
 * Channel 0 and its read-back exist on every PC-compatible machine,
 * including QEMU microvm, which has no port 0x61 gate for channel 2.
 * Returns 0 if the counter does not move (no PIT).
 */
static uint64_t pit_tsc_hz(void)
{
	uint32_t want = PIT_HZ / (1000 / CALIBRATE_MS), elapsed = 0;
	uint16_t last, now;
	uint64_t t0, t1;
	long spins = 0;

	outb(PIT_CMD, 0x34); /* ch0, lo/hi, mode 2: counts down, reloads */
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	last = pit_ch0_count();
	t0 = rdtsc();
	while (elapsed < want) {
		now = pit_ch0_count();
		elapsed += (uint16_t)(last - now); /* counts down, wraps */
		last = now;
		/* A counter that has not moved after this many reads (each a
		 * port access, far slower than a PIT tick) is no PIT. */
		if (++spins > 100000L && elapsed == 0)
			return 0;
	}
	t1 = rdtsc();
	return (t1 - t0) * PIT_HZ / elapsed;
}

/*
 * Firmware leaves PIT channel 0 ticking at 18.2 Hz. Its interrupt is masked,
 * but an emulated PIT still wakes the host for every tick, so switch it to
 * one-shot mode (mode 0): one last count, then silence. The idle guest then
 * costs its host nothing between our own one-shot deadlines.
 */
static void pit_stop(void)
{
	outb(PIT_CMD, 0x30); /* ch0, lo/hi, mode 0 */
	outb(0x40, 0);
	outb(0x40, 0);
}

void time_init(void)
{
	if (!tsc_hz)
		tsc_hz = kvm_tsc_hz();
	if (!tsc_hz)
		tsc_hz = cpuid_tsc_hz();
	if (!tsc_hz)
		tsc_hz = pit_tsc_hz();
	if (!tsc_hz) {
		kprintf("torito: warning: cannot calibrate the TSC; assuming "
			"%lu MHz\n",
			(unsigned long)(FALLBACK_HZ / 1000000));
		tsc_hz = FALLBACK_HZ;
	}
	pit_stop();
	ns_mult = (1000000000ull << 32) / tsc_hz;
	tsc_mult = (tsc_hz / 1000000000u << 32) +
		   ((tsc_hz % 1000000000u) << 32) / 1000000000u;
	tsc_boot = rdtsc();
}

uint64_t time_tsc_hz(void)
{
	return tsc_hz;
}

uint64_t time_tsc_boot(void)
{
	return tsc_boot;
}

uint64_t time_now_ns(void)
{
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_boot) * ns_mult) >>
			  32);
}

uint64_t time_ns_to_tsc(uint64_t ns)
{
	return tsc_boot + (uint64_t)(((unsigned __int128)ns * tsc_mult) >> 32);
}

void time_delay_us(uint32_t us)
{
	uint64_t end = time_now_ns() + (uint64_t)us * 1000;

	while (time_now_ns() < end)
		cpu_relax();
}
