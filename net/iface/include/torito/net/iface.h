/*
 * Dedicating a network device to a core (Toro's DedicateNetwork), and a
 * small blocking socket API on top of the stack's non-blocking one.
 *
 * net_dedicate binds one device (virtio-net, Xen netfront, e1000, ...)
 * and one TCP/IP stack instance to one CPU. A network thread on that CPU
 * does all the packet work; nothing else may touch the stack from another
 * CPU, so the stack takes no lock. Threads on the same CPU call the stack
 * directly (the scheduler is cooperative, so they never interleave with the
 * network thread): register services there with net_service_register
 * (torito/net/service.h), or use the sock_* calls below. Other CPUs reach
 * the stack with net_iface_call.
 */
#ifndef TORITO_NET_IFACE_H
#define TORITO_NET_IFACE_H

#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>
#include <torito/net/socket.h>
#include <torito/net/stack.h>
#include <torito/net/types.h>

struct net_iface;

/*
 * Dedicates the device named dev ("virtio0", "xen0"; NULL: the one named by
 * net=NAME on the kernel command line, else the first) and a new stack to
 * cpu. config is a command line ("ip=A.B.C.D netmask=... gw=..."; NULL:
 * the kernel's); without ip= the stack configures itself by DHCP.
 * Returns 0 and *out, -ENODEV (no such device or cpu), -EINVAL (malformed
 * config), -ENOMEM. Blocks until the stack runs on cpu; does not wait for
 * DHCP (see net_iface_wait_ip). Thread context.
 */
int net_dedicate(const char *dev, unsigned int cpu, const char *config,
		 struct net_iface **out) __must_check;

struct net_stack *net_iface_stack(const struct net_iface *ifc);
unsigned int net_iface_cpu(const struct net_iface *ifc);
const char *net_iface_name(const struct net_iface *ifc);

/*
 * Waits until the interface has an IPv4 address (static, or bound by DHCP)
 * and copies its configuration to *cfg. Returns 0 or -ETIMEDOUT after
 * timeout_ms. Any CPU.
 */
int net_iface_wait_ip(struct net_iface *ifc, uint32_t timeout_ms,
		      struct net_ipv4_config *cfg) __must_check;

/*
 * Runs fn(stack, arg) on the interface's CPU and returns its result: how
 * other CPUs use the stack. Blocks until fn has run. Thread context.
 */
int net_iface_call(struct net_iface *ifc,
		   int (*fn)(struct net_stack *s, void *arg), void *arg);

/*
 * Blocking sockets. Only for threads on the interface's CPU. timeout_ms 0
 * waits forever. Each returns what its net_sock_* counterpart returns,
 * except that it waits instead of returning -EAGAIN / -EINPROGRESS, and
 * returns -ETIMEDOUT when the timeout passes first.
 */
int sock_socket(struct net_iface *ifc, enum net_sock_type type,
		struct net_sock **out) __must_check;
int sock_bind(struct net_sock *k, uint16_t port) __must_check;
int sock_listen(struct net_sock *k, int backlog) __must_check;
int sock_accept(struct net_sock *k, struct net_sock **out,
		struct net_addr *peer, uint32_t timeout_ms) __must_check;
int sock_connect(struct net_sock *k, const struct net_addr *to,
		 uint32_t timeout_ms) __must_check;
/* Receives at least one byte; 0 at end of stream. */
int sock_recv(struct net_sock *k, void *buf, size_t len,
	      uint32_t timeout_ms) __must_check;
/* Sends all len bytes (returns len) unless the connection fails. */
int sock_send(struct net_sock *k, const void *buf, size_t len,
	      uint32_t timeout_ms) __must_check;
void sock_close(struct net_sock *k);

struct sock_pollfd {
	struct net_sock *sock;
	unsigned int events;  /* NET_POLL_IN | NET_POLL_OUT */
	unsigned int revents; /* filled in; ERR and HUP always reported */
};

/*
 * Waits until one of n sockets is ready for what it asks (or has ERR/HUP).
 * Returns the number ready (> 0), or 0 after timeout_ms (0: forever).
 */
int sock_poll(struct sock_pollfd *fds, unsigned int n, uint32_t timeout_ms);

#endif /* TORITO_NET_IFACE_H */
