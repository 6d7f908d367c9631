/*
 * Two stacks back to back over the simulated link: ARP resolution, ping,
 * UDP exchange, and a TCP handshake with data both ways and close from
 * either side (including simultaneous close and simultaneous open). Every
 * test ends with both stacks destroyed and no bytes left allocated.
 */
#include <stdio.h>
#include <string.h>

#include <torito/errno.h>

#include "net/tests/harness.h"
#include "testing/unit/check.h"

static bool ping_done(struct sim *sim, void *ctx)
{
	return sim_stats(sim, 0).icmp_echo_reply_in >= *(uint64_t *)ctx;
}

static void test_arp_and_ping(void)
{
	struct sim sim;
	uint64_t want = 1;

	sim_init(&sim, 2, NULL);
	CHECK_EQ(net_icmp_echo_send(sim.node[0].stack, SIM_IP1, 7, 1, 56), 0);
	CHECK(sim_run_until(&sim, ping_done, NULL, &want, 1000));
	CHECK_EQ(sim_stats(&sim, 0).arp_request_out, 2); /* + announce */
	CHECK_EQ(sim_stats(&sim, 1).arp_reply_out, 1);
	CHECK_EQ(sim_stats(&sim, 1).icmp_echo_request, 1);
	/* The second ping needs no ARP. */
	want = 2;
	CHECK_EQ(net_icmp_echo_send(sim.node[0].stack, SIM_IP1, 7, 2, 1000),
		 0);
	CHECK(sim_run_until(&sim, ping_done, NULL, &want, 1000));
	CHECK_EQ(sim_stats(&sim, 0).arp_request_out, 2);
	CHECK_EQ(net_icmp_echo_send(sim.node[0].stack, SIM_IP1, 7, 3, 1473),
		 -EMSGSIZE);
	CHECK_EQ(sim_fini(&sim), 0);
}

static bool udp_has(struct sim *sim, void *ctx)
{
	return net_sock_poll(ctx) & NET_POLL_IN;
}

static void test_udp_exchange(void)
{
	struct sim sim;
	struct net_sock *a, *b;
	struct net_addr to = { SIM_IP1, 5000 }, from;
	char buf[64];

	sim_init(&sim, 2, NULL);
	CHECK_EQ(net_sock_open(sim.node[0].stack, NET_SOCK_UDP, &a), 0);
	CHECK_EQ(net_sock_open(sim.node[1].stack, NET_SOCK_UDP, &b), 0);
	CHECK_EQ(net_sock_bind(b, 5000), 0);
	CHECK_EQ(net_sock_recvfrom(b, buf, sizeof(buf), &from), -EAGAIN);
	CHECK_EQ(net_sock_sendto(a, "hello", 5, &to), 5);
	CHECK(sim_run_until(&sim, udp_has, NULL, b, 1000));
	CHECK(sim.node[1].notifies > 0);
	CHECK_EQ(net_sock_recvfrom(b, buf, sizeof(buf), &from), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_EQ(from.ip, SIM_IP0);
	CHECK(from.port >= 49152);
	/* Reply to the sender's port. */
	CHECK_EQ(net_sock_sendto(b, "world!", 6, &from), 6);
	CHECK(sim_run_until(&sim, udp_has, NULL, a, 1000));
	CHECK_EQ(net_sock_recvfrom(a, buf, 3, &from), 3); /* truncated */
	CHECK(memcmp(buf, "wor", 3) == 0);
	CHECK_EQ(from.port, 5000);
	CHECK_EQ(net_sock_recvfrom(a, buf, 3, &from), -EAGAIN);
	/* No socket on the port: counted. */
	to.port = 5001;
	CHECK_EQ(net_sock_sendto(a, "x", 1, &to), 1);
	sim_run_for(&sim, 10);
	CHECK_EQ(sim_stats(&sim, 1).udp_no_socket, 1);
	/* Too large for one frame. */
	CHECK_EQ(net_sock_sendto(a, buf, 1473, &to), -EMSGSIZE);
	net_sock_close(a);
	net_sock_close(b);
	CHECK_EQ(sim_fini(&sim), 0);
}

/* A TCP pair: client on node 0, server (accepted) on node 1. */
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
	CHECK_EQ(net_sock_listen(p->lis, 4), 0);
	CHECK_EQ(net_sock_open(sim->node[0].stack, NET_SOCK_TCP, &p->cli), 0);
	CHECK_EQ(net_sock_connect(p->cli, &to), -EINPROGRESS);
	CHECK_EQ(net_sock_tcp_state(p->cli), NET_TCP_SYN_SENT);
	CHECK(sim_run_until(sim, pair_ready, NULL, p, 5000));
	CHECK_EQ(net_sock_tcp_state(p->cli), NET_TCP_ESTABLISHED);
	CHECK_EQ(net_sock_tcp_state(p->srv), NET_TCP_ESTABLISHED);
}

