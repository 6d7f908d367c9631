/*
 * Xen netfront: a struct netdev over one netif queue (single queue, no
 * multi-queue keys). At INIT_DEVICES each device/vif/<id> is attached in
 * xenbus order:
 *   1. open the xenbus device; read the MAC ("mac") and, from the backend,
 *      "mtu" (capped at 1500: without feature-sg a frame must fit a page);
 *   2. wait for the backend to reach InitWait; it must offer
 *      feature-rx-copy;
 *   3. allocate and grant the two ring pages and one page per rx and tx
 *      id (granted once, for the device's life), allocate an event channel;
 *   4. publish tx-ring-ref, rx-ring-ref, event-channel, request-rx-copy=1,
 *      feature-rx-notify=1, feature-sg=0, feature-gso-tcpv4=0 and
 *      feature-no-csum-offload=1, and state Connected, in one transaction;
 *   5. post the rx buffers and wait for the backend to be Connected.
 * Checksums: with feature-no-csum-offload=1 the backend delivers complete
 * checksums; a frame still marked NETRXF_csum_blank has its checksum
 * completed here. No offload is reported in netdev_info.features: the
 * netdev interface carries no per-frame checksum flags, which Xen's
 * NETTXF_csum_blank/NETRXF_data_validated would need.
 *
 * Failure: a backend that breaks the ring protocol (netfront_ring.c), or
 * whose state leaves Connected (seen through the xenstore watch), gets the
 * device failed (netdev_fail) and shut down: event channel closed, grants
 * revoked where the backend let go (pages it still holds are leaked, not
 * reused), frontend state Closing then Closed. Nothing panics.
 *
 * CPUs: the device is driven from its consumer's CPU (net_dedicate);
 * netdev_set_notify there binds the event channel to that CPU, so the
 * handler's netdev_event runs where the consumer's thread lives. A backend
 * state change, seen by a xenstore watch on whichever CPU reads the ring,
 * is passed on with evtchn_trigger.
 *
 * Left out: multi-queue, scatter-gather and GSO, reconnecting after the
 * backend restarts, hot-plug after boot.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/console.h>
#include <torito/driver.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/netdev_driver.h>
#include <torito/string.h>

#include "pv/xen/evtchn.h"
#include "pv/xen/gnttab.h"
#include "pv/xen/netfront_ring.h"
#include "pv/xen/xen.h"
#include "pv/xen/xenbus.h"
#include "pv/xen/xs_wire.h"

#define PAGE_SIZE	 NF_PAGE_SIZE
#define ETH_HLEN	 14
#define MTU_MAX		 1500
#define SETUP_TIMEOUT_MS 30000
#define NETFRONT_MAX	 4

struct netfront {
	struct netdev dev; /* first: netdev callbacks get &nf->dev */
	struct xenbus_dev bus;
	struct nf_queue q;
	struct netif_tx_sring *tx_sring;
	struct netif_rx_sring *rx_sring;
	grant_ref_t tx_ring_ref, rx_ring_ref;
	evtchn_port_t port;
	bool have_port;
	volatile bool irq_on; /* read by the event handler */
	bool dead;
};

static unsigned int nnetfronts;

/* Undoes attach, safe on a partial setup. The backend is closed first:
 * it unmaps the rings only on our Closed, and until then the grant of a
 * mapped page cannot be revoked. */
static void teardown(struct netfront *nf)
{
	unsigned int busy = 0;

	xenbus_dev_close(&nf->bus);
	if (nf->have_port)
		evtchn_close(nf->port);
	nf->have_port = false;
	for (unsigned int i = 0; i < NF_RX_SIZE; i++)
		gnttab_forget(&nf->q.rx_gref[i], &busy);
	for (unsigned int i = 0; i < NF_TX_SIZE; i++)
		gnttab_forget(&nf->q.tx_gref[i], &busy);
	gnttab_forget(&nf->tx_ring_ref, &busy);
	gnttab_forget(&nf->rx_ring_ref, &busy);
	if (busy)
		kprintf("netfront: %s: %u pages still held by the backend; "
			"leaked\n",
			nf->dev.name, busy);
}

static void shutdown(struct netfront *nf, const char *why)
{
	if (nf->dead)
		return;
	nf->dead = true;
	netdev_fail(&nf->dev, why);
	teardown(nf);
}

/* Interrupt context. */
static void on_event(evtchn_port_t port, void *ctx)
{
	struct netfront *nf = ctx;

	(void)port;
	if (nf->irq_on)
		netdev_event(&nf->dev);
}

