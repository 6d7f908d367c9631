/*
 * The kernel console: formatted output to the boot console (COM1 on PC
 * machines). Output is synchronous and never blocks on input; it may be
 * called from any context, including exception handlers.
 */
#ifndef TORITO_CONSOLE_H
#define TORITO_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

#include <torito/compiler.h>

/* Prints to the console; returns the number of characters written. */
int kprintf(const char *fmt, ...) __printf_like(1, 2);
int kvprintf(const char *fmt, va_list ap);

/* Writes len raw bytes to the console. */
void console_write(const char *s, size_t len);

/*
 * Formats into buf (always NUL-terminated when size > 0). Returns the length
 * the full output would have had, like C99 snprintf.
 */
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf_like(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif /* TORITO_CONSOLE_H */
