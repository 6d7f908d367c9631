/*
 * Wire helpers (private): big-endian loads and stores on byte pointers
 * (no alignment assumed) and the Internet checksum (RFC 1071). Header
 * sizes and offsets every layer shares live here too.
 */
#ifndef TORITO_NET_CORE_WIRE_H
#define TORITO_NET_CORE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <torito/net/types.h>

#define ETH_HLEN 14
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define IP_HLEN 20
#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define UDP_HLEN 8
#define TCP_HLEN 20

/* Where each layer writes into the stack's transmit buffer. */
#define TX_L3 ETH_HLEN
#define TX_L4 (ETH_HLEN + IP_HLEN)

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Adds len bytes to a running one's-complement sum (odd len only last). */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);

/* Folds a running sum to the 16-bit checksum field value. */
uint16_t csum_fold(uint32_t sum);

/* The TCP/UDP pseudo-header sum (RFC 793 §3.1, RFC 768). */
uint32_t csum_pseudo(net_ip4_t src, net_ip4_t dst, uint8_t proto,
		     uint16_t len);

#endif /* TORITO_NET_CORE_WIRE_H */
