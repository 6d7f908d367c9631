/*
 * Xen blkfront: a struct blkdev over one blkif ring (one page, direct
 * segments). At INIT_DEVICES each device/vbd/<id> is attached:
 *   1. open the xenbus device, wait for the backend to reach InitWait;
 *   2. allocate and grant the ring page and BF_SLOTS * BF_SEGS bounce
 *      pages (granted once), allocate an event channel;
 *   3. publish ring-ref, event-channel, protocol=x86_64-abi and state
 *      Initialised in one transaction;
 *   4. wait for Connected, read sectors, sector-size, info/mode (read
 *      only), feature-flush-cache and feature-barrier, then say Connected.
 * A read or write is split into requests of up to 44 KiB, up to BF_SLOTS
 * of them in flight; the caller waits in blkdev_wait (halted between
 * events) for each batch, with a timeout. Flush uses
 * BLKIF_OP_FLUSH_DISKCACHE where offered, else BLKIF_OP_WRITE_BARRIER.
 *
 * Units: as Linux blkback writes them, "sectors" counts 512-byte units
 * and requests address 512-byte units, whatever "sector-size" (the
 * logical block size the blkdev reports, 512..4096) says.
 *
 * Failure: a ring protocol violation (blkfront_ring.c), a backend that
 * leaves Connected, a missing or malformed node, or a request that times
 * out fails the device (blkdev_fail) and shuts it down: event channel
 * closed, grants revoked where the backend let go (held pages are leaked),
 * state Closing then Closed. Nothing panics.
 *
 * CPUs: requests may come from any CPU (blk_dedicate); the first request
 * from a CPU binds the event channel there, so its wait is woken.
 *
 * Left out: indirect descriptors, multi-page rings, multi-queue,
 * feature-persistent, discard, reconnection, hot-plug after boot.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/blkdev_driver.h>
#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/driver.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/string.h>

#include "pv/xen/blkfront_ring.h"
#include "pv/xen/evtchn.h"
#include "pv/xen/gnttab.h"
#include "pv/xen/xen.h"
#include "pv/xen/xenbus.h"
#include "pv/xen/xs_wire.h"

#define SETUP_TIMEOUT_MS 30000
#define IO_TIMEOUT_MS	 30000
#define BLKFRONT_MAX	 4

struct blkfront {
	struct blkdev dev; /* first: blkdev callbacks get &bf->dev */
	struct xenbus_dev bus;
	struct bf_ring r;
	struct blkif_sring *sring;
	grant_ref_t ring_ref;
	evtchn_port_t port;
	bool have_port;
	bool dead;
	unsigned int cpu; /* the CPU its events go to */
	uint8_t flush_op; /* 0: none */
	uint32_t units;	  /* 512-byte units per blkdev sector */
	/* Per slot: where its data goes in the caller's buffer. */
	uint8_t *slot_buf[BF_SLOTS];
	uint32_t slot_len[BF_SLOTS];
};

static unsigned int nblkfronts;

/* Undoes attach, safe on a partial setup. The backend is closed first:
 * it unmaps the ring only on our Closed, and until then the grant of a
 * mapped page cannot be revoked. */
static void teardown(struct blkfront *bf)
{
	unsigned int busy = 0;

	xenbus_dev_close(&bf->bus);
	if (bf->have_port)
		evtchn_close(bf->port);
	bf->have_port = false;
	for (unsigned int s = 0; s < BF_SLOTS; s++)
		for (unsigned int i = 0; i < BF_SEGS; i++)
			gnttab_forget(&bf->r.gref[s][i], &busy);
	gnttab_forget(&bf->ring_ref, &busy);
	if (busy)
		kprintf("blkfront: %s: %u pages still held by the backend; "
			"leaked\n",
			bf->dev.name, busy);
}

static void shutdown(struct blkfront *bf, const char *why)
{
	if (bf->dead)
		return;
	bf->dead = true;
	blkdev_fail(&bf->dev, why);
	teardown(bf);
}

/* Interrupt context: only wakes blkdev_wait, which reaps. */
static void on_event(evtchn_port_t port, void *ctx)
{
	(void)port;
	(void)ctx;
}

/* The backend state changed (xenstore watch, any CPU): wake the CPU that
 * may be waiting for this device, which then looks. */
