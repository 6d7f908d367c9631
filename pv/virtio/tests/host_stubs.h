/*
 * Knobs of the host stand-ins (host_stubs.c) for pv/virtio tests.
 */
#ifndef TORITO_PV_VIRTIO_TESTS_HOST_STUBS_H
#define TORITO_PV_VIRTIO_TESTS_HOST_STUBS_H

#include <torito/blkdev_driver.h>
#include <torito/netdev_driver.h>

extern struct netdev *stub_netdev; /* the last registered */
extern struct blkdev *stub_blkdev;
extern unsigned int stub_netdev_events; /* netdev_event calls */
extern void (*stub_wait_hook)(void);	/* runs inside blkdev_wait */
extern unsigned int stub_wait_calls;
extern int stub_fail_alloc_after; /* mem_zalloc fails after n (-1: never) */

#endif /* TORITO_PV_VIRTIO_TESTS_HOST_STUBS_H */
