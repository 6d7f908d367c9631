/*
 * virtio-net internals shared by the driver (virtio_net.c) and its host
 * tests: feature bits, the packet header (virtio 1.1 §5.1.6), and the
 * driver state with its counters.
 */
#ifndef TORITO_PV_VIRTIO_VIRTIO_NET_H
#define TORITO_PV_VIRTIO_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <torito/netdev_driver.h>

#include "pv/virtio/virtio.h"

#define VIRTIO_NET_F_CSUM	(1ull << 0)
#define VIRTIO_NET_F_GUEST_CSUM (1ull << 1)
#define VIRTIO_NET_F_MTU	(1ull << 3)
#define VIRTIO_NET_F_MAC	(1ull << 5)
#define VIRTIO_NET_F_MRG_RXBUF	(1ull << 15)

#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE	    0

#define VIRTIO_NET_CFG_MAC 0
#define VIRTIO_NET_CFG_MTU 10

#define VIRTIO_NET_RXQ 0
#define VIRTIO_NET_TXQ 1

#define VIRTIO_NET_RX_BUF      2048 /* with mergeable rx buffers */
#define VIRTIO_NET_FRAME_EXTRA 18   /* Ethernet header + one VLAN tag */

struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers; /* only with MRG_RXBUF or VERSION_1 */
};

struct virtio_net_stats {
	uint64_t rx_frames;
	uint64_t rx_merged;	/* frames that spanned several buffers */
	uint64_t rx_dropped;	/* too short or too long */
	uint64_t rx_csum_bad;	/* failed verification, dropped */
	uint64_t rx_csum_fixed; /* NEEDS_CSUM completed */
	uint64_t tx_frames;
	uint64_t tx_csum_offload; /* marked for the device to checksum */
	uint64_t tx_ring_full;
	uint64_t irqs;
};

struct virtio_net {
	/* Set at probe; read-only after. */
	struct netdev nd;
	struct virtio_dev *vd;
	struct virtq *rxq, *txq;
	uint32_t hdr_len;   /* 12, or 10 on a legacy device without MRG */
	bool mrg;	    /* VIRTIO_NET_F_MRG_RXBUF */
	bool split_hdr;	    /* legacy without ANY_LAYOUT: own descriptor */
	uint32_t frame_max; /* largest frame delivered */

	/* Owned by the CPU the device is dedicated to; no lock. */
	uint8_t *rx_mem;
	uint32_t rx_buf_size;
	uint16_t rx_bufs;
	uint8_t *frame; /* reassembly of a merged frame */
	uint32_t frame_len;
	uint16_t frame_left; /* buffers of the frame still to come */
	bool frame_drop;     /* the frame is too long: drop it */
	struct virtio_net_hdr frame_hdr;
	uint8_t *tx_mem;
	uint32_t tx_buf_size;
	uint16_t tx_bufs;
	uint16_t *tx_free; /* stack of free tx buffer numbers */
	uint16_t tx_nfree;
	struct virtio_net_stats stats;
};

#endif /* TORITO_PV_VIRTIO_VIRTIO_NET_H */
