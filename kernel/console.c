/*
 * kprintf and console_write: format through kernel/lib/format and hand the
 * text to the installed backend (serial, or the Xen PV console). Text is
 * staged in a small buffer so a line reaches the backend in few calls.
 */
#include <stdatomic.h>
#include <stdbool.h>

#include <torito/console.h>

#include "kernel/console_driver.h"
#include "kernel/lib/format.h"

static console_write_fn backend;

void console_set_backend(console_write_fn fn)
{
	backend = fn;
}

void console_write(const char *s, size_t len)
{
	if (backend)
		backend(s, len);
}

struct staged {
	char buf[128];
	size_t used;
};

static void stage_put(void *ctx, const char *s, size_t len)
{
	struct staged *st = ctx;

	while (len) {
		size_t n = sizeof(st->buf) - st->used;
		if (n > len)
			n = len;
		for (size_t i = 0; i < n; i++)
			st->buf[st->used + i] = s[i];
		st->used += n;
		s += n;
		len -= n;
		if (st->used == sizeof(st->buf)) {
			console_write(st->buf, st->used);
			st->used = 0;
		}
	}
}

/*
 * One kprintf at a time, so lines from different CPUs do not interleave.
 * The only lock in the kernel, and a bounded one: a CPU that waits too long
 * (the holder faulted or halted) prints anyway rather than hang.
 */
static atomic_flag console_busy = ATOMIC_FLAG_INIT;

static bool console_lock(void)
{
	for (long spins = 0; spins < 50000000L; spins++) {
		if (!atomic_flag_test_and_set_explicit(&console_busy,
						       memory_order_acquire))
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

int kvprintf(const char *fmt, va_list ap)
{
	struct staged st = { .used = 0 };
	bool locked = console_lock();
	int n = format_v(stage_put, &st, fmt, ap);

	console_write(st.buf, st.used);
	if (locked)
		atomic_flag_clear_explicit(&console_busy, memory_order_release);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}
