/*
 * Xenbus for frontends: a device's xenstore nodes (ours under
 * device/<type>/<id>, the backend's wherever "backend" points), a watch on
 * the backend's state, and the waits of the state machine in
 * xenbus_state.c. Private to pv/xen; bare metal; thread context on CPU 0,
 * INIT_DEVICES or later (these calls block on xenstore).
 */
#ifndef TORITO_PV_XEN_XENBUS_H
#define TORITO_PV_XEN_XENBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>

#include "pv/xen/xen_if.h"
#include "pv/xen/xenbus_state.h"

#define XENBUS_PATH_MAX 96

struct xenbus_dev {
	/* Set by xenbus_dev_open; read-only after. */
	char node[XENBUS_PATH_MAX];    /* "device/vbd/51712" */
	char backend[XENBUS_PATH_MAX]; /* "/local/domain/0/backend/vbd/3/51712"
					*/
	domid_t backend_id;
	int watch; /* xenstore watch handle, -1 if none */
	/* Called in interrupt context when the backend state changes. */
	void (*on_change)(void *ctx);
	void *ctx;

	/* Set in interrupt context by the watch, cleared by the owner. */
	volatile bool changed;
	/* Owner (CPU 0 thread) only. */
	long backend_state; /* last read; -1 missing */
};

/*
 * Lists the ids under device/<type> into buf (NUL-separated, iterate with
 * xs_dir_next). Returns the byte length (0: none) or an error.
 */
int xenbus_list(const char *type, char *buf, size_t size) __must_check;

/*
 * Reads the backend's path and domain, watches its state node and sets
 * our state to Initialising. Returns 0, -ENODEV (a key is missing or
 * malformed), or a xenstore error. on_change may be NULL.
 */
int xenbus_dev_open(struct xenbus_dev *dev, const char *type, const char *id,
		    void (*on_change)(void *ctx), void *ctx) __must_check;

/*
 * Waits until the backend state allows leaving phase (XENBUS_GO). Returns
 * 0; -ENODEV when the state machine says fail (*why tells why);
 * -ETIMEDOUT after timeout_ms; or a xenstore error.
 */
int xenbus_wait(struct xenbus_dev *dev, enum xenbus_phase phase,
		uint32_t timeout_ms, const char **why) __must_check;

/*
 * For a running device: if the backend state changed since the last look,
 * reads it. Returns true while the device may keep running, false (and
 * *why) when it must shut down.
 */
bool xenbus_still_connected(struct xenbus_dev *dev, const char **why);

/* Writes our state node. */
int xenbus_switch(struct xenbus_dev *dev, XenbusState state) __must_check;

/* Reads <node>/key (front) or <backend>/key (back): as xenstore_read. */
int xenbus_read_front(struct xenbus_dev *dev, const char *key, char *buf,
		      size_t size) __must_check;
int xenbus_read_back(struct xenbus_dev *dev, const char *key, char *buf,
		     size_t size) __must_check;

/* Reads a number from the backend; def when the key is missing. Returns
 * 0, -EINVAL (not a number), or a xenstore error. */
int xenbus_read_back_u64(struct xenbus_dev *dev, const char *key, uint64_t def,
			 uint64_t *value) __must_check;

/* Writes <node>/key in transaction tx. */
int xenbus_write_front(struct xenbus_dev *dev, uint32_t tx, const char *key,
		       const char *value) __must_check;
int xenbus_write_front_u64(struct xenbus_dev *dev, uint32_t tx, const char *key,
			   uint64_t value) __must_check;

struct xenbus_kv {
	const char *key;
	const char *value;
};

/*
 * Writes the n front nodes of kv and then our state node, all in one
 * transaction (redone when it conflicts, a few times). Returns 0 or a
 * xenstore error.
 */
int xenbus_publish(struct xenbus_dev *dev, const struct xenbus_kv *kv,
		   unsigned int n, XenbusState state) __must_check;

/*
 * Closes the device: Closing, a short wait for the backend to close too,
 * Closed, and the watch removed. Never fails (best effort on a dead
 * backend).
 */
void xenbus_dev_close(struct xenbus_dev *dev);

#endif /* TORITO_PV_XEN_XENBUS_H */
