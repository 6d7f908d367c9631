/*
 * TCP behaviour between two stacks: closes from either side and at once,
 * simultaneous open, refused connections, RFC 5961 reset and SYN handling,
 * reset on close with unread data, zero window with probes then window
 * opening, window scaling, delayed ACKs, fast retransmit, keep-alive,
 * SYN retries, a transmit ring that is often full, and the listen backlog.
 * A tap on the link watches and sometimes drops segments.
 */
#include <stdio.h>
#include <string.h>

#include <torito/errno.h>

#include "net/tests/harness.h"
#include "testing/unit/check.h"

/* What the tap saw last in each direction, and what it should drop. */
struct watch {
	uint32_t seq[2], ack[2], wnd[2], max_wnd[2];
	uint8_t flags[2];
	int syn_ws[2]; /* window scale option of the last SYN, -1 none */
	int drop_data_from;  /* drop the Nth data segment from this node */
	unsigned drop_nth, data_count;
	unsigned segs[2];
};

static bool tap(struct sim *sim, int from, const uint8_t *f, size_t len,
		void *ctx)
{
	struct watch *w = ctx;
	const uint8_t *t = f + 34;
	size_t hl;

	if (len < 54 || be16(f + 12) != 0x0800 || f[23] != 6)
		return true;
	hl = (size_t)(t[12] >> 4) * 4;
	w->seq[from] = be32(t + 4);
	w->ack[from] = be32(t + 8);
	w->flags[from] = t[13];
	w->wnd[from] = be16(t + 14);
	if (!(t[13] & 0x02) && w->wnd[from] > w->max_wnd[from])
		w->max_wnd[from] = w->wnd[from];
	w->segs[from]++;
	if (t[13] & 0x02) {
		w->syn_ws[from] = -1;
		for (size_t i = 20; i + 2 < hl; i += (t[i] == 1 ? 1 : t[i + 1]))
			if (t[i] == 3)
				w->syn_ws[from] = t[i + 2];
	}
	if (from == w->drop_data_from && len > 34 + hl &&
	    ++w->data_count == w->drop_nth)
		return false;
	return true;
}

static void watch_init(struct sim *sim, struct watch *w)
{
	memset(w, 0, sizeof(*w));
	w->drop_data_from = -1;
	sim->tap = tap;
	sim->tap_ctx = w;
}

struct pair {
	struct net_sock *lis, *cli, *srv;
};

static bool pair_ready(struct sim *sim, void *ctx)
{
	struct pair *p = ctx;

	if (!p->srv && net_sock_accept(p->lis, &p->srv, NULL) != 0)
		p->srv = NULL;
	return p->srv && (net_sock_poll(p->cli) & NET_POLL_OUT);
}

static void pair_open(struct sim *sim, struct pair *p, uint16_t port)
{
	struct net_addr to = { SIM_IP1, port };

	memset(p, 0, sizeof(*p));
	CHECK_EQ(net_sock_open(sim->node[1].stack, NET_SOCK_TCP, &p->lis), 0);
	CHECK_EQ(net_sock_bind(p->lis, port), 0);
	CHECK_EQ(net_sock_listen(p->lis, 8), 0);
	CHECK_EQ(net_sock_open(sim->node[0].stack, NET_SOCK_TCP, &p->cli), 0);
	CHECK_EQ(net_sock_connect(p->cli, &to), -EINPROGRESS);
	CHECK(sim_run_until(sim, pair_ready, NULL, p, 5000));
}

static void pair_close(struct pair *p)
{
	net_sock_close(p->cli);
	net_sock_close(p->srv);
	net_sock_close(p->lis);
}

static bool sock_in(struct sim *sim, void *ctx)
{
	return net_sock_poll(ctx) & NET_POLL_IN;
}

static bool sock_err(struct sim *sim, void *ctx)
{
	return net_sock_poll(ctx) & NET_POLL_ERR;
}

