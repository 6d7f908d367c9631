/*
 * UDP (RFC 768): a list of bound sockets, each with a queue of received
 * datagrams bounded by udp_rcvbuf bytes (more are dropped and counted).
 * Datagrams for port 68 go to the DHCP client while it runs. The checksum
 * is checked when present and always sent. No ICMP port-unreachable is
 * sent for closed ports; there is no output fragmentation (-EMSGSIZE).
 */
#include <torito/errno.h>
#include <torito/string.h>

#include "net/core/priv.h"
#include "net/core/wire.h"

#define UDP_PORT_FIRST 49152u

void udp_init(struct net_stack *s)
{
	list_init(&s->udp.socks);
	s->udp.next_port = (uint16_t)(UDP_PORT_FIRST + stack_random(s) % 16384);
}

static void udp_drain(struct udp_sock *u)
{
	struct net_stack *s = u->sock.stack;
	struct net_list *pos, *tmp;

	list_for_each_safe(pos, tmp, &u->rxq) {
		struct udp_dgram *d = container_of(pos, struct udp_dgram, link);

		list_del(pos);
		net_free(s, d, sizeof(*d) + d->len);
	}
	u->rx_bytes = 0;
}

void udp_close(struct udp_sock *u)
{
	struct net_stack *s = u->sock.stack;

	udp_drain(u);
	list_del(&u->link);
	sock_forget(&u->sock);
	net_free(s, u, sizeof(*u));
}

void udp_fini(struct net_stack *s)
{
	struct net_list *pos, *tmp;

	list_for_each_safe(pos, tmp, &s->udp.socks)
		udp_close(container_of(pos, struct udp_sock, link));
}

static struct udp_sock *udp_find(struct net_stack *s, uint16_t port)
{
	struct net_list *pos, *tmp;

	list_for_each_safe(pos, tmp, &s->udp.socks) {
		struct udp_sock *u = container_of(pos, struct udp_sock, link);

		if (u->port == port)
			return u;
	}
	return NULL;
}

static bool udp_check(struct net_stack *s, const struct ipv4_pkt *pkt)
{
	uint32_t sum;

	if (pkt->len < UDP_HLEN || rd16(pkt->data + 4) < UDP_HLEN ||
	    rd16(pkt->data + 4) > pkt->len) {
		s->stats.udp_bad_length++;
		return false;
	}
	if (rd16(pkt->data + 6) == 0)
		return true; /* no checksum sent */
	sum = csum_pseudo(pkt->src, pkt->dst, IP_PROTO_UDP,
			  rd16(pkt->data + 4));
	if (csum_fold(csum_add(sum, pkt->data, rd16(pkt->data + 4))) != 0) {
		s->stats.udp_bad_checksum++;
		return false;
	}
	return true;
}

static void udp_enqueue(struct net_stack *s, struct udp_sock *u,
			const struct ipv4_pkt *pkt, const uint8_t *data,
			uint32_t len)
{
	struct udp_dgram *d;

	if (u->rx_bytes + len > s->cfg.udp_rcvbuf) {
		s->stats.udp_queue_full++;
		return;
	}
	d = net_alloc(s, sizeof(*d) + len);
	if (!d) {
		s->stats.udp_queue_full++;
		return;
	}
	d->from.ip = pkt->src;
	d->from.port = rd16(pkt->data);
	d->len = len;
	memcpy(d->data, data, len);
	list_add_tail(&u->rxq, &d->link);
	u->rx_bytes += len;
	sock_event(&u->sock, SOCK_EV_NOTIFY | SOCK_EV_READ);
}

