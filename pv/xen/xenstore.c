/*
 * xenstore client over the shared ring (HVM_PARAM_STORE_PFN), with the
 * wire format in xs_wire.c. Any CPU may make requests, one at a time
 * domain-wide: the caller takes ownership, writes its request into the
 * request ring (waiting for space, since a message may be longer than the
 * 1 KiB ring), then waits in blkdev_wait (the CPU halts) for the reply with
 * its req_id. Whoever looks at the ring reads it: the xenstore event
 * channel's handler (on CPU 0), or the waiting thread itself. The reader
 * assembles messages, hands the awaited reply over, and calls the watch
 * callbacks for XS_WATCH_EVENT. A spinlock with interrupts off guards the
 * ring and that state: xenstore is one shared service, not a per-CPU one.
 * When the handler finds the reply for a requester on another CPU, it
 * kicks that CPU out of its halt.
 *
 * A daemon that breaks the protocol (oversize message, impossible
 * indices) makes the connection unusable: every later request fails with
 * -EIO. A reply that arrives after its request timed out is dropped.
 *
 * Left out: XS_DIRECTORY_PART (listings over 4 KiB), reconnection after
 * live migration, permissions (XS_SET_PERMS).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/blkdev_driver.h>
#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/string.h>
#include <torito/time.h>

#include "pv/xen/arch.h"
#include "pv/xen/evtchn.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/xen.h"
#include "pv/xen/xenstore.h"
#include "pv/xen/xs_wire.h"

#define TIMEOUT_MS 20000 /* nested Xen under emulation is slow */

static struct xenstore_domain_interface *intf;
static evtchn_port_t port;

/* Guarded by lock (and interrupts off). */
static int lock_word;
static bool broken;
static struct xs_reader reader;
static uint32_t awaited_id; /* 0: none */
static int waiter_cpu = -1; /* the CPU whose thread waits, -1: none */
static bool reply_ready;
static uint32_t reply_type, reply_len;
static char reply[XENSTORE_PAYLOAD_MAX + 1];
static uint64_t dropped_msgs;
static struct {
	xenstore_watch_fn fn;
	void *ctx;
	char path[XENSTORE_WATCH_PATH_MAX];
} watches[XENSTORE_WATCH_MAX];

/* The CPU that owns the request machinery (-1: free), taken by CAS. The
 * owner alone uses the fields below and reads reply once reply_ready. */
static int owner = -1;
static uint32_t next_id = 1;
static char request_buf[XS_MSG_MAX];

static unsigned long lock(void)
{
	unsigned long flags = xen_irq_save();

	while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
		xen_cpu_relax();
	return flags;
}

static void unlock(unsigned long flags)
{
	__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
	xen_irq_restore(flags);
}

static void watch_event(const char *body, uint32_t len)
{
	const char *path, *token;
	uint64_t n;

	if (xs_watch_event_parse(body, len, &path, &token) < 0 ||
	    token[0] != 't' || xs_parse_u64(token + 1, &n) < 0 ||
	    n >= XENSTORE_WATCH_MAX || !watches[n].fn) {
		dropped_msgs++;
		return;
	}
	watches[n].fn(watches[n].ctx, path);
}

static void deliver(void)
{
	if (reader.hdr.type == XS_WATCH_EVENT) {
		watch_event(reader.body, reader.hdr.len);
	} else if (awaited_id && reader.hdr.req_id == awaited_id &&
		   !reply_ready) {
		memcpy(reply, reader.body, reader.hdr.len + 1);
		reply_type = reader.hdr.type;
		reply_len = reader.hdr.len;
		reply_ready = true;
	} else {
		dropped_msgs++; /* late reply of a timed-out request */
	}
}

/* Reads whatever the daemon wrote. Lock held. */
static void drain(void)
{
	uint32_t cons = intf->rsp_cons;
	int rc;

	while (!broken && (rc = xs_reader_pull(&reader, intf)) != 0) {
		if (rc < 0) {
			broken = true;
			kprintf("xen: xenstore protocol error; disconnected\n");
			break;
		}
		deliver();
		xs_reader_reset(&reader);
	}
	if (intf->rsp_cons != cons)
		evtchn_notify(port); /* the daemon may wait for room */
}

/* Interrupt context, on the CPU the xenstore port is bound to. */
static void on_event(evtchn_port_t p, void *ctx)
{
	unsigned long flags = lock();
	int waiter;

	(void)p;
	(void)ctx;
	drain();
	waiter = waiter_cpu;
	unlock(flags);
	if (waiter >= 0 && (unsigned int)waiter != cpu_id())
		evtchn_kick_cpu((unsigned int)waiter);
}

