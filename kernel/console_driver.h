/*
 * The console backend interface, private to kernel/: the serial port (and,
 * under Xen, the PV console) installs a write function here; kprintf in
 * kernel/console.c calls it.
 */
#ifndef TORITO_KERNEL_CONSOLE_DRIVER_H
#define TORITO_KERNEL_CONSOLE_DRIVER_H

#include <stddef.h>

typedef void (*console_write_fn)(const char *s, size_t len);

/* Makes fn the console; output before any backend is set is dropped. */
void console_set_backend(console_write_fn fn);

/* Sets up COM1 and makes it the console if a UART answers. */
void serial_init(void);

#endif /* TORITO_KERNEL_CONSOLE_DRIVER_H */
