/*
 * The rings of one netfront queue, portable (host-tested): posting
 * receive buffers, taking received frames off the rx ring, copying frames
 * onto the tx ring and reaping tx completions, with every value the
 * backend writes checked. netfront.c adds grants, xenstore and event
 * channels; tests/netfront_ring_test.c plays netback.
 *
 * Buffers: each rx id i owns page rx_buf[i], granted once as rx_gref[i]
 * (rx-copy: the backend copies into it); each tx id owns tx_buf[i] and
 * tx_gref[i]. The caller fills those arrays after nf_init.
 *
 * Owned by one CPU (the device's); no locking.
 */
#ifndef TORITO_PV_XEN_NETFRONT_RING_H
#define TORITO_PV_XEN_NETFRONT_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>
#include <torito/netdev.h>

#include "pv/xen/xen_if.h"

#define NF_PAGE_SIZE 4096
#define NF_TX_SIZE   __CONST_RING_SIZE(netif_tx, NF_PAGE_SIZE) /* 256 */
#define NF_RX_SIZE   __CONST_RING_SIZE(netif_rx, NF_PAGE_SIZE) /* 256 */

struct nf_stats {
	uint64_t rx_frames, rx_dropped; /* dropped: backend error, too big */
	uint64_t rx_csum_filled;	/* checksums completed in software */
	uint64_t tx_frames, tx_errors;
};

struct nf_queue {
	struct netif_tx_front_ring tx;
	struct netif_rx_front_ring rx;
	uint16_t max_frame; /* largest frame handed up or sent */

	uint8_t *rx_buf[NF_RX_SIZE];
	grant_ref_t rx_gref[NF_RX_SIZE];
	bool rx_posted[NF_RX_SIZE];
	bool rx_skip_more; /* dropping the rest of a multi-slot frame */
	bool rx_in_extras; /* the next slot is a netif_extra_info */

	uint8_t *tx_buf[NF_TX_SIZE];
	grant_ref_t tx_gref[NF_TX_SIZE];
	bool tx_busy[NF_TX_SIZE];
	uint16_t tx_free[NF_TX_SIZE];
	unsigned int tx_nfree;

	struct nf_stats stats;
	const char *error; /* the first protocol violation, in words */
};

/* Initialises the shared rings (zeroed pages) and q. max_frame is
 * mtu + 14, at most NF_PAGE_SIZE. */
void nf_init(struct nf_queue *q, struct netif_tx_sring *txs,
	     struct netif_rx_sring *rxs, uint16_t max_frame);

/*
 * Posts every free rx buffer. Returns true when the backend must be
 * notified.
 */
bool nf_rx_refill(struct nf_queue *q);

/*
 * Hands up to budget received frames to fn, then reposts the buffers.
 * Returns the frames delivered, or -EPROTO (q->error says what) when the
 * backend broke the protocol: impossible indices, an id that is not
 * ours, a frame reaching past its page. *notify is set when the backend
 * must be told about reposted buffers.
 */
int nf_rx_poll(struct nf_queue *q, netdev_rx_fn fn, void *ctx, int budget,
	       bool *notify) __must_check;

/*
 * Copies frame onto the tx ring. Returns 0 (*notify set when the backend
 * must be told), -EAGAIN when no slot is free, -EINVAL for a bad length.
 */
int nf_tx_send(struct nf_queue *q, const void *frame, size_t len,
	       bool *notify) __must_check;

/* Frees the slots of completed transmissions. Returns how many, or
 * -EPROTO (q->error set). */
int nf_tx_reap(struct nf_queue *q) __must_check;

/*
 * Re-arms the response events of both rings (RING_FINAL_CHECK). Returns
 * true when responses are already waiting (poll again).
 */
bool nf_arm(struct nf_queue *q);

/*
 * Completes the TCP or UDP checksum of an IPv4 frame whose checksum field
 * holds only the pseudo-header sum (NETRXF_csum_blank). Returns 0, or
 * -EINVAL when the frame is not IPv4 TCP/UDP or is truncated.
 */
int nf_csum_complete(uint8_t *frame, size_t len) __must_check;

/* Parses "00:16:3e:aa:bb:cc". Returns 0 or -EINVAL. */
int nf_parse_mac(const char *s, uint8_t mac[6]) __must_check;

#endif /* TORITO_PV_XEN_NETFRONT_RING_H */
