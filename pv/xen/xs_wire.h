/*
 * The xenstore wire protocol, portable (host-tested): the request and
 * response rings of struct xenstore_domain_interface with index checks,
 * assembling messages (struct xsd_sockmsg header + payload) out of the
 * response byte stream, building requests, and reading the payloads
 * (error strings, directory lists, watch events, numbers).
 *
 * None of these functions blocks or allocates; the caller (xenstore.c)
 * serialises them.
 */
#ifndef TORITO_PV_XEN_XS_WIRE_H
#define TORITO_PV_XEN_XS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>

#include "pv/xen/xen_if.h"

#define XS_MSG_MAX (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)

/*
 * Copies up to len bytes into the request ring and publishes them. Returns
 * the bytes copied (0 when the ring is full), or -EPROTO when the indices
 * are impossible (more than a ring's worth outstanding).
 */
int xs_ring_write(struct xenstore_domain_interface *intf, const void *data,
		  size_t len) __must_check;

/*
 * Copies up to len bytes out of the response ring and frees them. Returns
 * the bytes copied (0 when empty), or -EPROTO for impossible indices.
 */
int xs_ring_read(struct xenstore_domain_interface *intf, void *data,
		 size_t len) __must_check;

/* A message being assembled from the response stream. */
struct xs_reader {
	struct xsd_sockmsg hdr;
	size_t have;			     /* bytes of header + body so far */
	char body[XENSTORE_PAYLOAD_MAX + 1]; /* NUL-terminated when complete */
};

void xs_reader_reset(struct xs_reader *r);

/*
 * Pulls bytes from the response ring into r. Returns 1 when r holds a
 * whole message (body[hdr.len] is then '\0'; call xs_reader_reset before
 * the next pull), 0 when the ring ran dry first, -EPROTO for a header
 * announcing more than XENSTORE_PAYLOAD_MAX bytes or impossible ring
 * indices (the connection is then unusable).
 */
int xs_reader_pull(struct xs_reader *r,
		   struct xenstore_domain_interface *intf) __must_check;

/*
 * Builds a request into buf: header (type, req_id, tx_id) and the nargs
 * strings of args, each with its terminating NUL, except that the last one
 * goes without it when last_raw (the value of XS_WRITE). Returns the total
 * length, or -E2BIG when the payload would exceed XENSTORE_PAYLOAD_MAX or
 * size.
 */
int xs_request_build(void *buf, size_t size, uint32_t type, uint32_t req_id,
		     uint32_t tx_id, const char *const *args,
		     unsigned int nargs, bool last_raw) __must_check;

/* The errno of an XS_ERROR payload ("ENOENT"): -ENOENT ...; -EIO when
 * the name is unknown. */
int xs_error_errno(const char *body, uint32_t len);

/*
 * Iterates over a directory listing ("a\0b\0"): returns the name at *off
 * and advances *off, or NULL at the end. A last name without its NUL is
 * refused (NULL), as is anything past len.
 */
const char *xs_dir_next(const char *body, uint32_t len, uint32_t *off);

/*
 * Splits an XS_WATCH_EVENT payload ("path\0token\0") into its two strings.
 * Returns 0 or -EPROTO when either is missing.
 */
int xs_watch_event_parse(const char *body, uint32_t len, const char **path,
			 const char **token) __must_check;

/*
 * Parses a decimal unsigned number that fills all of s (an optional
 * trailing newline is not allowed either). Returns 0, or -EINVAL for
 * anything else (empty, sign, letters, overflow past UINT64_MAX).
 */
int xs_parse_u64(const char *s, uint64_t *v) __must_check;

#endif /* TORITO_PV_XEN_XS_WIRE_H */
