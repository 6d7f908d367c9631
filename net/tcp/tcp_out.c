/*
 * TCP output: segment construction in the stack's transmit buffer (header,
 * SYN options, data copied from the send ring, checksum) and the decision
 * what to send: SYN or SYN-ACK, then data within min(send window, cwnd)
 * with Nagle (unless TF_NODELAY) and sender SWS avoidance, the FIN after
 * the last byte, and a bare ACK when one is owed. When xmit reports a full
 * ring the connection is marked TF_BLOCKED and net_poll resumes it; other
 * failures count as loss and the retransmission timer recovers.
 */
#include <torito/string.h>

#include "net/core/priv.h"
#include "net/core/wire.h"

struct tcp_hdr_args {
	uint16_t sport, dport;
	net_ip4_t dst;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	uint8_t optlen; /* options already written at TX_L4 + TCP_HLEN */
	uint32_t len;	/* data already written after the options */
};

/* Fills the header at s->tx + TX_L4, checksums, and sends. */
static int tcp_xmit(struct net_stack *s, const struct tcp_hdr_args *a)
{
	uint8_t *h = s->tx + TX_L4;
	uint16_t total = (uint16_t)(TCP_HLEN + a->optlen + a->len);

	wr16(h, a->sport);
	wr16(h + 2, a->dport);
	wr32(h + 4, a->seq);
	wr32(h + 8, a->ack);
	h[12] = (uint8_t)(((TCP_HLEN + a->optlen) / 4) << 4);
	h[13] = a->flags;
	wr16(h + 14, a->wnd);
	wr16(h + 16, 0);
	wr16(h + 18, 0);
	wr16(h + 16, csum_fold(csum_add(csum_pseudo(s->ip.ip, a->dst,
						     IP_PROTO_TCP, total),
					h, total)));
	s->stats.tcp_tx++;
	return ipv4_output(s, a->dst, IP_PROTO_TCP, total);
}

/* The window field for a segment, remembering the right edge offered. */
static uint16_t tcp_wnd_field(struct tcp_conn *c, uint8_t flags)
{
	uint32_t wnd = tcp_rcv_window(c);

	if (flags & TH_SYN) /* never scaled (RFC 7323 §2.2) */
		wnd = MIN(wnd, 65535u);
	if (SEQ_GT(c->rcv_nxt + wnd, c->rcv_adv))
		c->rcv_adv = c->rcv_nxt + wnd;
	return (uint16_t)((flags & TH_SYN) ? wnd : wnd >> c->rcv_ws);
}

uint32_t tcp_data_end(const struct tcp_conn *c)
{
	return c->snd_base + c->snd.len;
}

int tcp_send_segment(struct tcp_conn *c, uint32_t seq, uint8_t flags,
		     uint32_t len)
{
	struct net_stack *s = c->sock.stack;
	uint8_t *opt = s->tx + TX_L4 + TCP_HLEN;
	struct tcp_hdr_args a = {
		.sport = c->lport, .dport = c->rport, .dst = c->rip,
		.seq = seq, .flags = flags, .len = len,
	};
	int rc;

	if (flags & TH_SYN)
		a.optlen = (uint8_t)tcp_syn_options(c, opt);
	if (len)
		tcp_ring_get(&c->snd, seq - c->snd_base, opt + a.optlen, len);
	a.ack = (flags & TH_ACK) ? c->rcv_nxt : 0;
	a.wnd = tcp_wnd_field(c, flags);
	rc = tcp_xmit(s, &a);
	if (rc == 0 && (flags & TH_ACK)) {
		c->flags &= ~(TF_ACK_NOW | TF_DELACK);
		c->t_delack = 0;
		c->segs_unacked = 0;
	}
	return rc;
}

void tcp_send_ack(struct tcp_conn *c)
{
	if (xmit_busy(tcp_send_segment(c, c->snd_nxt, TH_ACK, 0))) {
		c->flags |= TF_BLOCKED | TF_ACK_NOW;
	}
}

/* An old sequence number with no data: the peer must answer with an ACK
 * carrying its window (zero-window probe, keep-alive). */
void tcp_send_probe(struct tcp_conn *c)
{
	tcp_send_segment(c, c->snd_una - 1, TH_ACK, 0);
}

void tcp_send_rst(struct tcp_conn *c)
{
	c->sock.stack->stats.tcp_rst_out++;
	tcp_send_segment(c, c->snd_nxt, TH_RST | TH_ACK, 0);
}

/* RFC 793 §3.4 reset generation for a segment without a connection. */
void tcp_send_rst_for(struct net_stack *s, const struct tcp_seg *g)
{
	struct tcp_hdr_args a = {
		.sport = g->dport, .dport = g->sport, .dst = g->src,
	};

	if (g->flags & TH_ACK) {
		a.seq = g->ack;
		a.flags = TH_RST;
	} else {
		a.ack = g->seq + tcp_seg_space(g);
		a.flags = TH_RST | TH_ACK;
	}
	s->stats.tcp_rst_out++;
	tcp_xmit(s, &a);
}

