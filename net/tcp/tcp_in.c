/*
 * TCP input, first half: checksum and header checks, option parsing (MSS
 * and window scale; SACK-permitted and timestamps are read past), the
 * demultiplex to a connection or listener, and the two states that are not
 * yet synchronized: LISTEN (a SYN makes a half-open child, bounded per
 * listener and by tcp_max_conns, with no buffers until the handshake ends)
 * and SYN_SENT (RFC 793 §3.9, including simultaneous open). Everything
 * else goes to tcp_sync_input. Segments for no socket get a RST.
 */
#include <torito/errno.h>
#include <torito/string.h>

#include "net/core/priv.h"
#include "net/core/wire.h"

#define TCPOPT_END 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3

static void tcp_parse_options(const uint8_t *o, size_t n, struct tcp_seg *g)
{
	size_t i = 0;

	while (i < n && o[i] != TCPOPT_END) {
		uint8_t len;

		if (o[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
			return; /* malformed: ignore the rest */
		len = o[i + 1];
		if (o[i] == TCPOPT_MSS && len == 4)
			g->opt_mss = rd16(o + i + 2);
		else if (o[i] == TCPOPT_WS && len == 3)
			g->opt_ws = (int8_t)MIN(o[i + 2], TCP_MAX_WSCALE);
		i += len;
	}
}

static bool tcp_parse(struct net_stack *s, const struct ipv4_pkt *pkt,
		      struct tcp_seg *g)
{
	const uint8_t *h = pkt->data;
	size_t doff;

	if (pkt->len < TCP_HLEN || (doff = (size_t)(h[12] >> 4) * 4) <
	    TCP_HLEN || doff > pkt->len) {
		s->stats.tcp_bad_length++;
		return false;
	}
	if (csum_fold(csum_add(csum_pseudo(pkt->src, pkt->dst, IP_PROTO_TCP,
					   (uint16_t)pkt->len),
			       h, pkt->len)) != 0) {
		s->stats.tcp_bad_checksum++;
		return false;
	}
	memset(g, 0, sizeof(*g));
	g->src = pkt->src;
	g->dst = pkt->dst;
	g->sport = rd16(h);
	g->dport = rd16(h + 2);
	g->seq = rd32(h + 4);
	g->ack = rd32(h + 8);
	g->flags = h[13] & 0x3f;
	g->wnd = rd16(h + 14);
	g->opt_ws = -1;
	g->data = h + doff;
	g->len = (uint32_t)(pkt->len - doff);
	if (g->flags & TH_SYN)
		tcp_parse_options(h + TCP_HLEN, doff - TCP_HLEN, g);
	return true;
}

uint8_t tcp_rcv_wscale(const struct net_stack *s)
{
	uint8_t ws = 0;

	while (ws < TCP_MAX_WSCALE && (s->cfg.tcp_rcvbuf >> ws) > 65535)
		ws++;
	return ws;
}

/* Writes our SYN options (MSS; window scale when it may be used). */
int tcp_syn_options(const struct tcp_conn *c, uint8_t *p)
{
	struct net_stack *s = c->sock.stack;

	p[0] = TCPOPT_MSS;
	p[1] = 4;
	wr16(p + 2, (uint16_t)(s->cfg.mtu - IP_HLEN - TCP_HLEN));
	/* Our first SYN always offers scaling; a SYN-ACK only echoes it. */
	if (c->state != NET_TCP_SYN_SENT && !(c->flags & TF_WSCALE))
		return 4;
	p[4] = TCPOPT_NOP;
	p[5] = TCPOPT_WS;
	p[6] = 3;
	p[7] = c->rcv_ws;
	return 8;
}

void tcp_apply_syn_options(struct tcp_conn *c, const struct tcp_seg *g)
{
	struct net_stack *s = c->sock.stack;
	uint16_t mss = g->opt_mss ? g->opt_mss : TCP_DEFAULT_MSS;

	mss = MIN(mss, (uint16_t)(s->cfg.mtu - IP_HLEN - TCP_HLEN));
	c->mss = MAX(mss, (uint16_t)64);
	if (g->opt_ws >= 0) {
		c->flags |= TF_WSCALE;
		c->snd_ws = (uint8_t)g->opt_ws;
		c->rcv_ws = tcp_rcv_wscale(s);
	} else {
		c->flags &= ~TF_WSCALE;
		c->snd_ws = 0;
		c->rcv_ws = 0;
	}
	tcp_cc_init(c);
}

static void tcp_no_socket(struct net_stack *s, const struct tcp_seg *g)
{
	s->stats.tcp_no_socket++;
	if (!(g->flags & TH_RST))
		tcp_send_rst_for(s, g);
}

static bool tcp_listen_admit(struct tcp_conn *l)
{
	struct net_stack *s = l->sock.stack;

	if (l->n_synq >= s->cfg.tcp_syn_queue_max) {
		s->stats.tcp_syn_queue_full++;
		return false;
	}
	if (!(l->sock.flags & SOCK_F_SERVICE) && l->n_acceptq >= l->backlog) {
		s->stats.tcp_backlog_full++;
		return false;
	}
	return true;
}

/* A SYN for a listener: make a SYN_RCVD child and answer SYN-ACK. */
static void tcp_listen_input(struct tcp_conn *l, const struct tcp_seg *g)
{
	struct net_stack *s = l->sock.stack;
	struct tcp_conn *c;

	if (g->flags & TH_RST) {
		s->stats.tcp_dropped++;
		return;
	}
	if (g->flags & TH_ACK) {
		tcp_no_socket(s, g);
		return;
	}
	if (!(g->flags & TH_SYN)) {
		s->stats.tcp_dropped++;
		return;
	}
	if (!tcp_listen_admit(l))
		return;
	c = tcp_conn_alloc(s);
	if (!c)
		return;
	c->sock.flags = SOCK_F_CLOSED; /* no handle until accepted */
	c->lip = g->dst;
	c->lport = g->dport;
	c->rip = g->src;
	c->rport = g->sport;
	c->irs = g->seq;
	c->rcv_nxt = g->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->iss = tcp_iss(c);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->snd_base = c->iss + 1;
	c->snd_wnd = c->max_sndwnd = g->wnd;
	c->snd_wl1 = g->seq;
	tcp_apply_syn_options(c, g);
	c->state = NET_TCP_SYN_RCVD;
	c->parent = l;
	c->inq = TCP_INQ_SYN;
	list_add_tail(&l->synq, &c->qlink);
	l->n_synq++;
	tcp_conn_hash(c);
	s->stats.tcp_passive_opens++;
	tcp_output(c);
}

static void tcp_synsent_established(struct tcp_conn *c,
				    const struct tcp_seg *g)
{
	struct net_stack *s = c->sock.stack;

	if ((c->flags & TF_RTT) && SEQ_GT(g->ack, c->rtt_seq))
		tcp_rtt_sample(c, (uint32_t)(s->now - c->rtt_start));
	c->flags &= ~TF_RTT;
	c->snd_una = g->ack;
	c->snd_wnd = c->max_sndwnd = g->wnd; /* never scaled in a SYN */
	c->snd_wl1 = g->seq;
	c->snd_wl2 = g->ack;
	c->t_rexmit = 0;
	c->retries = 0;
	c->state = NET_TCP_ESTABLISHED;
	s->stats.tcp_established++;
	c->flags |= TF_ACK_NOW;
	tcp_keepalive_reset(c);
	sock_event(&c->sock, SOCK_EV_NOTIFY);
}

static void tcp_synsent_input(struct tcp_conn *c, const struct tcp_seg *g)
{
	struct net_stack *s = c->sock.stack;
	bool ack = g->flags & TH_ACK;

	if (ack && (SEQ_LEQ(g->ack, c->iss) || SEQ_GT(g->ack, c->snd_max))) {
		s->stats.tcp_bad_ack++;
		if (!(g->flags & TH_RST))
			tcp_send_rst_for(s, g);
		return;
	}
	if (g->flags & TH_RST) {
		if (ack) {
			s->stats.tcp_rst_in++;
			tcp_closed(c, -ECONNREFUSED);
		} else {
			s->stats.tcp_rst_ignored++;
		}
		return;
	}
	if (!(g->flags & TH_SYN)) {
		s->stats.tcp_dropped++;
		return;
	}
	c->irs = g->seq;
	c->rcv_nxt = g->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	tcp_apply_syn_options(c, g);
	if (ack) {
		tcp_synsent_established(c, g);
	} else {
		/* Simultaneous open: answer SYN-ACK from SYN_RCVD. */
		c->state = NET_TCP_SYN_RCVD;
		c->snd_nxt = c->iss;
		c->snd_wnd = c->max_sndwnd = g->wnd;
		c->snd_wl1 = g->seq;
	}
	tcp_output(c);
}

/* RFC 6191-style: a new SYN above a TIME_WAIT's sequence may reopen. */
static struct tcp_conn *tcp_time_wait_syn(struct net_stack *s,
					  struct tcp_conn *c,
					  const struct tcp_seg *g)
{
	if (c->state != NET_TCP_TIME_WAIT || (g->flags & (TH_ACK | TH_RST)) ||
	    !(g->flags & TH_SYN) || !SEQ_GT(g->seq, c->rcv_nxt) ||
	    !tcp_listener_find(s, g->dport))
		return c;
	s->stats.tcp_time_wait_reused++;
	tcp_closed(c, 0);
	return NULL;
}

void tcp_input(struct net_stack *s, const struct ipv4_pkt *pkt)
{
	struct tcp_seg g;
	struct tcp_conn *c;

	s->stats.tcp_rx++;
	if (!tcp_parse(s, pkt, &g))
		return;
	if (pkt->to_broadcast || !g.sport || !g.dport || !g.src) {
		s->stats.tcp_bad_address++;
		return;
	}
	c = tcp_lookup(s, &g);
	if (c)
		c = tcp_time_wait_syn(s, c, &g);
	if (!c)
		c = tcp_listener_find(s, g.dport);
	if (!c) {
		tcp_no_socket(s, &g);
		return;
	}
	if (c->state == NET_TCP_LISTEN)
		tcp_listen_input(c, &g);
	else if (c->state == NET_TCP_SYN_SENT)
		tcp_synsent_input(c, &g);
	else
		tcp_sync_input(c, &g);
}
