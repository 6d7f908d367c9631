/*
 * net_test: netfront against Linux netback under real Xen, with raw
 * Ethernet frames (no IP stack). With ip=A.B.C.D and peer=E.F.G.H on the
 * command line it resolves the peer with ARP, pings it three times and
 * prints "net: ready"; from then on it answers ARP and ICMP echo requests
 * (dom0 pings it) and sleeps between events. When the device fails (the
 * test makes the backend misbehave from dom0) it checks that the failure
 * is a clean -EIO and ends with success; after 300 s with failure.
 * With cpu=N all of it runs in a thread on CPU N, as a net_dedicate'd
 * device would (its events then go to that CPU).
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/app.h>
#include <torito/blkdev_driver.h>
#include <torito/boot.h>
#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/errno.h>
#include <torito/netdev.h>
#include <torito/string.h>
#include <torito/thread.h>
#include <torito/time.h>

#define ETH_HLEN    14
#define ARP_LEN	    28
#define IP_HLEN	    20
#define PENDING_MAX 8

static struct netdev *dev;
static uint8_t my_mac[6], peer_mac[6];
static uint8_t my_ip[4], peer_ip[4];
static bool have_peer_mac;
static int pongs;
static unsigned long answered_pings;
static volatile bool woken;

/* Replies built in the rx callback, sent after the poll returns. */
static uint8_t pending[PENDING_MAX][1514];
static size_t pending_len[PENDING_MAX];
static int npending;

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static bool parse_ip(const char *s, uint8_t ip[4])
{
	for (int i = 0; i < 4; i++) {
		unsigned int v = 0, digits = 0;

		for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
			v = v * 10 + (unsigned int)(*s - '0');
		if (digits == 0 || v > 255 || *s != (i == 3 ? '\0' : '.'))
			return false;
		ip[i] = (uint8_t)v;
		s++;
	}
	return true;
}

static uint8_t *eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, my_mac, 6);
	put16(f + 12, type);
	return f + ETH_HLEN;
}

static size_t arp(uint8_t *f, uint16_t op, const uint8_t *tha,
		  const uint8_t *tpa)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = eth(f, op == 1 ? bcast : tha, 0x0806);

	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, my_mac, 6);
	memcpy(a + 14, my_ip, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, tpa, 4);
	return 60; /* padded to the Ethernet minimum */
}

/* An ICMP echo (type 8) or echo reply (type 0) with payload. */
static size_t icmp(uint8_t *f, const uint8_t *dmac, const uint8_t *dip,
		   uint8_t type, const uint8_t *rest, size_t rest_len)
{
	uint8_t *ip = eth(f, dmac, 0x0800), *ic = ip + IP_HLEN;
	size_t total = IP_HLEN + rest_len;

	memset(ip, 0, IP_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)total);
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, my_ip, 4);
	memcpy(ip + 16, dip, 4);
	put16(ip + 10, csum(ip, IP_HLEN));
	memcpy(ic, rest, rest_len); /* id, seq, data after type/code/csum */
	ic[0] = type;
	ic[1] = 0;
	put16(ic + 2, 0);
	put16(ic + 2, csum(ic, rest_len));
	return ETH_HLEN + total < 60 ? 60 : ETH_HLEN + total;
}

static uint8_t *reply_slot(void)
{
	return npending < PENDING_MAX ? pending[npending] : NULL;
}

static void on_arp(const uint8_t *a)
{
	uint8_t *f;

	if (get16(a + 6) == 2 && memcmp(a + 14, peer_ip, 4) == 0) {
		memcpy(peer_mac, a + 8, 6);
		have_peer_mac = true;
	} else if (get16(a + 6) == 1 && memcmp(a + 24, my_ip, 4) == 0 &&
		   (f = reply_slot())) {
		pending_len[npending++] = arp(f, 2, a + 8, a + 14);
	}
}

static void on_ipv4(const uint8_t *frame, size_t len)
{
	const uint8_t *ip = frame + ETH_HLEN, *ic = ip + IP_HLEN;
	size_t ip_len = get16(ip + 2);
	uint8_t *f;

	if (ip[0] != 0x45 || ip[9] != 1 || ip_len < IP_HLEN + 8 ||
	    ETH_HLEN + ip_len > len || memcmp(ip + 16, my_ip, 4) != 0 ||
	    csum(ic, ip_len - IP_HLEN) != 0)
		return;
	if (ic[0] == 0 && memcmp(ip + 12, peer_ip, 4) == 0)
		pongs++;
	else if (ic[0] == 8 && ip_len - IP_HLEN <= 1400 && (f = reply_slot())) {
		pending_len[npending++] =
			icmp(f, frame + 6, ip + 12, 0, ic, ip_len - IP_HLEN);
		answered_pings++;
	}
}

