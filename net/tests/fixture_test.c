/*
 * Per-layer fixtures: one stack, hand-built frames in (checksums computed
 * by the harness's own reference code), captured frames out. Covers
 * Ethernet and ARP (replies, learning, bad packets, the bounded queue of
 * frames waiting for resolution), IPv4 (checksum, lengths, options,
 * destinations, fragments in any order, overlaps, timeouts, slot limits),
 * ICMP echo, UDP delivery and checksums, and TCP answers with no socket.
 */
#include <stdio.h>
#include <string.h>

#include <torito/errno.h>

#include "net/tests/harness.h"
#include "testing/unit/check.h"

static const struct net_mac peer_mac = { { 0x52, 0x54, 0, 0x12, 0x34, 0x57 } };
static const struct net_mac bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

static struct sim sim;
static uint8_t f[2048];

static struct net_stack *st(void)
{
	return sim.node[0].stack;
}

static struct net_stats stats(void)
{
	return sim_stats(&sim, 0);
}

/* Teaches the stack the peer's MAC so replies need no ARP round. */
static void learn_peer(void)
{
	size_t n = build_arp(f, 1, &peer_mac, SIM_IP1, &bcast, SIM_IP0);

	sim_inject(&sim, 0, f, n);
	sim_clear_captured(&sim);
}

static void test_arp(void)
{
	struct net_mac zero = { { 0 } };
	size_t n = build_arp(f, 1, &peer_mac, SIM_IP1, &zero, SIM_IP0);
	const uint8_t *r;

	sim_inject(&sim, 0, f, n);
	CHECK_EQ(sim.ncaptured, 1);
	r = sim.captured[0].data;
	CHECK(memcmp(r, peer_mac.b, 6) == 0);
	CHECK_EQ(be16(r + 12), 0x0806);
	CHECK_EQ(be16(r + 20), 2); /* reply */
	CHECK(memcmp(r + 22, sim.node[0].mac.b, 6) == 0);
	CHECK_EQ(be32(r + 28), SIM_IP0);
	CHECK(memcmp(r + 32, peer_mac.b, 6) == 0);
	CHECK_EQ(be32(r + 38), SIM_IP1);
	CHECK_EQ(stats().arp_request_in, 1);
	sim_clear_captured(&sim);
	/* For someone else: no reply. */
	n = build_arp(f, 1, &peer_mac, SIM_IP1, &zero, NET_IP4(10, 0, 0, 9));
	sim_inject(&sim, 0, f, n);
	CHECK_EQ(sim.ncaptured, 0);
	CHECK_EQ(stats().arp_not_for_us, 1);
	/* Broken: wrong hardware length, multicast sender, truncated. */
	n = build_arp(f, 1, &peer_mac, SIM_IP1, &zero, SIM_IP0);
	f[18] = 8;
	sim_inject(&sim, 0, f, n);
	f[18] = 6;
	f[22] |= 1;
	sim_inject(&sim, 0, f, n);
	sim_inject(&sim, 0, f, 30);
	CHECK_EQ(stats().arp_bad, 3);
	/* Someone claims our address. */
	n = build_arp(f, 2, &peer_mac, SIM_IP0, &sim.node[0].mac, SIM_IP0);
	sim_inject(&sim, 0, f, n);
	CHECK_EQ(stats().arp_conflict, 1);
	CHECK_EQ(sim.ncaptured, 0);
}

static void test_eth_drops(void)
{
	struct net_mac other = { { 0x52, 0x54, 0, 1, 1, 1 } };
	struct net_mac mcast = { { 0x01, 0x00, 0x5e, 0, 0, 1 } };

	sim_inject(&sim, 0, f, 13);
	sim_inject(&sim, 0, f, 0);
	CHECK_EQ(stats().eth_short, 2);
	build_eth(f, &other, &peer_mac, 0x0800);
	sim_inject(&sim, 0, f, 60);
	build_eth(f, &mcast, &peer_mac, 0x0800);
	sim_inject(&sim, 0, f, 60);
	CHECK_EQ(stats().eth_not_for_us, 2);
	build_eth(f, &sim.node[0].mac, &peer_mac, 0x86dd);
	sim_inject(&sim, 0, f, 60);
	build_eth(f, &sim.node[0].mac, &peer_mac, 0x8100);
	sim_inject(&sim, 0, f, 60);
	CHECK_EQ(stats().eth_unknown_type, 2);
	CHECK_EQ(sim.ncaptured, 0);
}

