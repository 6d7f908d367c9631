/*
 * TCP under load, two stacks back to back: 1000 connections one after
 * another, 200 at once, 10 MB echoed back intact over a link that loses,
 * reorders and duplicates frames, a peer that vanishes mid-transfer (the
 * connection times out and memory returns to its baseline), and a SYN
 * flood (memory stays bounded, a real client gets in afterwards). The
 * server is a small non-blocking echo application on the socket API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <torito/errno.h>

#include "net/tests/harness.h"
#include "testing/unit/check.h"

#define MAX_CONNS 512
#define ECHO_BUF 65536

/* ---- echo server: echoes everything, closes after the peer's FIN ---- */

struct echo_conn {
	struct net_sock *k;
	uint8_t *buf;
	size_t len; /* bytes read, not yet sent back */
	bool eof;
};

struct echo_srv {
	struct net_sock *lis;
	struct echo_conn c[MAX_CONNS];
	unsigned accepted, closed;
};

static void echo_start(struct sim *sim, struct echo_srv *e, int backlog)
{
	memset(e, 0, sizeof(*e));
	CHECK_EQ(net_sock_open(sim->node[1].stack, NET_SOCK_TCP, &e->lis), 0);
	CHECK_EQ(net_sock_bind(e->lis, 7), 0);
	CHECK_EQ(net_sock_listen(e->lis, backlog), 0);
}

static void echo_accept(struct echo_srv *e)
{
	struct net_sock *k;

	while (net_sock_accept(e->lis, &k, NULL) == 0) {
		int i = 0;

		while (i < MAX_CONNS && e->c[i].k)
			i++;
		if (i == MAX_CONNS) {
			net_sock_close(k);
			continue;
		}
		e->c[i].k = k;
		e->c[i].buf = malloc(ECHO_BUF);
		e->c[i].len = 0;
		e->c[i].eof = false;
		e->accepted++;
	}
}

static void echo_conn_close(struct echo_srv *e, struct echo_conn *c)
{
	net_sock_close(c->k);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	e->closed++;
}

static void echo_conn_step(struct echo_srv *e, struct echo_conn *c)
{
	int rc;

	for (;;) {
		if (c->len) {
			rc = net_sock_send(c->k, c->buf, c->len);
			if (rc <= 0)
				break;
			memmove(c->buf, c->buf + rc, c->len - (size_t)rc);
			c->len -= (size_t)rc;
			continue;
		}
		rc = net_sock_recv(c->k, c->buf, ECHO_BUF);
		if (rc > 0) {
			c->len = (size_t)rc;
			continue;
		}
		if (rc == 0 || rc != -EAGAIN)
			c->eof = true;
		break;
	}
	if ((c->eof && c->len == 0) ||
	    net_sock_tcp_state(c->k) == NET_TCP_CLOSED)
		echo_conn_close(e, c);
}

static void echo_step(struct echo_srv *e)
{
	echo_accept(e);
	for (int i = 0; i < MAX_CONNS; i++)
		if (e->c[i].k)
			echo_conn_step(e, &e->c[i]);
}

static void echo_stop(struct echo_srv *e)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (e->c[i].k)
			echo_conn_close(e, &e->c[i]);
	net_sock_close(e->lis);
}

static void pattern(uint8_t *b, size_t off, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(((off + i) * 2654435761u + seed) >> 11);
}

/* ---- a client: sends 'total' bytes, reads them back, checks, closes ---- */

struct client {
	struct net_sock *k;
	size_t total, sent, got;
	uint32_t seed;
	bool shut, done, bad;
	int err;
};

static void client_start(struct sim *sim, struct client *c, size_t total,
			 uint32_t seed)
{
	struct net_addr to = { SIM_IP1, 7 };

	memset(c, 0, sizeof(*c));
	c->total = total;
	c->seed = seed;
	CHECK_EQ(net_sock_open(sim->node[0].stack, NET_SOCK_TCP, &c->k), 0);
	CHECK_EQ(net_sock_connect(c->k, &to), -EINPROGRESS);
}

static void client_send(struct client *c)
{
	static uint8_t b[16384];

	while (c->sent < c->total) {
		size_t n = c->total - c->sent;
		int rc;

		n = n < sizeof(b) ? n : sizeof(b);
		pattern(b, c->sent, n, c->seed);
		rc = net_sock_send(c->k, b, n);
		if (rc <= 0)
			return;
		c->sent += (size_t)rc;
	}
	if (!c->shut && net_sock_shutdown(c->k) == 0)
		c->shut = true;
}

static void client_recv(struct client *c)
{
	static uint8_t b[16384], want[16384];
	int rc;

	while ((rc = net_sock_recv(c->k, b, sizeof(b))) > 0) {
		pattern(want, c->got, (size_t)rc, c->seed);
		if (memcmp(b, want, (size_t)rc) != 0)
			c->bad = true;
		c->got += (size_t)rc;
	}
	if (rc == 0 || (rc < 0 && rc != -EAGAIN)) {
		c->done = true;
		c->err = rc;
	}
}

