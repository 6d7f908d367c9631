/*
 * Configuration text (dotted quads, command lines), stack creation checks,
 * the deadline contract, counters by name, the connection listing, and
 * allocation failures injected at every step of setup and of a connection
 * exchange: nothing may crash and nothing may leak.
 */
#include <stdio.h>
#include <string.h>

#include <torito/errno.h>
#include <torito/net/config.h>

#include "net/tests/harness.h"
#include "testing/unit/check.h"

static void test_ip4_text(void)
{
	net_ip4_t ip = 1;
	char buf[16];

	CHECK_EQ(net_ip4_parse("10.0.2.15", 9, &ip), 0);
	CHECK_EQ(ip, NET_IP4(10, 0, 2, 15));
	CHECK_EQ(net_ip4_parse("255.255.255.255", 15, &ip), 0);
	CHECK_EQ(ip, 0xffffffffu);
	CHECK_EQ(net_ip4_parse("10.0.2.15x", 9, &ip), 0); /* len bounds */
	CHECK_EQ(net_ip4_parse("10.0.2", 6, &ip), -EINVAL);
	CHECK_EQ(net_ip4_parse("10.0.2.256", 10, &ip), -EINVAL);
	CHECK_EQ(net_ip4_parse("10.0..2", 7, &ip), -EINVAL);
	CHECK_EQ(net_ip4_parse("1.2.3.4.5", 9, &ip), -EINVAL);
	CHECK_EQ(net_ip4_parse("1.2.3.0004", 10, &ip), -EINVAL);
	CHECK_EQ(net_ip4_parse("", 0, &ip), -EINVAL);
	CHECK_EQ(net_ip4_parse("a.b.c.d", 7, &ip), -EINVAL);
	CHECK_EQ(net_ip4_format(NET_IP4(192, 168, 100, 7), buf, sizeof(buf)),
		 13);
	CHECK_STR(buf, "192.168.100.7");
	CHECK_EQ(net_ip4_format(0, buf, sizeof(buf)), 7);
	CHECK_STR(buf, "0.0.0.0");
	CHECK_EQ(net_ip4_format(0xffffffffu, buf, 15), -ENOSPC);
	CHECK_EQ(net_ip4_format(0xffffffffu, buf, 16), 15);
}

static void test_cmdline(void)
{
	struct net_ipv4_config c;

	CHECK_EQ(net_config_parse("ip=10.0.2.15 gw=10.0.2.2 netmask=255.255.0.0",
				  &c),
		 0);
	CHECK_EQ(c.ip, NET_IP4(10, 0, 2, 15));
	CHECK_EQ(c.gateway, NET_IP4(10, 0, 2, 2));
	CHECK_EQ(c.netmask, NET_IP4(255, 255, 0, 0));
	CHECK_EQ(net_config_parse("greeting=hola  ip=1.2.3.4\tother", &c), 0);
	CHECK_EQ(c.ip, NET_IP4(1, 2, 3, 4));
	CHECK_EQ(c.netmask, NET_IP4(255, 255, 255, 0));
	CHECK_EQ(c.gateway, 0);
	CHECK_EQ(net_config_parse("greeting=hola", &c), -ENOENT);
	CHECK_EQ(c.ip, 0);
	CHECK_EQ(net_config_parse("", &c), -ENOENT);
	CHECK_EQ(net_config_parse("ip=1.2.3", &c), -EINVAL);
	CHECK_EQ(net_config_parse("ip=1.2.3.4 netmask=255.0.255.0", &c),
		 -EINVAL);
	CHECK_EQ(net_config_parse("ip=1.2.3.4 gw=", &c), 0); /* no gateway */
	CHECK_EQ(c.gateway, 0);
	CHECK_EQ(net_config_parse("vip=1.2.3.4", &c), -ENOENT);
	CHECK_EQ(net_config_parse("ip=0.0.0.0", &c), -EINVAL);
}

static uint64_t fake_now(void *ctx)
{
	return 5;
}

static int fake_xmit(void *ctx, const void *f, size_t len)
{
	return 0;
}

static void test_create_checks(void)
{
	struct mem_tracker m = { 0 };
	struct net_env env = { &m, NULL, tracker_alloc, tracker_free,
			       fake_now, fake_xmit, NULL, NULL, NULL };
	struct net_mac mac = { { 2, 0, 0, 0, 0, 1 } };
	struct net_stack_config cfg;
	struct net_stack *s;

	net_stack_config_init(&cfg, &mac);
	cfg.mtu = 100;
	CHECK_EQ(net_stack_create(&env, &cfg, &s), -EINVAL);
	net_stack_config_init(&cfg, &mac);
	cfg.mac.b[0] = 1; /* multicast MAC */
	CHECK_EQ(net_stack_create(&env, &cfg, &s), -EINVAL);
	net_stack_config_init(&cfg, &mac);
	env.xmit = NULL;
	CHECK_EQ(net_stack_create(&env, &cfg, &s), -EINVAL);
	env.xmit = fake_xmit;
	m.fail_all = true;
	CHECK_EQ(net_stack_create(&env, &cfg, &s), -ENOMEM);
	m.fail_all = false;
	/* Create makes 4 allocations; each failing one unwinds the rest. */
	for (uint64_t k = 1; k <= 3; k++) {
		m.allocs = 0;
		m.fail_after = k;
		CHECK_EQ(net_stack_create(&env, &cfg, &s), -ENOMEM);
		CHECK_EQ(m.bytes, 0);
	}
	m.fail_after = 0;
	CHECK_EQ(net_stack_create(&env, &cfg, &s), 0);
	/* Idle and unconfigured: no timer at all. */
	net_poll(s);
	CHECK(net_next_deadline_ms(s) == NET_DEADLINE_NONE);
	net_stack_destroy(s);
	CHECK_EQ(m.bytes, 0);
	CHECK_EQ(m.bad_frees, 0);
}