int xenstore_init(void)
{
	uint64_t pfn = 0, evtchn = 0;
	int rc;

	if (hypercall_hvm_get_param(HVM_PARAM_STORE_PFN, &pfn) < 0 ||
	    hypercall_hvm_get_param(HVM_PARAM_STORE_EVTCHN, &evtchn) < 0 ||
	    pfn == 0)
		return -ENODEV;
	if (pfn >= (1ull << 32) / 4096)
		return -ERANGE;
	intf = phys_to_virt(pfn * 4096);
	port = (evtchn_port_t)evtchn;
	rc = evtchn_set_handler(port, on_event, NULL);
	if (rc < 0)
		return rc;
	evtchn_unmask(port);
	return 0;
}

static bool reply_arrived(void *ctx)
{
	unsigned long flags = lock();
	bool done;

	(void)ctx;
	drain();
	done = reply_ready || broken;
	unlock(flags);
	return done;
}

static bool request_room(void *ctx)
{
	unsigned long flags = lock();
	bool room;

	(void)ctx;
	room = broken || intf->req_prod - __atomic_load_n(&intf->req_cons,
							  __ATOMIC_ACQUIRE) <
				 XENSTORE_RING_SIZE;
	unlock(flags);
	return room;
}

static int send(const char *msg, size_t len)
{
	size_t off = 0;

	while (off < len) {
		unsigned long flags = lock();
		int n = xs_ring_write(intf, msg + off, len - off);

		if (n < 0)
			broken = true;
		unlock(flags);
		if (n < 0)
			return -EIO;
		off += (size_t)n;
		evtchn_notify(port);
		if (off < len &&
		    blkdev_wait(request_room, NULL, TIMEOUT_MS) < 0)
			return -ETIMEDOUT;
	}
	return 0;
}

static bool owner_free(void *ctx)
{
	(void)ctx;
	return __atomic_load_n(&owner, __ATOMIC_RELAXED) < 0;
}