/* Sends one segment at snd_una again (fast retransmit, partial ACK). */
void tcp_retransmit_first(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;
	uint32_t end = tcp_data_end(c);
	uint32_t len = SEQ_LT(c->snd_una, end) ? end - c->snd_una : 0;
	uint8_t flags = TH_ACK;

	len = MIN(len, (uint32_t)c->mss);
	if ((c->flags & TF_FIN_SENT) && c->snd_una + len == end)
		flags |= TH_FIN;
	if (len == 0 && !(flags & TH_FIN))
		return;
	s->stats.tcp_retransmits++;
	tcp_send_segment(c, c->snd_una, flags, len);
}

static void tcp_sent(struct tcp_conn *c, uint32_t len, bool fin)
{
	struct net_stack *s = c->sock.stack;

	if (SEQ_LT(c->snd_nxt, c->snd_max)) {
		s->stats.tcp_retransmits++;
		c->flags &= ~TF_RTT; /* Karn: never time a retransmission */
	} else if (!(c->flags & TF_RTT)) {
		c->flags |= TF_RTT;
		c->rtt_seq = c->snd_nxt;
		c->rtt_start = s->now;
	}
	c->snd_nxt += len + (fin ? 1 : 0);
	if (fin)
		c->flags |= TF_FIN_SENT;
	if (SEQ_GT(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	if (!c->t_rexmit)
		tcp_timer_set(c, &c->t_rexmit, c->rto);
	c->t_persist = 0;
}

static bool tcp_sends_data(const struct tcp_conn *c)
{
	return c->state == NET_TCP_ESTABLISHED ||
	       c->state == NET_TCP_CLOSE_WAIT ||
	       c->state == NET_TCP_FIN_WAIT_1 || c->state == NET_TCP_CLOSING ||
	       c->state == NET_TCP_LAST_ACK;
}

/* Nagle and sender-side SWS avoidance (RFC 1122 §4.2.3.4). */
static bool tcp_hold_small(const struct tcp_conn *c, uint32_t len,
			   uint32_t avail)
{
	if (len >= c->mss || (c->flags & TF_FORCE))
		return false;
	if (len < avail) /* window-limited */
		return len < c->max_sndwnd / 2;
	return !(c->flags & TF_NODELAY) && c->snd_nxt != c->snd_una;
}

/* Sends the next data/FIN segment: 1 sent, 0 nothing to send, -1 blocked. */
static int tcp_send_next(struct tcp_conn *c)
{
	uint32_t end = tcp_data_end(c);
	uint32_t avail = SEQ_LT(c->snd_nxt, end) ? end - c->snd_nxt : 0;
	uint32_t wnd = MIN(c->snd_wnd, c->cwnd);
	uint32_t flight = c->snd_nxt - c->snd_una;
	uint32_t len = MIN(MIN(avail, (uint32_t)c->mss),
			   wnd > flight ? wnd - flight : 0);
	bool fin = (c->flags & TF_FIN_QUEUED) && c->snd_nxt + len == end;
	int rc;

	if (!tcp_sends_data(c) || (len == 0 && !fin))
		return 0;
	if (!fin && tcp_hold_small(c, len, avail))
		return 0;
	rc = tcp_send_segment(c, c->snd_nxt,
			      TH_ACK | (fin ? TH_FIN : 0) |
				      (len && len == avail ? TH_PSH : 0),
			      len);
	if (xmit_busy(rc)) {
		c->flags |= TF_BLOCKED;
		return -1;
	}
	tcp_sent(c, len, fin);
	return 1;
}

static void tcp_send_syn(struct tcp_conn *c)
{
	uint8_t flags = TH_SYN | (c->state == NET_TCP_SYN_RCVD ? TH_ACK : 0);
	int rc = tcp_send_segment(c, c->iss, flags, 0);

	if (xmit_busy(rc)) {
		c->flags |= TF_BLOCKED;
		return;
	}
	tcp_sent(c, 0, false);
	c->snd_nxt = c->iss + 1;
	if (SEQ_GT(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
}

void tcp_output(struct tcp_conn *c)
{
	int rc = 0, sent = 0;

	if (c->state == NET_TCP_CLOSED || c->state == NET_TCP_LISTEN ||
	    (c->flags & TF_BLOCKED))
		return;
	if ((c->state == NET_TCP_SYN_SENT || c->state == NET_TCP_SYN_RCVD) &&
	    c->snd_nxt == c->iss) {
		tcp_send_syn(c);
		return;
	}
	while ((rc = tcp_send_next(c)) > 0)
		sent++;
	c->flags &= ~TF_FORCE;
	if (rc == 0 && !sent && (c->flags & TF_ACK_NOW))
		tcp_send_ack(c);
	tcp_persist_check(c);
}
