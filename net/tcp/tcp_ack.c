/*
 * TCP acknowledgement processing: completing a passive open (SYN_RCVD →
 * ESTABLISHED, buffers allocated only now), the RFC 5961 §5.2 ACK range
 * check, freeing acknowledged send data, RTT samples (RFC 6298, Karn's rule
 * via a single timed segment), congestion control (RFC 5681 slow start and
 * congestion avoidance, RFC 6582 NewReno fast retransmit/recovery on three
 * duplicate ACKs), send window updates (RFC 793 SND.WL1/WL2), and the state
 * changes an acknowledged FIN causes.
 */
#include <torito/errno.h>

#include "net/core/priv.h"

#define TCP_CWND_MAX (1u << 30)

void tcp_cc_init(struct tcp_conn *c)
{
	/* RFC 3390 initial window. */
	c->cwnd = MIN(4u * c->mss, MAX(2u * c->mss, 4380u));
	c->ssthresh = TCP_CWND_MAX;
	c->flags &= ~TF_RECOVERY;
	c->dupacks = 0;
}

static uint32_t tcp_half_flight(const struct tcp_conn *c)
{
	return MAX((c->snd_max - c->snd_una) / 2, 2u * c->mss);
}

void tcp_cc_timeout(struct tcp_conn *c)
{
	c->ssthresh = tcp_half_flight(c);
	c->cwnd = c->mss;
	c->flags &= ~(TF_RECOVERY | TF_RTT);
	c->dupacks = 0;
}

void tcp_rtt_sample(struct tcp_conn *c, uint32_t rtt)
{
	struct net_stack *s = c->sock.stack;
	uint32_t rto;

	if (c->srtt8 == 0) {
		c->srtt8 = rtt << 3;
		c->rttvar4 = rtt << 1; /* rttvar = rtt / 2 */
	} else {
		int32_t delta = (int32_t)rtt - (int32_t)(c->srtt8 >> 3);

		if (delta < 0)
			delta = -delta;
		/* rttvar = 3/4 rttvar + 1/4 |delta|; srtt = 7/8 srtt + 1/8 r */
		c->rttvar4 = c->rttvar4 - (c->rttvar4 >> 2) + (uint32_t)delta;
		c->srtt8 = c->srtt8 - (c->srtt8 >> 3) + rtt;
	}
	rto = (c->srtt8 >> 3) + MAX(1u, c->rttvar4);
	c->rto = MIN(MAX(rto, s->cfg.tcp_rto_min_ms), s->cfg.tcp_rto_max_ms);
}

bool tcp_fin_acked(const struct tcp_conn *c)
{
	return (c->flags & TF_FIN_SENT) && c->snd.len == 0 &&
	       c->snd_una == c->snd_max;
}

/* SYN_RCVD → ESTABLISHED for a passive open; false if it had to drop. */
bool tcp_passive_established(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;
	struct tcp_conn *l = c->parent;

	/* Accept queue full: ignore the ACK; the SYN-ACK retransmission or
	 * the peer's next segment tries again (Linux does the same). */
	if (l && !(l->sock.flags & SOCK_F_SERVICE) &&
	    l->n_acceptq >= l->backlog) {
		s->stats.tcp_backlog_full++;
		return false;
	}
	if (tcp_conn_buffers(c) < 0) {
		tcp_drop(c, -ENOMEM);
		return false;
	}
	c->state = NET_TCP_ESTABLISHED;
	s->stats.tcp_established++;
	tcp_keepalive_reset(c);
	if (!l) { /* simultaneous open of an active socket */
		sock_event(&c->sock, SOCK_EV_NOTIFY);
		return true;
	}
	tcp_unqueue(c);
	if (l->sock.flags & SOCK_F_SERVICE) {
		c->sock.svc = l->sock.svc;
		c->sock.flags = SOCK_F_SERVICE;
		sock_event(&c->sock, SOCK_EV_ACCEPT);
		return true;
	}
	c->parent = l;
	c->inq = TCP_INQ_ACCEPT;
	list_add_tail(&l->acceptq, &c->qlink);
	l->n_acceptq++;
	sock_event(&l->sock, SOCK_EV_NOTIFY);
	return true;
}

static void tcp_cc_newack(struct tcp_conn *c, uint32_t acked)
{
	if (c->flags & TF_RECOVERY) {
		if (SEQ_GEQ(c->snd_una, c->recover)) {
			c->cwnd = MIN(c->ssthresh,
				      (c->snd_max - c->snd_una) + c->mss);
			c->flags &= ~TF_RECOVERY;
		} else {
			/* Partial ACK: the next hole is lost too. */
			tcp_retransmit_first(c);
			c->cwnd = (acked < c->cwnd ? c->cwnd - acked : 0) +
				  c->mss;
		}
		c->dupacks = 0;
		return;
	}
	c->dupacks = 0;
	if (c->cwnd < c->ssthresh)
		c->cwnd += MIN(acked, (uint32_t)c->mss);
	else
		c->cwnd += MAX(1u, (uint32_t)c->mss * c->mss / c->cwnd);
	c->cwnd = MIN(c->cwnd, TCP_CWND_MAX);
}