static size_t echo_frame(size_t payload)
{
	return build_icmp_echo(f, &sim.node[0].mac, &peer_mac, SIM_IP1,
			       SIM_IP0, 8, 0x1234, 9, payload);
}

static void check_echo_reply(const uint8_t *r, size_t len, size_t payload)
{
	CHECK_EQ(len, 14 + 20 + 8 + payload);
	CHECK(memcmp(r, peer_mac.b, 6) == 0);
	CHECK_EQ(be32(r + 26), SIM_IP0);
	CHECK_EQ(be32(r + 30), SIM_IP1);
	CHECK_EQ(ref_csum(r + 14, 20, 0), 0);
	CHECK_EQ(r[34], 0);
	CHECK_EQ(be16(r + 38), 0x1234);
	CHECK_EQ(be16(r + 40), 9);
	CHECK_EQ(ref_csum(r + 34, len - 34, 0), 0);
	CHECK(payload < 5 || r[34 + 8 + 4] == (uint8_t)(4 * 7));
}

static void test_ipv4_checks(void)
{
	size_t n = echo_frame(32);
	struct net_stats before = stats();

	f[24] ^= 0xff; /* header checksum */
	sim_inject(&sim, 0, f, n);
	f[24] ^= 0xff;
	f[14] = 0x65; /* version 6 */
	sim_inject(&sim, 0, f, n);
	f[14] = 0x44; /* ihl 4 */
	sim_inject(&sim, 0, f, n);
	f[14] = 0x45;
	sim_inject(&sim, 0, f, n - 1); /* total length past the frame */
	sim_inject(&sim, 0, f, 14 + 10);
	CHECK_EQ(stats().ip_bad_checksum, before.ip_bad_checksum + 1);
	CHECK_EQ(stats().ip_bad_header, before.ip_bad_header + 3);
	CHECK_EQ(stats().ip_bad_length, before.ip_bad_length + 1);
	CHECK_EQ(sim.ncaptured, 0);
	/* Padded frame (shorter datagram than frame): fine. */
	sim_inject(&sim, 0, f, n + 20);
	CHECK_EQ(sim.ncaptured, 1);
	check_echo_reply(sim.captured[0].data, sim.captured[0].len, 32);
	sim_clear_captured(&sim);
	/* ICMP checksum wrong. */
	n = echo_frame(32);
	f[40] ^= 1;
	sim_inject(&sim, 0, f, n);
	CHECK_EQ(stats().icmp_bad_checksum, 1);
	/* Not our address; broadcast echo ignored; bad source. */
	n = build_icmp_echo(f, &sim.node[0].mac, &peer_mac, SIM_IP1,
			    NET_IP4(10, 0, 0, 7), 8, 1, 1, 8);
	sim_inject(&sim, 0, f, n);
	CHECK_EQ(stats().ip_not_for_us, 1);
	n = build_icmp_echo(f, &bcast, &peer_mac, SIM_IP1,
			    NET_IP4(10, 0, 0, 255), 8, 1, 1, 8);
	sim_inject(&sim, 0, f, n);
	CHECK_EQ(stats().icmp_broadcast_ignored, 1);
	n = build_icmp_echo(f, &sim.node[0].mac, &peer_mac,
			    NET_IP4(127, 0, 0, 1), SIM_IP0, 8, 1, 1, 8);
	sim_inject(&sim, 0, f, n);
	CHECK_EQ(stats().ip_bad_source, 1);
	CHECK_EQ(sim.ncaptured, 0);
}

