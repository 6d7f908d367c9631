/*
 * TCP connection life: allocation under tcp_max_conns (reclaiming the
 * oldest TIME_WAIT when full), the 4-tuple hash and listener list, local
 * port choice, initial sequence numbers (RFC 6528: clock plus a keyed hash
 * of the 4-tuple; the hash is a fast mixer, not a cryptographic PRF), and
 * the end of a connection: tcp_closed (state CLOSED, buffers released),
 * then the dead list once the application has released the handle, freed
 * by tcp_reap when the outermost entry point leaves.
 */
#include <torito/errno.h>
#include <torito/string.h>

#include "net/core/priv.h"

#define TCP_PORT_FIRST 49152u

void tcp_init(struct net_stack *s)
{
	struct tcp_table *t = &s->tcp;

	for (int i = 0; i < TCP_HASH_BUCKETS; i++)
		list_init(&t->buckets[i]);
	list_init(&t->listeners);
	list_init(&t->conns);
	list_init(&t->dead);
	t->next_port = (uint16_t)(TCP_PORT_FIRST + stack_random(s) % 16384);
	for (int i = 0; i < 4; i++)
		t->secret[i] = stack_random(s);
}

static void tcp_free_ring(struct net_stack *s, struct tcp_ring *r)
{
	net_free(s, r->buf, r->size);
	r->buf = NULL;
	r->head = 0;
	r->len = 0;
}

static void tcp_free(struct net_stack *s, struct tcp_conn *c)
{
	tcp_free_ring(s, &c->snd);
	tcp_free_ring(s, &c->rcv);
	list_del(&c->link);
	list_del(&c->hlink);
	list_del(&c->qlink);
	sock_forget(&c->sock);
	net_free(s, c, sizeof(*c));
}

void tcp_fini(struct net_stack *s)
{
	struct net_list *pos, *tmp;

	list_for_each_safe(pos, tmp, &s->tcp.conns)
		tcp_free(s, container_of(pos, struct tcp_conn, link));
	tcp_reap(s);
	s->tcp.n_conns = 0;
}

void tcp_reap(struct net_stack *s)
{
	struct net_list *pos, *tmp;

	list_for_each_safe(pos, tmp, &s->tcp.dead)
		tcp_free(s, container_of(pos, struct tcp_conn, link));
}

struct tcp_conn *tcp_conn_alloc(struct net_stack *s)
{
	struct tcp_conn *c;

	if (s->tcp.n_conns >= s->cfg.tcp_max_conns &&
	    !tcp_reclaim_time_wait(s)) {
		s->stats.tcp_conn_limit++;
		return NULL;
	}
	c = net_zalloc(s, sizeof(*c));
	if (!c)
		return NULL;
	sock_init(&c->sock, s, NET_SOCK_TCP);
	list_init(&c->hlink);
	list_init(&c->qlink);
	list_init(&c->synq);
	list_init(&c->acceptq);
	list_add_tail(&s->tcp.conns, &c->link);
	s->tcp.n_conns++;
	c->state = NET_TCP_CLOSED;
	c->rto = s->cfg.tcp_rto_initial_ms;
	c->mss = TCP_DEFAULT_MSS;
	c->snd.size = s->cfg.tcp_sndbuf;
	c->rcv.size = s->cfg.tcp_rcvbuf;
	return c;
}

int tcp_conn_buffers(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;

	if (!c->snd.buf)
		c->snd.buf = net_alloc(s, c->snd.size);
	if (!c->rcv.buf)
		c->rcv.buf = net_alloc(s, c->rcv.size);
	return (c->snd.buf && c->rcv.buf) ? 0 : -ENOMEM;
}

static struct net_list *tcp_bucket(struct net_stack *s, net_ip4_t rip,
				   uint16_t rport, uint16_t lport)
{
	uint32_t h = rip ^ ((uint32_t)rport << 16) ^ lport;

	h ^= h >> 16;
	h ^= h >> 8;
	return &s->tcp.buckets[h % TCP_HASH_BUCKETS];
}

void tcp_conn_hash(struct tcp_conn *c)
{
	list_del(&c->hlink);
	list_add_tail(tcp_bucket(c->sock.stack, c->rip, c->rport, c->lport),
		      &c->hlink);
}

struct tcp_conn *tcp_lookup(struct net_stack *s, const struct tcp_seg *g)
{
	struct net_list *head = tcp_bucket(s, g->src, g->sport, g->dport);
	struct net_list *pos, *tmp;

	list_for_each_safe(pos, tmp, head) {
		struct tcp_conn *c = container_of(pos, struct tcp_conn, hlink);

		if (c->rip == g->src && c->rport == g->sport &&
		    c->lport == g->dport && c->lip == g->dst)
			return c;
	}
	return NULL;
}

struct tcp_conn *tcp_listener_find(struct net_stack *s, uint16_t port)
{
	struct net_list *pos, *tmp;

	list_for_each_safe(pos, tmp, &s->tcp.listeners) {
		struct tcp_conn *c = container_of(pos, struct tcp_conn, hlink);

		if (c->lport == port)
			return c;
	}
	return NULL;
}