static void on_backend_change(void *ctx)
{
	struct blkfront *bf = ctx;

	if (bf->have_port)
		evtchn_trigger(bf->port);
}

static void kick(struct blkfront *bf, bool notify)
{
	if (notify)
		evtchn_notify(bf->port);
}

/* blkdev_wait condition: some slot is done, or the ring is broken. */
static bool progress(void *ctx)
{
	struct blkfront *bf = ctx;
	int n = bf_reap(&bf->r);

	if (n == 0 && !bf_arm(&bf->r))
		return bf->bus.changed; /* the backend state moved: look */
	return true;
}

static int status_errno(struct blkfront *bf, int slot)
{
	switch (bf->r.slot[slot].status) {
	case BLKIF_RSP_OKAY: return 0;
	case BLKIF_RSP_EOPNOTSUPP: return -ENOTSUP;
	default: (void)bf; return -EIO;
	}
}

/* Copies done reads out, releases done slots; returns the first error. */
static int finish_done(struct blkfront *bf, uint8_t op)
{
	int err = 0;

	for (int s = 0; s < BF_SLOTS; s++) {
		int rc;

		if (!bf->r.slot[s].busy || !bf->r.slot[s].done)
			continue;
		rc = status_errno(bf, s);
		if (rc == 0 && op == BLKIF_OP_READ)
			for (uint32_t off = 0; off < bf->slot_len[s];
			     off += BF_PAGE_SIZE)
				memcpy(bf->slot_buf[s] + off,
				       bf->r.page[s][off / BF_PAGE_SIZE],
				       MIN(BF_PAGE_SIZE,
					   bf->slot_len[s] - off));
		if (err == 0)
			err = rc;
		bf_release(&bf->r, s);
	}
	return err;
}

/* False (after shutting the device down) when the backend went away.
 * Also brings the device's events to the calling CPU, which will wait. */
static bool backend_ok(struct blkfront *bf)
{
	const char *why;

	if (bf->dead)
		return false;
	if (bf->cpu != cpu_id() && evtchn_bind_here(bf->port) == 0)
		bf->cpu = cpu_id();
	if (xenbus_still_connected(&bf->bus, &why))
		return true;
	shutdown(bf, why);
	return false;
}

/* Waits for progress; 0, or -EIO after shutting the device down. */
static int wait_progress(struct blkfront *bf)
{
	if (blkdev_wait(progress, bf, IO_TIMEOUT_MS) < 0) {
		shutdown(bf, "backend did not answer in time");
		return -EIO;
	}
	if (bf->r.error) {
		shutdown(bf, bf->r.error);
		return -EIO;
	}
	return backend_ok(bf) ? 0 : -EIO;
}

/* Queues one chunk of a read or write into a free slot. */
static int queue_chunk(struct blkfront *bf, uint8_t op, uint64_t sector,
		       uint8_t *buf, uint32_t len)
{
	int s = bf_free_slot(&bf->r);
	bool notify;

	if (s < 0)
		return s;
	if (op == BLKIF_OP_WRITE)
		for (uint32_t off = 0; off < len; off += BF_PAGE_SIZE)
			memcpy(bf->r.page[s][off / BF_PAGE_SIZE], buf + off,
			       MIN(BF_PAGE_SIZE, len - off));
	bf->slot_buf[s] = buf;
	bf->slot_len[s] = len;
	s = bf_submit(&bf->r, op, sector, len / BF_SECTOR, &notify);
	if (s >= 0)
		kick(bf, notify);
	return s;
}

/* Moves len bytes (a multiple of 512) at 512-byte unit sector. */
static int transfer(struct blkfront *bf, uint8_t op, uint64_t sector,
		    uint8_t *buf, uint64_t len)
{
	int err = 0;

	if (!backend_ok(bf))
		return -EIO;

	while ((len || bf->r.inflight) && !bf->dead) {
		while (len && bf_free_slot(&bf->r) >= 0) {
			uint32_t n = (uint32_t)MIN(len, BF_SLOT_BYTES);

			int rc = queue_chunk(bf, op, sector, buf, n);

			if (rc < 0 && !bf->r.inflight)
				return rc; /* nothing queued: cannot happen */
			if (rc < 0)
				break;
			sector += n / BF_SECTOR;
			buf += n;
			len -= n;
		}
		if (wait_progress(bf) < 0)
			return -EIO;
		if (err == 0)
			err = finish_done(bf, op);
		else
			(void)finish_done(bf, op);
	}
	return bf->dead ? -EIO : err;
}

