/*
 * The printf engine behind kprintf and snprintf, private to kernel/. Output
 * goes to a sink callback so the console and buffers share one formatter.
 */
#ifndef TORITO_KERNEL_LIB_FORMAT_H
#define TORITO_KERNEL_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*format_sink_fn)(void *ctx, const char *s, size_t len);

/*
 * Formats fmt into sink. Supports %d %i %u %x %X %o %p %s %c %% with the
 * flags '-', '0', ' ', '+', '#', a width and precision (also '*'), and the
 * length modifiers hh h l ll z t j. Unknown conversions are printed as-is.
 * Returns the number of characters produced.
 */
int format_v(format_sink_fn sink, void *ctx, const char *fmt, va_list ap);

#endif /* TORITO_KERNEL_LIB_FORMAT_H */