struct names {
	int count;
	bool saw_tcp_retransmits;
	uint64_t eth_rx;
};

static void name_cb(void *ctx, const char *name, uint64_t v)
{
	struct names *n = ctx;

	n->count++;
	if (strcmp(name, "tcp_retransmits") == 0)
		n->saw_tcp_retransmits = true;
	if (strcmp(name, "eth_rx") == 0)
		n->eth_rx = v;
}

struct info_seen {
	int n;
	enum net_tcp_state st[8];
};

static void info_cb(void *ctx, const struct net_tcp_info *i)
{
	struct info_seen *s = ctx;

	if (s->n < 8)
		s->st[s->n++] = i->state;
}

static bool est(struct sim *sim, void *ctx)
{
	return net_sock_poll(ctx) & NET_POLL_OUT;
}

static void test_stats_and_listing(void)
{
	struct sim sim;
	struct names n = { 0 };
	struct info_seen seen = { 0 };
	struct net_sock *l, *c;
	struct net_addr to = { SIM_IP1, 80 };

	sim_init(&sim, 2, NULL);
	CHECK_EQ(net_sock_open(sim.node[1].stack, NET_SOCK_TCP, &l), 0);
	CHECK_EQ(net_sock_bind(l, 80), 0);
	CHECK_EQ(net_sock_listen(l, 1), 0);
	CHECK_EQ(net_sock_open(sim.node[0].stack, NET_SOCK_TCP, &c), 0);
	CHECK_EQ(net_sock_connect(c, &to), -EINPROGRESS);
	CHECK(sim_run_until(&sim, est, NULL, c, 1000));
	sim_run_for(&sim, 10);
	net_stats_foreach(sim.node[1].stack, name_cb, &n);
	CHECK_EQ(n.count, (int)(sizeof(struct net_stats) / 8));
	CHECK(n.saw_tcp_retransmits);
	CHECK_EQ(n.eth_rx, sim_stats(&sim, 1).eth_rx);
	CHECK(n.eth_rx >= 3);
	CHECK_EQ(net_tcp_foreach(sim.node[1].stack, info_cb, &seen), 2);
	CHECK_EQ(seen.st[0], NET_TCP_LISTEN);
	CHECK_EQ(seen.st[1], NET_TCP_ESTABLISHED);
	CHECK_STR(net_tcp_state_name(NET_TCP_TIME_WAIT), "TIME_WAIT");
	CHECK_STR(net_tcp_state_name((enum net_tcp_state)99), "?");
	/* Timers exist while a connection is established with data. */
	CHECK_EQ(net_sock_send(c, "x", 1), 1);
	CHECK(net_next_deadline_ms(sim.node[0].stack) != NET_DEADLINE_NONE);
	net_sock_close(c);
	net_sock_close(l);
	sim_run_for(&sim, 5000);
	CHECK(net_next_deadline_ms(sim.node[0].stack) == NET_DEADLINE_NONE);
	CHECK(net_next_deadline_ms(sim.node[1].stack) == NET_DEADLINE_NONE);
	CHECK_EQ(sim_fini(&sim), 0);
}

static bool got_all(struct sim *sim, void *ctx)
{
	return *(int *)ctx == 1;
}

/* One exchange (connect, 3000 bytes each way, close) with node 1's
 * allocator failing from allocation number k on. */
static void exchange_with_failures(uint64_t k)
{
	static char buf[4000];
	struct sim sim;
	struct net_sock *l = NULL, *c = NULL, *a = NULL;
	struct net_addr to = { SIM_IP1, 80 };
	int done = 0;

	sim_init(&sim, 2, NULL);
	sim.node[1].mem.fail_after = sim.node[1].mem.allocs + k;
	if (net_sock_open(sim.node[1].stack, NET_SOCK_TCP, &l) == 0 &&
	    (net_sock_bind(l, 80) != 0 || net_sock_listen(l, 1) != 0)) {
		net_sock_close(l);
		l = NULL;
	}
	if (net_sock_open(sim.node[0].stack, NET_SOCK_TCP, &c) == 0 &&
	    net_sock_connect(c, &to) == -EINPROGRESS)
		(void)!net_sock_send(c, buf, 3000);
	for (int i = 0; i < 200 && !done; i++) {
		sim_run_until(&sim, got_all, NULL, &done, 50);
		if (l && !a && net_sock_accept(l, &a, NULL) != 0)
			a = NULL;
		if (a && net_sock_recv(a, buf, sizeof(buf)) > 0)
			(void)!net_sock_send(a, buf, 3000);
		if (c && net_sock_recv(c, buf, sizeof(buf)) > 0)
			done = 1;
	}
	net_sock_close(c);
	net_sock_close(a);
	net_sock_close(l);
	sim_run_for(&sim, 120000);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_alloc_failures(void)
{
	for (uint64_t k = 0; k < 12; k++)
		exchange_with_failures(k);
}

int main(void)
{
	test_ip4_text();
	test_cmdline();
	test_create_checks();
	test_stats_and_listing();
	test_alloc_failures();
	return check_done();
}
