/*
 * Xenbus frontend plumbing over the xenstore client: reading a device's
 * nodes, the watch on <backend>/state, and waiting through the state
 * machine of xenbus_state.c. A missing or malformed node never crashes:
 * open fails with -ENODEV, a bad state fails the wait with a reason.
 *
 * Left out: the frontend enumerating hot-plugged devices after boot
 * (devices are probed once, at INIT_DEVICES).
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/blkdev_driver.h>
#include <torito/console.h>
#include <torito/errno.h>
#include <torito/string.h>
#include <torito/time.h>

#include "pv/xen/xenbus.h"
#include "pv/xen/xenstore.h"
#include "pv/xen/xs_wire.h"

#define STATE_INVALID	 99 /* a state node that does not parse */
#define CLOSE_TIMEOUT_MS 2000
#define PUBLISH_TRIES	 8
#define KEY_PATH_MAX	 (XENBUS_PATH_MAX + 32)

static int path_join(char *out, const char *dir, const char *key)
{
	int n = snprintf(out, KEY_PATH_MAX, "%s/%s", dir, key);

	return n < KEY_PATH_MAX ? 0 : -E2BIG;
}

int xenbus_list(const char *type, char *buf, size_t size)
{
	char path[XENBUS_PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), "device/%s", type);
	rc = xenstore_directory(XBT_NIL, path, buf, size);
	return rc == -ENOENT ? 0 : rc;
}

static void state_watch(void *ctx, const char *path)
{
	struct xenbus_dev *dev = ctx;

	(void)path;
	dev->changed = true;
	if (dev->on_change)
		dev->on_change(dev->ctx);
}

int xenbus_read_front(struct xenbus_dev *dev, const char *key, char *buf,
		      size_t size)
{
	char path[KEY_PATH_MAX];

	if (path_join(path, dev->node, key) < 0)
		return -E2BIG;
	return xenstore_read(XBT_NIL, path, buf, size);
}

int xenbus_read_back(struct xenbus_dev *dev, const char *key, char *buf,
		     size_t size)
{
	char path[KEY_PATH_MAX];

	if (path_join(path, dev->backend, key) < 0)
		return -E2BIG;
	return xenstore_read(XBT_NIL, path, buf, size);
}

int xenbus_read_back_u64(struct xenbus_dev *dev, const char *key, uint64_t def,
			 uint64_t *value)
{
	char buf[24];
	int rc = xenbus_read_back(dev, key, buf, sizeof(buf));

	if (rc == -ENOENT) {
		*value = def;
		return 0;
	}
	if (rc == -E2BIG)
		return -EINVAL;
	return rc < 0 ? rc : xs_parse_u64(buf, value);
}

int xenbus_write_front(struct xenbus_dev *dev, uint32_t tx, const char *key,
		       const char *value)
{
	char path[KEY_PATH_MAX];

	if (path_join(path, dev->node, key) < 0)
		return -E2BIG;
	return xenstore_write(tx, path, value);
}

int xenbus_write_front_u64(struct xenbus_dev *dev, uint32_t tx, const char *key,
			   uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lu", (unsigned long)value);
	return xenbus_write_front(dev, tx, key, buf);
}

int xenbus_switch(struct xenbus_dev *dev, XenbusState state)
{
	return xenbus_write_front_u64(dev, XBT_NIL, "state", state);
}

static int read_backend_id(struct xenbus_dev *dev)
{
	char buf[24];
	uint64_t id;

	if (xenbus_read_front(dev, "backend-id", buf, sizeof(buf)) < 0 ||
	    xs_parse_u64(buf, &id) < 0 || id >= DOMID_FIRST_RESERVED)
		return -ENODEV;
	dev->backend_id = (domid_t)id;
	return 0;
}

int xenbus_dev_open(struct xenbus_dev *dev, const char *type, const char *id,
		    void (*on_change)(void *ctx), void *ctx)
{
	char path[KEY_PATH_MAX];
	int rc;

	memset(dev, 0, sizeof(*dev));
	dev->watch = -1;
	dev->on_change = on_change;
	dev->ctx = ctx;
	if (snprintf(dev->node, sizeof(dev->node), "device/%s/%s", type, id) >=
	    (int)sizeof(dev->node))
		return -ENODEV;
	rc = xenbus_read_front(dev, "backend", dev->backend,
			       sizeof(dev->backend));
	if (rc == -ENOENT || rc == -E2BIG || rc == 0)
		return -ENODEV;
	if (rc < 0)
		return rc;
	if (read_backend_id(dev) < 0)
		return -ENODEV;
	if (path_join(path, dev->backend, "state") < 0)
		return -ENODEV;
	rc = xenstore_watch(path, state_watch, dev);
	if (rc < 0)
		return rc;
	dev->watch = rc;
	return xenbus_switch(dev, XenbusStateInitialising);
}