static bool sock_closed(struct sim *sim, void *ctx)
{
	return net_sock_tcp_state(ctx) == NET_TCP_CLOSED;
}

static size_t tcp_conns(struct sim *sim, int i)
{
	return net_tcp_foreach(sim->node[i].stack, NULL, NULL);
}

static void test_server_closes_first(void)
{
	struct sim sim;
	struct pair p;
	char buf[16];

	sim_init(&sim, 2, NULL);
	pair_open(&sim, &p, 80);
	CHECK_EQ(net_sock_send(p.srv, "bye", 3), 3);
	net_sock_close(p.srv); /* graceful: data, then FIN */
	p.srv = NULL;
	CHECK(sim_run_until(&sim, sock_in, NULL, p.cli, 1000));
	CHECK_EQ(net_sock_recv(p.cli, buf, sizeof(buf)), 3);
	CHECK_EQ(net_sock_recv(p.cli, buf, sizeof(buf)), 0);
	CHECK_EQ(net_sock_tcp_state(p.cli), NET_TCP_CLOSE_WAIT);
	CHECK_EQ(net_sock_send(p.cli, "late", 4), 4); /* half-close */
	net_sock_close(p.cli);
	p.cli = NULL;
	sim_run_for(&sim, 100);
	/* Server side (orphan) is in TIME_WAIT, then gone. */
	CHECK_EQ(tcp_conns(&sim, 0), 0);
	CHECK_EQ(tcp_conns(&sim, 1), 2);
	sim_run_for(&sim, 2500);
	CHECK_EQ(tcp_conns(&sim, 1), 1);
	pair_close(&p);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_simultaneous_close(void)
{
	struct sim sim;
	struct pair p;

	sim_init(&sim, 2, NULL);
	sim.latency_ms = 10;
	pair_open(&sim, &p, 80);
	CHECK_EQ(net_sock_shutdown(p.cli), 0);
	CHECK_EQ(net_sock_shutdown(p.srv), 0);
	CHECK_EQ(net_sock_tcp_state(p.cli), NET_TCP_FIN_WAIT_1);
	CHECK_EQ(net_sock_tcp_state(p.srv), NET_TCP_FIN_WAIT_1);
	sim_run_for(&sim, 15); /* FINs crossed: both CLOSING */
	CHECK_EQ(net_sock_tcp_state(p.cli), NET_TCP_CLOSING);
	CHECK_EQ(net_sock_tcp_state(p.srv), NET_TCP_CLOSING);
	sim_run_for(&sim, 20);
	CHECK_EQ(net_sock_tcp_state(p.cli), NET_TCP_TIME_WAIT);
	CHECK_EQ(net_sock_tcp_state(p.srv), NET_TCP_TIME_WAIT);
	sim_run_for(&sim, 2100);
	CHECK_EQ(net_sock_tcp_state(p.cli), NET_TCP_CLOSED);
	CHECK_EQ(net_sock_tcp_state(p.srv), NET_TCP_CLOSED);
	CHECK_EQ(net_sock_error(p.cli), 0);
	pair_close(&p);
	CHECK_EQ(sim_fini(&sim), 0);
}

static bool both_out(struct sim *sim, void *ctx)
{
	struct net_sock **k = ctx;

	return (net_sock_poll(k[0]) & NET_POLL_OUT) &&
	       (net_sock_poll(k[1]) & NET_POLL_OUT);
}

static void test_simultaneous_open(void)
{
	struct sim sim;
	struct net_sock *k[2];
	struct net_addr to0 = { SIM_IP1, 7001 }, to1 = { SIM_IP0, 7000 };
	char buf[8];

	sim_init(&sim, 2, NULL);
	sim.latency_ms = 10;
	CHECK_EQ(net_sock_open(sim.node[0].stack, NET_SOCK_TCP, &k[0]), 0);
	CHECK_EQ(net_sock_open(sim.node[1].stack, NET_SOCK_TCP, &k[1]), 0);
	CHECK_EQ(net_sock_bind(k[0], 7000), 0);
	CHECK_EQ(net_sock_bind(k[1], 7001), 0);
	/* Resolve ARP first so both SYNs are really in flight together. */
	CHECK_EQ(net_icmp_echo_send(sim.node[0].stack, SIM_IP1, 1, 1, 0), 0);
	sim_run_for(&sim, 100);
	CHECK_EQ(net_sock_connect(k[0], &to0), -EINPROGRESS);
	CHECK_EQ(net_sock_connect(k[1], &to1), -EINPROGRESS);
	CHECK_EQ(net_sock_connect(k[1], &to1), -EALREADY);
	sim_run_for(&sim, 12);
	CHECK_EQ(net_sock_tcp_state(k[0]), NET_TCP_SYN_RCVD);
	CHECK(sim_run_until(&sim, both_out, NULL, k, 1000));
	CHECK_EQ(net_sock_send(k[0], "hi", 2), 2);
	CHECK(sim_run_until(&sim, sock_in, NULL, k[1], 1000));
	CHECK_EQ(net_sock_recv(k[1], buf, sizeof(buf)), 2);
	net_sock_close(k[0]);
	net_sock_close(k[1]);
	sim_run_for(&sim, 3000);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_refused(void)
{
	struct sim sim;
	struct net_sock *k;
	struct net_addr to = { SIM_IP1, 9 };
	char buf[4];

	sim_init(&sim, 2, NULL);
	CHECK_EQ(net_sock_open(sim.node[0].stack, NET_SOCK_TCP, &k), 0);
	CHECK_EQ(net_sock_connect(k, &to), -EINPROGRESS);
	CHECK(sim_run_until(&sim, sock_err, NULL, k, 1000));
	CHECK_EQ(net_sock_recv(k, buf, 4), -ECONNREFUSED);
	CHECK_EQ(net_sock_send(k, buf, 4), -EPIPE);
	CHECK_EQ(net_sock_error(k), -ECONNREFUSED);
	CHECK_EQ(net_sock_error(k), 0);
	CHECK_EQ(sim_stats(&sim, 1).tcp_no_socket, 1);
	CHECK_EQ(net_sock_connect(k, &to), -EISCONN);
	net_sock_close(k);
	/* Bad arguments. */
	CHECK_EQ(net_sock_open(sim.node[0].stack, NET_SOCK_TCP, &k), 0);
	to.ip = NET_IP4(10, 0, 0, 255);
	CHECK_EQ(net_sock_connect(k, &to), -EINVAL);
	to.ip = NET_IP4(8, 8, 8, 8);
	CHECK_EQ(net_sock_connect(k, &to), -ENETUNREACH);
	CHECK_EQ(net_sock_send(k, "x", 1), -ENOTCONN);
	CHECK_EQ(net_sock_recv(k, buf, 1), -ENOTCONN);
	CHECK_EQ(net_sock_accept(k, &k, NULL), -EINVAL);
	net_sock_close(k);
	CHECK_EQ(sim_fini(&sim), 0);
}

/* Sends a crafted segment from node 0's address to node 1's socket. */
static void inject_seg(struct sim *sim, struct pair *p, uint32_t seq,
		       uint32_t ack, uint8_t flags)
{
	static uint8_t f[128];
	struct net_addr l, r;
	size_t n;

	CHECK_EQ(net_sock_local(p->cli, &l), 0);
	CHECK_EQ(net_sock_peer(p->cli, &r), 0);
	n = build_tcp(f, &sim->node[1].mac, &sim->node[0].mac, SIM_IP0,
		      l.port, SIM_IP1, r.port, seq, ack, flags, 1000, NULL, 0,
		      NULL, 0);
	sim_inject(sim, 1, f, n);
}

static void test_rst_rfc5961(void)
{
	struct sim sim;
	struct pair p;
	struct watch w;
	uint32_t nxt, ack;
	char buf[4];

	sim_init(&sim, 2, NULL);
	watch_init(&sim, &w);
	pair_open(&sim, &p, 80);
	sim_run_for(&sim, 100);
	nxt = w.seq[0];
	ack = w.ack[0];
	/* In window but not exact: challenge ACK, connection lives. */
	inject_seg(&sim, &p, nxt + 100, 0, 0x04);
	CHECK_EQ(sim_stats(&sim, 1).tcp_rst_ignored, 1);
	CHECK_EQ(sim_stats(&sim, 1).tcp_challenge_ack, 1);
	/* Far out of window: dropped with an ACK, no challenge. */
	inject_seg(&sim, &p, nxt + 100000, 0, 0x04);
	CHECK_EQ(sim_stats(&sim, 1).tcp_out_of_window, 1);
	/* SYN on an established connection: challenge ACK. */
	inject_seg(&sim, &p, nxt, 0, 0x02);
	CHECK_EQ(sim_stats(&sim, 1).tcp_challenge_ack, 2);
	/* ACK of data never sent: dropped (RFC 5961 §5.2). */
	inject_seg(&sim, &p, nxt, ack + 5000, 0x10);
	CHECK_EQ(sim_stats(&sim, 1).tcp_bad_ack, 1);
	CHECK_EQ(net_sock_tcp_state(p.srv), NET_TCP_ESTABLISHED);
	sim_run_for(&sim, 50);
	CHECK_EQ(net_sock_tcp_state(p.cli), NET_TCP_ESTABLISHED);
	/* Exactly at rcv_nxt: reset. */
	inject_seg(&sim, &p, nxt, 0, 0x04);
	CHECK_EQ(net_sock_tcp_state(p.srv), NET_TCP_CLOSED);
	CHECK_EQ(net_sock_recv(p.srv, buf, 4), -ECONNRESET);
	CHECK(net_sock_poll(p.srv) & NET_POLL_ERR);
	CHECK_EQ(sim_stats(&sim, 1).tcp_rst_in, 1);
	pair_close(&p);
	sim_run_for(&sim, 100);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_challenge_rate_limit(void)
{
	struct sim sim;
	struct pair p;
	struct watch w;

	sim_init(&sim, 2, NULL);
	watch_init(&sim, &w);
	pair_open(&sim, &p, 80);
	sim_run_for(&sim, 100);
	for (int i = 0; i < 150; i++)
		inject_seg(&sim, &p, w.seq[0], 0, 0x02);
	CHECK_EQ(sim_stats(&sim, 1).tcp_challenge_ack, 100);
	CHECK_EQ(sim_stats(&sim, 1).tcp_challenge_ack_limited, 50);
	pair_close(&p);
	sim_run_for(&sim, 3000);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_close_unread_resets(void)
{
	struct sim sim;
	struct pair p;
	char buf[8];

	sim_init(&sim, 2, NULL);
	pair_open(&sim, &p, 80);
	CHECK_EQ(net_sock_send(p.cli, "unread", 6), 6);
	CHECK(sim_run_until(&sim, sock_in, NULL, p.srv, 1000));
	net_sock_close(p.srv);
	p.srv = NULL;
	CHECK(sim_run_until(&sim, sock_closed, NULL, p.cli, 1000));
	CHECK_EQ(net_sock_recv(p.cli, buf, 8), -ECONNRESET);
	CHECK_EQ(sim_stats(&sim, 1).tcp_resets_sent_close, 1);
	CHECK_EQ(tcp_conns(&sim, 1), 1); /* just the listener */
	pair_close(&p);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void small_rcvbuf(struct net_stack_config *cfg, int idx)
{
	if (idx == 1)
		cfg->tcp_rcvbuf = 4096;
}

static void fill(uint8_t *b, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)((i + seed) * 2654435761u >> 13);
}

static void test_zero_window(void)
{
	static uint8_t out[65536], in[65536];
	struct sim sim;
	struct pair p;
	struct watch w;
	size_t sent = 0, got = 0;
	int rc;

	sim_init(&sim, 2, small_rcvbuf);
	watch_init(&sim, &w);
	fill(out, sizeof(out), 1);
	pair_open(&sim, &p, 80);
	/* The receiver reads nothing: the window closes at 4 KiB. */
	while ((rc = net_sock_send(p.cli, out + sent, sizeof(out) - sent)) > 0)
		sent += (size_t)rc;
	CHECK_EQ(rc, -EAGAIN);
	CHECK_EQ(sent, 16384);
	sim_run_for(&sim, 10000);
	CHECK_EQ(w.wnd[1], 0);
	CHECK(sim_stats(&sim, 0).tcp_zero_window_probes >= 3);
	CHECK_EQ(sim_stats(&sim, 0).tcp_timeouts, 0);
	CHECK_EQ(net_sock_tcp_state(p.cli), NET_TCP_ESTABLISHED);
	/* Reading opens the window; everything arrives in order. */
	while (got < sizeof(in)) {
		rc = net_sock_recv(p.srv, in + got, sizeof(in) - got);
		if (rc > 0)
			got += (size_t)rc;
		rc = net_sock_send(p.cli, out + sent, sizeof(out) - sent);
		if (rc > 0)
			sent += (size_t)rc;
		sim_run_for(&sim, 5);
	}
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	CHECK(sim.now < 1000 + 10000 + 20000);
	/* Never more window than the 4 KiB of buffer. */
	CHECK(w.max_wnd[1] > 0);
	CHECK(w.max_wnd[1] <= 4096);
	pair_close(&p);
	sim_run_for(&sim, 3000);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void big_buffers(struct net_stack_config *cfg, int idx)
{
	cfg->tcp_rcvbuf = 256 * 1024;
	cfg->tcp_sndbuf = 256 * 1024;
}

static void test_window_scaling(void)
{
	static uint8_t out[1 << 20], in[1 << 20];
	struct sim sim;
	struct pair p;
	struct watch w;
	size_t sent = 0, got = 0;

	sim_init(&sim, 2, big_buffers);
	watch_init(&sim, &w);
	fill(out, sizeof(out), 7);
	pair_open(&sim, &p, 80);
	CHECK_EQ(w.syn_ws[0], 3); /* 256 KiB >> 3 fits 16 bits */
	CHECK_EQ(w.syn_ws[1], 3);
	while (got < sizeof(in)) {
		int rc = net_sock_send(p.cli, out + sent, sizeof(out) - sent);

		if (rc > 0)
			sent += (size_t)rc;
		sim_run_for(&sim, 1);
		rc = net_sock_recv(p.srv, in + got, sizeof(in) - got);
		if (rc > 0)
			got += (size_t)rc;
	}
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	CHECK((w.wnd[1] << 3) > 65535); /* a window only scaling can say */
	pair_close(&p);
	sim_run_for(&sim, 3000);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_delayed_ack(void)
{
	struct sim sim;
	struct pair p;
	struct watch w;
	uint64_t t0;

	sim_init(&sim, 2, NULL);
	watch_init(&sim, &w);
	pair_open(&sim, &p, 80);
	sim_run_for(&sim, 100);
	CHECK_EQ(net_sock_send(p.cli, "x", 1), 1);
	t0 = sim.now;
	sim_run_for(&sim, 20);
	CHECK_EQ(sim_stats(&sim, 1).tcp_delayed_acks, 0);
	CHECK(w.ack[1] != w.seq[0] + 1);
	sim_run_for(&sim, 40);
	CHECK_EQ(sim_stats(&sim, 1).tcp_delayed_acks, 1);
	CHECK_EQ(w.ack[1], w.seq[0] + 1);
	(void)t0;
	pair_close(&p);
	sim_run_for(&sim, 3000);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_fast_retransmit(void)
{
	static uint8_t out[60000], in[60000];
	struct sim sim;
	struct pair p;
	struct watch w;
	size_t sent = 0, got = 0;

	sim_init(&sim, 2, big_buffers);
	watch_init(&sim, &w);
	fill(out, sizeof(out), 3);
	pair_open(&sim, &p, 80);
	w.drop_data_from = 0;
	w.drop_nth = 5;
	while (got < sizeof(in) && sim.now < 20000) {
		int rc = net_sock_send(p.cli, out + sent, sizeof(out) - sent);

		if (rc > 0)
			sent += (size_t)rc;
		sim_run_for(&sim, 1);
		rc = net_sock_recv(p.srv, in + got, sizeof(in) - got);
		if (rc > 0)
			got += (size_t)rc;
	}
	CHECK_EQ(got, sizeof(in));
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	CHECK_EQ(sim_stats(&sim, 0).tcp_fast_retransmits, 1);
	CHECK_EQ(sim_stats(&sim, 0).tcp_rto_timeouts, 0);
	CHECK(sim_stats(&sim, 1).tcp_ooo_segments > 0);
	pair_close(&p);
	sim_run_for(&sim, 3000);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void short_keepalive(struct net_stack_config *cfg, int idx)
{
	cfg->tcp_keepalive_idle_ms = 1000;
	cfg->tcp_keepalive_intvl_ms = 500;
	cfg->tcp_keepalive_count = 3;
}

static void test_keepalive(void)
{
	struct sim sim;
	struct pair p;
	size_t base;

	sim_init(&sim, 2, short_keepalive);
	pair_open(&sim, &p, 80);
	CHECK_EQ(net_sock_set_keepalive(p.cli, true), 0);
	sim_run_for(&sim, 5000); /* the peer answers: nothing happens */
	CHECK(sim_stats(&sim, 0).tcp_keepalive_probes >= 4);
	CHECK_EQ(net_sock_tcp_state(p.cli), NET_TCP_ESTABLISHED);
	base = sim_stats(&sim, 0).tcp_keepalive_probes;
	sim.cut[1] = true; /* the peer goes silent */
	CHECK(sim_run_until(&sim, sock_closed, NULL, p.cli, 10000));
	CHECK_EQ(sim_stats(&sim, 0).tcp_keepalive_probes, base + 3);
	CHECK_EQ(net_sock_error(p.cli), -ETIMEDOUT);
	CHECK_EQ(sim_stats(&sim, 0).tcp_timeouts, 1);
	pair_close(&p);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_syn_timeout(void)
{
	struct sim sim;
	struct net_sock *k;
	struct net_addr to = { SIM_IP1, 80 };
	uint64_t t0;

	sim_init(&sim, 2, NULL);
	sim.cut[0] = true;
	CHECK_EQ(net_sock_open(sim.node[0].stack, NET_SOCK_TCP, &k), 0);
	CHECK_EQ(net_sock_connect(k, &to), -EINPROGRESS);
	t0 = sim.now;
	CHECK(sim_run_until(&sim, sock_err, NULL, k, 200000));
	CHECK_EQ(net_sock_error(k), -ETIMEDOUT);
	/* ARP never resolves either; SYN retries: 1+2+4+8+16+32 s. */
	CHECK(sim.now - t0 >= 63000);
	CHECK_EQ(sim_stats(&sim, 0).tcp_rto_timeouts, 5);
	net_sock_close(k);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_xmit_busy(void)
{
	static uint8_t out[200000], in[200000];
	struct sim sim;
	struct pair p;
	size_t sent = 0, got = 0;

	sim_init(&sim, 2, NULL);
	pair_open(&sim, &p, 80);
	fill(out, sizeof(out), 5);
	sim.node[0].busy_every = 3;
	sim.node[1].busy_every = 4;
	while (got < sizeof(in) && sim.now < 60000) {
		int rc = net_sock_send(p.cli, out + sent, sizeof(out) - sent);

		if (rc > 0)
			sent += (size_t)rc;
		sim_run_for(&sim, 1);
		rc = net_sock_recv(p.srv, in + got, sizeof(in) - got);
		if (rc > 0)
			got += (size_t)rc;
	}
	CHECK_EQ(got, sizeof(in));
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	CHECK(sim_stats(&sim, 0).tx_busy > 10);
	pair_close(&p);
	sim.node[0].busy_every = sim.node[1].busy_every = 0;
	sim_run_for(&sim, 5000);
	CHECK_EQ(tcp_conns(&sim, 0) + tcp_conns(&sim, 1), 0);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_backlog(void)
{
	struct sim sim;
	struct net_sock *l, *c[5], *a;
	struct net_addr to = { SIM_IP1, 80 }, peer;
	int accepted = 0;

	sim_init(&sim, 2, NULL);
	CHECK_EQ(net_sock_open(sim.node[1].stack, NET_SOCK_TCP, &l), 0);
	CHECK_EQ(net_sock_bind(l, 80), 0);
	CHECK_EQ(net_sock_listen(l, 2), 0);
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(net_sock_open(sim.node[0].stack, NET_SOCK_TCP, &c[i]),
			 0);
		CHECK_EQ(net_sock_connect(c[i], &to), -EINPROGRESS);
	}
	sim_run_for(&sim, 500);
	CHECK(sim_stats(&sim, 1).tcp_backlog_full > 0);
	CHECK(net_sock_poll(l) & NET_POLL_IN);
	/* Accepting makes room; the clients' SYN retries get in. */
	while (sim.now < 30000 && accepted < 5) {
		while (net_sock_accept(l, &a, &peer) == 0) {
			accepted++;
			CHECK_EQ(peer.ip, SIM_IP0);
			net_sock_close(a);
		}
		sim_run_for(&sim, 100);
	}
	CHECK_EQ(accepted, 5);
	for (int i = 0; i < 5; i++)
		net_sock_close(c[i]);
	net_sock_close(l);
	CHECK_EQ(net_sock_bind(l = NULL, 1), -EINVAL);
	sim_run_for(&sim, 5000);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_bind_conflicts(void)
{
	struct sim sim;
	struct net_sock *a, *b;

	sim_init(&sim, 1, NULL);
	CHECK_EQ(net_sock_open(sim.node[0].stack, NET_SOCK_TCP, &a), 0);
	CHECK_EQ(net_sock_open(sim.node[0].stack, NET_SOCK_TCP, &b), 0);
	CHECK_EQ(net_sock_bind(a, 80), 0);
	CHECK_EQ(net_sock_bind(b, 80), -EADDRINUSE);
	CHECK_EQ(net_sock_bind(a, 81), -EINVAL);
	CHECK_EQ(net_sock_listen(a, 1), 0);
	CHECK_EQ(net_sock_listen(a, 1), 0);
	CHECK_EQ(net_sock_accept(a, &b, NULL), -EAGAIN);
	CHECK_EQ(net_sock_poll(a), 0);
	net_sock_close(a);
	CHECK_EQ(net_sock_bind(b, 80), 0);
	net_sock_close(b);
	CHECK_EQ(sim_fini(&sim), 0);
}

int main(void)
{
	test_server_closes_first();
	test_simultaneous_close();
	test_simultaneous_open();
	test_refused();
	test_rst_rfc5961();
	test_challenge_rate_limit();
	test_close_unread_resets();
	test_zero_window();
	test_window_scaling();
	test_delayed_ack();
	test_fast_retransmit();
	test_keepalive();
	test_syn_timeout();
	test_xmit_busy();
	test_backlog();
	test_bind_conflicts();
	return check_done();
}