static void test_ipv4_options(void)
{
	uint8_t icmp[40];
	size_t n = echo_frame(16);

	/* Rebuild with a 4-byte option (NOP NOP NOP END): ihl 6. */
	memcpy(icmp, f + 34, 24);
	memmove(f + 38, icmp, 24);
	memset(f + 34, 0, 4);
	f[34] = f[35] = f[36] = 1;
	f[14] = 0x46;
	f[16] = 0;
	f[17] = (uint8_t)(24 + 24);
	f[24] = f[25] = 0;
	{
		uint16_t c = ref_csum(f + 14, 24, 0);
		f[24] = (uint8_t)(c >> 8);
		f[25] = (uint8_t)c;
	}
	sim_inject(&sim, 0, f, n + 4);
	CHECK_EQ(stats().ip_options, 1);
	CHECK_EQ(sim.ncaptured, 1);
	check_echo_reply(sim.captured[0].data, sim.captured[0].len, 16);
	sim_clear_captured(&sim);
}

/* Sends bytes [off, off+len) of an ICMP echo of 'total' bytes as one
 * fragment (ICMP header included in the first 8 bytes). */
static void send_frag(const uint8_t *dgram, size_t off, size_t len,
		      bool more, uint16_t id)
{
	memcpy(f + 34, dgram + off, len);
	build_ip(f, &sim.node[0].mac, &peer_mac, SIM_IP1, SIM_IP0, 1, len, id,
		 (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
	sim_inject(&sim, 0, f, 34 + len);
}

static void make_echo(uint8_t *d, size_t total)
{
	for (size_t i = 8; i < total; i++)
		d[i] = (uint8_t)(i * 3);
	d[0] = 8;
	d[1] = 0;
	d[2] = d[3] = 0;
	d[4] = 0x12;
	d[5] = 0x34;
	d[6] = 0;
	d[7] = 9;
	{
		uint16_t c = ref_csum(d, total, 0);
		d[2] = (uint8_t)(c >> 8);
		d[3] = (uint8_t)c;
	}
}

static void test_fragments(void)
{
	static uint8_t d[20000];
	size_t base = sim.node[0].mem.bytes;

	make_echo(d, 1200);
	/* Out of order, with a duplicate: reassembled; reply fits. */
	send_frag(d, 800, 400, false, 77);
	send_frag(d, 0, 400, true, 77);
	send_frag(d, 0, 400, true, 77);
	CHECK_EQ(sim.ncaptured, 0);
	send_frag(d, 400, 400, true, 77);
	CHECK_EQ(stats().ip_frag_reassembled, 1);
	CHECK_EQ(sim.ncaptured, 1);
	CHECK_EQ(sim.captured[0].len, 34 + 1200);
	CHECK_EQ(ref_csum(sim.captured[0].data + 34, 1200, 0), 0);
	sim_clear_captured(&sim);
	CHECK_EQ(sim.node[0].mem.bytes, base);
	/* Misaligned middle fragment and a length past frag_max_len. */
	send_frag(d, 0, 404, true, 78);
	CHECK_EQ(stats().ip_frag_bad, 1);
	send_frag(d, 16376, 16, false, 79);
	CHECK_EQ(stats().ip_frag_bad, 2);
	/* Conflicting last fragments drop the datagram. */
	send_frag(d, 800, 400, false, 80);
	send_frag(d, 800, 200, false, 80);
	CHECK_EQ(stats().ip_frag_bad, 3);
	CHECK_EQ(sim.node[0].mem.bytes, base);
	/* Data past the end once the end is known. */
	send_frag(d, 0, 400, true, 81);
	send_frag(d, 800, 16, false, 81);
	send_frag(d, 808, 16, true, 81);
	CHECK_EQ(stats().ip_frag_bad, 4);
	/* Many datagrams at once: slots are bounded (4), oldest evicted. */
	for (uint16_t id = 100; id < 110; id++)
		send_frag(d, 0, 400, true, id);
	CHECK_EQ(stats().ip_frag_dropped, 6);
	CHECK(sim.node[0].mem.bytes - base <= 4 * (16384 + 16384 / 64));
	/* Unfinished datagrams time out and give their memory back. */
	sim_run_for(&sim, 6000);
	CHECK_EQ(stats().ip_frag_timeout, 4);
	CHECK_EQ(sim.node[0].mem.bytes, base);
	CHECK_EQ(sim.ncaptured, 0);
}

static void test_udp_fixture(void)
{
	struct net_sock *k;
	struct net_addr from;
	char buf[32];
	size_t n;

	CHECK_EQ(net_sock_open(st(), NET_SOCK_UDP, &k), 0);
	CHECK_EQ(net_sock_bind(k, 53), 0);
	n = build_udp(f, &sim.node[0].mac, &peer_mac, SIM_IP1, 1111, SIM_IP0,
		      53, "query", 5);
	sim_inject(&sim, 0, f, n);
	f[40] ^= 0x55; /* checksum */
	sim_inject(&sim, 0, f, n);
	f[40] ^= 0x55;
	f[38] = 0; /* UDP length 0x00xx < 8 ... */
	f[39] = 4;
	sim_inject(&sim, 0, f, n);
	CHECK_EQ(stats().udp_bad_checksum, 1);
	CHECK_EQ(stats().udp_bad_length, 1);
	/* No checksum (0) is allowed. */
	n = build_udp(f, &sim.node[0].mac, &peer_mac, SIM_IP1, 1111, SIM_IP0,
		      53, "nocsum", 6);
	f[40] = f[41] = 0;
	sim_inject(&sim, 0, f, n);
	CHECK_EQ(net_sock_recvfrom(k, buf, sizeof(buf), &from), 5);
	CHECK(memcmp(buf, "query", 5) == 0);
	CHECK_EQ(from.ip, SIM_IP1);
	CHECK_EQ(from.port, 1111);
	CHECK_EQ(net_sock_recvfrom(k, buf, sizeof(buf), &from), 6);
	CHECK_EQ(net_sock_recvfrom(k, buf, sizeof(buf), &from), -EAGAIN);
	/* Queue bound: 16384 bytes of 1000-byte datagrams. */
	static char big[1000];
	n = build_udp(f, &sim.node[0].mac, &peer_mac, SIM_IP1, 1111, SIM_IP0,
		      53, big, sizeof(big));
	for (int i = 0; i < 20; i++)
		sim_inject(&sim, 0, f, n);
	CHECK_EQ(stats().udp_queue_full, 4);
	CHECK_EQ(net_sock_bind(k, 54), -EINVAL);
	net_sock_close(k);
	CHECK_EQ(sim.ncaptured, 0);
}

static void test_tcp_no_socket(void)
{
	size_t n;
	const uint8_t *r;

	learn_peer();
	n = build_tcp(f, &sim.node[0].mac, &peer_mac, SIM_IP1, 4000, SIM_IP0,
		      81, 1000, 0, 0x02, 8192, NULL, 0, NULL, 0);
	sim_inject(&sim, 0, f, n);
	CHECK_EQ(sim.ncaptured, 1);
	r = sim.captured[0].data + 34;
	CHECK_EQ(be16(r), 81);
	CHECK_EQ(be16(r + 2), 4000);
	CHECK_EQ(be32(r + 4), 0);
	CHECK_EQ(be32(r + 8), 1001);
	CHECK_EQ(r[13], 0x14); /* RST|ACK */
	CHECK_EQ(ref_csum(r, 20, (SIM_IP0 >> 16) + (SIM_IP0 & 0xffff) +
					 (SIM_IP1 >> 16) + (SIM_IP1 & 0xffff) +
					 6 + 20),
		 0);
	sim_clear_captured(&sim);
	/* An ACK for nothing: RST with seq = its ack. */
	n = build_tcp(f, &sim.node[0].mac, &peer_mac, SIM_IP1, 4000, SIM_IP0,
		      81, 1000, 5555, 0x10, 8192, NULL, 0, NULL, 0);
	sim_inject(&sim, 0, f, n);
	CHECK_EQ(sim.ncaptured, 1);
	CHECK_EQ(be32(sim.captured[0].data + 34 + 4), 5555);
	CHECK_EQ(sim.captured[0].data[34 + 13], 0x04);
	sim_clear_captured(&sim);
	/* A RST for nothing: silence. Bad checksum: counted. */
	n = build_tcp(f, &sim.node[0].mac, &peer_mac, SIM_IP1, 4000, SIM_IP0,
		      81, 1000, 0, 0x04, 0, NULL, 0, NULL, 0);
	sim_inject(&sim, 0, f, n);
	f[50] ^= 1;
	sim_inject(&sim, 0, f, n);
	CHECK_EQ(sim.ncaptured, 0);
	CHECK_EQ(stats().tcp_bad_checksum, 1);
	CHECK_EQ(stats().tcp_no_socket, 3);
}

static void test_tcp_synack_options(void)
{
	struct net_sock *l;
	uint8_t opts[8] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	const uint8_t *r;
	struct net_addr a;
	size_t n;

	CHECK_EQ(net_sock_open(st(), NET_SOCK_TCP, &l), 0);
	CHECK_EQ(net_sock_listen(l, 1), 0);
	CHECK_EQ(net_sock_local(l, &a), 0);
	CHECK(a.port >= 49152);
	n = build_tcp(f, &sim.node[0].mac, &peer_mac, SIM_IP1, 4001, SIM_IP0,
		      a.port, 7000, 0, 0x02, 65535, opts, 8, NULL, 0);
	sim_inject(&sim, 0, f, n);
	CHECK_EQ(sim.ncaptured, 1);
	r = sim.captured[0].data + 34;
	CHECK_EQ(r[13], 0x12); /* SYN|ACK */
	CHECK_EQ(be32(r + 8), 7001);
	CHECK_EQ(r[12] >> 4, 7); /* 20 + 8 bytes of options */
	CHECK_EQ(r[20], 2);
	CHECK_EQ(be16(r + 22), 1460);
	CHECK_EQ(r[25], 3);
	CHECK_EQ(r[27], 0); /* 16 KiB buffer needs no scaling */
	CHECK_EQ(be16(r + 14), 16384);
	sim_clear_captured(&sim);
	/* A SYN with a broken option list (length past the end) and no
	 * window scale: answered with MSS only. */
	opts[1] = 9;
	n = build_tcp(f, &sim.node[0].mac, &peer_mac, SIM_IP1, 4002, SIM_IP0,
		      a.port, 8000, 0, 0x02, 65535, opts, 4, NULL, 0);
	sim_inject(&sim, 0, f, n);
	CHECK_EQ(sim.ncaptured, 1);
	r = sim.captured[0].data + 34;
	CHECK_EQ(r[13], 0x12);
	CHECK_EQ(r[12] >> 4, 6);
	CHECK_EQ(be16(r + 22), 1460); /* ours; we send 536 (RFC 879) */
	sim_clear_captured(&sim);
	/* Closing the listener resets both half-open children. */
	net_sock_close(l);
	CHECK_EQ(sim.ncaptured, 2);
	CHECK_EQ(sim.captured[0].data[34 + 13] & 0x04, 0x04);
	sim_clear_captured(&sim);
}

/* Frames for an unresolved next hop: bounded queue, then dropped. */
static void test_arp_queue(void)
{
	struct net_sock *k;
	struct net_addr to = { NET_IP4(10, 0, 0, 99), 9 };
	size_t base = sim.node[0].mem.bytes;

	CHECK_EQ(net_sock_open(st(), NET_SOCK_UDP, &k), 0);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(net_sock_sendto(k, "x", 1, &to), 1);
	CHECK_EQ(stats().arp_queue_full, 6);
	CHECK_EQ(sim.ncaptured, 1); /* one request so far */
	sim_run_for(&sim, 5000);
	CHECK_EQ(sim.ncaptured, 3); /* arp_retries = 3 */
	CHECK_EQ(stats().arp_unresolved, 4);
	sim_clear_captured(&sim);
	net_sock_close(k);
	CHECK_EQ(sim.node[0].mem.bytes, base);
	/* Off the subnet without a gateway: no route. */
	CHECK_EQ(net_sock_open(st(), NET_SOCK_UDP, &k), 0);
	to.ip = NET_IP4(192, 168, 1, 1);
	CHECK_EQ(net_sock_sendto(k, "x", 1, &to), -ENETUNREACH);
	net_sock_close(k);
}

int main(void)
{
	sim_init(&sim, 1, NULL);
	test_arp();
	test_eth_drops();
	learn_peer();
	test_ipv4_checks();
	test_ipv4_options();
	test_fragments();
	test_udp_fixture();
	test_tcp_no_socket();
	test_tcp_synack_options();
	test_arp_queue();
	CHECK_EQ(sim_fini(&sim), 0);
	return check_done();
}