/* The backend state changed (xenstore watch, interrupts off, any CPU):
 * raise our port on the consumer's CPU, whose poll then looks at it. */
static void on_backend_change(void *ctx)
{
	struct netfront *nf = ctx;

	if (nf->have_port)
		evtchn_trigger(nf->port);
}

static bool backend_ok(struct netfront *nf)
{
	const char *why;

	if (nf->dead)
		return false;
	if (xenbus_still_connected(&nf->bus, &why))
		return true;
	shutdown(nf, why);
	return false;
}

static void kick(struct netfront *nf, bool notify)
{
	if (notify)
		evtchn_notify(nf->port);
}

static int nf_xmit(struct netdev *d, const void *frame, size_t len)
{
	struct netfront *nf = (struct netfront *)d;
	bool notify;
	int rc;

	if (!backend_ok(nf))
		return -EIO;
	if (nf_tx_reap(&nf->q) < 0) {
		shutdown(nf, nf->q.error);
		return -EIO;
	}
	rc = nf_tx_send(&nf->q, frame, len, &notify);
	if (rc == 0)
		kick(nf, notify);
	return rc;
}

static int nf_poll(struct netdev *d, netdev_rx_fn fn, void *ctx, int budget)
{
	struct netfront *nf = (struct netfront *)d;
	int total = 0;
	bool notify;

	if (!backend_ok(nf))
		return -EIO;
	do {
		int n;

		if (nf_tx_reap(&nf->q) < 0)
			goto violation;
		n = nf_rx_poll(&nf->q, fn, ctx, budget - total, &notify);
		if (n < 0)
			goto violation;
		kick(nf, notify);
		total += n;
	} while (total < budget && nf_arm(&nf->q));
	return total;

violation:
	shutdown(nf, nf->q.error);
	return -EIO;
}

static void nf_irq_enable(struct netdev *d, bool on)
{
	struct netfront *nf = (struct netfront *)d;

	nf->irq_on = on;
	if (nf->dead)
		return;
	if (!on) {
		evtchn_mask(nf->port);
		return;
	}
	/* Events go to the CPU that asks for them: the device's consumer. */
	if (evtchn_bind_here(nf->port) < 0)
		kprintf("netfront: %s: events stay on their CPU\n", d->name);
	evtchn_unmask(nf->port);
}

static const struct netdev_ops netfront_ops = {
	.xmit = nf_xmit,
	.poll = nf_poll,
	.irq_enable = nf_irq_enable,
};

/* Allocates and grants one page; 0 on success. */
static int grant_page(struct netfront *nf, void **page, grant_ref_t *ref,
		      bool readonly)
{
	int rc;

	*page = mem_zalloc(PAGE_SIZE, PAGE_SIZE);
	if (!*page)
		return -ENOMEM;
	rc = gnttab_grant_access(nf->bus.backend_id, virt_to_phys(*page),
				 readonly);
	if (rc < 0)
		return rc;
	*ref = (grant_ref_t)rc;
	return 0;
}

static int setup_rings(struct netfront *nf)
{
	void *page;
	int rc;

	rc = grant_page(nf, &page, &nf->tx_ring_ref, false);
	if (rc < 0)
		return rc;
	nf->tx_sring = page;
	rc = grant_page(nf, &page, &nf->rx_ring_ref, false);
	if (rc < 0)
		return rc;
	nf->rx_sring = page;
	nf_init(&nf->q, nf->tx_sring, nf->rx_sring,
		(uint16_t)(nf->dev.info.mtu + ETH_HLEN));
	for (unsigned int i = 0; i < NF_RX_SIZE; i++) {
		rc = grant_page(nf, &page, &nf->q.rx_gref[i], false);
		if (rc < 0)
			return rc;
		nf->q.rx_buf[i] = page;
	}
	for (unsigned int i = 0; i < NF_TX_SIZE; i++) {
		rc = grant_page(nf, &page, &nf->q.tx_gref[i], true);
		if (rc < 0)
			return rc;
		nf->q.tx_buf[i] = page;
	}
	rc = evtchn_alloc_unbound(nf->bus.backend_id, &nf->port);
	if (rc < 0)
		return rc;
	nf->have_port = true;
	return evtchn_set_handler(nf->port, on_event, nf);
}

