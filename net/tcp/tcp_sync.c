/*
 * TCP input, second half: segments for SYN_RCVD and the synchronized
 * states, in RFC 793 §3.9 order ("otherwise" branch): sequence
 * acceptability and trimming to the window, RST, SYN, ACK (tcp_ack.c),
 * data (tcp_rcv.c), FIN; then output. RST and SYN follow RFC 5961: only a
 * RST exactly at rcv_nxt resets, an in-window RST or any SYN draws a
 * rate-limited challenge ACK. URG is ignored (data is delivered inline).
 */
#include <torito/errno.h>

#include "net/core/priv.h"

/* The receive window the acceptability test uses: what we advertised. */
static uint32_t tcp_adv_window(const struct tcp_conn *c)
{
	return SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
}

static bool tcp_in_window(uint32_t seq, uint32_t lo, uint32_t wnd)
{
	return SEQ_GEQ(seq, lo) && SEQ_LT(seq, lo + wnd);
}

/* RFC 793 §3.3 acceptability, with the zero-window allowance for ACKs. */
static bool tcp_acceptable(const struct tcp_conn *c, const struct tcp_seg *g)
{
	uint32_t wnd = tcp_adv_window(c);
	uint32_t space = tcp_seg_space(g);

	if (space == 0)
		return wnd ? tcp_in_window(g->seq, c->rcv_nxt, wnd)
			   : g->seq == c->rcv_nxt;
	if (wnd == 0)
		return g->seq == c->rcv_nxt;
	return tcp_in_window(g->seq, c->rcv_nxt, wnd) ||
	       tcp_in_window(g->seq + space - 1, c->rcv_nxt, wnd);
}

/* Cuts what lies before rcv_nxt or beyond the window. */
static void tcp_trim(struct tcp_conn *c, struct tcp_seg *g)
{
	struct net_stack *s = c->sock.stack;
	uint32_t wnd = tcp_adv_window(c);
	uint32_t d;

	if (SEQ_LT(g->seq, c->rcv_nxt)) {
		if (g->flags & TH_SYN) {
			g->flags &= ~TH_SYN;
			g->seq++;
		}
		d = MIN(c->rcv_nxt - g->seq, g->len);
		g->data += d;
		g->len -= d;
		g->seq += d;
		c->flags |= TF_ACK_NOW;
	}
	if (SEQ_GT(g->seq + g->len, c->rcv_nxt + wnd)) {
		g->len = SEQ_GT(c->rcv_nxt + wnd, g->seq)
				 ? c->rcv_nxt + wnd - g->seq
				 : 0;
		g->flags &= ~TH_FIN;
		c->flags |= TF_ACK_NOW;
		s->stats.tcp_rcv_trimmed++;
	}
}

void tcp_challenge_ack(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;
	struct tcp_table *t = &s->tcp;

	if (s->now - t->challenge_window >= 1000) {
		t->challenge_window = s->now;
		t->challenge_count = 0;
	}
	if (t->challenge_count >= s->cfg.tcp_challenge_acks_per_s) {
		s->stats.tcp_challenge_ack_limited++;
		return;
	}
	t->challenge_count++;
	s->stats.tcp_challenge_ack++;
	tcp_send_ack(c);
}

static void tcp_rst_input(struct tcp_conn *c, const struct tcp_seg *g)
{
	struct net_stack *s = c->sock.stack;
	int err = -ECONNRESET;

	if (g->seq != c->rcv_nxt) {
		s->stats.tcp_rst_ignored++;
		tcp_challenge_ack(c);
		return;
	}
	s->stats.tcp_rst_in++;
	if (c->state == NET_TCP_SYN_RCVD)
		err = (c->flags & TF_ACTIVE) ? -ECONNREFUSED : 0;
	else if (c->state >= NET_TCP_CLOSING)
		err = 0;
	tcp_closed(c, err);
}

/* The peer's FIN, once everything before it has arrived. */
static void tcp_fin_input(struct tcp_conn *c)
{
	c->rcv_nxt++;
	c->flags |= TF_FIN_RCVD | TF_ACK_NOW;
	sock_event(&c->sock, SOCK_EV_NOTIFY | SOCK_EV_CLOSE);
	switch (c->state) {
	case NET_TCP_SYN_RCVD:
	case NET_TCP_ESTABLISHED:
		c->state = NET_TCP_CLOSE_WAIT;
		break;
	case NET_TCP_FIN_WAIT_1:
		if (tcp_fin_acked(c))
			tcp_enter_time_wait(c);
		else
			c->state = NET_TCP_CLOSING;
		break;
	case NET_TCP_FIN_WAIT_2:
		tcp_enter_time_wait(c);
		break;
	default:
		break;
	}
}

static bool tcp_takes_data(const struct tcp_conn *c)
{
	return c->state == NET_TCP_ESTABLISHED ||
	       c->state == NET_TCP_FIN_WAIT_1 ||
	       c->state == NET_TCP_FIN_WAIT_2;
}

/* Retransmitted SYN in SYN_RCVD: answer with the SYN-ACK again. */
static bool tcp_synrcvd_dup_syn(struct tcp_conn *c, const struct tcp_seg *g)
{
	if (c->state != NET_TCP_SYN_RCVD || !(g->flags & TH_SYN) ||
	    (g->flags & (TH_ACK | TH_RST)) || g->seq != c->irs)
		return false;
	c->snd_nxt = c->iss;
	tcp_output(c);
	return true;
}

/* Segment checks before ACK processing; false: drop (reply sent). */
static bool tcp_sync_check(struct tcp_conn *c, struct tcp_seg *g)
{
	struct net_stack *s = c->sock.stack;

	if (tcp_synrcvd_dup_syn(c, g))
		return false;
	if (!tcp_acceptable(c, g)) {
		s->stats.tcp_out_of_window++;
		if (!(g->flags & TH_RST))
			tcp_send_ack(c);
		return false;
	}
	tcp_trim(c, g);
	if (g->flags & TH_RST) {
		tcp_rst_input(c, g);
		return false;
	}
	if (g->flags & TH_SYN) {
		tcp_challenge_ack(c);
		return false;
	}
	if (!(g->flags & TH_ACK)) {
		s->stats.tcp_dropped++;
		return false;
	}
	return true;
}

void tcp_sync_input(struct tcp_conn *c, const struct tcp_seg *in)
{
	struct tcp_seg g = *in;

	if (!tcp_sync_check(c, &g))
		return;
	c->probes = 0;
	tcp_keepalive_reset(c);
	if (!tcp_ack_input(c, &g))
		return;
	if (g.len && tcp_takes_data(c))
		tcp_rcv_data(c, &g);
	if ((g.flags & TH_FIN) && !(c->flags & TF_FIN_RCVD) &&
	    g.seq + g.len == c->rcv_nxt)
		tcp_fin_input(c);
	tcp_output(c);
}
