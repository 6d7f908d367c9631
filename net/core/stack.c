/*
 * The stack instance: creation and teardown, the three driving entry points
 * (net_input, net_poll, net_next_deadline_ms), the enter/leave bracket that
 * dispatches events and frees dead connections, and the small services the
 * layers share (memory, time, randomness, transmit accounting). Protocol
 * work happens in the layer files; this file only sequences them.
 */
#include <torito/errno.h>
#include <torito/string.h>

#include "net/core/priv.h"
#include "net/core/wire.h"

void net_stack_config_init(struct net_stack_config *cfg,
			   const struct net_mac *mac)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mac = *mac;
	cfg->mtu = 1500;
	cfg->arp_cache_size = 32;
	cfg->arp_timeout_ms = 60000;
	cfg->arp_retry_ms = 1000;
	cfg->arp_retries = 3;
	cfg->arp_queue_max = 4;
	cfg->frag_slots = 4;
	cfg->frag_max_len = 16384;
	cfg->frag_timeout_ms = 5000;
	cfg->tcp_max_conns = 1024;
	cfg->tcp_syn_queue_max = 64;
	cfg->tcp_sndbuf = 16384;
	cfg->tcp_rcvbuf = 16384;
	cfg->tcp_rto_initial_ms = 1000;
	cfg->tcp_rto_min_ms = 200;
	cfg->tcp_rto_max_ms = 60000;
	cfg->tcp_max_retries = 8;
	cfg->tcp_syn_retries = 5;
	cfg->tcp_synack_retries = 3;
	cfg->tcp_delack_ms = 40;
	cfg->tcp_time_wait_ms = 2000;
	cfg->tcp_fin_wait2_ms = 10000;
	cfg->tcp_keepalive_idle_ms = 7200000;
	cfg->tcp_keepalive_intvl_ms = 75000;
	cfg->tcp_keepalive_count = 9;
	cfg->tcp_challenge_acks_per_s = 100;
	cfg->udp_rcvbuf = 16384;
	cfg->dhcp_retry_ms = 2000;
	cfg->tx_retry_ms = 1;
}

static bool env_valid(const struct net_env *env)
{
	return env && env->alloc && env->free && env->now_ms && env->xmit;
}

static bool config_valid(const struct net_stack_config *c)
{
	return c->mtu >= 576 && c->mtu <= 9000 && c->arp_cache_size > 0 &&
	       c->frag_max_len >= 8 && c->frag_max_len <= 65535 &&
	       c->tcp_max_conns > 0 && c->tcp_syn_queue_max > 0 &&
	       c->tcp_sndbuf >= 1024 && c->tcp_rcvbuf >= 1024 &&
	       c->tcp_rcvbuf <= (65535u << TCP_MAX_WSCALE) &&
	       c->tcp_rto_min_ms > 0 && c->tcp_rto_min_ms <= c->tcp_rto_max_ms &&
	       c->tcp_rto_initial_ms > 0 && c->udp_rcvbuf > 0 &&
	       c->dhcp_retry_ms > 0 && (c->mac.b[0] & 1) == 0;
}

static void stack_seed(struct net_stack *s)
{
	uint64_t seed = s->env.now_ms(s->env.ctx);

	for (int i = 0; i < 6; i++)
		seed = (seed << 8) ^ s->cfg.mac.b[i] ^ (seed >> 56);
	s->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	s->ip_id = (uint16_t)stack_random(s);
}

static int stack_layers_init(struct net_stack *s)
{
	int rc = arp_init(s);

	if (rc < 0)
		return rc;
	rc = ipfrag_init(s);
	if (rc < 0)
		goto err_arp;
	udp_init(s);
	tcp_init(s);
	return 0;

err_arp:
	arp_fini(s);
	return rc;
}

