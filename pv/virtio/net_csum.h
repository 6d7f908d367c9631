/*
 * Internet checksums for virtio-net's offloads: locating the TCP/UDP
 * checksum of a frame (transmit offload), completing a partial checksum
 * (a received NEEDS_CSUM frame), and verifying one in software (a frame
 * the device did not mark DATA_VALID). Private to pv/virtio; portable and
 * pure, host-tested. Frames are Ethernet, with at most one 802.1Q tag.
 */
#ifndef TORITO_PV_VIRTIO_NET_CSUM_H
#define TORITO_PV_VIRTIO_NET_CSUM_H

#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>

struct net_csum_l4 {
	uint16_t ip;	 /* offset of the IP header in the frame */
	uint16_t start;	 /* offset of the TCP/UDP header in the frame */
	uint16_t offset; /* of its checksum field, from start */
	uint16_t len;	 /* bytes of TCP/UDP header and payload */
	uint8_t proto;	 /* 6 TCP, 17 UDP */
	uint8_t ipv;	 /* 4 or 6 */
};

/*
 * Finds the TCP or UDP header of an unfragmented IPv4 frame, or of an
 * IPv6 frame whose first next-header is TCP or UDP. Returns 0, -ENOENT
 * (another kind of frame, a fragment, IPv6 extension headers), or
 * -EINVAL (lengths that do not fit the frame).
 */
int net_csum_locate(const uint8_t *frame, size_t len,
		    struct net_csum_l4 *out) __must_check;

/*
 * Completes a partial checksum (virtio NEEDS_CSUM): sums frame[start..len),
 * whose checksum field holds the pseudo-header sum, and stores the
 * complement at start + offset. Returns 0 or -EINVAL (out of the frame).
 */
int net_csum_complete(uint8_t *frame, size_t len, uint16_t start,
		      uint16_t offset) __must_check;

/*
 * Verifies the TCP/UDP checksum of a frame net_csum_locate accepts.
 * Returns 1 (correct, or a UDP/IPv4 datagram without checksum), 0 (not
 * such a frame: nothing to verify), or -EBADMSG (wrong, or malformed).
 */
int net_csum_verify(const uint8_t *frame, size_t len) __must_check;

/* The folded ones'-complement sum of the pseudo header of l4 (not
 * inverted): what a stack seeds the checksum field with for offload. */
uint16_t net_csum_pseudo(const uint8_t *frame, const struct net_csum_l4 *l4);

#endif /* TORITO_PV_VIRTIO_NET_CSUM_H */
