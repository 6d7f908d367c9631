/*
 * Network services, after Toro's SysRegisterNetworkService: an application
 * registers callbacks for a TCP port and the stack calls them as
 * connections come and go. There are no threads and no blocking here: the
 * callbacks run from inside net_input() and net_poll(), on the stack's
 * owner core, and must return promptly.
 *
 * Inside a callback, the connection is a struct net_sock: read with
 * net_sock_recv, send with net_sock_send, end with net_sock_close, arm an
 * idle timeout with net_service_set_timeout, keep per-connection state with
 * net_sock_set_user. env->notify is never called for service connections.
 *
 * Order for one connection: accept, then receive / sent (zero or more
 * times), timeout (when armed and expired), and close exactly once unless
 * the application closed first. No callback follows net_sock_close(conn).
 */
#ifndef TORITO_NET_SERVICE_H
#define TORITO_NET_SERVICE_H

#include <stdint.h>

#include <torito/compiler.h>
#include <torito/net/socket.h>

struct net_service;

struct net_service_ops {
	/* Once, from net_service_register; nonzero fails the registration
	 * (the value is returned if negative, else -EINVAL). May be NULL. */
	int (*init)(void *ctx);
	/* A connection was established (three-way handshake done). */
	void (*accept)(void *ctx, struct net_sock *conn);
	/* New in-order data is readable. Data not read now stays queued
	 * (and holds the window closed); the next arrival calls again. */
	void (*receive)(void *ctx, struct net_sock *conn);
	/* No data arrived for the time set by net_service_set_timeout.
	 * One-shot: set it again to re-arm. May be NULL. */
	void (*timeout)(void *ctx, struct net_sock *conn);
	/*
	 * The peer closed its direction (FIN, after the last receive), or the
	 * connection was reset or timed out (net_sock_error says which). The
	 * application may still send (after a FIN) and should close; if it
	 * has not called net_sock_close when this returns, the stack does.
	 */
	void (*close)(void *ctx, struct net_sock *conn);
	/* Optional: send space freed after a net_sock_send that could not
	 * queue everything (for answers larger than the send buffer). */
	void (*sent)(void *ctx, struct net_sock *conn);
};

/*
 * Listens on a TCP port and calls ops (copied) with ctx. accept, receive
 * and close are required. Returns 0 and *out, -EINVAL, -EADDRINUSE,
 * -ENOMEM, or init's error.
 */
int net_service_register(struct net_stack *s, uint16_t port,
			 const struct net_service_ops *ops, void *ctx,
			 struct net_service **out) __must_check;

/*
 * Stops listening and resets every connection of the service (no
 * callbacks). Not from inside a callback of the same service.
 */
void net_service_unregister(struct net_service *svc);

/*
 * Calls ops->timeout once if no data arrives on conn for ms milliseconds
 * (counted from now and restarted by each arrival). ms == 0 disarms.
 * Returns 0, -EINVAL if conn is not a service connection.
 */
int net_service_set_timeout(struct net_sock *conn, uint32_t ms) __must_check;

#endif /* TORITO_NET_SERVICE_H */