static bool readable(struct sim *sim, void *ctx)
{
	return net_sock_poll(ctx) & NET_POLL_IN;
}

static bool closed_both(struct sim *sim, void *ctx)
{
	struct pair *p = ctx;

	return net_sock_tcp_state(p->cli) == NET_TCP_CLOSED &&
	       net_sock_tcp_state(p->srv) == NET_TCP_CLOSED;
}

static void test_tcp_basic(void)
{
	struct sim sim;
	struct pair p;
	struct net_addr a;
	char buf[100];

	sim_init(&sim, 2, NULL);
	pair_open(&sim, &p, 80);
	CHECK_EQ(net_sock_peer(p.srv, &a), 0);
	CHECK_EQ(a.ip, SIM_IP0);
	CHECK_EQ(net_sock_recv(p.srv, buf, sizeof(buf)), -EAGAIN);
	sim.node[1].last_notified = NULL;
	CHECK_EQ(net_sock_send(p.cli, "GET /", 5), 5);
	CHECK(sim_run_until(&sim, readable, NULL, p.srv, 1000));
	CHECK(sim.node[1].last_notified == p.srv); /* the waiter is woken */
	CHECK_EQ(net_sock_recv(p.srv, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "GET /", 5) == 0);
	CHECK_EQ(net_sock_send(p.srv, "200 OK", 6), 6);
	CHECK(sim_run_until(&sim, readable, NULL, p.cli, 1000));
	CHECK_EQ(net_sock_recv(p.cli, buf, sizeof(buf)), 6);
	/* Client closes first: server sees EOF, then closes; client ends in
	 * TIME_WAIT (orphaned, no handle). */
	CHECK_EQ(net_sock_shutdown(p.cli), 0);
	CHECK(sim_run_until(&sim, readable, NULL, p.srv, 1000));
	CHECK_EQ(net_sock_recv(p.srv, buf, sizeof(buf)), 0);
	sim_run_for(&sim, 5); /* our FIN's ACK travels back */
	CHECK_EQ(net_sock_tcp_state(p.srv), NET_TCP_CLOSE_WAIT);
	CHECK_EQ(net_sock_tcp_state(p.cli), NET_TCP_FIN_WAIT_2);
	CHECK_EQ(net_sock_shutdown(p.srv), 0);
	sim_run_for(&sim, 50);
	CHECK_EQ(net_sock_tcp_state(p.srv), NET_TCP_CLOSED);
	CHECK_EQ(net_sock_tcp_state(p.cli), NET_TCP_TIME_WAIT);
	CHECK_EQ(net_sock_recv(p.cli, buf, sizeof(buf)), 0);
	sim_run_for(&sim, 3000);
	CHECK_EQ(net_sock_tcp_state(p.cli), NET_TCP_CLOSED);
	CHECK(closed_both(&sim, &p));
	net_sock_close(p.cli);
	net_sock_close(p.srv);
	net_sock_close(p.lis);
	CHECK_EQ(net_tcp_foreach(sim.node[0].stack, NULL, NULL), 0);
	CHECK_EQ(net_tcp_foreach(sim.node[1].stack, NULL, NULL), 0);
	CHECK_EQ(sim_fini(&sim), 0);
}

int main(void)
{
	test_arp_and_ping();
	test_udp_exchange();
	test_tcp_basic();
	return check_done();
}