/* Reads the backend state into dev->backend_state. */
static int read_state(struct xenbus_dev *dev)
{
	char buf[24];
	int rc;

	dev->changed = false;
	rc = xenbus_read_back(dev, "state", buf, sizeof(buf));
	if (rc == -ENOENT) {
		dev->backend_state = -1;
		return 0;
	}
	if (rc == -E2BIG ||
	    (rc >= 0 && xenbus_state_parse(buf, &dev->backend_state) < 0)) {
		dev->backend_state = STATE_INVALID;
		return 0;
	}
	return rc < 0 ? rc : 0;
}

static bool changed(void *ctx)
{
	return ((struct xenbus_dev *)ctx)->changed;
}

int xenbus_wait(struct xenbus_dev *dev, enum xenbus_phase phase,
		uint32_t timeout_ms, const char **why)
{
	uint64_t deadline = time_now_ns() + (uint64_t)timeout_ms * 1000000;

	for (;;) {
		int rc = read_state(dev);
		uint64_t now;

		if (rc < 0)
			return rc;
		switch (xenbus_state_step(phase, dev->backend_state, why)) {
		case XENBUS_GO: return 0;
		case XENBUS_FAIL: return -ENODEV;
		case XENBUS_WAIT: break;
		}
		now = time_now_ns();
		if (now >= deadline ||
		    blkdev_wait(changed, dev,
				(uint32_t)((deadline - now) / 1000000) + 1) <
			    0) {
			*why = "backend did not change state in time";
			return -ETIMEDOUT;
		}
	}
}

bool xenbus_still_connected(struct xenbus_dev *dev, const char **why)
{
	if (!dev->changed)
		return true;
	if (read_state(dev) < 0) {
		*why = "cannot read the backend state";
		return false;
	}
	return xenbus_state_step(XENBUS_PHASE_RUNNING, dev->backend_state,
				 why) != XENBUS_FAIL;
}

static int publish_once(struct xenbus_dev *dev, const struct xenbus_kv *kv,
			unsigned int n, XenbusState state)
{
	char value[24];
	uint32_t tx;
	int rc = xenstore_transaction_start(&tx);

	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < n && rc == 0; i++)
		rc = xenbus_write_front(dev, tx, kv[i].key, kv[i].value);
	if (rc == 0) {
		snprintf(value, sizeof(value), "%u", (unsigned int)state);
		rc = xenbus_write_front(dev, tx, "state", value);
	}
	if (rc < 0) {
		xenstore_transaction_abort(tx);
		return rc;
	}
	return xenstore_transaction_commit(tx);
}

int xenbus_publish(struct xenbus_dev *dev, const struct xenbus_kv *kv,
		   unsigned int n, XenbusState state)
{
	int rc = -EAGAIN;

	for (int i = 0; i < PUBLISH_TRIES && rc == -EAGAIN; i++)
		rc = publish_once(dev, kv, n, state);
	return rc;
}

void xenbus_dev_close(struct xenbus_dev *dev)
{
	const char *why = "cannot write our state";
	int rc = xenbus_switch(dev, XenbusStateClosing);

	/* Each step runs even when the one before failed: best effort. */
	if (rc == 0)
		rc = xenbus_wait(dev, XENBUS_PHASE_CLOSE, CLOSE_TIMEOUT_MS,
				 &why);
	rc = xenbus_switch(dev, XenbusStateClosed);
	if (rc == 0)
		rc = xenbus_wait(dev, XENBUS_PHASE_CLOSED, CLOSE_TIMEOUT_MS,
				 &why);
	if (rc < 0)
		kprintf("xenbus: %s closed without the backend (%s)\n",
			dev->node, why);
	if (dev->watch >= 0)
		xenstore_unwatch(dev->watch);
	dev->watch = -1;
}
