/*
 * Network services (service.h), Toro's SysRegisterNetworkService in C: a
 * service is a TCP listener whose connections skip the accept queue and
 * report through callbacks instead of env->notify. This file owns the
 * service objects and turns queued socket events into callbacks; the TCP
 * side only marks connections of a service listener with SOCK_F_SERVICE.
 */
#include <torito/errno.h>
#include <torito/net/service.h>
#include <torito/string.h>

#include "net/core/priv.h"

struct net_service {
	struct net_stack *stack;
	struct net_list link; /* stack->services */
	struct net_service_ops ops;
	void *ctx;
	struct tcp_conn *listener;
};

static bool ops_valid(const struct net_service_ops *ops)
{
	return ops && ops->accept && ops->receive && ops->close;
}

static int service_listen(struct net_service *svc, uint16_t port)
{
	struct net_stack *s = svc->stack;
	struct net_sock *k;
	int rc = tcp_open(s, &k);

	if (rc < 0)
		return rc;
	svc->listener = tcp_of(k);
	rc = tcp_bind(svc->listener, port);
	if (rc == 0)
		rc = tcp_listen(svc->listener, s->cfg.tcp_syn_queue_max);
	if (rc < 0) {
		tcp_close(svc->listener);
		return rc;
	}
	k->svc = svc;
	k->flags |= SOCK_F_SERVICE; /* no notify; children get callbacks */
	return 0;
}

static int service_start(struct net_service *svc, uint16_t port)
{
	int rc = 0;

	if (svc->ops.init)
		rc = svc->ops.init(svc->ctx);
	if (rc != 0)
		return rc < 0 ? rc : -EINVAL;
	return service_listen(svc, port);
}

int net_service_register(struct net_stack *s, uint16_t port,
			 const struct net_service_ops *ops, void *ctx,
			 struct net_service **out)
{
	struct net_service *svc;
	int rc;

	if (!s || !port || !ops_valid(ops) || !out)
		return -EINVAL;
	stack_enter(s);
	svc = net_zalloc(s, sizeof(*svc));
	rc = svc ? 0 : -ENOMEM;
	if (svc) {
		svc->stack = s;
		svc->ops = *ops;
		svc->ctx = ctx;
		rc = service_start(svc, port);
	}
	if (rc == 0) {
		list_add_tail(&s->services, &svc->link);
		*out = svc;
	} else {
		net_free(s, svc, sizeof(*svc));
	}
	stack_leave(s);
	return rc;
}

/* Resets every open connection of svc; they get no more callbacks. */
static void service_abort_conns(struct net_service *svc)
{
	struct net_list *pos, *tmp;

	list_for_each_safe(pos, tmp, &svc->stack->tcp.conns) {
		struct tcp_conn *c = container_of(pos, struct tcp_conn, link);

		if (c->sock.svc != svc || c == svc->listener)
			continue;
		c->sock.svc = NULL;
		if (!(c->sock.flags & SOCK_F_CLOSED)) {
			c->sock.flags |= SOCK_F_CLOSED;
			sock_forget(&c->sock);
			tcp_drop(c, -ECONNABORTED);
		}
	}
}

void net_service_unregister(struct net_service *svc)
{
	struct net_stack *s;

	if (!svc)
		return;
	s = svc->stack;
	stack_enter(s);
	service_abort_conns(svc);
	tcp_close(svc->listener);
	list_del(&svc->link);
	net_free(s, svc, sizeof(*svc));
	stack_leave(s);
}

void service_fini(struct net_stack *s)
{
	struct net_list *pos, *tmp;

	list_for_each_safe(pos, tmp, &s->services) {
		struct net_service *svc =
			container_of(pos, struct net_service, link);

		list_del(pos);
		net_free(s, svc, sizeof(*svc));
	}
}

int net_service_set_timeout(struct net_sock *conn, uint32_t ms)
{
	struct tcp_conn *c;

	if (!conn || !(conn->flags & SOCK_F_SERVICE))
		return -EINVAL;
	c = tcp_of(conn);
	stack_enter(conn->stack);
	c->idle_ms = ms;
	c->t_idle = 0;
	if (ms)
		tcp_timer_set(c, &c->t_idle, ms);
	stack_leave(conn->stack);
	return 0;
}

static bool conn_open(const struct net_sock *k)
{
	return !(k->flags & SOCK_F_CLOSED);
}

void service_dispatch(struct net_sock *k, uint8_t ev)
{
	struct net_service *svc = k->svc;

	if (!svc)
		return;
	if (ev & SOCK_EV_ACCEPT)
		svc->ops.accept(svc->ctx, k);
	if ((ev & SOCK_EV_READ) && conn_open(k))
		svc->ops.receive(svc->ctx, k);
	if ((ev & SOCK_EV_WRITE) && conn_open(k) && svc->ops.sent)
		svc->ops.sent(svc->ctx, k);
	if ((ev & SOCK_EV_TIMEOUT) && conn_open(k) && svc->ops.timeout)
		svc->ops.timeout(svc->ctx, k);
	if ((ev & SOCK_EV_CLOSE) && conn_open(k)) {
		svc->ops.close(svc->ctx, k);
		if (conn_open(k))
			net_sock_close(k);
	}
}
