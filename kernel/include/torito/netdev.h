/*
 * Network devices as the network stack sees them (consumer side). A driver
 * (virtio-net, Xen netfront, e1000, ne2000) registers a struct netdev
 * through netdev_driver.h; net_dedicate() then binds one device to one core,
 * and only that core calls these functions, so none of them locks.
 *
 * Frames are plain Ethernet frames without FCS. Transmit copies the frame
 * into driver-owned buffers (DMA memory or granted pages), so the caller's
 * buffer is free again on return; received frames are lent to a callback.
 */
#ifndef TORITO_NETDEV_H
#define TORITO_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>

#define NETDEV_NAME_MAX 16

/* Offloads a device may offer (struct netdev_info.features). */
#define NETDEV_F_TX_CSUM (1u << 0) /* device fills TCP/UDP checksums */
#define NETDEV_F_RX_CSUM (1u << 1) /* device validates TCP/UDP checksums */

struct netdev;

struct netdev_info {
	uint8_t mac[6];
	uint16_t mtu;	   /* payload bytes, e.g. 1500 */
	uint32_t features; /* NETDEV_F_* actually negotiated */
};

/* Called for each received frame; frame is valid only during the call. */
typedef void (*netdev_rx_fn)(void *ctx, const void *frame, size_t len);

/* Called (in interrupt context) when the device has work: receive or
 * transmit completions. It should only mark work and wake a thread. */
typedef void (*netdev_notify_fn)(void *ctx);

/* The nth registered device (0-based), or NULL. */
struct netdev *netdev_get(unsigned int index);

/* A device by name ("virtio0", "xen0", "e1000-0"), or NULL. */
struct netdev *netdev_find(const char *name);

const char *netdev_name(const struct netdev *d);
const struct netdev_info *netdev_info(const struct netdev *d);

/*
 * Sends one frame (14..mtu+14 bytes). Returns 0, -EAGAIN when the transmit
 * ring is full (retry after a notify), -EINVAL for a bad length, -EIO if the
 * device has failed. Never blocks.
 */
int netdev_xmit(struct netdev *d, const void *frame, size_t len) __must_check;

/*
 * Hands up to budget received frames to fn and recycles their buffers.
 * Returns the number delivered (0 if none), or -EIO if the device failed.
 * Never blocks.
 */
int netdev_poll(struct netdev *d, netdev_rx_fn fn, void *ctx,
		int budget) __must_check;

/*
 * Sets the callback for device events and enables the device's interrupt
 * (fn == NULL disables it; the consumer then polls).
 */
void netdev_set_notify(struct netdev *d, netdev_notify_fn fn, void *ctx);

#endif /* TORITO_NETDEV_H */
