/*
 * Host unit tests for virtio-net's checksum helpers: locating TCP/UDP in
 * IPv4, VLAN-tagged and IPv6 frames, completing a partial checksum the
 * way a device hands it over, verifying good and corrupted frames, and
 * refusing lengths that do not fit (a hostile peer's packets).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <torito/errno.h>

#include "pv/virtio/net_csum.h"
#include "testing/unit/check.h"

/* A straightforward reference: RFC 1071 over pseudo header + segment. */
static uint16_t ref_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static size_t ipv4_frame(uint8_t *f, uint8_t proto, size_t payload, bool vlan)
{
	size_t ip = vlan ? 18 : 14, l4len = (proto == 6 ? 20 : 8) + payload;

	memset(f, 0, 2048);
	memset(f, 0xff, 6);
	f[6] = 0x52;
	if (vlan) {
		f[12] = 0x81;
		f[14] = 0x00;
		f[15] = 0x05;
		f[16] = 0x08;
	} else {
		f[12] = 0x08;
	}
	f[ip] = 0x45;
	f[ip + 2] = (uint8_t)((20 + l4len) >> 8);
	f[ip + 3] = (uint8_t)(20 + l4len);
	f[ip + 6] = 0x40; /* DF */
	f[ip + 8] = 64;
	f[ip + 9] = proto;
	memcpy(f + ip + 12, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
	f[ip + 20] = 0x30;
	f[ip + 21] = 0x39; /* ports */
	f[ip + 23] = 80;
	if (proto == 17) {
		f[ip + 24] = (uint8_t)(l4len >> 8);
		f[ip + 25] = (uint8_t)l4len;
	} else {
		f[ip + 32] = 0x50; /* data offset 5 */
	}
	for (size_t i = 0; i < payload; i++)
		f[ip + 20 + (proto == 6 ? 20 : 8) + i] = (uint8_t)(i * 7 + 1);
	return ip + 20 + l4len;
}

/* Fills the correct checksum with the reference implementation. */
static void ref_fill_v4(uint8_t *f, size_t ip, uint8_t proto)
{
	size_t l4 = ip + 20, l4len = (size_t)(f[ip + 2] << 8 | f[ip + 3]) - 20;
	uint8_t ph[12];
	size_t at = l4 + (proto == 6 ? 16 : 6);

	memcpy(ph, f + ip + 12, 8);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (uint8_t)(l4len >> 8);
	ph[11] = (uint8_t)l4len;
	f[at] = f[at + 1] = 0;
	uint16_t c = (uint16_t)~ref_sum(f + l4, l4len, ref_sum(ph, 12, 0));
	f[at] = (uint8_t)(c >> 8);
	f[at + 1] = (uint8_t)c;
}

static void test_locate(void)
{
	uint8_t f[2048];
	struct net_csum_l4 l4;
	size_t len;

	len = ipv4_frame(f, 6, 100, false);
	CHECK_EQ(net_csum_locate(f, len, &l4), 0);
	CHECK_EQ(l4.start, 34);
	CHECK_EQ(l4.offset, 16);
	CHECK_EQ(l4.len, 120);
	CHECK_EQ(l4.ipv, 4);
	len = ipv4_frame(f, 17, 11, true);
	CHECK_EQ(net_csum_locate(f, len, &l4), 0);
	CHECK_EQ(l4.start, 38);
	CHECK_EQ(l4.offset, 6);
	/* An ICMP packet, an ARP frame, a fragment: not ours. */
	len = ipv4_frame(f, 1, 8, false);
	CHECK_EQ(net_csum_locate(f, len, &l4), -ENOENT);
	f[12] = 0x08;
	f[13] = 0x06;
	CHECK_EQ(net_csum_locate(f, len, &l4), -ENOENT);
	len = ipv4_frame(f, 17, 8, false);
	f[14 + 6] = 0x20; /* MF */
	CHECK_EQ(net_csum_locate(f, len, &l4), -ENOENT);
	/* Lengths that lie. */
	len = ipv4_frame(f, 6, 10, false);
	CHECK_EQ(net_csum_locate(f, len - 1, &l4), -EINVAL);
	f[14] = 0x4f; /* IHL 60 > total length */
	CHECK_EQ(net_csum_locate(f, len, &l4), -EINVAL);
	len = ipv4_frame(f, 6, 0, false);
	f[14 + 3] = 30; /* TCP shorter than its header */
	CHECK_EQ(net_csum_locate(f, len, &l4), -EINVAL);
	CHECK_EQ(net_csum_locate(f, 20, &l4), -EINVAL);
	CHECK_EQ(net_csum_locate(f, 10, &l4), -ENOENT);
}

static void test_verify_and_complete(void)
{
	uint8_t f[2048];
	struct net_csum_l4 l4;
	size_t len;

	for (int proto = 6; proto <= 17; proto += 11) {
		len = ipv4_frame(f, (uint8_t)proto, 33, false);
		ref_fill_v4(f, 14, (uint8_t)proto);
		CHECK_EQ(net_csum_verify(f, len), 1);
		f[len - 1] ^= 0x40;
		CHECK_EQ(net_csum_verify(f, len), -EBADMSG);
		f[len - 1] ^= 0x40;
		/* Partial, as a device hands it over: seed = pseudo sum. */
		uint16_t good;
		CHECK_EQ(net_csum_locate(f, len, &l4), 0);
		good = (uint16_t)(f[l4.start + l4.offset] << 8 |
				  f[l4.start + l4.offset + 1]);
		uint16_t seed = net_csum_pseudo(f, &l4);
		f[l4.start + l4.offset] = (uint8_t)(seed >> 8);
		f[l4.start + l4.offset + 1] = (uint8_t)seed;
		CHECK_EQ(net_csum_complete(f, len, l4.start, l4.offset), 0);
		CHECK_EQ(f[l4.start + l4.offset] << 8 |
				 f[l4.start + l4.offset + 1],
			 good);
		CHECK_EQ(net_csum_verify(f, len), 1);
	}
	/* UDP over IPv4 without a checksum is fine. */
	len = ipv4_frame(f, 17, 3, false);
	CHECK_EQ(net_csum_verify(f, len), 1);
	/* Not TCP/UDP: nothing to verify. */
	len = ipv4_frame(f, 1, 8, false);
	CHECK_EQ(net_csum_verify(f, len), 0);
	/* Malformed: refused. */
	len = ipv4_frame(f, 6, 10, false);
	CHECK_EQ(net_csum_verify(f, len - 3), -EBADMSG);
	/* Offsets outside the frame. */
	CHECK_EQ(net_csum_complete(f, 60, 60, 0), -EINVAL);
	CHECK_EQ(net_csum_complete(f, 60, 40, 19), -EINVAL);
	CHECK_EQ(net_csum_complete(f, 60, 40, 0xffff), -EINVAL);
	CHECK_EQ(net_csum_complete(f, 60, 40, 18), 0);
}

static void test_ipv6(void)
{
	uint8_t f[256];
	struct net_csum_l4 l4;
	size_t l4len = 8 + 5, len = 14 + 40 + l4len;

	memset(f, 0, sizeof(f));
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[14 + 5] = (uint8_t)l4len;
	f[14 + 6] = 17;
	f[14 + 7] = 64;
	f[14 + 8] = 0xfe; /* fe80::1 -> fe80::2 */
	f[14 + 9] = 0x80;
	f[14 + 23] = 1;
	f[14 + 24] = 0xfe;
	f[14 + 25] = 0x80;
	f[14 + 39] = 2;
	f[54 + 5] = (uint8_t)l4len;
	memcpy(f + 62, "hello", 5);
	CHECK_EQ(net_csum_locate(f, len, &l4), 0);
	CHECK_EQ(l4.start, 54);
	CHECK_EQ(l4.ipv, 6);
	uint16_t seed = net_csum_pseudo(f, &l4);
	f[60] = (uint8_t)(seed >> 8);
	f[61] = (uint8_t)seed;
	CHECK_EQ(net_csum_complete(f, len, 54, 6), 0);
	CHECK_EQ(net_csum_verify(f, len), 1);
	f[62] ^= 1;
	CHECK_EQ(net_csum_verify(f, len), -EBADMSG);
	f[62] ^= 1;
	f[60] = f[61] = 0; /* zero UDP checksum is not allowed on IPv6 */
	CHECK_EQ(net_csum_verify(f, len), -EBADMSG);
	f[14 + 6] = 0; /* a hop-by-hop header first: not covered */
	CHECK_EQ(net_csum_verify(f, len), 0);
	f[14 + 5] = 200; /* payload length past the frame */
	CHECK_EQ(net_csum_locate(f, len, &l4), -EINVAL);
}

int main(void)
{
	test_locate();
	test_verify_and_complete();
	test_ipv6();
	return check_done();
}
