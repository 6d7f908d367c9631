/*
 * ARP for IPv4 over Ethernet (RFC 826): answers requests for our address,
 * learns senders that ask for us (the RFC's merge step), and resolves next
 * hops for ipv4_output. While a next hop is unresolved up to arp_queue_max
 * frames are held (copies); a request goes out every arp_retry_ms, and
 * after arp_retries the held frames are dropped and counted. Entries live
 * arp_timeout_ms and are re-resolved when used after that. The table is a
 * fixed array: when it is full the oldest valid entry is replaced.
 * No proxy ARP, no RFC 5227 conflict defence beyond counting.
 */
#include <torito/errno.h>
#include <torito/string.h>

#include "net/core/priv.h"
#include "net/core/wire.h"

#define ARP_LEN 28
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

int arp_init(struct net_stack *s)
{
	struct arp_table *t = &s->arp;

	t->size = s->cfg.arp_cache_size;
	t->entries = net_zalloc(s, t->size * sizeof(*t->entries));
	if (!t->entries)
		return -ENOMEM;
	for (uint16_t i = 0; i < t->size; i++)
		list_init(&t->entries[i].queue);
	return 0;
}

/* Frees held frames; returns how many there were. */
static uint32_t arp_queue_drop(struct net_stack *s, struct arp_entry *e)
{
	struct net_list *pos, *tmp;
	uint32_t n = 0;

	list_for_each_safe(pos, tmp, &e->queue) {
		struct arp_held *h = container_of(pos, struct arp_held, link);

		list_del(pos);
		net_free(s, h, sizeof(*h) + h->len);
		n++;
	}
	e->queued = 0;
	return n;
}

static void arp_entry_free(struct net_stack *s, struct arp_entry *e)
{
	s->stats.arp_unresolved += arp_queue_drop(s, e);
	e->state = ARP_FREE;
}

void arp_flush(struct net_stack *s)
{
	for (uint16_t i = 0; i < s->arp.size; i++)
		if (s->arp.entries[i].state != ARP_FREE)
			arp_entry_free(s, &s->arp.entries[i]);
}

void arp_fini(struct net_stack *s)
{
	if (!s->arp.entries)
		return;
	arp_flush(s);
	net_free(s, s->arp.entries, s->arp.size * sizeof(*s->arp.entries));
	s->arp.entries = NULL;
}

static struct arp_entry *arp_find(struct net_stack *s, net_ip4_t ip)
{
	for (uint16_t i = 0; i < s->arp.size; i++) {
		struct arp_entry *e = &s->arp.entries[i];

		if (e->state != ARP_FREE && e->ip == ip)
			return e;
	}
	return NULL;
}

/* A free entry, else the valid one closest to expiry, else entry 0. */
static struct arp_entry *arp_victim(struct net_stack *s)
{
	struct arp_entry *best = NULL;

	for (uint16_t i = 0; i < s->arp.size; i++) {
		struct arp_entry *e = &s->arp.entries[i];

		if (e->state == ARP_FREE)
			return e;
		if (e->state == ARP_VALID &&
		    (!best || e->expires < best->expires))
			best = e;
	}
	s->stats.arp_evict++;
	best = best ? best : &s->arp.entries[0];
	arp_entry_free(s, best);
	return best;
}

static void arp_send(struct net_stack *s, uint16_t op,
		     const struct net_mac *tha, net_ip4_t tpa)
{
	static const struct net_mac zero;
	uint8_t *p = s->tx + ETH_HLEN;

	wr16(p, 1);
	wr16(p + 2, ETH_TYPE_IPV4);
	p[4] = 6;
	p[5] = 4;
	wr16(p + 6, op);
	memcpy(p + 8, s->cfg.mac.b, 6);
	wr32(p + 14, s->ip.ip);
	memcpy(p + 18, op == ARP_OP_REPLY ? tha->b : zero.b, 6);
	wr32(p + 24, tpa);
	if (op == ARP_OP_REPLY) {
		s->stats.arp_reply_out++;
		eth_xmit(s, s->tx, ETH_HLEN + ARP_LEN, tha, ETH_TYPE_ARP);
	} else {
		s->stats.arp_request_out++;
		eth_xmit_broadcast(s, s->tx, ETH_HLEN + ARP_LEN,
				   ETH_TYPE_ARP);
	}
}

void arp_announce(struct net_stack *s)
{
	if (s->ip.ip)
		arp_send(s, ARP_OP_REQUEST, NULL, s->ip.ip);
}

/* The entry resolved: record the MAC and send what was held. */
static void arp_resolved(struct net_stack *s, struct arp_entry *e,
			 const uint8_t *mac)
{
	struct net_list *pos, *tmp;

	memcpy(e->mac.b, mac, 6);
	e->state = ARP_VALID;
	e->expires = stack_after(s, s->cfg.arp_timeout_ms);
	list_for_each_safe(pos, tmp, &e->queue) {
		struct arp_held *h = container_of(pos, struct arp_held, link);

		list_del(pos);
		eth_xmit(s, h->data, h->len, &e->mac, ETH_TYPE_IPV4);
		net_free(s, h, sizeof(*h) + h->len);
	}
	e->queued = 0;
}

