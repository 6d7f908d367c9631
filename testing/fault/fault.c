/*
 * fault: an image that breaks on purpose, to prove that no fault ends in a
 * silent hang. The command line picks the fault ("fault=ud"); every one
 * must end with a readable report on the console and a failure exit.
 */
#include <stdint.h>

#include <torito/app.h>
#include <torito/boot.h>
#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/mem.h>
#include <torito/panic.h>
#include <torito/string.h>
#include <torito/thread.h>

static volatile int zero;

/* Recurses until the guard page under the boot stack stops it. */
static __attribute__((noinline)) int overflow(int depth)
{
	volatile char pad[256];

	pad[0] = (char)depth;
	if (depth >= 0) /* always, but the compiler must not know */
		return overflow(depth + 1 + zero) + pad[0];
	return pad[0];
}

/* Copies a `ret` into heap memory and calls it: the heap is not executable. */
static void run_from_heap(void)
{
	uint8_t *code = mem_alloc(16);

	if (!code)
		return;
	code[0] = 0xc3;
	((void (*)(void))code)();
}

static void *overflow_thread(void *arg)
{
	kprintf("fault: overflowing a thread stack on cpu %u\n", cpu_id());
	return (void *)(intptr_t)overflow(0);
}

int torito_main(void)
{
	char kind[16];

	if (!boot_cmdline_get(boot_info(), "fault", kind, sizeof(kind))) {
		kprintf("fault: give fault=ud|pf|null|gp|div|bp|stack|panic|"
			"text|nx|thread_stack\n");
		return 2;
	}
	kprintf("fault: causing '%s'\n", kind);
	if (strcmp(kind, "ud") == 0)
		__asm__ volatile("ud2");
	else if (strcmp(kind, "pf") == 0)
		*(volatile uint64_t *)0x7fff00000000ull = 1;
	else if (strcmp(kind, "null") == 0)
		kprintf("%d\n", *(volatile int *)(uintptr_t)zero);
	else if (strcmp(kind, "gp") == 0)
		*(volatile uint64_t *)0x8000000000000000ull = 1;
	else if (strcmp(kind, "div") == 0)
		/* In assembly: gcc turns 1 / x into a compare. */
		__asm__ volatile("xor %%edx, %%edx; divl %1"
				 :
				 : "a"(1), "r"(zero)
				 : "rdx");
	else if (strcmp(kind, "bp") == 0)
		__asm__ volatile("int3");
	else if (strcmp(kind, "stack") == 0)
		kprintf("%d\n", overflow(0));
	else if (strcmp(kind, "panic") == 0)
		panic("deliberate panic with value %d", 42);
	else if (strcmp(kind, "text") == 0)
		*(volatile uint8_t *)(uintptr_t)torito_main = 0xc3;
	else if (strcmp(kind, "nx") == 0)
		run_from_heap();
	else if (strcmp(kind, "thread_stack") == 0)
		thread_join(thread_create(cpu_count() - 1, overflow_thread, NULL));
	kprintf("fault: '%s' did not fault\n", kind);
	return 3;
}
