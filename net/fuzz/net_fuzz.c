/*
 * libFuzzer target for the whole receive path: arbitrary frames, in
 * sequence, into one stack that has a listening echo service (port 80), a
 * listening socket (81), a UDP socket (7), an active connection to
 * 10.0.0.2:5000 in progress, and sometimes a running DHCP client. Time
 * moves between frames so timers run too.
 *
 * Input: records of [ctl][len_hi][len_lo][len bytes of frame]. ctl bits
 * 0-3: advance the clock by (1 << bits) - 1 ms (up to 32 s, polling at
 * each deadline); bit 4: make the frame answer the stack's last message:
 * a TCP segment on the same ports gets seq := its ack and ack := its seq +
 * length, a DHCP reply gets its xid; then checksums are fixed; bit 5: fix
 * the IPv4 and TCP/UDP/ICMP
 * checksums first, so the
 * fuzzer reaches the protocols behind them; bit 6: the device is busy
 * (xmit returns -EAGAIN) for this record. The first byte of the input
 * chooses options (bit 0: start DHCP as well).
 *
 * Invariants checked: every frame the stack sends is 14..1514 bytes with
 * correct IPv4 and transport checksums; after teardown no memory is left.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <torito/errno.h>
#include <torito/net/service.h>
#include <torito/net/socket.h>
#include <torito/net/stack.h>

#include "net/tests/harness.h"

/* The last TCP segment the stack sent. */
struct last_seg {
	uint16_t sport, dport;
	uint32_t seq, ack, space;
};

struct fuzz {
	struct mem_tracker mem;
	struct last_seg last;
	uint8_t dhcp_xid[4];
	uint64_t now;
	uint32_t rnd;
	bool busy;
	struct net_stack *s;
	struct net_service *svc;
	struct net_sock *lis, *udp, *cli;
};

static uint64_t f_now(void *ctx)
{
	return ((struct fuzz *)ctx)->now;
}

static uint32_t f_random(void *ctx)
{
	struct fuzz *z = ctx;

	z->rnd = z->rnd * 1103515245u + 12345u;
	return z->rnd;
}

static void *f_alloc(void *ctx, size_t n)
{
	return tracker_alloc(&((struct fuzz *)ctx)->mem, n);
}

static void f_free(void *ctx, void *p, size_t n)
{
	tracker_free(&((struct fuzz *)ctx)->mem, p, n);
}

