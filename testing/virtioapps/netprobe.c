/*
 * netprobe: proves a virtio-net device end to end under QEMU user
 * networking. It builds an ARP request for 10.0.2.2 (slirp's gateway) by
 * hand, sends it, and prints the MAC in the reply; then sends a burst of
 * requests larger than the transmit ring (so -EAGAIN and completion
 * reclaim happen) and counts the replies (so receive buffers are
 * recycled many times over). It waits by suspending its thread; the
 * device interrupt's notify resumes it, and a watchdog thread resumes it
 * every 50 ms so a device without interrupts (polled) still progresses.
 * The first wait, right after the first request, is one only an
 * interrupt ends early (the watchdog's first tick comes after 2 s), so
 * "first wake-up by device interrupt" proves the interrupt path; the
 * interrupt count printed at the end is informational.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/app.h>
#include <torito/console.h>
#include <torito/errno.h>
#include <torito/netdev.h>
#include <torito/string.h>
#include <torito/thread.h>
#include <torito/time.h>

#define BURST	    300
#define TIMEOUT_NS  5000000000ull
#define WATCHDOG_MS 50
#define WATCHDOG_FIRST_MS 2000

static const uint8_t my_ip[4] = { 10, 0, 2, 15 };
static const uint8_t gw_ip[4] = { 10, 0, 2, 2 };

static struct thread *main_thread;
static volatile unsigned int notifies;
static volatile bool stop_watchdog;

struct probe {
	const uint8_t *mac;
	unsigned int replies;
	uint8_t gw_mac[6];
};

/* Interrupt context (netdev_event): count, and wake the main thread. */
static void on_notify(void *ctx)
{
	(void)ctx;
	notifies++;
	thread_resume(main_thread);
}

static void *watchdog(void *arg)
{
	uint64_t first = time_now_ns() + WATCHDOG_FIRST_MS * 1000000ull;

	(void)arg;
	/* Short naps, so a stop (and the join after it) is never held up
	 * by the long first interval. */
	while (!stop_watchdog) {
		thread_sleep_ms(WATCHDOG_MS);
		if (time_now_ns() >= first)
			thread_resume(main_thread);
	}
	return NULL;
}

static void arp_request(uint8_t *f, const uint8_t *mac)
{
	static const uint8_t head[] = {
		0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1
	};

	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	memcpy(f + 12, head, sizeof(head));
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, my_ip, 4);
	memcpy(f + 38, gw_ip, 4);
}

/* Counts ARP replies from 10.0.2.2 to us. */
static void on_frame(void *ctx, const void *frame, size_t len)
{
	struct probe *p = ctx;
	const uint8_t *f = frame;

	if (len < 42 || f[12] != 0x08 || f[13] != 0x06 || f[20] != 0 ||
	    f[21] != 2 || memcmp(f + 28, gw_ip, 4) != 0 ||
	    memcmp(f + 32, p->mac, 6) != 0)
		return;
	memcpy(p->gw_mac, f + 22, 6);
	p->replies++;
}

/* Polls until want replies arrived or the deadline; false on timeout. */
static bool wait_replies(struct netdev *d, struct probe *p, unsigned int want,
			 uint64_t deadline)
{
	while (p->replies < want) {
		int n = netdev_poll(d, on_frame, p, 64);
		if (n < 0) {
			kprintf("netprobe: poll failed: %s\n", errno_name(n));
			return false;
		}
		if (n > 0)
			continue;
		if (time_now_ns() > deadline)
			return false;
		thread_suspend();
	}
	return true;
}

/* Sends count requests, waiting for a notify whenever the ring is full. */
static int send_burst(struct netdev *d, struct probe *p, unsigned int count,
		      unsigned int *full)
{
	uint8_t f[60];
	uint64_t deadline = time_now_ns() + TIMEOUT_NS;

	arp_request(f, p->mac);
	for (unsigned int i = 0; i < count;) {
		int rc = netdev_xmit(d, f, sizeof(f));
		if (rc == 0) {
			i++;
			continue;
		}
		if (rc != -EAGAIN)
			return rc;
		(*full)++;
		/* Take replies meanwhile, so the receive ring keeps room. */
		if (netdev_poll(d, on_frame, p, 64) == 0) {
			if (time_now_ns() > deadline)
				return -ETIMEDOUT;
			thread_suspend();
		}
	}
	return 0;
}

static int probe(struct netdev *d)
{
	struct probe p = { .mac = netdev_info(d)->mac };
	unsigned int full = 0;
	uint8_t f[60];
	int rc;

	arp_request(f, p.mac);
	rc = netdev_xmit(d, f, sizeof(f));
	if (rc < 0) {
		kprintf("netprobe: xmit failed: %s\n", errno_name(rc));
		return 1;
	}
	/* The reply's interrupt, or the watchdog's first tick (2 s). */
	thread_suspend();
	kprintf("netprobe: first wake-up by %s\n",
		notifies ? "device interrupt" : "watchdog");
	if (!wait_replies(d, &p, 1, time_now_ns() + TIMEOUT_NS)) {
		kprintf("netprobe: no ARP reply from 10.0.2.2\n");
		return 1;
	}
	kprintf("netprobe: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x\n",
		p.gw_mac[0], p.gw_mac[1], p.gw_mac[2], p.gw_mac[3], p.gw_mac[4],
		p.gw_mac[5]);
	rc = send_burst(d, &p, BURST, &full);
	if (rc < 0) {
		kprintf("netprobe: burst failed: %s\n", errno_name(rc));
		return 1;
	}
	if (!wait_replies(d, &p, 1 + BURST, time_now_ns() + TIMEOUT_NS))
		kprintf("netprobe: only %u of %u burst replies\n",
			p.replies - 1, BURST);
	kprintf("netprobe: burst of %u sent (ring full %u times), %u "
		"replies\n",
		BURST, full, p.replies - 1);
	return p.replies == 1 + BURST ? 0 : 1;
}

int torito_main(void)
{
	struct netdev *d = netdev_get(0);
	struct thread *dog;
	int rc;

	if (!d) {
		kprintf("netprobe: no network device\n");
		return 1;
	}
	main_thread = thread_self();
	dog = thread_create(0, watchdog, NULL);
	if (!dog)
		return 1;
	netdev_set_notify(d, on_notify, NULL);
	/* Enabling reports frames already waiting with one notify, from
	 * here rather than from the device: count only what follows. */
	notifies = 0;
	rc = probe(d);
	netdev_set_notify(d, NULL, NULL);
	kprintf("netprobe: %u device interrupts\n", notifies);
	stop_watchdog = true;
	thread_join(dog);
	return rc;
}
