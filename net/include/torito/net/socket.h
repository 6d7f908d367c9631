/*
 * Non-blocking sockets over one stack: TCP (stream) and UDP (datagram).
 * Nothing here waits: where a blocking API would sleep the call returns
 * -EAGAIN (or -EINPROGRESS for connect), and env->notify(sock) later says
 * that net_sock_poll() may have changed. A blocking layer wraps these calls
 * with a wait on that notification.
 *
 * Calling context: the stack's owner core only (see stack.h), including
 * service callbacks. A socket handle is valid from net_sock_open() (or
 * net_sock_accept(), or a service accept callback) until net_sock_close();
 * the connection may live on after close (sending what was queued, FIN,
 * TIME_WAIT) without the handle.
 */
#ifndef TORITO_NET_SOCKET_H
#define TORITO_NET_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>
#include <torito/net/stack.h>
#include <torito/net/types.h>

enum net_sock_type {
	NET_SOCK_TCP = 1,
	NET_SOCK_UDP = 2,
};

/* Readiness bits from net_sock_poll (same values as poll(2)). */
#define NET_POLL_IN 0x01  /* recv/recvfrom/accept would not -EAGAIN */
#define NET_POLL_OUT 0x04 /* send would accept bytes; connect finished */
#define NET_POLL_ERR 0x08 /* net_sock_error() has an error */
#define NET_POLL_HUP 0x10 /* peer closed or connection gone */

/* Creates a socket. Returns 0 and *out, -EINVAL for a bad type, -ENOMEM. */
int net_sock_open(struct net_stack *s, enum net_sock_type type,
		  struct net_sock **out) __must_check;

/*
 * Binds to a local port (0: an ephemeral port). Returns 0, -EADDRINUSE,
 * -EINVAL if already bound or connected.
 */
int net_sock_bind(struct net_sock *k, uint16_t port) __must_check;

/*
 * TCP: starts listening (binds an ephemeral port if unbound). backlog
 * bounds connections established but not yet accepted (at least 1);
 * half-open connections are bounded by tcp_syn_queue_max. SYNs beyond
 * either limit are dropped and counted. Returns 0, -EINVAL (not TCP, or
 * connected), -EADDRINUSE.
 */
int net_sock_listen(struct net_sock *k, int backlog) __must_check;

/*
 * TCP: takes one established connection from a listener. Returns 0 with
 * *out (and *peer if not NULL), -EAGAIN when none is ready, -EINVAL if k
 * does not listen.
 */
int net_sock_accept(struct net_sock *k, struct net_sock **out,
		    struct net_addr *peer) __must_check;

/*
 * TCP: starts an active open and returns -EINPROGRESS; completion shows
 * as NET_POLL_OUT, failure as NET_POLL_ERR with net_sock_error()
 * -ECONNREFUSED or -ETIMEDOUT. Other returns: -EISCONN, -EALREADY,
 * -ENETUNREACH (no address or route), -EADDRNOTAVAIL (no free port),
 * -ENOMEM, -EINVAL.
 * UDP: sets the default destination for net_sock_send and returns 0.
 */
int net_sock_connect(struct net_sock *k,
		     const struct net_addr *to) __must_check;

/*
 * TCP: queues up to len bytes; returns how many (> 0), -EAGAIN when the
 * send buffer is full, -ENOTCONN before the connection is established,
 * -EPIPE after shutdown or when the connection is gone (net_sock_error
 * tells why). UDP: sends one datagram to the connected peer.
 */
int net_sock_send(struct net_sock *k, const void *buf,
		  size_t len) __must_check;

/*
 * TCP: copies up to len received bytes; returns how many (> 0), 0 at end
 * of stream (peer's FIN, all data read), -EAGAIN when nothing is there yet,
 * -ECONNRESET / -ETIMEDOUT when the connection failed, -ENOTCONN.
 * Reading opens the receive window (a window update goes out when it grew
 * by min(MSS, buffer/2)). UDP: as net_sock_recvfrom without the source.
 */
int net_sock_recv(struct net_sock *k, void *buf, size_t len) __must_check;

