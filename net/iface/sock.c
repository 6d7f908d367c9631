/*
 * Blocking sockets over the stack's non-blocking ones: try the call; on
 * -EAGAIN (or -EINPROGRESS) record this thread as the socket's waiter
 * (its user pointer, read by the stack's notify callback) and wait until
 * notified or the timeout passes, then try again. After every call the
 * network thread is kicked, because the call may have armed an earlier
 * timer than the one it sleeps for.
 */
#include <stdint.h>

#include <torito/errno.h>
#include <torito/net/iface.h>
#include <torito/thread.h>
#include <torito/time.h>

#include "net/iface/iface_private.h"

static uint64_t deadline_of(uint32_t timeout_ms)
{
	return timeout_ms ? time_now_ns() + (uint64_t)timeout_ms * 1000000 : 0;
}

/* Waits until k shows one of events (or ERR/HUP). 0 or -ETIMEDOUT. */
static int wait_for(struct net_sock *k, unsigned int events, uint64_t deadline)
{
	while (!(net_sock_poll(k) & (events | NET_POLL_ERR | NET_POLL_HUP))) {
		net_sock_set_user(k, thread_self());
		int rc = thread_wait(deadline);
		net_sock_set_user(k, NULL);
		if (rc == -ETIMEDOUT)
			return -ETIMEDOUT;
	}
	return 0;
}

int sock_socket(struct net_iface *ifc, enum net_sock_type type,
		struct net_sock **out)
{
	return net_sock_open(ifc->stack, type, out);
}

int sock_bind(struct net_sock *k, uint16_t port)
{
	return net_sock_bind(k, port);
}

int sock_listen(struct net_sock *k, int backlog)
{
	int rc = net_sock_listen(k, backlog);

	net_iface_kick_local();
	return rc;
}

int sock_accept(struct net_sock *k, struct net_sock **out,
		struct net_addr *peer, uint32_t timeout_ms)
{
	uint64_t deadline = deadline_of(timeout_ms);
	int rc;

	while ((rc = net_sock_accept(k, out, peer)) == -EAGAIN)
		if (wait_for(k, NET_POLL_IN, deadline) < 0)
			return -ETIMEDOUT;
	net_iface_kick_local();
	return rc;
}

int sock_connect(struct net_sock *k, const struct net_addr *to,
		 uint32_t timeout_ms)
{
	int rc = net_sock_connect(k, to);

	net_iface_kick_local();
	if (rc != -EINPROGRESS)
		return rc;
	if (wait_for(k, NET_POLL_OUT, deadline_of(timeout_ms)) < 0)
		return -ETIMEDOUT;
	rc = net_sock_error(k);
	return rc < 0 ? rc : 0;
}

int sock_recv(struct net_sock *k, void *buf, size_t len, uint32_t timeout_ms)
{
	uint64_t deadline = deadline_of(timeout_ms);
	int rc;

	while ((rc = net_sock_recv(k, buf, len)) == -EAGAIN)
		if (wait_for(k, NET_POLL_IN, deadline) < 0)
			return -ETIMEDOUT;
	net_iface_kick_local(); /* reading may have opened the window */
	return rc;
}

int sock_send(struct net_sock *k, const void *buf, size_t len,
	      uint32_t timeout_ms)
{
	uint64_t deadline = deadline_of(timeout_ms);
	const uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		int rc = net_sock_send(k, p + done, len - done);
		net_iface_kick_local();
		if (rc > 0) {
			done += (size_t)rc;
			continue;
		}
		if (rc != -EAGAIN)
			return rc;
		if (wait_for(k, NET_POLL_OUT, deadline) < 0)
			return -ETIMEDOUT;
	}
	return (int)done;
}

void sock_close(struct net_sock *k)
{
	net_sock_close(k);
	net_iface_kick_local();
}

int sock_poll(struct sock_pollfd *fds, unsigned int n, uint32_t timeout_ms)
{
	uint64_t deadline = deadline_of(timeout_ms);

	for (;;) {
		int ready = 0;
		for (unsigned int i = 0; i < n; i++) {
			fds[i].revents = net_sock_poll(fds[i].sock) &
					 (fds[i].events | NET_POLL_ERR |
					  NET_POLL_HUP);
			ready += fds[i].revents != 0;
		}
		if (ready)
			return ready;
		for (unsigned int i = 0; i < n; i++)
			net_sock_set_user(fds[i].sock, thread_self());
		int rc = thread_wait(deadline);
		for (unsigned int i = 0; i < n; i++)
			net_sock_set_user(fds[i].sock, NULL);
		if (rc == -ETIMEDOUT)
			return 0;
	}
}
