/*
 * TCP timers, run from net_poll: retransmission (RFC 6298 backoff, go-back
 * to snd_una with cwnd = 1 MSS; tcp_max_retries / tcp_syn_retries /
 * tcp_synack_retries then abort), persist (zero-window probes, RFC 1122
 * §4.2.2.17, backed off, abort after tcp_max_retries unanswered), delayed
 * ACK, keep-alive (RFC 1122 §4.2.3.6), TIME_WAIT / orphaned FIN_WAIT_2
 * expiry, and the service idle timeout. Every timer is an absolute time in
 * the connection (0 = off); tcp_poll returns the earliest one left.
 */
#include <torito/errno.h>

#include "net/core/priv.h"

void tcp_timer_set(struct tcp_conn *c, uint64_t *t, uint32_t ms)
{
	struct net_stack *s = c->sock.stack;

	*t = stack_after(s, ms);
	stack_timer(s, *t);
}

uint32_t tcp_backoff(const struct tcp_conn *c, uint8_t n)
{
	uint32_t max = c->sock.stack->cfg.tcp_rto_max_ms;
	uint64_t t = (uint64_t)c->rto << MIN(n, (uint8_t)20);

	return (uint32_t)MIN(t, (uint64_t)max);
}

static uint8_t tcp_retry_limit(const struct tcp_conn *c)
{
	const struct net_stack_config *cfg = &c->sock.stack->cfg;

	if (c->state == NET_TCP_SYN_SENT)
		return cfg->tcp_syn_retries;
	if (c->state == NET_TCP_SYN_RCVD)
		return cfg->tcp_synack_retries;
	return cfg->tcp_max_retries;
}

static void tcp_timeout_abort(struct tcp_conn *c)
{
	c->sock.stack->stats.tcp_timeouts++;
	tcp_closed(c, -ETIMEDOUT);
}

static void tcp_rexmit_timeout(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;

	c->t_rexmit = 0;
	if (c->retries >= tcp_retry_limit(c)) {
		tcp_timeout_abort(c);
		return;
	}
	c->retries++;
	s->stats.tcp_rto_timeouts++;
	c->rto = tcp_backoff(c, 1);
	tcp_cc_timeout(c);
	c->snd_nxt = c->snd_una; /* go back N */
	c->flags &= ~TF_BLOCKED;
	tcp_output(c);
	/* Nothing went out: blocked (retry), or a zero window (persist). */
	if (!c->t_rexmit && !c->t_persist && c->state != NET_TCP_CLOSED &&
	    c->snd_una != c->snd_max)
		tcp_timer_set(c, &c->t_rexmit, c->rto);
}

/* Arms or stops the persist timer after output. */
void tcp_persist_check(struct tcp_conn *c)
{
	uint32_t end = tcp_data_end(c);
	bool pending = SEQ_LT(c->snd_nxt, end) ||
		       ((c->flags & TF_FIN_QUEUED) && !(c->flags & TF_FIN_SENT));

	if (!pending || c->t_rexmit || !tcp_synchronized(c)) {
		c->t_persist = 0;
		return;
	}
	if (!c->t_persist)
		tcp_timer_set(c, &c->t_persist, tcp_backoff(c, c->probes));
}

static void tcp_persist_timeout(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;

	c->t_persist = 0;
	if (c->probes >= s->cfg.tcp_max_retries) {
		tcp_timeout_abort(c);
		return;
	}
	c->probes++;
	if (c->snd_wnd == 0) {
		s->stats.tcp_zero_window_probes++;
		tcp_send_probe(c);
	} else {
		c->flags |= TF_FORCE; /* small window: send what fits */
	}
	tcp_output(c);
}

static void tcp_keep_timeout(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;

	c->t_keep = 0;
	if (!(c->flags & TF_KEEPALIVE) || !tcp_synchronized(c))
		return;
	if (c->probes >= s->cfg.tcp_keepalive_count) {
		tcp_timeout_abort(c);
		return;
	}
	c->probes++;
	s->stats.tcp_keepalive_probes++;
	tcp_send_probe(c);
	tcp_timer_set(c, &c->t_keep, s->cfg.tcp_keepalive_intvl_ms);
}

void tcp_keepalive_reset(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;

	if ((c->flags & TF_KEEPALIVE) && tcp_synchronized(c) &&
	    c->state != NET_TCP_TIME_WAIT)
		tcp_timer_set(c, &c->t_keep, s->cfg.tcp_keepalive_idle_ms);
	else
		c->t_keep = 0;
}

static uint64_t tcp_conn_deadline(const struct tcp_conn *c)
{
	uint64_t d = NET_DEADLINE_NONE;

	if (c->state == NET_TCP_CLOSED)
		return d;
	d = timer_min(d, c->t_rexmit);
	d = timer_min(d, c->t_persist);
	d = timer_min(d, c->t_delack);
	d = timer_min(d, c->t_keep);
	d = timer_min(d, c->t_close);
	return timer_min(d, c->t_idle);
}

/* Runs the due timers of one connection, stopping if it closes. */
static void tcp_conn_timers(struct tcp_conn *c, uint64_t now)
{
	if (timer_due(c->t_close, now)) {
		tcp_closed(c, 0);
		return;
	}
	if (timer_due(c->t_rexmit, now))
		tcp_rexmit_timeout(c);
	if (c->state != NET_TCP_CLOSED && timer_due(c->t_persist, now))
		tcp_persist_timeout(c);
	if (c->state != NET_TCP_CLOSED && timer_due(c->t_keep, now))
		tcp_keep_timeout(c);
	if (c->state != NET_TCP_CLOSED && timer_due(c->t_delack, now)) {
		c->sock.stack->stats.tcp_delayed_acks++;
		c->t_delack = 0;
		tcp_send_ack(c);
	}
	if (c->state != NET_TCP_CLOSED && timer_due(c->t_idle, now)) {
		c->t_idle = 0;
		sock_event(&c->sock, SOCK_EV_TIMEOUT);
	}
}

uint64_t tcp_poll(struct net_stack *s)
{
	uint64_t d = NET_DEADLINE_NONE;
	struct net_list *pos, *tmp;

	list_for_each_safe(pos, tmp, &s->tcp.conns) {
		struct tcp_conn *c = container_of(pos, struct tcp_conn, link);

		tcp_conn_timers(c, s->now);
		d = timer_min(d, tcp_conn_deadline(c));
	}
	return d;
}
