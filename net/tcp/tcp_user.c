/*
 * The TCP half of the socket API (socket.c dispatches here): open, bind,
 * listen, accept, connect, send, recv, shutdown, close, readiness, and the
 * netstat-style listing. Calls only queue data and change state; segments
 * go out through tcp_output. Closing with unread data resets (RFC 2525
 * §2.17) unless the peer had already finished sending.
 */
#include <torito/errno.h>
#include <torito/string.h>

#include "net/core/priv.h"

int tcp_open(struct net_stack *s, struct net_sock **out)
{
	struct tcp_conn *c = tcp_conn_alloc(s);

	if (!c)
		return -ENOMEM;
	*out = &c->sock;
	return 0;
}

int tcp_bind(struct tcp_conn *c, uint16_t port)
{
	struct net_stack *s = c->sock.stack;

	if (c->state != NET_TCP_CLOSED || c->lport || c->rport)
		return -EINVAL;
	if (!port)
		return tcp_port_pick(s, &c->lport);
	if (tcp_port_used(s, port))
		return -EADDRINUSE;
	c->lport = port;
	return 0;
}

int tcp_listen(struct tcp_conn *c, int backlog)
{
	struct net_stack *s = c->sock.stack;
	int rc;

	if (c->state == NET_TCP_LISTEN)
		return 0;
	if (c->state != NET_TCP_CLOSED || c->rport)
		return -EINVAL;
	if (!c->lport) {
		rc = tcp_port_pick(s, &c->lport);
		if (rc < 0)
			return rc;
	}
	c->backlog = (uint16_t)MAX(1, MIN(backlog, 65535));
	c->state = NET_TCP_LISTEN;
	list_add_tail(&s->tcp.listeners, &c->hlink);
	return 0;
}

int tcp_accept(struct tcp_conn *l, struct net_sock **out,
	       struct net_addr *peer)
{
	struct tcp_conn *c;

	if (l->state != NET_TCP_LISTEN)
		return -EINVAL;
	if (list_empty(&l->acceptq))
		return -EAGAIN;
	c = container_of(l->acceptq.next, struct tcp_conn, qlink);
	tcp_unqueue(c);
	c->sock.flags &= ~SOCK_F_CLOSED;
	if (peer) {
		peer->ip = c->rip;
		peer->port = c->rport;
	}
	*out = &c->sock;
	/* Events that arrived before the handle existed were dropped. */
	if (c->rcv.len || (c->flags & TF_FIN_RCVD) || c->err)
		sock_event(&c->sock, SOCK_EV_NOTIFY);
	return 0;
}

static int tcp_connect_check(struct tcp_conn *c, const struct net_addr *to)
{
	struct net_stack *s = c->sock.stack;

	if (c->state == NET_TCP_SYN_SENT)
		return -EALREADY;
	if (c->state == NET_TCP_LISTEN)
		return -EINVAL;
	if (c->state != NET_TCP_CLOSED || c->rport)
		return -EISCONN;
	if (!to->port || !to->ip || ipv4_is_broadcast(s, to->ip) ||
	    ipv4_bad_source(s, to->ip))
		return -EINVAL;
	if (!s->ip.ip)
		return -ENETUNREACH;
	if ((to->ip & s->ip.netmask) != (s->ip.ip & s->ip.netmask) &&
	    !s->ip.gateway)
		return -ENETUNREACH;
	return 0;
}

int tcp_connect(struct tcp_conn *c, const struct net_addr *to)
{
	struct net_stack *s = c->sock.stack;
	int rc = tcp_connect_check(c, to);

	if (rc == 0 && !c->lport)
		rc = tcp_port_pick(s, &c->lport);
	if (rc == 0)
		rc = tcp_conn_buffers(c);
	if (rc < 0)
		return rc;
	c->lip = s->ip.ip;
	c->rip = to->ip;
	c->rport = to->port;
	tcp_conn_hash(c);
	c->iss = tcp_iss(c);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->snd_base = c->iss + 1;
	c->rcv_ws = tcp_rcv_wscale(s);
	c->mss = (uint16_t)(s->cfg.mtu - 40);
	tcp_cc_init(c);
	c->flags |= TF_ACTIVE;
	c->state = NET_TCP_SYN_SENT;
	s->stats.tcp_active_opens++;
	tcp_output(c);
	return -EINPROGRESS;
}

static bool tcp_can_send(const struct tcp_conn *c)
{
	return (c->state == NET_TCP_ESTABLISHED ||
		c->state == NET_TCP_CLOSE_WAIT) &&
	       !(c->flags & TF_FIN_QUEUED);
}

int tcp_send(struct tcp_conn *c, const void *buf, size_t len)
{
	uint32_t n;

	if (!tcp_can_send(c)) {
		if (c->state == NET_TCP_SYN_SENT ||
		    c->state == NET_TCP_SYN_RCVD ||
		    (c->state == NET_TCP_CLOSED && !c->rport))
			return -ENOTCONN;
		return -EPIPE;
	}
	n = (uint32_t)MIN(len, (size_t)tcp_ring_space(&c->snd));
	if (n < len)
		c->flags |= TF_SND_FULL;
	if (n == 0)
		return len ? -EAGAIN : 0;
	tcp_ring_put(&c->snd, 0, buf, n);
	c->snd.len += n;
	tcp_output(c);
	return (int)MIN(n, (uint32_t)0x7fffffff);
}