bool tcp_port_used(struct net_stack *s, uint16_t port)
{
	struct net_list *pos, *tmp;

	list_for_each_safe(pos, tmp, &s->tcp.conns) {
		struct tcp_conn *c = container_of(pos, struct tcp_conn, link);

		if (c->lport == port)
			return true;
	}
	return false;
}

int tcp_port_pick(struct net_stack *s, uint16_t *out)
{
	for (uint32_t i = 0; i < 16384; i++) {
		uint16_t p = s->tcp.next_port;

		s->tcp.next_port =
			(uint16_t)(p == 65535 ? TCP_PORT_FIRST : p + 1u);
		if (!tcp_port_used(s, p)) {
			*out = p;
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

static uint32_t tcp_mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

uint32_t tcp_iss(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;
	const uint32_t *k = s->tcp.secret;
	uint32_t h = tcp_mix(k[0], c->lip);

	h = tcp_mix(h ^ k[1], c->rip);
	h = tcp_mix(h ^ k[2], ((uint32_t)c->lport << 16) | c->rport);
	h = tcp_mix(h, k[3]);
	/* RFC 6528: M is a timer ticking every 4 microseconds. */
	return h + (uint32_t)(s->now * 250);
}

void tcp_set_state(struct tcp_conn *c, uint8_t state)
{
	c->state = state;
}

void tcp_unqueue(struct tcp_conn *c)
{
	struct tcp_conn *l = c->parent;

	if (!l)
		return;
	if (c->inq == TCP_INQ_SYN)
		l->n_synq--;
	else if (c->inq == TCP_INQ_ACCEPT)
		l->n_acceptq--;
	list_del(&c->qlink);
	c->inq = TCP_INQ_NONE;
	c->parent = NULL;
}

/* Frees the connection at the next leave if nobody can reach it. */
void tcp_maybe_dead(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;

	if (c->state != NET_TCP_CLOSED || !(c->sock.flags & SOCK_F_CLOSED) ||
	    (c->flags & TF_DEAD))
		return;
	tcp_unqueue(c);
	list_del(&c->hlink);
	list_del(&c->link);
	list_add_tail(&s->tcp.dead, &c->link);
	sock_forget(&c->sock);
	c->flags |= TF_DEAD;
	s->tcp.n_conns--;
}

/* Resets and frees the connections queued on listener l. */
void tcp_listener_flush(struct tcp_conn *l)
{
	struct net_list *q[2] = { &l->synq, &l->acceptq };

	for (int i = 0; i < 2; i++) {
		while (!list_empty(q[i])) {
			struct tcp_conn *c =
				container_of(q[i]->next, struct tcp_conn, qlink);

			tcp_drop(c, -ECONNABORTED);
			tcp_unqueue(c);
		}
	}
}

void tcp_closed(struct tcp_conn *c, int err)
{
	struct net_stack *s = c->sock.stack;
	bool listener = c->state == NET_TCP_LISTEN;

	c->state = NET_TCP_CLOSED;
	c->t_rexmit = c->t_persist = c->t_delack = 0;
	c->t_keep = c->t_close = c->t_idle = 0;
	c->flags &= ~(TF_DELACK | TF_ACK_NOW | TF_BLOCKED);
	list_del(&c->hlink);
	tcp_free_ring(s, &c->snd);
	if (err) {
		c->err = err;
		c->sock.error = err;
		tcp_free_ring(s, &c->rcv);
	}
	if (listener)
		tcp_listener_flush(c);
	sock_event(&c->sock, SOCK_EV_NOTIFY | SOCK_EV_CLOSE);
	tcp_maybe_dead(c);
}

/* Aborts: a reset to the peer if it knows us, then closed. */
void tcp_drop(struct tcp_conn *c, int err)
{
	if (c->state >= NET_TCP_SYN_RCVD && c->state != NET_TCP_TIME_WAIT)
		tcp_send_rst(c);
	tcp_closed(c, err);
}

void tcp_enter_time_wait(struct tcp_conn *c)
{
	struct net_stack *s = c->sock.stack;

	c->state = NET_TCP_TIME_WAIT;
	c->t_rexmit = c->t_persist = c->t_keep = c->t_idle = 0;
	tcp_free_ring(s, &c->snd);
	if (c->sock.flags & SOCK_F_CLOSED)
		tcp_free_ring(s, &c->rcv);
	tcp_timer_set(c, &c->t_close, s->cfg.tcp_time_wait_ms);
}

bool tcp_reclaim_time_wait(struct net_stack *s)
{
	struct tcp_conn *old = NULL;
	struct net_list *pos, *tmp;

	list_for_each_safe(pos, tmp, &s->tcp.conns) {
		struct tcp_conn *c = container_of(pos, struct tcp_conn, link);

		if (c->state == NET_TCP_TIME_WAIT &&
		    (!old || c->t_close < old->t_close))
			old = c;
	}
	if (!old)
		return false;
	s->stats.tcp_time_wait_reused++;
	tcp_closed(old, 0);
	/* A TIME_WAIT conn whose handle is still open stays counted. */
	return s->tcp.n_conns < s->cfg.tcp_max_conns;
}
