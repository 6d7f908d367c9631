/*
 * xenstore wire format (docs/misc/xenstore.txt, xen/io/xs_wire.h), the
 * part of the xenstore client that does not need Xen: ring copies with
 * the index checks a client must make (the daemon is another domain and
 * may be buggy), message framing, request building and payload parsing.
 * xenstore.c drives it against the real ring page; tests/xs_wire_test.c
 * drives it against one in host memory.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <torito/errno.h>
#include <torito/string.h>

#include "pv/xen/xs_wire.h"

static uint32_t load(const XENSTORE_RING_IDX *idx)
{
	return __atomic_load_n(idx, __ATOMIC_ACQUIRE);
}

int xs_ring_write(struct xenstore_domain_interface *intf, const void *data,
		  size_t len)
{
	uint32_t cons = load(&intf->req_cons), prod = intf->req_prod;
	uint32_t used = prod - cons;
	const char *p = data;
	size_t n = 0;

	if (used > XENSTORE_RING_SIZE)
		return -EPROTO;
	while (n < len && used + n < XENSTORE_RING_SIZE) {
		intf->req[MASK_XENSTORE_IDX(prod + n)] = p[n];
		n++;
	}
	/* The daemon must see the bytes before the index that covers them. */
	__atomic_store_n(&intf->req_prod, prod + (uint32_t)n, __ATOMIC_RELEASE);
	return (int)n;
}

int xs_ring_read(struct xenstore_domain_interface *intf, void *data, size_t len)
{
	uint32_t prod = load(&intf->rsp_prod), cons = intf->rsp_cons;
	uint32_t avail = prod - cons;
	char *p = data;
	size_t n = 0;

	if (avail > XENSTORE_RING_SIZE)
		return -EPROTO;
	while (n < len && n < avail) {
		p[n] = intf->rsp[MASK_XENSTORE_IDX(cons + n)];
		n++;
	}
	/* Done reading the bytes before the daemon may overwrite them. */
	__atomic_store_n(&intf->rsp_cons, cons + (uint32_t)n, __ATOMIC_RELEASE);
	return (int)n;
}

void xs_reader_reset(struct xs_reader *r)
{
	r->have = 0;
}

int xs_reader_pull(struct xs_reader *r, struct xenstore_domain_interface *intf)
{
	const size_t hsize = sizeof(r->hdr);
	int n;

	if (r->have < hsize) {
		n = xs_ring_read(intf, (char *)&r->hdr + r->have,
				 hsize - r->have);
		if (n < 0)
			return n;
		r->have += (size_t)n;
		if (r->have < hsize)
			return 0;
		if (r->hdr.len > XENSTORE_PAYLOAD_MAX)
			return -EPROTO;
	}
	if (r->have < hsize + r->hdr.len) {
		n = xs_ring_read(intf, r->body + (r->have - hsize),
				 hsize + r->hdr.len - r->have);
		if (n < 0)
			return n;
		r->have += (size_t)n;
		if (r->have < hsize + r->hdr.len)
			return 0;
	}
	r->body[r->hdr.len] = '\0';
	return 1;
}

int xs_request_build(void *buf, size_t size, uint32_t type, uint32_t req_id,
		     uint32_t tx_id, const char *const *args,
		     unsigned int nargs, bool last_raw)
{
	struct xsd_sockmsg hdr = {
		.type = type, .req_id = req_id, .tx_id = tx_id, .len = 0
	};
	char *out = (char *)buf + sizeof(hdr);
	size_t len = 0;

	if (size < sizeof(hdr))
		return -E2BIG;
	for (unsigned int i = 0; i < nargs; i++) {
		size_t n =
			strlen(args[i]) + (last_raw && i == nargs - 1 ? 0 : 1);

		if (n > XENSTORE_PAYLOAD_MAX - len ||
		    n > size - sizeof(hdr) - len)
			return -E2BIG;
		memcpy(out + len, args[i], n);
		len += n;
	}
	hdr.len = (uint32_t)len;
	memcpy(buf, &hdr, sizeof(hdr));
	return (int)(sizeof(hdr) + len);
}

int xs_error_errno(const char *body, uint32_t len)
{
	/* Only the errors xenstored sends; where errno.h lacks one, the
	 * nearest meaning. */
	static const struct {
		const char *name;
		int err;
	} map[] = {
		{ "EINVAL", EINVAL },	{ "EACCES", EPERM },
		{ "EEXIST", EEXIST },	{ "EISDIR", EINVAL },
		{ "ENOENT", ENOENT },	{ "ENOMEM", ENOMEM },
		{ "ENOSPC", ENOSPC },	{ "EIO", EIO },
		{ "ENOTEMPTY", EBUSY }, { "ENOSYS", ENOSYS },
		{ "EROFS", EPERM },	{ "EBUSY", EBUSY },
		{ "EAGAIN", EAGAIN },	{ "EISCONN", EISCONN },
		{ "E2BIG", E2BIG },	{ "EPERM", EPERM },
		{ "EQUOTA", ENOSPC },
	};

	if (len == 0 || body[len - 1] != '\0')
		return -EIO;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(body, map[i].name) == 0)
			return -map[i].err;
	return -EIO;
}

const char *xs_dir_next(const char *body, uint32_t len, uint32_t *off)
{
	const char *name;
	size_t n;

	if (*off >= len)
		return NULL;
	name = body + *off;
	n = strnlen(name, len - *off);
	if (n == len - *off)
		return NULL; /* no terminating NUL inside the payload */
	*off += (uint32_t)n + 1;
	return name;
}

int xs_watch_event_parse(const char *body, uint32_t len, const char **path,
			 const char **token)
{
	uint32_t off = 0;

	*path = xs_dir_next(body, len, &off);
	*token = xs_dir_next(body, len, &off);
	return *path && *token ? 0 : -EPROTO;
}

int xs_parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return -EINVAL;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}