void udp_input(struct net_stack *s, const struct ipv4_pkt *pkt)
{
	uint16_t dport;
	uint32_t len;
	struct udp_sock *u;

	s->stats.udp_rx++;
	if (!udp_check(s, pkt))
		return;
	dport = rd16(pkt->data + 2);
	len = rd16(pkt->data + 4) - UDP_HLEN;
	if (dport == DHCP_CLIENT_PORT && s->dhcp.state != NET_DHCP_OFF) {
		dhcp_input(s, pkt->src, pkt->data + UDP_HLEN, len);
		return;
	}
	u = s->ip.ip ? udp_find(s, dport) : NULL;
	if (!u) {
		s->stats.udp_no_socket++;
		return;
	}
	udp_enqueue(s, u, pkt, pkt->data + UDP_HLEN, len);
}

int udp_output(struct net_stack *s, uint16_t sport,
	       const struct net_addr *to, size_t len)
{
	uint8_t *h = s->tx + TX_L4;
	uint16_t ulen = (uint16_t)(UDP_HLEN + len);
	uint16_t sum;

	if (UDP_HLEN + len > ipv4_max_payload(s))
		return -EMSGSIZE;
	wr16(h, sport);
	wr16(h + 2, to->port);
	wr16(h + 4, ulen);
	wr16(h + 6, 0);
	sum = csum_fold(csum_add(csum_pseudo(s->ip.ip, to->ip, IP_PROTO_UDP,
					     ulen),
				 h, ulen));
	wr16(h + 6, sum ? sum : 0xffff);
	s->stats.udp_tx++;
	return ipv4_output(s, to->ip, IP_PROTO_UDP, ulen);
}

int udp_open(struct net_stack *s, struct net_sock **out)
{
	struct udp_sock *u = net_zalloc(s, sizeof(*u));

	if (!u)
		return -ENOMEM;
	sock_init(&u->sock, s, NET_SOCK_UDP);
	list_init(&u->rxq);
	list_add_tail(&s->udp.socks, &u->link);
	*out = &u->sock;
	return 0;
}

static int udp_port_pick(struct net_stack *s, uint16_t *out)
{
	for (uint32_t i = 0; i < 16384; i++) {
		uint16_t p = s->udp.next_port;

		s->udp.next_port = (uint16_t)(p == 65535u ? UDP_PORT_FIRST
							 : p + 1u);
		if (!udp_find(s, p)) {
			*out = p;
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

int udp_bind(struct udp_sock *u, uint16_t port)
{
	struct net_stack *s = u->sock.stack;

	if (u->port)
		return -EINVAL;
	if (!port)
		return udp_port_pick(s, &u->port);
	if (udp_find(s, port))
		return -EADDRINUSE;
	u->port = port;
	return 0;
}

int udp_sendto(struct udp_sock *u, const void *buf, size_t len,
	       const struct net_addr *to)
{
	struct net_stack *s = u->sock.stack;
	int rc;

	if (!to || !to->port)
		return -EDESTADDRREQ;
	if (UDP_HLEN + len > ipv4_max_payload(s))
		return -EMSGSIZE;
	if (!u->port) {
		rc = udp_bind(u, 0);
		if (rc < 0)
			return rc;
	}
	memcpy(s->tx + TX_L4 + UDP_HLEN, buf, len);
	rc = udp_output(s, u->port, to, len);
	return rc < 0 ? rc : (int)len;
}

int udp_recvfrom(struct udp_sock *u, void *buf, size_t len,
		 struct net_addr *from)
{
	struct net_stack *s = u->sock.stack;
	struct udp_dgram *d;
	uint32_t n;

	if (list_empty(&u->rxq))
		return -EAGAIN;
	d = container_of(u->rxq.next, struct udp_dgram, link);
	n = (uint32_t)MIN((size_t)d->len, len);
	memcpy(buf, d->data, n);
	if (from)
		*from = d->from;
	list_del(&d->link);
	u->rx_bytes -= d->len;
	net_free(s, d, sizeof(*d) + d->len);
	return (int)n;
}

unsigned int udp_poll_mask(const struct udp_sock *u)
{
	return NET_POLL_OUT | (list_empty(&u->rxq) ? 0 : NET_POLL_IN);
}