/*
 * UDP: sends one datagram (binds an ephemeral port first if unbound);
 * to->ip may be NET_IP4_BROADCAST. Returns len, -EMSGSIZE (more than
 * mtu - 28 bytes: no fragmentation on output), -ENETUNREACH, -EAGAIN when
 * xmit is full, -ENOMEM.
 */
int net_sock_sendto(struct net_sock *k, const void *buf, size_t len,
		    const struct net_addr *to) __must_check;

/*
 * UDP: takes the oldest queued datagram; copies at most len bytes (the
 * rest of a longer datagram is discarded) and returns the number copied,
 * or -EAGAIN. *from (if not NULL) gets the sender.
 */
int net_sock_recvfrom(struct net_sock *k, void *buf, size_t len,
		      struct net_addr *from) __must_check;

/*
 * TCP: closes the sending direction (FIN after queued data); receiving
 * continues. Returns 0, -ENOTCONN.
 */
int net_sock_shutdown(struct net_sock *k) __must_check;

/*
 * Releases the handle. TCP: a graceful close (queued data, then FIN) that
 * finishes in the background, or a reset when received data was left
 * unread; a listener resets its pending connections. UDP: drops queued
 * datagrams. k is invalid afterwards; no notify or callback follows.
 */
void net_sock_close(struct net_sock *k);

/* Current NET_POLL_* bits. */
unsigned int net_sock_poll(const struct net_sock *k);

/* Returns and clears the pending error (0 or -ECONNRESET, -ECONNREFUSED,
 * -ETIMEDOUT, -ECONNABORTED). */
int net_sock_error(struct net_sock *k);

/* Local and peer endpoints. Return 0, or -ENOTCONN for the peer of an
 * unconnected socket. */
int net_sock_local(const struct net_sock *k,
		   struct net_addr *out) __must_check;
int net_sock_peer(const struct net_sock *k,
		  struct net_addr *out) __must_check;

/* One pointer of caller state per socket (e.g. the blocking layer's wait
 * queue, or a service's per-connection data). NULL initially. */
void net_sock_set_user(struct net_sock *k, void *user);
void *net_sock_user(const struct net_sock *k);

/* TCP: disables Nagle (small segments go out at once). Returns 0/-EINVAL. */
int net_sock_set_nodelay(struct net_sock *k, bool on) __must_check;

/* TCP: keep-alive probes with the stack's keepalive settings. 0/-EINVAL. */
int net_sock_set_keepalive(struct net_sock *k, bool on) __must_check;

/* TCP states, as net_tcp_info reports them. */
enum net_tcp_state {
	NET_TCP_CLOSED,
	NET_TCP_LISTEN,
	NET_TCP_SYN_SENT,
	NET_TCP_SYN_RCVD,
	NET_TCP_ESTABLISHED,
	NET_TCP_FIN_WAIT_1,
	NET_TCP_FIN_WAIT_2,
	NET_TCP_CLOSE_WAIT,
	NET_TCP_CLOSING,
	NET_TCP_LAST_ACK,
	NET_TCP_TIME_WAIT,
};

/* "ESTABLISHED", ... */
const char *net_tcp_state_name(enum net_tcp_state st);

/* A TCP connection as a netstat-like listing shows it. */
struct net_tcp_info {
	struct net_addr local;
	struct net_addr peer;
	enum net_tcp_state state;
	uint32_t send_queued; /* bytes not yet acknowledged or not yet sent */
	uint32_t recv_queued; /* bytes received, not yet read */
	uint32_t rto_ms;
	uint32_t cwnd;
	bool orphan; /* the handle was closed */
};

/* TCP state of a socket's connection (NET_TCP_CLOSED for UDP). */
enum net_tcp_state net_sock_tcp_state(const struct net_sock *k);

/* Calls fn once per TCP connection and listener; returns how many. */
unsigned int net_tcp_foreach(struct net_stack *s,
			     void (*fn)(void *ctx,
					const struct net_tcp_info *info),
			     void *ctx);

#endif /* TORITO_NET_SOCKET_H */
