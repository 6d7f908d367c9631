/*
 * panic(): for broken kernel invariants only, never for bad external input.
 * Prints the message, the registers of the caller and a backtrace, then
 * powers off with failure.
 */
#ifndef TORITO_PANIC_H
#define TORITO_PANIC_H

#include <torito/compiler.h>

__noreturn void panic(const char *fmt, ...) __printf_like(1, 2);

#define BUG_ON(cond)                                                          \
	do {                                                                  \
		if (cond)                                                     \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__,         \
			      __LINE__);                                      \
	} while (0)

#endif /* TORITO_PANIC_H */