int tcp_recv(struct tcp_conn *c, void *buf, size_t len)
{
	uint32_t n;

	if (c->state == NET_TCP_LISTEN)
		return -EINVAL;
	if (c->rcv.len && len) {
		n = (uint32_t)MIN(len, (size_t)c->rcv.len);
		tcp_ring_get(&c->rcv, 0, buf, n);
		tcp_ring_consume(&c->rcv, n);
		tcp_rcv_read_done(c);
		return (int)MIN(n, (uint32_t)0x7fffffff);
	}
	if (c->err)
		return c->err;
	if (c->flags & TF_FIN_RCVD)
		return 0;
	if (c->state == NET_TCP_CLOSED)
		return -ENOTCONN;
	return -EAGAIN;
}

/* Queues our FIN; false if the state has no sending side to close. */
static bool tcp_fin_queue(struct tcp_conn *c)
{
	if (c->flags & TF_FIN_QUEUED)
		return true;
	if (c->state == NET_TCP_ESTABLISHED)
		c->state = NET_TCP_FIN_WAIT_1;
	else if (c->state == NET_TCP_CLOSE_WAIT)
		c->state = NET_TCP_LAST_ACK;
	else if (c->state == NET_TCP_SYN_SENT)
		tcp_closed(c, 0);
	else
		return false;
	if (c->state != NET_TCP_CLOSED) {
		c->flags |= TF_FIN_QUEUED;
		tcp_output(c);
	}
	return true;
}

int tcp_shutdown(struct tcp_conn *c)
{
	return tcp_fin_queue(c) ? 0 : -ENOTCONN;
}

void tcp_close(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;

	c->sock.flags |= SOCK_F_CLOSED;
	sock_forget(&c->sock);
	if (c->rcv.len && !(c->flags & TF_FIN_RCVD) && tcp_synchronized(c) &&
	    c->state != NET_TCP_TIME_WAIT) {
		s->stats.tcp_resets_sent_close++;
		tcp_drop(c, -ECONNABORTED);
		return;
	}
	if (c->rcv.len)
		tcp_ring_consume(&c->rcv, c->rcv.len);
	if (c->state == NET_TCP_ESTABLISHED || c->state == NET_TCP_CLOSE_WAIT)
		tcp_fin_queue(c);
	else if (c->state == NET_TCP_LISTEN || c->state == NET_TCP_SYN_SENT)
		tcp_closed(c, 0);
	else if (c->state == NET_TCP_SYN_RCVD)
		tcp_drop(c, 0);
	else if (c->state == NET_TCP_FIN_WAIT_2)
		tcp_timer_set(c, &c->t_close, s->cfg.tcp_fin_wait2_ms);
	tcp_maybe_dead(c);
}

unsigned int tcp_poll_mask(const struct tcp_conn *c)
{
	unsigned int m = 0;

	if (c->state == NET_TCP_LISTEN)
		return list_empty(&c->acceptq) ? 0 : NET_POLL_IN;
	if (c->state == NET_TCP_SYN_SENT || c->state == NET_TCP_SYN_RCVD)
		return 0;
	if (c->rcv.len || (c->flags & TF_FIN_RCVD) || c->err)
		m |= NET_POLL_IN;
	if (tcp_can_send(c) && tcp_ring_space(&c->snd))
		m |= NET_POLL_OUT;
	if (c->state == NET_TCP_CLOSED ||
	    ((c->flags & TF_FIN_RCVD) && (c->flags & TF_FIN_QUEUED)))
		m |= NET_POLL_HUP;
	return m;
}

static const char *const tcp_state_names[] = {
	"CLOSED",     "LISTEN",	    "SYN_SENT", "SYN_RCVD",
	"ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
	"CLOSING",    "LAST_ACK",   "TIME_WAIT",
};

const char *net_tcp_state_name(enum net_tcp_state st)
{
	if ((unsigned int)st >= ARRAY_SIZE(tcp_state_names))
		return "?";
	return tcp_state_names[st];
}

enum net_tcp_state net_sock_tcp_state(const struct net_sock *k)
{
	if (!k || k->type != NET_SOCK_TCP)
		return NET_TCP_CLOSED;
	return (enum net_tcp_state)((const struct tcp_conn *)k)->state;
}

static void tcp_info_fill(const struct tcp_conn *c, struct net_tcp_info *i)
{
	memset(i, 0, sizeof(*i));
	i->local.ip = c->lip;
	i->local.port = c->lport;
	i->peer.ip = c->rip;
	i->peer.port = c->rport;
	i->state = (enum net_tcp_state)c->state;
	i->send_queued = c->snd.len;
	i->recv_queued = c->rcv.len;
	i->rto_ms = c->rto;
	i->cwnd = c->cwnd;
	i->orphan = (c->sock.flags & SOCK_F_CLOSED) != 0;
}

unsigned int net_tcp_foreach(struct net_stack *s,
			     void (*fn)(void *ctx,
					const struct net_tcp_info *info),
			     void *ctx)
{
	struct net_list *pos, *tmp;
	struct net_tcp_info info;
	unsigned int n = 0;

	list_for_each_safe(pos, tmp, &s->tcp.conns) {
		tcp_info_fill(container_of(pos, struct tcp_conn, link), &info);
		if (fn)
			fn(ctx, &info);
		n++;
	}
	return n;
}
