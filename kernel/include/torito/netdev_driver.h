/*
 * The driver side of network devices: what virtio-net, Xen netfront and
 * the hw/ drivers implement and call. Consumers use netdev.h instead.
 */
#ifndef TORITO_NETDEV_DRIVER_H
#define TORITO_NETDEV_DRIVER_H

#include <torito/netdev.h>

struct netdev_ops {
	/* See netdev_xmit. Copies the frame; must not block. */
	int (*xmit)(struct netdev *d, const void *frame, size_t len);
	/* See netdev_poll. Must not block. */
	int (*poll)(struct netdev *d, netdev_rx_fn fn, void *ctx, int budget);
	/* Enables (true) or masks (false) the device's interrupt/event. */
	void (*irq_enable)(struct netdev *d, bool on);
};

struct netdev {
	/* Set by the driver before netdev_register; read-only after. */
	char name[NETDEV_NAME_MAX];
	struct netdev_info info;
	const struct netdev_ops *ops;
	void *priv;

	/* Owned by the core; drivers only call netdev_event(). */
	netdev_notify_fn notify;
	void *notify_ctx;
	bool failed;
};

/* Makes d visible to netdev_get/netdev_find. Returns 0 or -ENOSPC. */
int netdev_register(struct netdev *d) __must_check;

/*
 * Called by the driver's interrupt or event-channel handler when there is
 * receive or transmit-completion work. Interrupt context.
 */
void netdev_event(struct netdev *d);

/* Marks d failed after a fatal device or backend error (logged once). */
void netdev_fail(struct netdev *d, const char *why);

#endif /* TORITO_NETDEV_DRIVER_H */
