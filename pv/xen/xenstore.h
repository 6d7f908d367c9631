/*
 * The xenstore client of a Torito guest: read, write, directory, remove,
 * watches and transactions over the shared xenstore ring. Private to
 * pv/xen; bare metal.
 *
 * Requests block the caller (halting the CPU between events, with a
 * timeout) and may be made from thread context on any CPU once time is
 * calibrated (INIT_DEVICES or later); they go one at a time domain-wide
 * (others wait their turn), and a nested call on one CPU gets -EBUSY.
 * Relative paths ("device/vif/0") are relative to this domain's home.
 * tx is a transaction id from xenstore_transaction_start, or XBT_NIL.
 *
 * Errors: -ENOENT (no such node), -EPERM, -EINVAL, -EAGAIN (a transaction
 * conflict: start again), -E2BIG (doesn't fit the request or buf),
 * -ETIMEDOUT (no answer), -EPROTO (the daemon broke the protocol), -EIO
 * (the connection is unusable, or an error xenstore.h does not know),
 * -ENODEV (no xenstore).
 */
#ifndef TORITO_PV_XEN_XENSTORE_H
#define TORITO_PV_XEN_XENSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>

#include "pv/xen/xen_if.h"

#define XBT_NIL 0u

/* Maps the ring (HVM_PARAM_STORE_PFN/EVTCHN). INIT_PLATFORM, CPU 0. */
int xenstore_init(void) __must_check;

/*
 * Reads path into buf as a NUL-terminated string. Returns its length, or
 * -E2BIG when the value does not fit size, or an error above.
 */
int xenstore_read(uint32_t tx, const char *path, char *buf,
		  size_t size) __must_check;

/* Reads a decimal number; -EINVAL when the value is not one. */
int xenstore_read_u64(uint32_t tx, const char *path,
		      uint64_t *value) __must_check;

int xenstore_write(uint32_t tx, const char *path,
		   const char *value) __must_check;

/* Writes the decimal value. */
int xenstore_write_u64(uint32_t tx, const char *path,
		       uint64_t value) __must_check;

int xenstore_rm(uint32_t tx, const char *path) __must_check;

/*
 * Lists the children of path into buf as NUL-terminated names one after
 * another (iterate with xs_dir_next). Returns the byte length of the list
 * (0: no children), or -E2BIG, or an error above.
 */
int xenstore_directory(uint32_t tx, const char *path, char *buf,
		       size_t size) __must_check;

/*
 * Called when a watched path (or one below it) changes, and once right
 * after the watch is set: in interrupt context on CPU 0, or in the thread
 * of a request on any CPU, always with interrupts off and xenstore's lock
 * held. Only mark work (and wake threads: evtchn_trigger, thread_resume);
 * never call xenstore.
 */
typedef void (*xenstore_watch_fn)(void *ctx, const char *path);

#define XENSTORE_WATCH_MAX	16
#define XENSTORE_WATCH_PATH_MAX 128

/* Watches path. Returns a handle (>= 0), -ENOSPC, -E2BIG or an error. */
int xenstore_watch(const char *path, xenstore_watch_fn fn,
		   void *ctx) __must_check;

/* Removes a watch; its callback is not called once this returns. */
void xenstore_unwatch(int handle);

/* Starts a transaction; *tx is then passed to the calls above. */
int xenstore_transaction_start(uint32_t *tx) __must_check;

/*
 * Commits a transaction. Returns 0, -EAGAIN when it conflicted with
 * another writer (redo the whole transaction), or an error.
 */
int xenstore_transaction_commit(uint32_t tx) __must_check;

/* Abandons a transaction: none of its writes happen. Best effort: if the
 * daemon does not answer, it drops the transaction with the connection. */
void xenstore_transaction_abort(uint32_t tx);

#endif /* TORITO_PV_XEN_XENSTORE_H */
