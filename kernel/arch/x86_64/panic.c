/*
 * panic(): a broken kernel invariant. Prints the message and a backtrace of
 * the caller, then powers off with failure. Not for bad input.
 */
#include <stdarg.h>
#include <stdint.h>

#include <torito/console.h>
#include <torito/panic.h>
#include <torito/power.h>

#include "kernel/arch/x86_64/trap.h"

__noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	__asm__ volatile("cli");
	kprintf("\ntorito: panic: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	backtrace_print((uint64_t)(uintptr_t)__builtin_frame_address(0));
	power_off(1);
}
