/*
 * The network-device registry and the checked entry points of netdev.h.
 * Drivers register at INIT_DEVICES; the core validates arguments here so
 * each driver need not, and a failed device answers -EIO from then on.
 */
#include <torito/console.h>
#include <torito/errno.h>
#include <torito/netdev_driver.h>
#include <torito/string.h>

#define NETDEV_MAX 8

static struct netdev *devices[NETDEV_MAX];
static unsigned int ndevices;

int netdev_register(struct netdev *d)
{
	if (ndevices == NETDEV_MAX)
		return -ENOSPC;
	devices[ndevices++] = d;
	kprintf("netdev: %s mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u\n",
		d->name, d->info.mac[0], d->info.mac[1], d->info.mac[2],
		d->info.mac[3], d->info.mac[4], d->info.mac[5], d->info.mtu);
	return 0;
}

struct netdev *netdev_get(unsigned int index)
{
	return index < ndevices ? devices[index] : NULL;
}

struct netdev *netdev_find(const char *name)
{
	for (unsigned int i = 0; i < ndevices; i++)
		if (strcmp(devices[i]->name, name) == 0)
			return devices[i];
	return NULL;
}

const char *netdev_name(const struct netdev *d)
{
	return d->name;
}

const struct netdev_info *netdev_info(const struct netdev *d)
{
	return &d->info;
}

int netdev_xmit(struct netdev *d, const void *frame, size_t len)
{
	if (d->failed)
		return -EIO;
	if (len < 14 || len > (size_t)d->info.mtu + 14)
		return -EINVAL;
	return d->ops->xmit(d, frame, len);
}

int netdev_poll(struct netdev *d, netdev_rx_fn fn, void *ctx, int budget)
{
	if (d->failed)
		return -EIO;
	return d->ops->poll(d, fn, ctx, budget);
}

void netdev_set_notify(struct netdev *d, netdev_notify_fn fn, void *ctx)
{
	d->notify_ctx = ctx;
	d->notify = fn;
	if (d->ops->irq_enable)
		d->ops->irq_enable(d, fn != NULL);
}

void netdev_event(struct netdev *d)
{
	if (d->notify)
		d->notify(d->notify_ctx);
}

void netdev_fail(struct netdev *d, const char *why)
{
	if (!d->failed)
		kprintf("netdev: %s failed: %s\n", d->name, why);
	d->failed = true;
}
