/*
 * Internet checksum helpers for virtio-net (RFC 1071 sums, RFC 768/793
 * pseudo headers for IPv4 and RFC 8200 for IPv6). virtio_net.c uses them
 * on transmit to mark TCP/UDP frames for the device to checksum, and on
 * receive to complete partial checksums and to verify frames the device
 * did not validate. Every length comes from the frame and is checked
 * against the bytes really there before use. Left out: IPv6 extension
 * headers, IP options beyond skipping them, more than one VLAN tag.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/errno.h>

#include "pv/virtio/net_csum.h"

#define ETH_HLEN       14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define IPPROTO_TCP    6
#define IPPROTO_UDP    17
#define IPV6_HLEN      40
#define TCP_MIN	       20
#define UDP_LEN	       8

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Adds the big-endian 16-bit words of p[0..len) to sum. */
static uint32_t sum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum;

	for (; len >= 2; p += 2, len -= 2)
		s += be16(p);
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Where the IP header starts and which version it is; 0 if not IP. */
static size_t ip_start(const uint8_t *frame, size_t len, uint8_t *ipv)
{
	size_t off = ETH_HLEN;
	uint16_t type;

	if (len < ETH_HLEN)
		return 0;
	type = be16(frame + 12);
	if (type == ETHERTYPE_VLAN) {
		if (len < ETH_HLEN + 4)
			return 0;
		type = be16(frame + 16);
		off += 4;
	}
	*ipv = type == ETHERTYPE_IPV4 ? 4 : type == ETHERTYPE_IPV6 ? 6 : 0;
	return *ipv ? off : 0;
}

static int locate_v4(const uint8_t *frame, size_t len, size_t ip,
		     struct net_csum_l4 *out)
{
	const uint8_t *h = frame + ip;
	size_t ihl, total;

	if (len - ip < 20 || (h[0] >> 4) != 4)
		return -EINVAL;
	ihl = (size_t)(h[0] & 0x0f) * 4;
	total = be16(h + 2);
	if (ihl < 20 || total < ihl || total > len - ip)
		return -EINVAL;
	if (be16(h + 6) & 0x3fff) /* MF set or a fragment offset */
		return -ENOENT;
	out->proto = h[9];
	out->start = (uint16_t)(ip + ihl);
	out->len = (uint16_t)(total - ihl);
	return 0;
}

static int locate_v6(const uint8_t *frame, size_t len, size_t ip,
		     struct net_csum_l4 *out)
{
	const uint8_t *h = frame + ip;
	size_t payload;

	if (len - ip < IPV6_HLEN || (h[0] >> 4) != 6)
		return -EINVAL;
	payload = be16(h + 4);
	if (payload > len - ip - IPV6_HLEN)
		return -EINVAL;
	out->proto = h[6];
	out->start = (uint16_t)(ip + IPV6_HLEN);
	out->len = (uint16_t)payload;
	return 0;
}

int net_csum_locate(const uint8_t *frame, size_t len, struct net_csum_l4 *out)
{
	uint8_t ipv = 0;
	size_t ip = ip_start(frame, len, &ipv);
	int rc;

	if (!ip)
		return -ENOENT;
	rc = ipv == 4 ? locate_v4(frame, len, ip, out)
		      : locate_v6(frame, len, ip, out);
	if (rc < 0)
		return rc;
	out->ipv = ipv;
	out->ip = (uint16_t)ip;
	if (out->proto == IPPROTO_TCP) {
		out->offset = 16;
		return out->len >= TCP_MIN ? 0 : -EINVAL;
	}
	if (out->proto == IPPROTO_UDP) {
		out->offset = 6;
		return out->len >= UDP_LEN ? 0 : -EINVAL;
	}
	return -ENOENT;
}

uint16_t net_csum_pseudo(const uint8_t *frame, const struct net_csum_l4 *l4)
{
	const uint8_t *ip = frame + l4->ip;
	uint8_t hi = (uint8_t)(l4->len >> 8), lo = (uint8_t)l4->len;

	if (l4->ipv == 4) { /* source, destination, 0, protocol, length */
		const uint8_t t[4] = { 0, l4->proto, hi, lo };
		return fold(sum_add(sum_add(0, ip + 12, 8), t, 4));
	}
	/* source, destination, 32-bit length, 3 zeros, next header */
	const uint8_t t[8] = { 0, 0, hi, lo, 0, 0, 0, l4->proto };
	return fold(sum_add(sum_add(0, ip + 8, 32), t, 8));
}

int net_csum_complete(uint8_t *frame, size_t len, uint16_t start,
		      uint16_t offset)
{
	uint16_t c;

	if (start >= len || offset > len - start || len - start - offset < 2)
		return -EINVAL;
	c = (uint16_t)~fold(sum_add(0, frame + start, len - start));
	frame[start + offset] = (uint8_t)(c >> 8);
	frame[start + offset + 1] = (uint8_t)c;
	return 0;
}

int net_csum_verify(const uint8_t *frame, size_t len)
{
	struct net_csum_l4 l4;
	int rc = net_csum_locate(frame, len, &l4);
	uint32_t s;

	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return -EBADMSG;
	if (l4.proto == IPPROTO_UDP && l4.ipv == 4 &&
	    be16(frame + l4.start + 6) == 0)
		return 1; /* IPv4 UDP without a checksum */
	s = sum_add(net_csum_pseudo(frame, &l4), frame + l4.start, l4.len);
	return fold(s) == 0xffff ? 1 : -EBADMSG;
}
