/*
 * virtio-blk internals shared by the driver (virtio_blk.c) and its host
 * tests: feature bits, the request header (virtio 1.1 §5.2.6) and the
 * driver state.
 */
#ifndef TORITO_PV_VIRTIO_VIRTIO_BLK_H
#define TORITO_PV_VIRTIO_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include <torito/blkdev_driver.h>

#include "pv/virtio/virtio.h"

#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX  (1ull << 2)
#define VIRTIO_BLK_F_RO	      (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH    (1ull << 9)

#define VIRTIO_BLK_T_IN	   0
#define VIRTIO_BLK_T_OUT   1
#define VIRTIO_BLK_T_FLUSH 4

#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_CFG_CAPACITY 0
#define VIRTIO_BLK_CFG_SIZE_MAX 8
#define VIRTIO_BLK_CFG_BLK_SIZE 20

#define VIRTIO_BLK_SECTOR      512	    /* unit of the request header */
#define VIRTIO_BLK_MAX_REQUEST (128u << 10) /* bytes per request */
#define VIRTIO_BLK_TIMEOUT_MS 30000 /* a host fsync on a busy disk can take seconds */

struct virtio_blk_req {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct virtio_blk {
	/* Set at probe; read-only after. */
	struct blkdev bd;
	struct virtio_dev *vd;
	struct virtq *vq;
	uint32_t unit;	    /* 512-byte sectors per blkdev sector */
	uint32_t max_bytes; /* per request, a multiple of the sector size */
	uint32_t timeout_ms;

	/* Owned by the CPU the device is dedicated to; one request at a
	 * time. req and status are the request's DMA memory. */
	struct virtio_blk_req *req;
	uint8_t *status;
	bool done;	   /* the device returned the request */
	uint32_t used_len; /* bytes it says it wrote */
	uint64_t irqs;
};

#endif /* TORITO_PV_VIRTIO_VIRTIO_BLK_H */
