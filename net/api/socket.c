/*
 * The non-blocking socket API (socket.h): argument checks, the
 * enter/leave bracket, and dispatch to tcp_user.c or udp.c by socket type.
 * Also the event queue every protocol raises events into, delivered when
 * the outermost entry point leaves: env->notify for plain sockets and
 * service_dispatch for service connections.
 */
#include <torito/errno.h>
#include <torito/string.h>

#include "net/core/priv.h"

void sock_init(struct net_sock *k, struct net_stack *s, uint8_t type)
{
	k->stack = s;
	k->type = type;
	list_init(&k->pending);
}

void sock_event(struct net_sock *k, uint8_t ev)
{
	if (k->flags & SOCK_F_CLOSED)
		return;
	k->events |= ev;
	if (!list_linked(&k->pending))
		list_add_tail(&k->stack->pending, &k->pending);
}

void sock_forget(struct net_sock *k)
{
	list_del(&k->pending);
	k->events = 0;
}

void sock_dispatch_all(struct net_stack *s)
{
	while (!list_empty(&s->pending)) {
		struct net_sock *k =
			container_of(s->pending.next, struct net_sock, pending);
		uint8_t ev = k->events;

		sock_forget(k);
		if (k->flags & SOCK_F_CLOSED)
			continue;
		if (k->flags & SOCK_F_SERVICE)
			service_dispatch(k, ev);
		else if (s->env.notify)
			s->env.notify(s->env.ctx, k);
	}
}

static struct udp_sock *udp_of(struct net_sock *k)
{
	return (struct udp_sock *)k;
}

int net_sock_open(struct net_stack *s, enum net_sock_type type,
		  struct net_sock **out)
{
	int rc = -EINVAL;

	if (!s || !out)
		return -EINVAL;
	stack_enter(s);
	if (type == NET_SOCK_TCP)
		rc = tcp_open(s, out);
	else if (type == NET_SOCK_UDP)
		rc = udp_open(s, out);
	stack_leave(s);
	return rc;
}

int net_sock_bind(struct net_sock *k, uint16_t port)
{
	int rc;

	if (!k)
		return -EINVAL;
	stack_enter(k->stack);
	if (k->type == NET_SOCK_TCP)
		rc = tcp_bind(tcp_of(k), port);
	else
		rc = udp_bind(udp_of(k), port);
	stack_leave(k->stack);
	return rc;
}

int net_sock_listen(struct net_sock *k, int backlog)
{
	int rc;

	if (!k || k->type != NET_SOCK_TCP || (k->flags & SOCK_F_SERVICE))
		return -EINVAL;
	stack_enter(k->stack);
	rc = tcp_listen(tcp_of(k), backlog);
	stack_leave(k->stack);
	return rc;
}

int net_sock_accept(struct net_sock *k, struct net_sock **out,
		    struct net_addr *peer)
{
	int rc;

	if (!k || !out || k->type != NET_SOCK_TCP)
		return -EINVAL;
	stack_enter(k->stack);
	rc = tcp_accept(tcp_of(k), out, peer);
	stack_leave(k->stack);
	return rc;
}

int net_sock_connect(struct net_sock *k, const struct net_addr *to)
{
	int rc;

	if (!k || !to)
		return -EINVAL;
	stack_enter(k->stack);
	if (k->type == NET_SOCK_TCP) {
		rc = tcp_connect(tcp_of(k), to);
	} else {
		udp_of(k)->peer = *to;
		rc = 0;
	}
	stack_leave(k->stack);
	return rc;
}

int net_sock_send(struct net_sock *k, const void *buf, size_t len)
{
	int rc;

	if (!k || (!buf && len))
		return -EINVAL;
	stack_enter(k->stack);
	if (k->type == NET_SOCK_TCP)
		rc = tcp_send(tcp_of(k), buf, len);
	else if (!udp_of(k)->peer.port)
		rc = -EDESTADDRREQ;
	else
		rc = udp_sendto(udp_of(k), buf, len, &udp_of(k)->peer);
	stack_leave(k->stack);
	return rc;
}