static void on_frame(void *ctx, const void *frame, size_t len)
{
	const uint8_t *f = frame;

	(void)ctx;
	if (len >= ETH_HLEN + ARP_LEN && get16(f + 12) == 0x0806)
		on_arp(f + ETH_HLEN);
	else if (len >= ETH_HLEN + IP_HLEN + 8 && get16(f + 12) == 0x0800)
		on_ipv4(f, len);
}

static void on_notify(void *ctx)
{
	(void)ctx;
	woken = true;
}

static bool is_woken(void *ctx)
{
	(void)ctx;
	return woken;
}

/* Polls, sends queued replies, then sleeps up to ms for an event.
 * Returns the poll result (< 0 once the device has failed). */
static int pump(uint32_t ms)
{
	int rc;

	woken = false;
	rc = netdev_poll(dev, on_frame, NULL, 64);
	for (int i = 0; i < npending && rc >= 0; i++)
		if (netdev_xmit(dev, pending[i], pending_len[i]) < 0)
			kprintf("net: reply dropped\n");
	npending = 0;
	if (rc >= 0 && !woken && blkdev_wait(is_woken, NULL, ms) < 0)
		return 0; /* timed out: nothing arrived */
	return rc;
}

static int talk_to_peer(void)
{
	uint8_t f[128], rest[8 + 32];
	uint64_t end = time_now_ns() + 10000000000ull;

	if (netdev_xmit(dev, f, arp(f, 1, (const uint8_t[6]){ 0 }, peer_ip)) <
	    0)
		return -EIO;
	while (!have_peer_mac && time_now_ns() < end)
		if (pump(200) < 0)
			return -EIO;
	if (!have_peer_mac)
		return -ETIMEDOUT;
	kprintf("net: %u.%u.%u.%u is at %02x:%02x:%02x:%02x:%02x:%02x\n",
		peer_ip[0], peer_ip[1], peer_ip[2], peer_ip[3], peer_mac[0],
		peer_mac[1], peer_mac[2], peer_mac[3], peer_mac[4],
		peer_mac[5]);
	for (int seq = 1; seq <= 3; seq++) {
		memset(rest, 'T', sizeof(rest));
		put16(rest + 4, 0x7070);
		put16(rest + 6, (uint16_t)seq);
		if (netdev_xmit(dev, f,
				icmp(f, peer_mac, peer_ip, 8, rest,
				     sizeof(rest))) < 0)
			kprintf("net: ping %d not sent\n", seq);
	}
	while (pongs < 3 && time_now_ns() < end)
		if (pump(200) < 0)
			return -EIO;
	kprintf("net: %d of 3 pings answered\n", pongs);
	return pongs == 3 ? 0 : -ETIMEDOUT;
}

static int run(void)
{
	const struct boot_info *bi = boot_info();
	char ip[20], peer[20];
	uint64_t end;
	int rc;

	dev = netdev_find("xen0");
	if (!dev || !boot_cmdline_get(bi, "ip", ip, sizeof(ip)) ||
	    !boot_cmdline_get(bi, "peer", peer, sizeof(peer)) ||
	    !parse_ip(ip, my_ip) || !parse_ip(peer, peer_ip)) {
		kprintf("net: need device xen0 and ip=, peer= on the command "
			"line\n");
		return 1;
	}
	memcpy(my_mac, netdev_info(dev)->mac, 6);
	kprintf("net: xen0 mtu %u features 0x%x, on cpu %u\n",
		netdev_info(dev)->mtu, netdev_info(dev)->features, cpu_id());
	netdev_set_notify(dev, on_notify, NULL);
	rc = talk_to_peer();
	if (rc < 0) {
		kprintf("net: talking to the peer failed (%s)\n",
			errno_name(rc));
		return 1;
	}
	kprintf("net: ready\n");
	end = time_now_ns() + 300000000000ull;
	while (time_now_ns() < end) {
		rc = pump(1000);
		if (rc < 0) {
			kprintf("net: device failed cleanly (%s) after "
				"answering %lu pings\n",
				errno_name(rc), answered_pings);
			rc = netdev_xmit(dev, pending[0], 60);
			kprintf("net: xmit after failure: %s\n",
				errno_name(rc));
			return rc == -EIO ? 0 : 1;
		}
	}
	kprintf("net: the device never failed\n");
	return 1;
}

static void *run_thread(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)run();
}

int torito_main(void)
{
	char arg[4];
	struct thread *t;

	if (!boot_cmdline_get(boot_info(), "cpu", arg, sizeof(arg)))
		return run();
	t = thread_create((unsigned int)(arg[0] - '0'), run_thread, NULL);
	if (!t) {
		kprintf("net: no cpu %s\n", arg);
		return 1;
	}
	return (int)(intptr_t)thread_join(t);
}