static int bf_read(struct blkdev *d, uint64_t sector, void *buf, uint32_t count)
{
	struct blkfront *bf = (struct blkfront *)d;

	return transfer(bf, BLKIF_OP_READ, sector * bf->units, buf,
			(uint64_t)count * d->info.sector_size);
}

static int bf_write(struct blkdev *d, uint64_t sector, const void *buf,
		    uint32_t count)
{
	struct blkfront *bf = (struct blkfront *)d;

	/* transfer only reads from buf for writes. */
	return transfer(bf, BLKIF_OP_WRITE, sector * bf->units, (uint8_t *)buf,
			(uint64_t)count * d->info.sector_size);
}

static int bf_flush(struct blkdev *d)
{
	struct blkfront *bf = (struct blkfront *)d;
	bool notify;
	int s, rc;

	if (!backend_ok(bf))
		return -EIO;
	s = bf_submit(&bf->r, bf->flush_op, 0, 0, &notify);
	if (s < 0)
		return s == -EAGAIN ? -EBUSY : s;
	kick(bf, notify);
	while (!bf->r.slot[s].done)
		if (wait_progress(bf) < 0)
			return -EIO;
	rc = status_errno(bf, s);
	bf_release(&bf->r, s);
	if (rc == -ENOTSUP) {
		bf->dev.info.can_flush =
			false; /* the backend changed its mind */
		kprintf("blkfront: %s: flush not supported after all\n",
			d->name);
	}
	return rc;
}

static const struct blkdev_ops blkfront_ops = {
	.read = bf_read,
	.write = bf_write,
	.flush = bf_flush,
};

static int grant_page(struct blkfront *bf, uint8_t **page, grant_ref_t *ref)
{
	int rc;

	*page = mem_zalloc(BF_PAGE_SIZE, BF_PAGE_SIZE);
	if (!*page)
		return -ENOMEM;
	rc = gnttab_grant_access(bf->bus.backend_id, virt_to_phys(*page),
				 false);
	if (rc < 0)
		return rc;
	*ref = (grant_ref_t)rc;
	return 0;
}

static int setup_ring(struct blkfront *bf, blkif_vdev_t handle)
{
	uint8_t *page;
	int rc = grant_page(bf, &page, &bf->ring_ref);

	if (rc < 0)
		return rc;
	bf->sring = (struct blkif_sring *)page;
	bf_init(&bf->r, bf->sring, handle);
	for (unsigned int s = 0; s < BF_SLOTS; s++)
		for (unsigned int i = 0; i < BF_SEGS; i++) {
			rc = grant_page(bf, &bf->r.page[s][i],
					&bf->r.gref[s][i]);
			if (rc < 0)
				return rc;
		}
	rc = evtchn_alloc_unbound(bf->bus.backend_id, &bf->port);
	if (rc < 0)
		return rc;
	bf->have_port = true;
	rc = evtchn_set_handler(bf->port, on_event, bf);
	if (rc == 0)
		evtchn_unmask(bf->port);
	return rc;
}

static int publish(struct blkfront *bf)
{
	char ring[12], ev[12];
	const struct xenbus_kv kv[] = {
		{ "ring-ref", ring },
		{ "event-channel", ev },
		{ "protocol", XEN_IO_PROTO_ABI_X86_64 },
	};

	snprintf(ring, sizeof(ring), "%u", bf->ring_ref);
	snprintf(ev, sizeof(ev), "%u", bf->port);
	return xenbus_publish(&bf->bus, kv, ARRAY_SIZE(kv),
			      XenbusStateInitialised);
}

