/*
 * UDP (private): sockets bound to ports, a bounded queue of received
 * datagrams per socket, and the raw output the DHCP client shares.
 */
#ifndef TORITO_NET_UDP_UDP_H
#define TORITO_NET_UDP_UDP_H

#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>
#include <torito/net/types.h>

#include "net/api/sock.h"
#include "net/core/list.h"

struct ipv4_pkt;

struct udp_dgram {
	struct net_list link;
	struct net_addr from;
	uint32_t len;
	uint8_t data[];
};

struct udp_sock {
	struct net_sock sock; /* first: the handle */
	struct net_list link; /* stack->udp.socks */
	uint16_t port;	      /* 0 while unbound */
	struct net_addr peer; /* connect()ed destination, ip 0 if none */
	struct net_list rxq;
	uint32_t rx_bytes;
};

struct udp_table {
	struct net_list socks;
	uint16_t next_port;
};

void udp_init(struct net_stack *s);
void udp_fini(struct net_stack *s);
void udp_input(struct net_stack *s, const struct ipv4_pkt *pkt);

/* Sends len payload bytes already at s->tx + TX_L4 + UDP_HLEN. */
int udp_output(struct net_stack *s, uint16_t sport,
	       const struct net_addr *to, size_t len);

int udp_open(struct net_stack *s, struct net_sock **out) __must_check;
int udp_bind(struct udp_sock *u, uint16_t port) __must_check;
int udp_sendto(struct udp_sock *u, const void *buf, size_t len,
	       const struct net_addr *to) __must_check;
int udp_recvfrom(struct udp_sock *u, void *buf, size_t len,
		 struct net_addr *from) __must_check;
unsigned int udp_poll_mask(const struct udp_sock *u);
void udp_close(struct udp_sock *u);

#endif /* TORITO_NET_UDP_UDP_H */