/* Takes the request machinery for this CPU; waits while another has it. */
static int take_ownership(void)
{
	int me = (int)cpu_id(), free = -1;
	uint64_t deadline = time_now_ns() + (uint64_t)TIMEOUT_MS * 1000000;

	while (!__atomic_compare_exchange_n(
		&owner, &free, me, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		if (free == me)
			return -EBUSY; /* a nested call on this CPU */
		free = -1;
		/* The owner's CPU does not kick us: look every few ms. */
		if (time_now_ns() >= deadline ||
		    (blkdev_wait(owner_free, NULL, 5) < 0 &&
		     time_now_ns() >= deadline))
			return -ETIMEDOUT;
	}
	return 0;
}

/*
 * Sends one request and waits for its reply (left in reply/reply_len).
 * Returns the reply length or an error. Owner only.
 */
static int exchange(uint32_t type, uint32_t tx, const char *const *args,
		    unsigned int nargs, bool last_raw)
{
	unsigned long flags;
	uint32_t id;
	int rc;

	if (next_id == 0)
		next_id = 1; /* 0 means "no request" */
	id = next_id++;
	rc = xs_request_build(request_buf, sizeof(request_buf), type, id, tx,
			      args, nargs, last_raw);
	if (rc < 0)
		return rc;
	flags = lock();
	awaited_id = id;
	waiter_cpu = (int)cpu_id();
	reply_ready = false;
	unlock(flags);
	rc = send(request_buf, (size_t)rc);
	if (rc == 0 && blkdev_wait(reply_arrived, NULL, TIMEOUT_MS) < 0)
		rc = -ETIMEDOUT;
	flags = lock();
	awaited_id = 0;
	waiter_cpu = -1;
	if (rc == 0 && broken)
		rc = -EIO;
	unlock(flags);
	if (rc < 0)
		return rc;
	if (reply_type == XS_ERROR)
		return xs_error_errno(reply, reply_len);
	if (reply_type != type)
		return -EPROTO;
	return (int)reply_len;
}

/*
 * Makes one request from any CPU; the reply (if out) is copied to out,
 * NUL-terminated, before the machinery is released. Returns the reply
 * length, -E2BIG when it does not fit size, or an error.
 */
static int request(uint32_t type, uint32_t tx, const char *const *args,
		   unsigned int nargs, bool last_raw, char *out, size_t size)
{
	int rc;

	if (!intf)
		return -ENODEV;
	if (__atomic_load_n(&broken, __ATOMIC_RELAXED))
		return -EIO;
	rc = take_ownership();
	if (rc < 0)
		return rc;
	rc = exchange(type, tx, args, nargs, last_raw);
	if (rc >= 0 && out) {
		if ((size_t)rc >= size)
			rc = -E2BIG;
		else
			memcpy(out, reply, (size_t)rc + 1);
	}
	__atomic_store_n(&owner, -1, __ATOMIC_RELEASE);
	return rc;
}

int xenstore_read(uint32_t tx, const char *path, char *buf, size_t size)
{
	const char *args[] = { path };
	int rc = request(XS_READ, tx, args, 1, false, buf, size);

	/* A value with NULs in it ends at the first. */
	return rc < 0 ? rc : (int)strlen(buf);
}

int xenstore_read_u64(uint32_t tx, const char *path, uint64_t *value)
{
	char buf[24];
	int rc = xenstore_read(tx, path, buf, sizeof(buf));

	if (rc == -E2BIG)
		return -EINVAL;
	return rc < 0 ? rc : xs_parse_u64(buf, value);
}

int xenstore_write(uint32_t tx, const char *path, const char *value)
{
	const char *args[] = { path, value };
	int rc = request(XS_WRITE, tx, args, 2, true, NULL, 0);

	return rc < 0 ? rc : 0;
}

int xenstore_write_u64(uint32_t tx, const char *path, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lu", (unsigned long)value);
	return xenstore_write(tx, path, buf);
}

int xenstore_rm(uint32_t tx, const char *path)
{
	const char *args[] = { path };
	int rc = request(XS_RM, tx, args, 1, false, NULL, 0);

	return rc < 0 ? rc : 0;
}

int xenstore_directory(uint32_t tx, const char *path, char *buf, size_t size)
{
	const char *args[] = { path };

	return request(XS_DIRECTORY, tx, args, 1, false, buf, size);
}

int xenstore_watch(const char *path, xenstore_watch_fn fn, void *ctx)
{
	char token[8];
	const char *args[] = { path, token };
	unsigned long flags;
	int h, rc;

	if (strlen(path) >= XENSTORE_WATCH_PATH_MAX)
		return -E2BIG;
	flags = lock();
	for (h = 0; h < XENSTORE_WATCH_MAX && watches[h].fn; h++)
		;
	if (h < XENSTORE_WATCH_MAX) {
		strlcpy(watches[h].path, path, sizeof(watches[h].path));
		watches[h].ctx = ctx;
		watches[h].fn = fn;
	}
	unlock(flags);
	if (h == XENSTORE_WATCH_MAX)
		return -ENOSPC;
	snprintf(token, sizeof(token), "t%d", h);
	rc = request(XS_WATCH, XBT_NIL, args, 2, false, NULL, 0);
	if (rc < 0) {
		flags = lock();
		watches[h].fn = NULL;
		unlock(flags);
		return rc;
	}
	return h;
}

void xenstore_unwatch(int handle)
{
	char token[8], path[XENSTORE_WATCH_PATH_MAX];
	const char *args[] = { path, token };
	unsigned long flags;

	if (handle < 0 || handle >= XENSTORE_WATCH_MAX)
		return;
	flags = lock();
	strlcpy(path, watches[handle].path, sizeof(path));
	watches[handle].fn = NULL;
	unlock(flags);
	snprintf(token, sizeof(token), "t%d", handle);
	(void)request(XS_UNWATCH, XBT_NIL, args, 2, false, NULL, 0);
}

int xenstore_transaction_start(uint32_t *tx)
{
	const char *args[] = { "" };
	char reply_id[16];
	uint64_t id;
	int rc = request(XS_TRANSACTION_START, XBT_NIL, args, 1, false,
			 reply_id, sizeof(reply_id));

	if (rc < 0)
		return rc == -E2BIG ? -EPROTO : rc;
	if (xs_parse_u64(reply_id, &id) < 0 || id == 0 || id > UINT32_MAX)
		return -EPROTO;
	*tx = (uint32_t)id;
	return 0;
}

static int transaction_end(uint32_t tx, bool commit)
{
	const char *args[] = { commit ? "T" : "F" };
	int rc = request(XS_TRANSACTION_END, tx, args, 1, false, NULL, 0);

	return rc < 0 ? rc : 0;
}

int xenstore_transaction_commit(uint32_t tx)
{
	return transaction_end(tx, true);
}

void xenstore_transaction_abort(uint32_t tx)
{
	if (transaction_end(tx, false) < 0)
		kprintf("xen: xenstore: aborting transaction %u failed\n", tx);
}