static void client_step(struct client *c)
{
	if (c->done)
		return;
	if (!(net_sock_poll(c->k) & (NET_POLL_OUT | NET_POLL_IN |
				     NET_POLL_ERR | NET_POLL_HUP)))
		return;
	client_send(c);
	client_recv(c);
	if (c->done) {
		net_sock_close(c->k);
		c->k = NULL;
	}
}

struct world {
	struct echo_srv srv;
	struct client *cli;
	int ncli;
};

static void world_step(struct sim *sim, void *ctx)
{
	struct world *w = ctx;

	echo_step(&w->srv);
	for (int i = 0; i < w->ncli; i++)
		client_step(&w->cli[i]);
}

static bool world_done(struct sim *sim, void *ctx)
{
	struct world *w = ctx;

	for (int i = 0; i < w->ncli; i++)
		if (!w->cli[i].done)
			return false;
	return true;
}

static bool client_ok(const struct client *c)
{
	return c->done && !c->bad && c->err == 0 && c->got == c->total;
}

static size_t conns(struct sim *sim, int i)
{
	return net_tcp_foreach(sim->node[i].stack, NULL, NULL);
}

static void many_conns(struct net_stack_config *cfg, int idx)
{
	cfg->tcp_syn_queue_max = 256;
	cfg->tcp_sndbuf = 4096;
	cfg->tcp_rcvbuf = 4096;
}