int net_sock_recv(struct net_sock *k, void *buf, size_t len)
{
	int rc;

	if (!k || (!buf && len))
		return -EINVAL;
	stack_enter(k->stack);
	if (k->type == NET_SOCK_TCP)
		rc = tcp_recv(tcp_of(k), buf, len);
	else
		rc = udp_recvfrom(udp_of(k), buf, len, NULL);
	stack_leave(k->stack);
	return rc;
}

int net_sock_sendto(struct net_sock *k, const void *buf, size_t len,
		    const struct net_addr *to)
{
	int rc;

	if (!k || k->type != NET_SOCK_UDP || (!buf && len))
		return -EINVAL;
	stack_enter(k->stack);
	rc = udp_sendto(udp_of(k), buf, len, to);
	stack_leave(k->stack);
	return rc;
}

int net_sock_recvfrom(struct net_sock *k, void *buf, size_t len,
		      struct net_addr *from)
{
	int rc;

	if (!k || k->type != NET_SOCK_UDP || (!buf && len))
		return -EINVAL;
	stack_enter(k->stack);
	rc = udp_recvfrom(udp_of(k), buf, len, from);
	stack_leave(k->stack);
	return rc;
}

int net_sock_shutdown(struct net_sock *k)
{
	int rc;

	if (!k || k->type != NET_SOCK_TCP)
		return -EINVAL;
	stack_enter(k->stack);
	rc = tcp_shutdown(tcp_of(k));
	stack_leave(k->stack);
	return rc;
}

void net_sock_close(struct net_sock *k)
{
	struct net_stack *s;

	if (!k || (k->flags & SOCK_F_CLOSED))
		return;
	s = k->stack;
	stack_enter(s);
	if (k->type == NET_SOCK_TCP)
		tcp_close(tcp_of(k));
	else
		udp_close(udp_of(k));
	stack_leave(s);
}

unsigned int net_sock_poll(const struct net_sock *k)
{
	if (!k)
		return NET_POLL_ERR;
	if (k->type == NET_SOCK_TCP)
		return tcp_poll_mask((const struct tcp_conn *)k) |
		       (k->error ? NET_POLL_ERR : 0);
	return udp_poll_mask((const struct udp_sock *)k);
}

int net_sock_error(struct net_sock *k)
{
	int err;

	if (!k)
		return -EINVAL;
	err = k->error;
	k->error = 0;
	return err;
}

int net_sock_local(const struct net_sock *k, struct net_addr *out)
{
	if (!k || !out)
		return -EINVAL;
	if (k->type == NET_SOCK_TCP) {
		const struct tcp_conn *c = (const struct tcp_conn *)k;

		out->ip = c->lip ? c->lip : k->stack->ip.ip;
		out->port = c->lport;
	} else {
		out->ip = k->stack->ip.ip;
		out->port = ((const struct udp_sock *)k)->port;
	}
	return 0;
}

int net_sock_peer(const struct net_sock *k, struct net_addr *out)
{
	if (!k || !out)
		return -EINVAL;
	if (k->type == NET_SOCK_UDP) {
		*out = ((const struct udp_sock *)k)->peer;
		return out->port ? 0 : -ENOTCONN;
	}
	out->ip = ((const struct tcp_conn *)k)->rip;
	out->port = ((const struct tcp_conn *)k)->rport;
	return out->port ? 0 : -ENOTCONN;
}

void net_sock_set_user(struct net_sock *k, void *user)
{
	if (k)
		k->user = user;
}

void *net_sock_user(const struct net_sock *k)
{
	return k ? k->user : NULL;
}

static int tcp_flag(struct net_sock *k, uint32_t flag, bool on)
{
	struct tcp_conn *c;

	if (!k || k->type != NET_SOCK_TCP)
		return -EINVAL;
	c = tcp_of(k);
	stack_enter(k->stack);
	if (on)
		c->flags |= flag;
	else
		c->flags &= ~flag;
	if (flag == TF_KEEPALIVE)
		tcp_keepalive_reset(c);
	else
		tcp_output(c);
	stack_leave(k->stack);
	return 0;
}

int net_sock_set_nodelay(struct net_sock *k, bool on)
{
	return tcp_flag(k, TF_NODELAY, on);
}

int net_sock_set_keepalive(struct net_sock *k, bool on)
{
	return tcp_flag(k, TF_KEEPALIVE, on);
}
