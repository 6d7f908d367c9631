/*
 * The serial console, private to kernel/. Backends install themselves with
 * console_set_backend (torito/driver.h); kprintf in kernel/console.c calls
 * the current one.
 */
#ifndef TORITO_KERNEL_CONSOLE_DRIVER_H
#define TORITO_KERNEL_CONSOLE_DRIVER_H

#include <torito/driver.h>

/* Sets up COM1 and makes it the console if a UART answers. */
void serial_init(void);

#endif /* TORITO_KERNEL_CONSOLE_DRIVER_H */