static bool arp_header_valid(const uint8_t *p, size_t len)
{
	uint16_t op;

	if (len < ARP_LEN || rd16(p) != 1 || rd16(p + 2) != ETH_TYPE_IPV4 ||
	    p[4] != 6 || p[5] != 4)
		return false;
	op = rd16(p + 6);
	/* The sender hardware address must be a unicast MAC. */
	return (op == ARP_OP_REQUEST || op == ARP_OP_REPLY) &&
	       (p[8] & 1) == 0;
}

static void arp_learn(struct net_stack *s, net_ip4_t spa, const uint8_t *sha,
		      bool create)
{
	struct arp_entry *e = arp_find(s, spa);

	if (!e && !create)
		return;
	if (!e) {
		e = arp_victim(s);
		e->ip = spa;
		list_init(&e->queue);
	}
	arp_resolved(s, e, sha);
}

void arp_input(struct net_stack *s, const uint8_t *p, size_t len)
{
	net_ip4_t spa, tpa;
	struct net_mac sha;

	s->stats.arp_rx++;
	if (!arp_header_valid(p, len)) {
		s->stats.arp_bad++;
		return;
	}
	memcpy(sha.b, p + 8, 6);
	spa = rd32(p + 14);
	tpa = rd32(p + 24);
	if (s->ip.ip && spa == s->ip.ip) {
		s->stats.arp_conflict++;
		return;
	}
	if (!s->ip.ip || tpa != s->ip.ip) {
		if (spa && !ipv4_bad_source(s, spa))
			arp_learn(s, spa, sha.b, false);
		s->stats.arp_not_for_us++;
		return;
	}
	if (spa && !ipv4_bad_source(s, spa))
		arp_learn(s, spa, sha.b, true);
	if (rd16(p + 6) == ARP_OP_REQUEST) {
		s->stats.arp_request_in++;
		arp_send(s, ARP_OP_REPLY, &sha, spa);
	} else {
		s->stats.arp_reply_in++;
	}
}

static void arp_hold(struct net_stack *s, struct arp_entry *e,
		     const uint8_t *frame, size_t len)
{
	struct arp_held *h;

	if (e->queued >= s->cfg.arp_queue_max) {
		s->stats.arp_queue_full++;
		return;
	}
	h = net_alloc(s, sizeof(*h) + len);
	if (!h) {
		s->stats.arp_queue_full++;
		return;
	}
	h->len = (uint32_t)len;
	memcpy(h->data, frame, len);
	list_add_tail(&e->queue, &h->link);
	e->queued++;
}

/* Makes e (or a new entry) pending for ip; the caller sends the request. */
static struct arp_entry *arp_pending(struct net_stack *s, struct arp_entry *e,
				     net_ip4_t ip)
{
	if (!e) {
		e = arp_victim(s);
		list_init(&e->queue);
	}
	e->ip = ip;
	e->state = ARP_PENDING;
	e->tries = 0;
	return e;
}

int arp_output(struct net_stack *s, net_ip4_t nexthop, uint8_t *frame,
	       size_t len)
{
	struct arp_entry *e;

	if (ipv4_is_broadcast(s, nexthop))
		return eth_xmit_broadcast(s, frame, len, ETH_TYPE_IPV4);
	e = arp_find(s, nexthop);
	if (e && e->state == ARP_VALID && e->expires > s->now)
		return eth_xmit(s, frame, len, &e->mac, ETH_TYPE_IPV4);
	if (!e || e->state != ARP_PENDING)
		e = arp_pending(s, e, nexthop);
	/* Hold first: the request is built in s->tx, which frame may be. */
	arp_hold(s, e, frame, len);
	if (e->tries == 0) {
		e->tries = 1;
		e->expires = stack_after(s, s->cfg.arp_retry_ms);
		stack_timer(s, e->expires);
		arp_send(s, ARP_OP_REQUEST, NULL, nexthop);
	}
	return 0;
}

static uint64_t arp_entry_poll(struct net_stack *s, struct arp_entry *e)
{
	if (e->state != ARP_PENDING)
		return NET_DEADLINE_NONE;
	if (!timer_due(e->expires, s->now))
		return e->expires;
	if (e->tries >= s->cfg.arp_retries) {
		arp_entry_free(s, e);
		return NET_DEADLINE_NONE;
	}
	e->tries++;
	e->expires = stack_after(s, s->cfg.arp_retry_ms);
	arp_send(s, ARP_OP_REQUEST, NULL, e->ip);
	return e->expires;
}

uint64_t arp_poll(struct net_stack *s)
{
	uint64_t d = NET_DEADLINE_NONE;

	for (uint16_t i = 0; i < s->arp.size; i++)
		d = timer_min(d, arp_entry_poll(s, &s->arp.entries[i]));
	return d;
}
