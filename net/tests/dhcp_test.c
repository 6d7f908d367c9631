/*
 * The DHCP client against a tiny fake DHCP server that the test runs on
 * node 1 with the stack's own UDP API: discovery, binding, renewal at T1
 * (unicast), rebinding and lease expiry when the server goes quiet, NAK,
 * replies that are not ours, and static configuration winning over DHCP.
 */
#include <stdio.h>
#include <string.h>

#include <torito/errno.h>

#include "net/tests/harness.h"
#include "testing/unit/check.h"

#define LEASE_IP NET_IP4(10, 0, 0, 50)
#define ROUTER NET_IP4(10, 0, 0, 254)

struct fake_dhcp {
	struct net_sock *k;
	uint32_t lease_s;
	bool mute, nak, wrong_xid;
	int discovers, requests, renew_unicast;
	net_ip4_t last_ciaddr, last_requested, last_server_id;
};

static const uint8_t *opt_find(const uint8_t *p, size_t len, uint8_t code)
{
	size_t i = 240;

	while (i + 1 < len && p[i] != 255) {
		if (p[i] == 0) {
			i++;
			continue;
		}
		if (p[i] == code)
			return p + i;
		i += 2 + (size_t)p[i + 1];
	}
	return NULL;
}

static uint8_t *opt_put(uint8_t *o, uint8_t code, uint8_t len, uint32_t v)
{
	o[0] = code;
	o[1] = len;
	for (int i = 0; i < len; i++)
		o[2 + i] = (uint8_t)(v >> (8 * (len - 1 - i)));
	return o + 2 + len;
}

static void fake_reply(struct fake_dhcp *d, const uint8_t *req, uint8_t type,
		       const struct net_addr *to)
{
	uint8_t r[300] = { 0 };
	uint8_t *o = r + 240;

	r[0] = 2;
	r[1] = 1;
	r[2] = 6;
	memcpy(r + 4, req + 4, 4); /* xid */
	if (d->wrong_xid)
		r[7] ^= 1;
	if (type != 6) {
		r[16] = 10, r[17] = 0, r[18] = 0, r[19] = 50; /* yiaddr */
	}
	memcpy(r + 28, req + 28, 16); /* chaddr */
	r[236] = 99, r[237] = 130, r[238] = 83, r[239] = 99;
	o = opt_put(o, 53, 1, type);
	o = opt_put(o, 54, 4, SIM_IP1);
	o = opt_put(o, 51, 4, d->lease_s);
	o = opt_put(o, 1, 4, NET_IP4(255, 255, 255, 0));
	o = opt_put(o, 3, 4, ROUTER);
	*o = 255;
	CHECK_EQ(net_sock_sendto(d->k, r, sizeof(r), to), (int)sizeof(r));
}

static void fake_step(struct sim *sim, void *ctx)
{
	struct fake_dhcp *d = ctx;
	struct net_addr from, bcast = { NET_IP4_BROADCAST, 68 };
	uint8_t p[600];
	const uint8_t *t;
	int n;

	while ((n = net_sock_recvfrom(d->k, p, sizeof(p), &from)) > 0) {
		t = opt_find(p, (size_t)n, 53);
		if (!t || d->mute)
			continue;
		d->last_ciaddr = be32(p + 12);
		d->last_requested = opt_find(p, (size_t)n, 50)
					    ? be32(opt_find(p, (size_t)n, 50) + 2)
					    : 0;
		if (t[2] == 1) {
			d->discovers++;
			fake_reply(d, p, 2, &bcast);
			continue;
		}
		d->requests++;
		if (d->last_ciaddr) {
			d->renew_unicast += from.ip == LEASE_IP;
			bcast.ip = d->last_ciaddr;
		}
		fake_reply(d, p, d->nak ? 6 : 5, &bcast);
	}
}

static void setup(struct sim *sim, struct fake_dhcp *d, uint32_t lease)
{
	struct net_ipv4_config none = { 0, 0, 0 };

	sim_init(sim, 2, NULL);
	memset(d, 0, sizeof(*d));
	d->lease_s = lease;
	CHECK_EQ(net_sock_open(sim->node[1].stack, NET_SOCK_UDP, &d->k), 0);
	CHECK_EQ(net_sock_bind(d->k, 67), 0);
	CHECK_EQ(net_ipv4_set(sim->node[0].stack, &none), 0);
}

static bool run_to(struct sim *sim, struct fake_dhcp *d,
		   enum net_dhcp_state st, uint64_t ms)
{
	uint64_t end = sim->now + ms;

	while (sim->now < end) {
		fake_step(sim, d);
		if (net_dhcp_state(sim->node[0].stack) == st)
			return true;
		sim_run_until(sim, NULL, fake_step, d, 10);
	}
	return net_dhcp_state(sim->node[0].stack) == st;
}

static bool ping_back(struct sim *sim, void *ctx)
{
	return sim_stats(sim, 1).icmp_echo_reply_in > 0;
}

