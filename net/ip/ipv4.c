/*
 * IPv4 (RFC 791): receive checks (version, header length, checksum, total
 * length against the frame, source and destination), fragments handed to
 * ipfrag.c, and the dispatch to ICMP, UDP and TCP. Options are skipped, not
 * interpreted. Output adds a 20-byte header (no options, no fragmentation:
 * transports never exceed the MTU) and routes: the subnet directly, the
 * rest through the gateway. No loopback, no multicast, no forwarding.
 */
#include <torito/errno.h>
#include <torito/string.h>

#include "net/core/priv.h"
#include "net/core/wire.h"

#define IP_MF 0x2000
#define IP_OFFSET_MASK 0x1fff
#define IP_TTL 64

bool ipv4_is_broadcast(const struct net_stack *s, net_ip4_t ip)
{
	if (ip == NET_IP4_BROADCAST)
		return true;
	return s->ip.ip && s->ip.netmask != NET_IP4_BROADCAST &&
	       ip == (s->ip.ip | ~s->ip.netmask);
}

bool ipv4_bad_source(const struct net_stack *s, net_ip4_t ip)
{
	uint8_t top = (uint8_t)(ip >> 24);

	return top == 127 || top >= 224 || ipv4_is_broadcast(s, ip) ||
	       (s->ip.ip && ip == s->ip.ip);
}

/* Unconfigured, only UDP (DHCP) gets through. */
static bool ipv4_for_us(const struct net_stack *s, net_ip4_t dst,
			uint8_t proto)
{
	if (!s->ip.ip)
		return proto == IP_PROTO_UDP;
	return dst == s->ip.ip || ipv4_is_broadcast(s, dst);
}

/* Header checks; returns the header length, or 0 after counting a drop. */
static size_t ipv4_check(struct net_stack *s, const uint8_t *p, size_t len)
{
	size_t hlen, total;

	if (len < IP_HLEN || (p[0] >> 4) != 4 || (p[0] & 0xf) < 5) {
		s->stats.ip_bad_header++;
		return 0;
	}
	hlen = (size_t)(p[0] & 0xf) * 4;
	total = rd16(p + 2);
	if (hlen > len || total < hlen || total > len) {
		s->stats.ip_bad_length++;
		return 0;
	}
	if (csum_fold(csum_add(0, p, hlen)) != 0) {
		s->stats.ip_bad_checksum++;
		return 0;
	}
	if (hlen > IP_HLEN)
		s->stats.ip_options++;
	return hlen;
}

void ipv4_input(struct net_stack *s, const uint8_t *p, size_t len)
{
	struct ipv4_pkt pkt;
	size_t hlen;
	uint16_t frag;

	s->stats.ip_rx++;
	hlen = ipv4_check(s, p, len);
	if (!hlen)
		return;
	pkt.src = rd32(p + 12);
	pkt.dst = rd32(p + 16);
	pkt.proto = p[9];
	pkt.data = p + hlen;
	pkt.len = (uint32_t)(rd16(p + 2) - hlen);
	pkt.to_broadcast = ipv4_is_broadcast(s, pkt.dst);
	if (ipv4_bad_source(s, pkt.src)) {
		s->stats.ip_bad_source++;
		return;
	}
	if (!ipv4_for_us(s, pkt.dst, pkt.proto)) {
		s->stats.ip_not_for_us++;
		return;
	}
	frag = rd16(p + 6);
	if (frag & (IP_MF | IP_OFFSET_MASK)) {
		s->stats.ip_frag_in++;
		ipfrag_input(s, &pkt, rd16(p + 4),
			     (uint32_t)(frag & IP_OFFSET_MASK) * 8,
			     (frag & IP_MF) != 0);
		return;
	}
	ipv4_deliver(s, &pkt);
}

void ipv4_deliver(struct net_stack *s, const struct ipv4_pkt *pkt)
{
	switch (pkt->proto) {
	case IP_PROTO_ICMP:
		icmp_input(s, pkt);
		break;
	case IP_PROTO_UDP:
		udp_input(s, pkt);
		break;
	case IP_PROTO_TCP:
		tcp_input(s, pkt);
		break;
	default:
		s->stats.ip_unknown_proto++;
		break;
	}
}

size_t ipv4_max_payload(const struct net_stack *s)
{
	return (size_t)s->cfg.mtu - IP_HLEN;
}

/* The next hop for dst, or 0 when there is none. */
static net_ip4_t ipv4_route(const struct net_stack *s, net_ip4_t dst)
{
	if (ipv4_is_broadcast(s, dst))
		return dst;
	if (!s->ip.ip || dst == s->ip.ip || dst == 0)
		return 0;
	if ((dst & s->ip.netmask) == (s->ip.ip & s->ip.netmask))
		return dst;
	return s->ip.gateway;
}

int ipv4_output(struct net_stack *s, net_ip4_t dst, uint8_t proto,
		size_t l4len)
{
	uint8_t *h = s->tx + TX_L3;
	net_ip4_t nexthop = ipv4_route(s, dst);

	if (!nexthop) {
		s->stats.ip_no_route++;
		return -ENETUNREACH;
	}
	if (l4len > ipv4_max_payload(s))
		return -EMSGSIZE;
	h[0] = 0x45;
	h[1] = 0;
	wr16(h + 2, (uint16_t)(IP_HLEN + l4len));
	wr16(h + 4, s->ip_id++);
	wr16(h + 6, 0);
	h[8] = IP_TTL;
	h[9] = proto;
	wr16(h + 10, 0);
	wr32(h + 12, s->ip.ip);
	wr32(h + 16, dst);
	wr16(h + 10, csum_fold(csum_add(0, h, IP_HLEN)));
	s->stats.ip_tx++;
	return arp_output(s, nexthop, s->tx, TX_L4 + l4len);
}