/* Reads what the connected backend offers; -ENODEV on a bad node. */
static int read_geometry(struct blkfront *bf, const char **why)
{
	struct blkdev_info *info = &bf->dev.info;
	uint64_t sectors, ssize, vinfo, flush, barrier;
	char mode[4];

	*why = "missing or malformed sectors/sector-size";
	if (xenbus_read_back_u64(&bf->bus, "sectors", 0, &sectors) < 0 ||
	    xenbus_read_back_u64(&bf->bus, "sector-size", BF_SECTOR, &ssize) <
		    0 ||
	    sectors == 0 || ssize < BF_SECTOR || ssize > BF_PAGE_SIZE ||
	    (ssize & (ssize - 1)))
		return -ENODEV;
	*why = "malformed info or feature nodes";
	if (xenbus_read_back_u64(&bf->bus, "info", 0, &vinfo) < 0 ||
	    xenbus_read_back_u64(&bf->bus, "feature-flush-cache", 0, &flush) <
		    0 ||
	    xenbus_read_back_u64(&bf->bus, "feature-barrier", 0, &barrier) < 0)
		return -ENODEV;
	bf->units = (uint32_t)(ssize / BF_SECTOR);
	info->sector_size = (uint32_t)ssize;
	info->sectors = sectors / bf->units;
	info->read_only =
		(vinfo & VDISK_READONLY) ||
		(xenbus_read_back(&bf->bus, "mode", mode, sizeof(mode)) > 0 &&
		 mode[0] == 'r' && mode[1] != 'w');
	bf->flush_op = flush	 ? BLKIF_OP_FLUSH_DISKCACHE
		       : barrier ? BLKIF_OP_WRITE_BARRIER
				 : 0;
	info->can_flush = bf->flush_op != 0;
	return 0;
}

static int attach(struct blkfront *bf, const char *id, const char **why)
{
	uint64_t handle;
	int rc;

	*why = "incomplete device nodes";
	if (xs_parse_u64(id, &handle) < 0 || handle > UINT16_MAX)
		return -ENODEV;
	rc = xenbus_dev_open(&bf->bus, "vbd", id, on_backend_change, bf);
	if (rc < 0)
		return rc;
	rc = xenbus_wait(&bf->bus, XENBUS_PHASE_SETUP, SETUP_TIMEOUT_MS, why);
	if (rc == 0) {
		rc = setup_ring(bf, (blkif_vdev_t)handle);
		*why = "out of memory, grants or event channels";
	}
	if (rc == 0) {
		rc = publish(bf);
		*why = "cannot publish the ring";
	}
	if (rc == 0)
		rc = xenbus_wait(&bf->bus, XENBUS_PHASE_CONNECT,
				 SETUP_TIMEOUT_MS, why);
	if (rc == 0)
		rc = read_geometry(bf, why);
	if (rc == 0) {
		rc = xenbus_switch(&bf->bus, XenbusStateConnected);
		*why = "cannot switch to Connected";
	}
	if (rc < 0)
		goto err_teardown;
	return 0;

err_teardown:
	bf->dead = true;
	teardown(bf);
	return rc;
}

static void probe_one(const char *id)
{
	struct blkfront *bf = mem_zalloc(sizeof(*bf), 64);
	const char *why;
	int rc;

	if (!bf) {
		kprintf("blkfront: vbd %s: out of memory\n", id);
		return;
	}
	snprintf(bf->dev.name, sizeof(bf->dev.name), "xvd%c", 'a' + nblkfronts);
	bf->dev.ops = &blkfront_ops;
	bf->dev.priv = bf;
	rc = attach(bf, id, &why);
	if (rc < 0) {
		kprintf("blkfront: vbd %s: %s (%s)\n", id, why, errno_name(rc));
		return; /* bf is not freed: the backend may still see it */
	}
	rc = blkdev_register(&bf->dev);
	if (rc < 0) {
		shutdown(bf, "no room in the blkdev registry");
		return;
	}
	nblkfronts++;
	kprintf("blkfront: %s on vbd %s, backend %s (domain %u)%s\n",
		bf->dev.name, id, bf->bus.backend, bf->bus.backend_id,
		bf->flush_op == BLKIF_OP_FLUSH_DISKCACHE ? ", flush"
		: bf->flush_op				 ? ", barrier"
							 : "");
}

static void blkfront_init(void)
{
	char ids[512];
	uint32_t off = 0;
	const char *id;
	int len;

	if (!xen_present())
		return;
	len = xenbus_list("vbd", ids, sizeof(ids));
	if (len < 0) {
		kprintf("blkfront: cannot list devices (%s)\n",
			errno_name(len));
		return;
	}
	while ((id = xs_dir_next(ids, (uint32_t)len, &off)) &&
	       nblkfronts < BLKFRONT_MAX)
		probe_one(id);
}
TORITO_INIT(INIT_DEVICES, blkfront_init);