static uint32_t pseudo_sum(const uint8_t *ip, size_t l4len)
{
	uint32_t s = 0;

	for (int i = 12; i < 20; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	return s + ip[9] + (uint32_t)l4len;
}

/* Aborts if a frame the stack built is malformed. */
static void check_out_frame(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	size_t total;

	if (len < 14 || len > 1514)
		abort();
	if (be16(f + 12) != 0x0800)
		return;
	if (len < 34 || ref_csum(ip, 20, 0) != 0)
		abort();
	total = be16(ip + 2);
	if (total < 20 || 14 + total > len)
		abort();
	if (ip[9] == 6 || ip[9] == 17) {
		if (ref_csum(ip + 20, total - 20, pseudo_sum(ip, total - 20)))
			abort();
	} else if (ip[9] == 1 && ref_csum(ip + 20, total - 20, 0)) {
		abort();
	}
}

static void remember(struct fuzz *z, const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14, *t = ip + 20;
	size_t hl;

	if (be16(f + 12) != 0x0800 || len < 54)
		return;
	if (ip[9] == 17 && be16(t) == 68 && len >= 34 + 8 + 8) {
		memcpy(z->dhcp_xid, t + 8 + 4, 4);
		return;
	}
	if (ip[9] != 6)
		return;
	hl = (size_t)(t[12] >> 4) * 4;
	z->last.sport = be16(t);
	z->last.dport = be16(t + 2);
	z->last.seq = be32(t + 4);
	z->last.ack = be32(t + 8);
	z->last.space = (uint32_t)(be16(ip + 2) - 20 - hl) +
			((t[13] & 0x02) ? 1 : 0) + ((t[13] & 0x01) ? 1 : 0);
}

static int f_xmit(void *ctx, const void *frame, size_t len)
{
	struct fuzz *z = ctx;

	check_out_frame(frame, len);
	if (z->busy)
		return -EAGAIN;
	remember(z, frame, len);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Turns a frame into a plausible answer to the stack's last message. */
static void fix_sequence(struct fuzz *z, uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14, *t;

	if (len < 54 || be16(f + 12) != 0x0800 || (ip[0] & 15) != 5)
		return;
	t = ip + 20;
	if (ip[9] == 17 && be16(t + 2) == 68 && len >= 34 + 8 + 8)
		memcpy(t + 8 + 4, z->dhcp_xid, 4);
	if (ip[9] != 6)
		return;
	if (be16(t) != z->last.dport || be16(t + 2) != z->last.sport)
		return;
	put32(t + 4, z->last.ack);
	put32(t + 8, z->last.seq + z->last.space);
}

/* The echo service: echo what arrives; the stack closes after FIN. */
static void svc_accept(void *ctx, struct net_sock *k)
{
	(void)!net_service_set_timeout(k, 2000);
}

static void svc_receive(void *ctx, struct net_sock *k)
{
	char buf[512];
	int n;

	while ((n = net_sock_recv(k, buf, sizeof(buf))) > 0)
		if (net_sock_send(k, buf, (size_t)n) < 0)
			break;
}

static void svc_timeout(void *ctx, struct net_sock *k)
{
	net_sock_close(k);
}

static void svc_close(void *ctx, struct net_sock *k)
{
}

static const struct net_service_ops svc_ops = {
	.accept = svc_accept,
	.receive = svc_receive,
	.timeout = svc_timeout,
	.close = svc_close,
};

static void fuzz_setup(struct fuzz *z, uint8_t opts)
{
	struct net_env env = { z, z, f_alloc, f_free, f_now, f_xmit,
			       NULL, f_random, NULL };
	struct net_mac mac = { { 0x52, 0x54, 0, 0x12, 0x34, 0x56 } };
	struct net_ipv4_config ip = { NET_IP4(10, 0, 0, 1),
				      NET_IP4(255, 255, 255, 0),
				      NET_IP4(10, 0, 0, 254) };
	struct net_addr to = { NET_IP4(10, 0, 0, 2), 5000 };
	struct net_stack_config cfg;

	net_stack_config_init(&cfg, &mac);
	cfg.tcp_sndbuf = cfg.tcp_rcvbuf = 4096;
	if (net_stack_create(&env, &cfg, &z->s) || net_ipv4_set(z->s, &ip) ||
	    net_service_register(z->s, 80, &svc_ops, z, &z->svc) ||
	    net_sock_open(z->s, NET_SOCK_TCP, &z->lis) ||
	    net_sock_bind(z->lis, 81) || net_sock_listen(z->lis, 4) ||
	    net_sock_open(z->s, NET_SOCK_UDP, &z->udp) ||
	    net_sock_bind(z->udp, 7) ||
	    net_sock_open(z->s, NET_SOCK_TCP, &z->cli) ||
	    net_sock_bind(z->cli, 40000))
		abort();
	if (net_sock_connect(z->cli, &to) != -EINPROGRESS)
		abort();
	if ((opts & 1) && net_dhcp_start(z->s))
		abort();
}

/* Plays the socket applications: accept and drain; echo UDP. */
static void fuzz_apps(struct fuzz *z)
{
	struct net_sock *a;
	struct net_addr from;
	char buf[256];
	int n;

	while (net_sock_accept(z->lis, &a, NULL) == 0) {
		(void)!net_sock_recv(a, buf, sizeof(buf));
		net_sock_close(a);
	}
	while ((n = net_sock_recvfrom(z->udp, buf, sizeof(buf), &from)) > 0)
		(void)!net_sock_sendto(z->udp, buf, (size_t)n, &from);
	if (z->cli && (net_sock_poll(z->cli) & NET_POLL_IN))
		(void)!net_sock_recv(z->cli, buf, sizeof(buf));
	if (z->cli && (net_sock_poll(z->cli) & NET_POLL_OUT))
		(void)!net_sock_send(z->cli, "x", 1);
}

/* Moves the clock to now + ms, polling at every deadline on the way. A
 * deadline that polling does not move is a bug (a busy-looping caller). */
static void fuzz_advance(struct fuzz *z, uint64_t ms)
{
	uint64_t end = z->now + ms;
	unsigned int polls = 0;

	for (;;) {
		uint64_t d = net_next_deadline_ms(z->s);

		if (d > end)
			break;
		if (d > z->now)
			z->now = d;
		net_poll(z->s);
		if (++polls > 100000)
			abort();
	}
	z->now = end;
}

static void fix_checksums(uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14, *l4;
	size_t hl, total, l4len;
	uint16_t c;

	if (len < 34 || be16(f + 12) != 0x0800 || (ip[0] >> 4) != 4)
		return;
	hl = (size_t)(ip[0] & 15) * 4;
	total = be16(ip + 2);
	if (hl < 20 || 14 + hl > len)
		return;
	ip[10] = ip[11] = 0;
	c = ref_csum(ip, hl, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	if (total < hl || 14 + total > len || (be16(ip + 6) & 0x3fff))
		return;
	l4 = ip + hl;
	l4len = total - hl;
	if (ip[9] == 6 && l4len >= 20) {
		l4[16] = l4[17] = 0;
		c = ref_csum(l4, l4len, pseudo_sum(ip, l4len));
		l4[16] = (uint8_t)(c >> 8);
		l4[17] = (uint8_t)c;
	} else if (ip[9] == 17 && l4len >= 8) {
		l4[6] = l4[7] = 0;
		c = ref_csum(l4, l4len, pseudo_sum(ip, l4len));
		l4[6] = (uint8_t)(c >> 8);
		l4[7] = (uint8_t)(c ? c : 0xffff);
	} else if (ip[9] == 1 && l4len >= 4) {
		l4[2] = l4[3] = 0;
		c = ref_csum(l4, l4len, 0);
		l4[2] = (uint8_t)(c >> 8);
		l4[3] = (uint8_t)c;
	}
}

static void fuzz_record(struct fuzz *z, uint8_t ctl, const uint8_t *p,
			size_t n)
{
	static uint8_t frame[65536];

	fuzz_advance(z, (1u << (ctl & 15)) - 1);
	memcpy(frame, p, n);
	if (ctl & 0x10)
		fix_sequence(z, frame, n);
	if (ctl & 0x30)
		fix_checksums(frame, n);
	z->busy = (ctl & 0x40) != 0;
	net_input(z->s, frame, n);
	z->busy = false;
	fuzz_apps(z);
}

static void fuzz_teardown(struct fuzz *z)
{
	fuzz_advance(z, 5000);
	net_sock_close(z->cli);
	net_sock_close(z->lis);
	net_sock_close(z->udp);
	net_service_unregister(z->svc);
	fuzz_advance(z, 300000);
	net_stack_destroy(z->s);
	if (z->mem.bytes || z->mem.bad_frees) {
		fprintf(stderr, "leak: %zu bytes, %zu bad frees\n",
			z->mem.bytes, z->mem.bad_frees);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz z;
	size_t i = 1;

	memset(&z, 0, sizeof(z));
	z.now = 1000;
	z.rnd = 42;
	fuzz_setup(&z, size ? data[0] : 0);
	while (i + 3 <= size) {
		size_t n = (size_t)data[i + 1] << 8 | data[i + 2];

		if (n > size - i - 3)
			n = size - i - 3;
		fuzz_record(&z, data[i], data + i + 3, n);
		i += 3 + n;
	}
	fuzz_teardown(&z);
	return 0;
}
