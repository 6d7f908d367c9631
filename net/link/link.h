/*
 * Ethernet framing and ARP (private). eth_input demultiplexes received
 * frames; ipv4 output hands finished frames to arp_output, which fills the
 * Ethernet header once the next hop's MAC is known, or holds a copy of the
 * frame (bounded) while an ARP request is outstanding.
 */
#ifndef TORITO_NET_LINK_LINK_H
#define TORITO_NET_LINK_LINK_H

#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>
#include <torito/net/types.h>

#include "net/core/list.h"

struct net_stack;

enum arp_state {
	ARP_FREE,
	ARP_PENDING,
	ARP_VALID,
};

struct arp_entry {
	net_ip4_t ip;
	struct net_mac mac;
	uint8_t state;
	uint8_t tries;	 /* requests sent while pending */
	uint8_t queued;	 /* frames in queue */
	uint64_t expires; /* VALID: lifetime end; PENDING: next request */
	struct net_list queue;
};

struct arp_table {
	struct arp_entry *entries;
	uint16_t size;
};

/* A frame held while its next hop resolves; data follows the header. */
struct arp_held {
	struct net_list link;
	uint32_t len;
	uint8_t data[];
};

void eth_input(struct net_stack *s, const uint8_t *f, size_t len);

/* Writes the Ethernet header at frame[0..13] and sends it. */
int eth_xmit(struct net_stack *s, uint8_t *frame, size_t len,
	     const struct net_mac *dst, uint16_t type);

int eth_xmit_broadcast(struct net_stack *s, uint8_t *frame, size_t len,
		       uint16_t type);

int arp_init(struct net_stack *s) __must_check;
void arp_fini(struct net_stack *s);
void arp_input(struct net_stack *s, const uint8_t *p, size_t len);

/*
 * Sends an IPv4 frame (Ethernet header space at frame[0..13]) to nexthop:
 * at once if its MAC is cached, else holds a copy and asks. Returns 0 when
 * sent, held, or dropped because too many frames wait (counted: the frame
 * is lost like on the wire), else xmit's error. frame may be s->tx, which
 * is clobbered.
 */
int arp_output(struct net_stack *s, net_ip4_t nexthop, uint8_t *frame,
	       size_t len);

/* Retries requests, expires entries; returns the next deadline. */
uint64_t arp_poll(struct net_stack *s);

/* Announces our address (gratuitous request) after configuration. */
void arp_announce(struct net_stack *s);

/* Drops every entry (address change). */
void arp_flush(struct net_stack *s);

#endif /* TORITO_NET_LINK_LINK_H */