static void test_sequential_1000(void)
{
	struct sim sim;
	struct world w;
	struct client c;
	int ok = 0;

	sim_init(&sim, 2, many_conns);
	echo_start(&sim, &w.srv, 8);
	w.cli = &c;
	w.ncli = 1;
	for (int i = 0; i < 1000; i++) {
		client_start(&sim, &c, 100 + (size_t)i % 300, (uint32_t)i);
		if (sim_run_until(&sim, world_done, world_step, &w, 5000) &&
		    client_ok(&c))
			ok++;
	}
	CHECK_EQ(ok, 1000);
	CHECK_EQ(w.srv.accepted, 1000);
	CHECK_EQ(sim_stats(&sim, 0).tcp_active_opens, 1000);
	/* TIME_WAITs expire; only the listener is left. */
	sim_run_until(&sim, NULL, world_step, &w, 3000);
	CHECK_EQ(conns(&sim, 0), 0);
	CHECK_EQ(conns(&sim, 1), 1);
	echo_stop(&w.srv);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_concurrent_200(void)
{
	static struct client cs[200];
	struct sim sim;
	struct world w;
	int ok = 0;

	sim_init(&sim, 2, many_conns);
	echo_start(&sim, &w.srv, 256);
	w.cli = cs;
	w.ncli = 200;
	for (int i = 0; i < 200; i++)
		client_start(&sim, &cs[i], 20000, (uint32_t)i * 31);
	CHECK(sim_run_until(&sim, world_done, world_step, &w, 60000));
	for (int i = 0; i < 200; i++)
		ok += client_ok(&cs[i]);
	CHECK_EQ(ok, 200);
	CHECK_EQ(w.srv.accepted, 200);
	/* 200 connections alive at once on both sides at the peak. */
	CHECK(sim.node[1].mem.peak_bytes > 200 * 8192);
	sim_run_until(&sim, NULL, world_step, &w, 3000);
	CHECK_EQ(conns(&sim, 0), 0);
	echo_stop(&w.srv);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void bulk(struct net_stack_config *cfg, int idx)
{
	cfg->tcp_sndbuf = 64 * 1024;
	cfg->tcp_rcvbuf = 64 * 1024;
}

static void test_10mb_lossy(void)
{
	struct sim sim;
	struct world w;
	struct client c;
	struct net_stats s0;

	sim_init(&sim, 2, bulk);
	sim.loss_pm = 10;    /* 1% */
	sim.reorder_pm = 10; /* 1% */
	sim.dup_pm = 5;	     /* 0.5% */
	echo_start(&sim, &w.srv, 8);
	w.cli = &c;
	w.ncli = 1;
	client_start(&sim, &c, 10u << 20, 0xabcdef);
	CHECK(sim_run_until(&sim, world_done, world_step, &w, 3600000));
	CHECK(client_ok(&c));
	CHECK_EQ(c.got, 10u << 20);
	s0 = sim_stats(&sim, 0);
	CHECK(sim.lost > 100);
	CHECK(s0.tcp_retransmits > 0);
	CHECK(s0.tcp_fast_retransmits > 0);
	CHECK(sim_stats(&sim, 1).tcp_ooo_segments > 0);
	printf("10 MB echo: %llu ms simulated, %llu lost, %llu retransmits "
	       "(%llu fast, %llu RTO)\n",
	       (unsigned long long)(sim.now - 1000),
	       (unsigned long long)sim.lost,
	       (unsigned long long)s0.tcp_retransmits,
	       (unsigned long long)s0.tcp_fast_retransmits,
	       (unsigned long long)s0.tcp_rto_timeouts);
	sim.loss_pm = sim.reorder_pm = sim.dup_pm = 0;
	sim_run_until(&sim, NULL, world_step, &w, 5000);
	echo_stop(&w.srv);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void quick_giveup(struct net_stack_config *cfg, int idx)
{
	cfg->tcp_sndbuf = 32 * 1024;
	cfg->tcp_rcvbuf = 32 * 1024;
	cfg->tcp_max_retries = 5;
	cfg->tcp_rto_max_ms = 4000;
}

static void test_peer_vanishes(void)
{
	struct sim sim;
	struct world w;
	struct client c;
	size_t base0;

	sim_init(&sim, 2, quick_giveup);
	base0 = sim.node[0].mem.bytes;
	echo_start(&sim, &w.srv, 8);
	w.cli = &c;
	w.ncli = 1;
	client_start(&sim, &c, 100u << 20, 1);
	sim_run_until(&sim, NULL, world_step, &w, 500);
	CHECK(c.got > 100000);
	CHECK(sim.node[0].mem.bytes > base0 + 60000);
	/* The server machine disappears: nothing comes back any more. */
	sim.cut[1] = true;
	sim.cut[0] = true;
	CHECK(sim_run_until(&sim, world_done, world_step, &w, 120000));
	CHECK_EQ(c.err, -ETIMEDOUT);
	CHECK_EQ(sim_stats(&sim, 0).tcp_timeouts, 1);
	CHECK_EQ(sim_stats(&sim, 0).tcp_rto_timeouts, 5);
	/* The client closed its handle: node 0 is back to its baseline. */
	CHECK_EQ(conns(&sim, 0), 0);
	CHECK_EQ(sim.node[0].mem.bytes, base0);
	echo_stop(&w.srv);
	CHECK_EQ(sim_fini(&sim), 0);
}

/* SYNs from many spoofed addresses and ports straight into node 1. */
static void syn_flood(struct sim *sim, int count)
{
	static uint8_t f[128];
	uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };

	for (int i = 0; i < count; i++) {
		net_ip4_t src = (i % 3) ? NET_IP4(10, 0, 0, 100 + i % 100)
					: NET_IP4(172, 16, (i >> 8) & 255, i & 255);
		size_t n = build_tcp(f, &sim->node[1].mac, &sim->node[0].mac,
				     src, (uint16_t)(1024 + i % 60000),
				     SIM_IP1, 7, (uint32_t)i * 7919u, 0, 0x02,
				     65535, mss, 4, NULL, 0);

		sim_inject(sim, 1, f, n);
		if (i % 100 == 0)
			sim_run_for(sim, 1);
	}
}

static void test_syn_flood(void)
{
	struct sim sim;
	struct world w;
	struct client c;
	size_t base1, peak;

	sim_init(&sim, 2, NULL);
	echo_start(&sim, &w.srv, 8);
	base1 = sim.node[1].mem.bytes;
	sim.node[1].mem.peak_bytes = 0;
	syn_flood(&sim, 20000);
	peak = sim.node[1].mem.peak_bytes - base1;
	printf("SYN flood: 20000 SYNs, peak extra memory %zu bytes, "
	       "%llu dropped for a full SYN queue\n",
	       peak, (unsigned long long)sim_stats(&sim, 1).tcp_syn_queue_full);
	CHECK(sim_stats(&sim, 1).tcp_syn_queue_full > 19000);
	/* 64 half-open conns without buffers, plus held ARP frames. */
	CHECK(peak < 64 * 1024);
	CHECK(sim_stats(&sim, 1).tcp_conn_limit == 0);
	/* Half-open conns give up after their SYN-ACK retries. */
	sim_run_for(&sim, 20000);
	CHECK_EQ(conns(&sim, 1), 1);
	CHECK_EQ(sim.node[1].mem.bytes, base1);
	/* And a real client gets served. */
	w.cli = &c;
	w.ncli = 1;
	client_start(&sim, &c, 5000, 9);
	CHECK(sim_run_until(&sim, world_done, world_step, &w, 10000));
	CHECK(client_ok(&c));
	echo_stop(&w.srv);
	CHECK_EQ(sim_fini(&sim), 0);
}

int main(void)
{
	test_sequential_1000();
	test_concurrent_200();
	test_10mb_lossy();
	test_peer_vanishes();
	test_syn_flood();
	return check_done();
}