int net_stack_create(const struct net_env *env,
		     const struct net_stack_config *cfg, struct net_stack **out)
{
	struct net_stack *s;
	int rc;

	if (!env_valid(env) || !cfg || !out || !config_valid(cfg))
		return -EINVAL;
	s = env->alloc(env->ctx, sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	s->env = *env;
	s->cfg = *cfg;
	s->deadline = NET_DEADLINE_NONE;
	list_init(&s->pending);
	list_init(&s->services);
	stack_seed(s);
	s->tx_size = ETH_HLEN + cfg->mtu;
	s->tx = net_alloc(s, s->tx_size);
	if (!s->tx) {
		rc = -ENOMEM;
		goto err_stack;
	}
	rc = stack_layers_init(s);
	if (rc < 0)
		goto err_tx;
	*out = s;
	return 0;

err_tx:
	net_free(s, s->tx, s->tx_size);
err_stack:
	env->free(env->ctx, s, sizeof(*s));
	return rc;
}

void net_stack_destroy(struct net_stack *s)
{
	if (!s)
		return;
	service_fini(s);
	tcp_fini(s);
	udp_fini(s);
	ipfrag_fini(s);
	arp_fini(s);
	net_free(s, s->tx, s->tx_size);
	s->env.free(s->env.ctx, s, sizeof(*s));
}

void net_input(struct net_stack *s, const void *frame, size_t len)
{
	stack_enter(s);
	s->stats.eth_rx++;
	eth_input(s, frame, len);
	stack_leave(s);
}

/* Output refused by xmit earlier: give every blocked connection a go. */
static void stack_retry_output(struct net_stack *s)
{
	struct net_list *pos, *tmp;

	s->t_tx_retry = 0;
	list_for_each_safe(pos, tmp, &s->tcp.conns) {
		struct tcp_conn *c = container_of(pos, struct tcp_conn, link);

		if (c->flags & TF_BLOCKED) {
			c->flags &= ~TF_BLOCKED;
			tcp_output(c);
		}
	}
}

void net_poll(struct net_stack *s)
{
	uint64_t d = NET_DEADLINE_NONE;

	stack_enter(s);
	/* Recomputed below; timers armed meanwhile lower it again. */
	s->deadline = NET_DEADLINE_NONE;
	if (timer_due(s->t_tx_retry, s->now))
		stack_retry_output(s);
	d = timer_min(d, arp_poll(s));
	d = timer_min(d, ipfrag_poll(s));
	d = timer_min(d, dhcp_poll(s));
	d = timer_min(d, tcp_poll(s));
	d = timer_min(d, s->t_tx_retry);
	stack_timer(s, d);
	stack_leave(s);
}

uint64_t net_next_deadline_ms(struct net_stack *s)
{
	return s->deadline;
}

void stack_timer(struct net_stack *s, uint64_t t)
{
	if (t != 0 && t < s->deadline)
		s->deadline = t;
}

void stack_enter(struct net_stack *s)
{
	if (s->depth++ == 0)
		s->now = s->env.now_ms(s->env.ctx);
}

void stack_leave(struct net_stack *s)
{
	if (s->depth > 1) {
		s->depth--;
		return;
	}
	sock_dispatch_all(s);
	tcp_reap(s);
	s->depth = 0;
}

void *net_alloc(struct net_stack *s, size_t size)
{
	void *p = s->env.alloc(s->env.ctx, size);

	if (!p)
		s->stats.nomem++;
	return p;
}

void *net_zalloc(struct net_stack *s, size_t size)
{
	void *p = net_alloc(s, size);

	if (p)
		memset(p, 0, size);
	return p;
}

void net_free(struct net_stack *s, void *p, size_t size)
{
	if (p)
		s->env.free(s->env.ctx, p, size);
}

uint32_t stack_random(struct net_stack *s)
{
	uint64_t x = s->rng;

	if (s->env.random)
		return s->env.random(s->env.ctx);
	/* xorshift64*: fine for ports and xids; ISNs add a keyed hash. */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

int stack_xmit(struct net_stack *s, const uint8_t *frame, size_t len)
{
	int rc = s->env.xmit(s->env.dev_ctx, frame, len);

	if (rc >= 0) {
		s->stats.eth_tx++;
		return 0;
	}
	if (xmit_busy(rc)) {
		s->stats.tx_busy++;
		if (!s->t_tx_retry)
			s->t_tx_retry = stack_after(s, s->cfg.tx_retry_ms);
		stack_timer(s, s->t_tx_retry);
	} else {
		s->stats.tx_error++;
	}
	return rc;
}
