/*
 * idle_test: an image that does nothing, for measuring what an idle
 * Torito guest costs its host (bazel run //testing/xen:bench with this
 * image). Prints "idle: ready", then sleeps sleep=MS milliseconds (default
 * 10000) at a time, forever: the CPU halts in the kernel's idle path with
 * a one-shot timer for the next wake-up.
 */
#include <stdint.h>

#include <torito/app.h>
#include <torito/boot.h>
#include <torito/console.h>
#include <torito/thread.h>

int torito_main(void)
{
	char arg[12];
	uint64_t ms = 10000;

	if (boot_cmdline_get(boot_info(), "sleep", arg, sizeof(arg))) {
		ms = 0;
		for (const char *p = arg; *p >= '0' && *p <= '9'; p++)
			ms = ms * 10 + (uint64_t)(*p - '0');
	}
	kprintf("idle: ready, waking every %lu ms\n", (unsigned long)ms);
	for (;;)
		thread_sleep_ms(ms);
}
