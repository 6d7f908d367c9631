/*
 * Host stand-ins for the kernel services pv/virtio's portable code calls:
 * memory (calloc-backed, so ASan sees misuse), the console (stderr), and
 * the netdev/blkdev registries with a blkdev_wait that lets a fake device
 * run between looks at the condition.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <torito/blkdev_driver.h>
#include <torito/console.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/netdev_driver.h>

#include "pv/virtio/tests/host_stubs.h"

struct netdev *stub_netdev;
struct blkdev *stub_blkdev;
unsigned int stub_netdev_events;
void (*stub_wait_hook)(void);
unsigned int stub_wait_calls;
int stub_fail_alloc_after = -1;

void *mem_zalloc(size_t size, size_t align)
{
	void *p;

	if (stub_fail_alloc_after == 0)
		return NULL;
	if (stub_fail_alloc_after > 0)
		stub_fail_alloc_after--;
	if (align < sizeof(void *))
		align = sizeof(void *);
	if (posix_memalign(&p, align, size ? size : 1))
		return NULL;
	memset(p, 0, size);
	return p;
}

void *mem_alloc(size_t size)
{
	return mem_zalloc(size, 16);
}

void *mem_alloc_aligned(size_t size, size_t align)
{
	return mem_zalloc(size, align);
}

void mem_free(void *p)
{
	free(p);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stderr, fmt, ap);
	va_end(ap);
	return n;
}

const char *errno_name(int err)
{
	static char buf[16];

	snprintf(buf, sizeof(buf), "E%d", -err);
	return buf;
}

int netdev_register(struct netdev *d)
{
	stub_netdev = d;
	return 0;
}

void netdev_event(struct netdev *d)
{
	stub_netdev_events++;
	if (d->notify)
		d->notify(d->notify_ctx);
}

void netdev_fail(struct netdev *d, const char *why)
{
	if (!d->failed)
		fprintf(stderr, "netdev: %s failed: %s\n", d->name, why);
	d->failed = true;
}

int blkdev_register(struct blkdev *d)
{
	stub_blkdev = d;
	return 0;
}

void blkdev_fail(struct blkdev *d, const char *why)
{
	if (!d->failed)
		fprintf(stderr, "blkdev: %s failed: %s\n", d->name, why);
	d->failed = true;
}

int blkdev_wait(bool (*done)(void *ctx), void *ctx, uint32_t timeout_ms)
{
	(void)timeout_ms;
	stub_wait_calls++;
	for (int i = 0; i < 3; i++) {
		if (done(ctx))
			return 0;
		if (stub_wait_hook)
			stub_wait_hook();
	}
	return done(ctx) ? 0 : -ETIMEDOUT;
}