static int publish(struct netfront *nf)
{
	char tx[12], rx[12], ev[12];
	const struct xenbus_kv kv[] = {
		{ "tx-ring-ref", tx },
		{ "rx-ring-ref", rx },
		{ "event-channel", ev },
		{ "request-rx-copy", "1" },
		{ "feature-rx-notify", "1" },
		{ "feature-sg", "0" },
		{ "feature-gso-tcpv4", "0" },
		{ "feature-gso-tcpv6", "0" },
		{ "feature-no-csum-offload", "1" },
		{ "feature-ipv6-csum-offload", "0" },
	};

	snprintf(tx, sizeof(tx), "%u", nf->tx_ring_ref);
	snprintf(rx, sizeof(rx), "%u", nf->rx_ring_ref);
	snprintf(ev, sizeof(ev), "%u", nf->port);
	return xenbus_publish(&nf->bus, kv, ARRAY_SIZE(kv),
			      XenbusStateConnected);
}

/* Reads the MAC and MTU; -ENODEV when they are missing or malformed. */
static int read_config(struct netfront *nf, const char **why)
{
	char mac[24];
	uint64_t mtu, rx_copy;

	if (xenbus_read_front(&nf->bus, "mac", mac, sizeof(mac)) < 0 ||
	    nf_parse_mac(mac, nf->dev.info.mac) < 0) {
		*why = "no valid mac node";
		return -ENODEV;
	}
	if (xenbus_read_back_u64(&nf->bus, "mtu", MTU_MAX, &mtu) < 0 ||
	    mtu < 68) {
		*why = "invalid mtu node";
		return -ENODEV;
	}
	nf->dev.info.mtu = (uint16_t)(mtu > MTU_MAX ? MTU_MAX : mtu);
	if (xenbus_read_back_u64(&nf->bus, "feature-rx-copy", 0, &rx_copy) <
		    0 ||
	    rx_copy != 1) {
		*why = "backend lacks feature-rx-copy";
		return -ENODEV;
	}
	return 0;
}

static int attach(struct netfront *nf, const char *id, const char **why)
{
	int rc;

	*why = "xenstore error";
	rc = xenbus_dev_open(&nf->bus, "vif", id, on_backend_change, nf);
	if (rc < 0) {
		*why = "incomplete device nodes";
		return rc;
	}
	rc = xenbus_wait(&nf->bus, XENBUS_PHASE_SETUP, SETUP_TIMEOUT_MS, why);
	if (rc == 0)
		rc = read_config(nf, why);
	if (rc == 0) {
		rc = setup_rings(nf);
		*why = "out of memory, grants or event channels";
	}
	if (rc == 0) {
		rc = publish(nf);
		*why = "cannot publish the rings";
	}
	if (rc < 0)
		goto err_teardown;
	kick(nf, nf_rx_refill(&nf->q));
	rc = xenbus_wait(&nf->bus, XENBUS_PHASE_CONNECT, SETUP_TIMEOUT_MS, why);
	if (rc < 0)
		goto err_teardown;
	(void)nf_arm(&nf->q);
	return 0;

err_teardown:
	nf->dead = true;
	teardown(nf);
	return rc;
}

static void probe_one(const char *id)
{
	struct netfront *nf = mem_zalloc(sizeof(*nf), 64);
	const char *why;
	int rc;

	if (!nf) {
		kprintf("netfront: vif %s: out of memory\n", id);
		return;
	}
	snprintf(nf->dev.name, sizeof(nf->dev.name), "xen%u", nnetfronts);
	nf->dev.ops = &netfront_ops;
	nf->dev.priv = nf;
	rc = attach(nf, id, &why);
	if (rc < 0) {
		kprintf("netfront: vif %s: %s (%s)\n", id, why, errno_name(rc));
		return; /* nf is not freed: the backend may still see it */
	}
	rc = netdev_register(&nf->dev);
	if (rc < 0) {
		kprintf("netfront: vif %s: %s\n", id, errno_name(rc));
		shutdown(nf, "no room in the netdev registry");
		return;
	}
	nnetfronts++;
	kprintf("netfront: %s on vif %s, backend %s (domain %u)\n",
		nf->dev.name, id, nf->bus.backend, nf->bus.backend_id);
}

static void netfront_init(void)
{
	char ids[512];
	uint32_t off = 0;
	const char *id;
	int len;

	if (!xen_present())
		return;
	len = xenbus_list("vif", ids, sizeof(ids));
	if (len < 0) {
		kprintf("netfront: cannot list devices (%s)\n",
			errno_name(len));
		return;
	}
	while ((id = xs_dir_next(ids, (uint32_t)len, &off)) &&
	       nnetfronts < NETFRONT_MAX)
		probe_one(id);
}
TORITO_INIT(INIT_DEVICES, netfront_init);
