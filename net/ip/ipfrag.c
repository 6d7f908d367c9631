/*
 * IPv4 fragment reassembly (RFC 791 §3.2, RFC 815's idea with a bitmap):
 * frag_slots datagrams at once, each in a frag_max_len buffer with one bit
 * per 8-byte unit received. A datagram completes when its last fragment
 * has fixed the length and every unit up to it is present; it is then
 * delivered as if it had arrived whole. Memory is bounded by
 * frag_slots * (frag_max_len + frag_max_len / 64): a new datagram evicts
 * the oldest slot when all are busy, and a slot dies after
 * frag_timeout_ms. Overlaps are accepted (later bytes win); inconsistent
 * lengths drop the datagram. No ICMP time-exceeded is sent.
 */
#include <torito/errno.h>
#include <torito/string.h>

#include "net/core/priv.h"
#include "net/core/wire.h"

static uint32_t frag_units(uint32_t bytes)
{
	return (bytes + 7) / 8;
}

static size_t frag_buf_size(const struct net_stack *s)
{
	uint32_t max = s->cfg.frag_max_len;

	return max + (frag_units(max) + 7) / 8;
}

int ipfrag_init(struct net_stack *s)
{
	if (!s->cfg.frag_slots)
		return 0;
	s->frag.slots =
		net_zalloc(s, s->cfg.frag_slots * sizeof(*s->frag.slots));
	return s->frag.slots ? 0 : -ENOMEM;
}

static void frag_slot_free(struct net_stack *s, struct ipfrag_slot *f)
{
	net_free(s, f->buf, frag_buf_size(s));
	f->buf = NULL;
	f->used = false;
}

void ipfrag_fini(struct net_stack *s)
{
	if (!s->frag.slots)
		return;
	for (uint8_t i = 0; i < s->cfg.frag_slots; i++)
		if (s->frag.slots[i].used)
			frag_slot_free(s, &s->frag.slots[i]);
	net_free(s, s->frag.slots, s->cfg.frag_slots * sizeof(*s->frag.slots));
	s->frag.slots = NULL;
}

static bool frag_match(const struct ipfrag_slot *f, const struct ipv4_pkt *p,
		       uint16_t id)
{
	return f->used && f->id == id && f->src == p->src &&
	       f->dst == p->dst && f->proto == p->proto;
}

/* A free slot, else the oldest one (evicted). */
static struct ipfrag_slot *frag_victim(struct net_stack *s)
{
	struct ipfrag_slot *old = &s->frag.slots[0];

	for (uint8_t i = 0; i < s->cfg.frag_slots; i++) {
		struct ipfrag_slot *f = &s->frag.slots[i];

		if (!f->used)
			return f;
		if (f->expires < old->expires)
			old = f;
	}
	s->stats.ip_frag_dropped++;
	frag_slot_free(s, old);
	return old;
}

static struct ipfrag_slot *frag_slot(struct net_stack *s,
				     const struct ipv4_pkt *p, uint16_t id)
{
	struct ipfrag_slot *f;

	for (uint8_t i = 0; i < s->cfg.frag_slots; i++)
		if (frag_match(&s->frag.slots[i], p, id))
			return &s->frag.slots[i];
	f = frag_victim(s);
	f->buf = net_zalloc(s, frag_buf_size(s));
	if (!f->buf) {
		s->stats.ip_frag_dropped++;
		return NULL;
	}
	f->used = true;
	f->id = id;
	f->src = p->src;
	f->dst = p->dst;
	f->proto = p->proto;
	f->to_broadcast = p->to_broadcast;
	f->total = 0;
	f->expires = stack_after(s, s->cfg.frag_timeout_ms);
	stack_timer(s, f->expires);
	return f;
}

static uint8_t *frag_bitmap(const struct net_stack *s,
			    const struct ipfrag_slot *f)
{
	return f->buf + s->cfg.frag_max_len;
}

static void frag_mark(struct net_stack *s, struct ipfrag_slot *f,
		      uint32_t off, uint32_t len)
{
	uint8_t *bm = frag_bitmap(s, f);

	for (uint32_t u = off / 8; u < frag_units(off + len); u++)
		bm[u / 8] |= (uint8_t)(1u << (u % 8));
}

/* True if any unit at or past unit 'from' is marked. */
static bool frag_marked_from(struct net_stack *s, struct ipfrag_slot *f,
			     uint32_t from)
{
	uint8_t *bm = frag_bitmap(s, f);

	for (uint32_t u = from; u < frag_units(s->cfg.frag_max_len); u++)
		if (bm[u / 8] & (1u << (u % 8)))
			return true;
	return false;
}

static bool frag_complete(struct net_stack *s, struct ipfrag_slot *f)
{
	uint8_t *bm = frag_bitmap(s, f);

	if (!f->total)
		return false;
	for (uint32_t u = 0; u < frag_units(f->total); u++)
		if (!(bm[u / 8] & (1u << (u % 8))))
			return false;
	return true;
}

/* Records the datagram length from its last fragment; false if it
 * contradicts what was seen before. */
static bool frag_set_total(struct net_stack *s, struct ipfrag_slot *f,
			   uint32_t end)
{
	if (f->total)
		return f->total == end;
	f->total = end;
	return !frag_marked_from(s, f, frag_units(end));
}

static void frag_deliver(struct net_stack *s, struct ipfrag_slot *f)
{
	struct ipv4_pkt pkt = {
		.src = f->src,
		.dst = f->dst,
		.proto = f->proto,
		.to_broadcast = f->to_broadcast,
		.data = f->buf,
		.len = f->total,
	};

	s->stats.ip_frag_reassembled++;
	ipv4_deliver(s, &pkt);
	frag_slot_free(s, f);
}

void ipfrag_input(struct net_stack *s, const struct ipv4_pkt *frag,
		  uint16_t id, uint32_t offset, bool more)
{
	uint32_t end = offset + frag->len;
	struct ipfrag_slot *f;

	if ((more && (frag->len == 0 || frag->len % 8)) ||
	    end > s->cfg.frag_max_len || !s->frag.slots) {
		s->stats.ip_frag_bad++;
		return;
	}
	f = frag_slot(s, frag, id);
	if (!f)
		return;
	if ((!more && !frag_set_total(s, f, end)) ||
	    (f->total && end > f->total)) {
		s->stats.ip_frag_bad++;
		frag_slot_free(s, f);
		return;
	}
	memcpy(f->buf + offset, frag->data, frag->len);
	frag_mark(s, f, offset, frag->len);
	if (frag_complete(s, f))
		frag_deliver(s, f);
}

uint64_t ipfrag_poll(struct net_stack *s)
{
	uint64_t d = NET_DEADLINE_NONE;

	for (uint8_t i = 0; s->frag.slots && i < s->cfg.frag_slots; i++) {
		struct ipfrag_slot *f = &s->frag.slots[i];

		if (!f->used)
			continue;
		if (timer_due(f->expires, s->now)) {
			s->stats.ip_frag_timeout++;
			frag_slot_free(s, f);
		} else {
			d = timer_min(d, f->expires);
		}
	}
	return d;
}
