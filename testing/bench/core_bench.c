/*
 * core_bench: the guest half of `bazel run //testing/bench:core`. With
 * mode=micro it measures, inside the guest, a thread switch, a local thread
 * create+join, and mem_alloc/mem_free pairs on one CPU and on two CPUs at
 * once, and prints them as "bench: key=value" lines for the host script.
 * With mode=idle it prints "bench: idle" and sleeps, so the host can
 * measure what an idle guest costs it.
 */
#include <stdatomic.h>
#include <stdint.h>

#include <torito/app.h>
#include <torito/boot.h>
#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/mem.h>
#include <torito/string.h>
#include <torito/thread.h>
#include <torito/time.h>

#define SWITCHES 200000
#define CREATES 20000
#define PAIRS 2000000

static volatile int stop;

static void *yielder(void *arg)
{
	for (int i = 0; i < SWITCHES / 2; i++)
		thread_yield();
	return NULL;
}

static void bench_switch(void)
{
	struct thread *a = thread_create(0, yielder, NULL);
	struct thread *b = thread_create(0, yielder, NULL);
	uint64_t t0 = time_now_ns();
	uint64_t c0 = __builtin_ia32_rdtsc();

	thread_join(a);
	thread_join(b);
	uint64_t ns = time_now_ns() - t0, cycles = __builtin_ia32_rdtsc() - c0;
	kprintf("bench: switch_ns=%lu.%02lu switch_cycles=%lu\n",
		(unsigned long)(ns / SWITCHES),
		(unsigned long)(ns * 100 / SWITCHES % 100),
		(unsigned long)(cycles / SWITCHES));
}

static void *nothing(void *arg)
{
	return arg;
}

static void bench_create(void)
{
	uint64_t t0 = time_now_ns();

	for (int i = 0; i < CREATES; i++)
		thread_join(thread_create(0, nothing, NULL));
	kprintf("bench: create_join_ns=%lu\n",
		(unsigned long)((time_now_ns() - t0) / CREATES));
}

static atomic_int ready;

static void *alloc_pairs(void *arg)
{
	unsigned int want = (unsigned int)(uintptr_t)arg;

	atomic_fetch_add(&ready, 1);
	while (atomic_load(&ready) < (int)want)
		; /* start together */
	uint64_t t0 = time_now_ns();
	for (int i = 0; i < PAIRS; i++) {
		void *p = mem_alloc(64);
		if (!p)
			return NULL;
		*(volatile char *)p = 1;
		mem_free(p);
	}
	return (void *)(uintptr_t)(time_now_ns() - t0);
}

static void bench_alloc(unsigned int ncpu)
{
	struct thread *t[2];
	uint64_t worst = 0;

	atomic_store(&ready, 0);
	for (unsigned int c = 0; c < ncpu; c++)
		t[c] = thread_create(c, alloc_pairs, (void *)(uintptr_t)ncpu);
	for (unsigned int c = 0; c < ncpu; c++) {
		uint64_t ns = (uint64_t)(uintptr_t)thread_join(t[c]);
		if (ns == 0)
			kprintf("bench: allocation failed\n");
		if (ns > worst)
			worst = ns;
	}
	kprintf("bench: alloc_pairs_per_s_%ucpu=%lu\n", ncpu,
		(unsigned long)((uint64_t)PAIRS * ncpu * 1000000000ull /
				(worst ? worst : 1)));
}

int torito_main(void)
{
	char mode[16] = "micro";

	boot_cmdline_get(boot_info(), "mode", mode, sizeof(mode));
	if (strcmp(mode, "idle") == 0) {
		kprintf("bench: idle\n");
		for (;;)
			thread_sleep_ms(3600 * 1000);
	}
	bench_switch();
	bench_create();
	bench_alloc(1);
	if (cpu_count() >= 2)
		bench_alloc(2);
	kprintf("bench: done\n");
	return 0;
}
