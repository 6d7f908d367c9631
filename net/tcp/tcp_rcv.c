/*
 * TCP receive side: data goes straight into the receive ring at its
 * sequence offset, in order or not; up to TCP_OOO_MAX out-of-order ranges
 * are remembered and absorbed when the hole before them fills. The window
 * advertised is the free ring space (never more), rounded down to the
 * window scale; it never shrinks because the right edge only moves when
 * the application reads. Window updates follow receiver SWS avoidance
 * (RFC 1122 §4.2.3.3); ACKs are delayed for one segment (RFC 1122
 * §4.2.3.2, tcp_delack_ms) and immediate for out-of-order data, holes
 * filled, and a second segment. Orphans (closed handle) discard data.
 */
#include "net/core/priv.h"

uint32_t tcp_rcv_window(const struct tcp_conn *c)
{
	uint32_t space = c->rcv.size - c->rcv.len;
	uint32_t max = 65535u << c->rcv_ws;

	space = MIN(space, max);
	return space & ~((1u << c->rcv_ws) - 1);
}

/* Merges [start, end) into the out-of-order list; false if no room. */
static bool tcp_ooo_add(struct tcp_conn *c, uint32_t start, uint32_t end)
{
	for (uint8_t i = 0; i < c->n_ooo; i++) {
		struct tcp_ooo *o = &c->ooo[i];

		if (SEQ_GT(start, o->end) || SEQ_LT(end, o->start))
			continue;
		if (SEQ_LT(start, o->start))
			o->start = start;
		if (SEQ_GT(end, o->end))
			o->end = end;
		return true; /* neighbours merge as the hole fills */
	}
	if (c->n_ooo == TCP_OOO_MAX)
		return false;
	c->ooo[c->n_ooo].start = start;
	c->ooo[c->n_ooo].end = end;
	c->n_ooo++;
	return true;
}

/* Moves rcv_nxt over ranges that now touch it; true if any did. */
static bool tcp_ooo_absorb(struct tcp_conn *c)
{
	bool any = false, again = true;

	while (again) {
		again = false;
		for (uint8_t i = 0; i < c->n_ooo; i++) {
			struct tcp_ooo *o = &c->ooo[i];

			if (SEQ_GT(o->start, c->rcv_nxt))
				continue;
			if (SEQ_GT(o->end, c->rcv_nxt)) {
				c->rcv.len += o->end - c->rcv_nxt;
				c->rcv_nxt = o->end;
			}
			*o = c->ooo[--c->n_ooo];
			again = any = true;
			break;
		}
	}
	return any;
}

static void tcp_ack_policy(struct tcp_conn *c, bool filled_hole)
{
	struct net_stack *s = c->sock.stack;

	if (filled_hole || ++c->segs_unacked >= 2) {
		c->flags |= TF_ACK_NOW;
		return;
	}
	if (!(c->flags & TF_DELACK)) {
		c->flags |= TF_DELACK;
		tcp_timer_set(c, &c->t_delack, s->cfg.tcp_delack_ms);
	}
}

static void tcp_rcv_in_order(struct tcp_conn *c, uint32_t n)
{
	bool filled;

	c->rcv.len += n;
	c->rcv_nxt += n;
	filled = tcp_ooo_absorb(c);
	tcp_ack_policy(c, filled);
	/* An orphan discards; a child not yet accepted keeps its data. */
	if ((c->sock.flags & SOCK_F_CLOSED) && !c->parent) {
		tcp_ring_consume(&c->rcv, c->rcv.len);
		return;
	}
	if (c->idle_ms)
		tcp_timer_set(c, &c->t_idle, c->idle_ms);
	sock_event(&c->sock, SOCK_EV_NOTIFY | SOCK_EV_READ);
}

void tcp_rcv_data(struct tcp_conn *c, const struct tcp_seg *g)
{
	struct net_stack *s = c->sock.stack;
	uint32_t off = g->seq - c->rcv_nxt;
	uint32_t space = c->rcv.size - c->rcv.len;
	uint32_t n;

	if (!c->rcv.buf || off >= space) {
		s->stats.tcp_ooo_dropped += off != 0;
		c->flags |= TF_ACK_NOW;
		return;
	}
	n = MIN(g->len, space - off);
	if (n < g->len)
		s->stats.tcp_rcv_trimmed++;
	tcp_ring_put(&c->rcv, off, g->data, n);
	if (off == 0) {
		tcp_rcv_in_order(c, n);
		return;
	}
	s->stats.tcp_ooo_segments++;
	if (!tcp_ooo_add(c, g->seq, g->seq + n))
		s->stats.tcp_ooo_dropped++;
	c->flags |= TF_ACK_NOW; /* a duplicate ACK for fast retransmit */
}

/* After the application read: open the window if it grew enough. */
void tcp_rcv_read_done(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;
	uint32_t adv = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt
						       : 0;
	uint32_t wnd = tcp_rcv_window(c);
	uint32_t mss = s->cfg.mtu - 40u;

	if (!tcp_synchronized(c) || wnd <= adv)
		return;
	if (wnd - adv >= MIN(c->rcv.size / 2, mss)) {
		c->flags |= TF_ACK_NOW;
		tcp_output(c);
	}
}
