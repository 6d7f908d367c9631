/*
 * The stack instance (private to net/ and its tests): the environment, the
 * configuration, and each layer's state side by side. One instance is one
 * interface; nothing in net/ is global, so instances never share state.
 *
 * Entry points (net_input, net_poll, socket and service calls) bracket
 * their work with stack_enter/stack_leave. The outermost leave dispatches
 * socket events and then frees connections that died, so no pointer held
 * by a caller lower in the stack is freed under it.
 */
#ifndef TORITO_NET_CORE_PRIV_H
#define TORITO_NET_CORE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/errno.h>
#include <torito/net/stack.h>
#include <torito/net/stats.h>

#include "net/core/list.h"
#include "net/dhcp/dhcp.h"
#include "net/ip/ip.h"
#include "net/link/link.h"
#include "net/tcp/tcp.h"
#include "net/udp/udp.h"

/* Owned by the core that owns the stack; no lock anywhere. */
struct net_stack {
	struct net_env env;
	struct net_stack_config cfg;
	struct net_ipv4_config ip;
	struct net_stats stats;

	uint64_t now;	   /* now_ms() at the outermost entry */
	uint64_t deadline; /* earliest timer known; may be early */
	uint32_t depth;	   /* nested entry points */
	uint64_t rng;
	uint16_t ip_id;
	uint64_t t_tx_retry; /* output refused by xmit: retry then */

	uint8_t *tx; /* one frame: ETH_HLEN + mtu bytes */
	size_t tx_size;

	struct net_list pending; /* sockets with queued events */
	struct net_list services;
	struct arp_table arp;
	struct ipfrag_table frag;
	struct udp_table udp;
	struct tcp_table tcp;
	struct dhcp_client dhcp;
};

/* Zeroed memory from env->alloc, or NULL (counted in stats.nomem). */
void *net_zalloc(struct net_stack *s, size_t size);

/* Memory from env->alloc, not cleared, or NULL (counted). */
void *net_alloc(struct net_stack *s, size_t size);

void net_free(struct net_stack *s, void *p, size_t size);

void stack_enter(struct net_stack *s);
void stack_leave(struct net_stack *s);

/* Notes that something must happen by time t (absolute ms). */
void stack_timer(struct net_stack *s, uint64_t t);

/* now + ms as a timer value (never 0, which means "off"). */
static inline uint64_t stack_after(const struct net_stack *s, uint64_t ms)
{
	uint64_t t = s->now + ms;
	return t ? t : 1;
}

static inline bool timer_due(uint64_t t, uint64_t now)
{
	return t != 0 && t <= now;
}

/* The earlier of a deadline and a timer (0 = off is ignored). */
static inline uint64_t timer_min(uint64_t deadline, uint64_t t)
{
	return (t != 0 && t < deadline) ? t : deadline;
}

uint32_t stack_random(struct net_stack *s);

/*
 * Calls env->xmit and counts the outcome. Returns its result; on
 * -EAGAIN/-ENOSPC also arms the retry so net_poll retries blocked output.
 */
int stack_xmit(struct net_stack *s, const uint8_t *frame, size_t len);

static inline bool xmit_busy(int rc)
{
	return rc == -EAGAIN || rc == -ENOSPC;
}

void ipv4_config_apply(struct net_stack *s, const struct net_ipv4_config *c);

#endif /* TORITO_NET_CORE_PRIV_H */