static void test_bind_and_renew(void)
{
	struct sim sim;
	struct fake_dhcp d;
	struct net_ipv4_config c;

	setup(&sim, &d, 60);
	CHECK_EQ(net_dhcp_start(sim.node[0].stack), 0);
	CHECK(run_to(&sim, &d, NET_DHCP_BOUND, 5000));
	net_ipv4_get(sim.node[0].stack, &c);
	CHECK_EQ(c.ip, LEASE_IP);
	CHECK_EQ(c.netmask, NET_IP4(255, 255, 255, 0));
	CHECK_EQ(c.gateway, ROUTER);
	CHECK_EQ(d.discovers, 1);
	CHECK_EQ(d.requests, 1);
	CHECK_EQ(d.last_requested, LEASE_IP);
	CHECK_EQ(sim_stats(&sim, 0).dhcp_bound, 1);
	/* The new address works. */
	CHECK_EQ(net_icmp_echo_send(sim.node[1].stack, LEASE_IP, 1, 1, 10), 0);
	CHECK(sim_run_until(&sim, ping_back, fake_step, &d, 1000));
	/* T1 = 30 s: a unicast REQUEST with ciaddr, then bound again. */
	CHECK(run_to(&sim, &d, NET_DHCP_RENEWING, 31000));
	CHECK(run_to(&sim, &d, NET_DHCP_BOUND, 1000));
	CHECK_EQ(d.requests, 2);
	CHECK_EQ(d.last_ciaddr, LEASE_IP);
	CHECK_EQ(d.renew_unicast, 1);
	CHECK_EQ(sim_stats(&sim, 0).dhcp_bound, 2);
	/* The server goes quiet: rebinding at T2, then the lease ends. */
	d.mute = true;
	CHECK(run_to(&sim, &d, NET_DHCP_RENEWING, 31000));
	CHECK(run_to(&sim, &d, NET_DHCP_REBINDING, 30000));
	CHECK(run_to(&sim, &d, NET_DHCP_SELECTING, 10000));
	CHECK_EQ(sim_stats(&sim, 0).dhcp_expired, 1);
	net_ipv4_get(sim.node[0].stack, &c);
	CHECK_EQ(c.ip, 0);
	/* It comes back: a new lease. */
	d.mute = false;
	CHECK(run_to(&sim, &d, NET_DHCP_BOUND, 70000));
	net_dhcp_stop(sim.node[0].stack);
	CHECK_EQ(net_next_deadline_ms(sim.node[0].stack) > sim.now, 1);
	net_sock_close(d.k);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_nak_and_foreign(void)
{
	struct sim sim;
	struct fake_dhcp d;

	setup(&sim, &d, 3600);
	d.nak = true;
	CHECK_EQ(net_dhcp_start(sim.node[0].stack), 0);
	sim_run_until(&sim, NULL, fake_step, &d, 100);
	CHECK(sim_stats(&sim, 0).dhcp_nak >= 1);
	CHECK(net_dhcp_state(sim.node[0].stack) != NET_DHCP_BOUND);
	d.nak = false;
	d.wrong_xid = true;
	sim_run_until(&sim, NULL, fake_step, &d, 10000);
	CHECK(sim_stats(&sim, 0).dhcp_bad >= 1);
	CHECK(net_dhcp_state(sim.node[0].stack) != NET_DHCP_BOUND);
	d.wrong_xid = false;
	CHECK(run_to(&sim, &d, NET_DHCP_BOUND, 70000));
	net_sock_close(d.k);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_static_wins(void)
{
	struct sim sim;
	struct fake_dhcp d;
	struct net_ipv4_config c;

	setup(&sim, &d, 3600);
	CHECK_EQ(net_configure(sim.node[0].stack,
			       "console=ttyS0 ip=10.0.0.9 gw=10.0.0.254"),
		 0);
	CHECK_EQ(net_dhcp_state(sim.node[0].stack), NET_DHCP_OFF);
	net_ipv4_get(sim.node[0].stack, &c);
	CHECK_EQ(c.ip, NET_IP4(10, 0, 0, 9));
	CHECK_EQ(c.gateway, ROUTER);
	CHECK_EQ(c.netmask, NET_IP4(255, 255, 255, 0));
	CHECK_EQ(net_configure(sim.node[0].stack, "ip=10.0.0"), -EINVAL);
	/* No ip=: DHCP. */
	CHECK_EQ(net_configure(sim.node[0].stack, "console=ttyS0"), 0);
	CHECK_EQ(net_dhcp_state(sim.node[0].stack), NET_DHCP_SELECTING);
	CHECK(run_to(&sim, &d, NET_DHCP_BOUND, 5000));
	/* A static address later stops DHCP. */
	c.ip = NET_IP4(10, 0, 0, 10);
	CHECK_EQ(net_ipv4_set(sim.node[0].stack, &c), 0);
	CHECK_EQ(net_dhcp_state(sim.node[0].stack), NET_DHCP_OFF);
	net_sock_close(d.k);
	CHECK_EQ(sim_fini(&sim), 0);
}

int main(void)
{
	test_bind_and_renew();
	test_nak_and_foreign();
	test_static_wins();
	return check_done();
}