static void tcp_free_acked(struct tcp_conn *c, uint32_t ack)
{
	uint32_t n;

	if (!SEQ_GT(ack, c->snd_base) || !c->snd.buf)
		return;
	n = MIN(ack - c->snd_base, c->snd.len);
	tcp_ring_consume(&c->snd, n);
	c->snd_base += n;
	if (n) {
		sock_event(&c->sock, SOCK_EV_NOTIFY);
		if (c->flags & TF_SND_FULL) {
			c->flags &= ~TF_SND_FULL;
			sock_event(&c->sock, SOCK_EV_WRITE);
		}
	}
}

static void tcp_new_ack(struct tcp_conn *c, const struct tcp_seg *g)
{
	struct net_stack *s = c->sock.stack;
	uint32_t acked = g->ack - c->snd_una;

	if ((c->flags & TF_RTT) && SEQ_GT(g->ack, c->rtt_seq)) {
		tcp_rtt_sample(c, (uint32_t)(s->now - c->rtt_start));
		c->flags &= ~TF_RTT;
	}
	c->snd_una = g->ack;
	if (SEQ_LT(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	tcp_free_acked(c, g->ack);
	c->retries = 0;
	tcp_cc_newack(c, acked);
	if (c->snd_una == c->snd_max)
		c->t_rexmit = 0;
	else
		tcp_timer_set(c, &c->t_rexmit, c->rto);
}

static void tcp_dup_ack(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;

	if (++c->dupacks == 3 && !(c->flags & TF_RECOVERY)) {
		s->stats.tcp_fast_retransmits++;
		c->ssthresh = tcp_half_flight(c);
		c->recover = c->snd_max;
		c->flags |= TF_RECOVERY;
		c->flags &= ~TF_RTT;
		tcp_retransmit_first(c);
		c->cwnd = c->ssthresh + 3u * c->mss;
	} else if (c->dupacks > 3 && (c->flags & TF_RECOVERY)) {
		c->cwnd = MIN(c->cwnd + c->mss, TCP_CWND_MAX);
	}
}

static bool tcp_is_dup_ack(const struct tcp_conn *c, const struct tcp_seg *g)
{
	return g->ack == c->snd_una && g->len == 0 &&
	       !(g->flags & (TH_SYN | TH_FIN)) && c->snd_max != c->snd_una &&
	       (g->wnd << c->snd_ws) == c->snd_wnd;
}

static void tcp_window_update(struct tcp_conn *c, const struct tcp_seg *g)
{
	if (!(SEQ_LT(c->snd_wl1, g->seq) ||
	      (c->snd_wl1 == g->seq && SEQ_LEQ(c->snd_wl2, g->ack))))
		return;
	c->snd_wnd = g->wnd << c->snd_ws;
	c->max_sndwnd = MAX(c->max_sndwnd, c->snd_wnd);
	c->snd_wl1 = g->seq;
	c->snd_wl2 = g->ack;
	if (c->snd_wnd)
		c->t_persist = 0;
}

/* State changes once our FIN is acknowledged; false if conn closed. */
static bool tcp_fin_ack_state(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;

	if (!tcp_fin_acked(c))
		return true;
	switch (c->state) {
	case NET_TCP_FIN_WAIT_1:
		c->state = NET_TCP_FIN_WAIT_2;
		if (c->sock.flags & SOCK_F_CLOSED)
			tcp_timer_set(c, &c->t_close, s->cfg.tcp_fin_wait2_ms);
		break;
	case NET_TCP_CLOSING:
		tcp_enter_time_wait(c);
		break;
	case NET_TCP_LAST_ACK:
		tcp_closed(c, 0);
		return false;
	default:
		break;
	}
	return true;
}

/* RFC 5961 §5.2: acceptable ACKs lie in [snd_una - max_sndwnd, snd_max]. */
static bool tcp_ack_in_range(struct tcp_conn *c, const struct tcp_seg *g)
{
	struct net_stack *s = c->sock.stack;

	if (SEQ_LEQ(g->ack, c->snd_max) &&
	    SEQ_GEQ(g->ack, c->snd_una - c->max_sndwnd))
		return true;
	s->stats.tcp_bad_ack++;
	tcp_challenge_ack(c);
	return false;
}

bool tcp_ack_input(struct tcp_conn *c, const struct tcp_seg *g)
{
	if (c->state == NET_TCP_SYN_RCVD) {
		if (SEQ_LEQ(g->ack, c->snd_una) ||
		    SEQ_GT(g->ack, c->snd_max)) {
			tcp_send_rst_for(c->sock.stack, g);
			return false;
		}
		if (!tcp_passive_established(c))
			return false;
	}
	if (!tcp_ack_in_range(c, g))
		return false;
	if (SEQ_GT(g->ack, c->snd_una))
		tcp_new_ack(c, g);
	else if (tcp_is_dup_ack(c, g))
		tcp_dup_ack(c);
	tcp_window_update(c, g);
	return tcp_fin_ack_state(c);
}
