/*
 * IPv4, fragment reassembly and ICMP (private). ipv4_input validates a
 * datagram and passes a struct ipv4_pkt up (after reassembly if it was
 * fragmented); transports write their header and payload at s->tx + TX_L4
 * and call ipv4_output, which adds the IP header and routes.
 */
#ifndef TORITO_NET_IP_IP_H
#define TORITO_NET_IP_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>
#include <torito/net/types.h>

struct net_stack;

/* A received datagram as transports see it. */
struct ipv4_pkt {
	net_ip4_t src;
	net_ip4_t dst;
	uint8_t proto;
	bool to_broadcast; /* limited or subnet broadcast destination */
	const uint8_t *data; /* transport header and payload */
	uint32_t len;
};

struct ipfrag_slot {
	net_ip4_t src, dst;
	uint16_t id;
	uint8_t proto;
	bool used;
	bool to_broadcast;
	uint32_t total;	  /* payload length, 0 until the last fragment */
	uint64_t expires;
	uint8_t *buf;	  /* frag_max_len bytes, then the 8-byte-unit bitmap */
};

struct ipfrag_table {
	struct ipfrag_slot *slots;
};

void ipv4_input(struct net_stack *s, const uint8_t *p, size_t len);

/* Passes a (reassembled) datagram to its transport. */
void ipv4_deliver(struct net_stack *s, const struct ipv4_pkt *pkt);

/*
 * Sends the l4len bytes at s->tx + TX_L4 to dst with protocol proto.
 * Returns 0 (sent or held for ARP), -ENETUNREACH (no address/route),
 * -EAGAIN/-ENOSPC (xmit full), other xmit errors. Like every output
 * function here it is not __must_check: a failed send is a lost packet,
 * counted, and recovered (or not) as on the wire; TCP looks at the result
 * to keep data it could not send.
 */
int ipv4_output(struct net_stack *s, net_ip4_t dst, uint8_t proto,
		size_t l4len);

/* Largest transport segment (header included) ipv4_output takes. */
size_t ipv4_max_payload(const struct net_stack *s);

/* True for addresses a source must never have. */
bool ipv4_bad_source(const struct net_stack *s, net_ip4_t ip);

/* True if ip is a broadcast address for our interface. */
bool ipv4_is_broadcast(const struct net_stack *s, net_ip4_t ip);

int ipfrag_init(struct net_stack *s) __must_check;
void ipfrag_fini(struct net_stack *s);

/* Takes one fragment; delivers the datagram when it is complete. */
void ipfrag_input(struct net_stack *s, const struct ipv4_pkt *frag,
		  uint16_t id, uint32_t offset, bool more);
uint64_t ipfrag_poll(struct net_stack *s);

void icmp_input(struct net_stack *s, const struct ipv4_pkt *pkt);

#endif /* TORITO_NET_IP_IP_H */
