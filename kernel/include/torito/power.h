/*
 * Ending the machine. An application that returns from torito_main() ends
 * here too: status 0 is success, anything else failure.
 */
#ifndef TORITO_POWER_H
#define TORITO_POWER_H

#include <torito/compiler.h>

/*
 * Prints "torito: power off (success|failure)" and turns the machine off:
 * isa-debug-exit where present (QEMU; the exit status carries success or
 * failure), ACPI S5 otherwise. If neither works it halts with a message.
 * Callable from any context; never returns.
 */
__noreturn void power_off(int status);

#endif /* TORITO_POWER_H */
