/* xenstore wire format: rings, framing, requests, payload parsing. */
#include <stdlib.h>
#include <string.h>

#include <torito/errno.h>

#include "pv/xen/xs_wire.h"
#include "testing/unit/check.h"

static struct xenstore_domain_interface intf;

/* The daemon's side: put bytes into the response ring. */
static void daemon_put(const void *data, size_t len)
{
	const char *p = data;

	for (size_t i = 0; i < len; i++)
		intf.rsp[MASK_XENSTORE_IDX(intf.rsp_prod + i)] = p[i];
	intf.rsp_prod += (uint32_t)len;
}

static void daemon_msg(uint32_t type, uint32_t id, const void *body,
		       uint32_t len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = id, .len = len };

	daemon_put(&h, sizeof(h));
	daemon_put(body, len);
}

static void test_request_ring(void)
{
	char big[1500], out[1500];
	int n;

	memset(&intf, 0, sizeof(intf));
	memset(big, 'x', sizeof(big));
	/* A message longer than the ring goes in pieces. */
	n = xs_ring_write(&intf, big, sizeof(big));
	CHECK_EQ(n, XENSTORE_RING_SIZE);
	CHECK_EQ(intf.req_prod, XENSTORE_RING_SIZE);
	CHECK_EQ(xs_ring_write(&intf, big, 10), 0); /* full */
	intf.req_cons = 1000;			    /* the daemon read */
	CHECK_EQ(xs_ring_write(&intf, big + n, sizeof(big) - n), 476);
	CHECK_EQ(intf.req_prod, 1500);
	for (int i = 0; i < 1500; i++)
		out[i] = intf.req[MASK_XENSTORE_IDX(i)];
	CHECK_EQ(memcmp(out + 1000, big + 1000, 500), 0);
	/* The daemon claims to have read more than was written. */
	intf.req_cons = 1501;
	CHECK_EQ(xs_ring_write(&intf, big, 1), -EPROTO);
	intf.req_cons = 100; /* 1400 outstanding: impossible */
	CHECK_EQ(xs_ring_write(&intf, big, 1), -EPROTO);
}

static void test_response_ring(void)
{
	char buf[2048];

	memset(&intf, 0, sizeof(intf));
	CHECK_EQ(xs_ring_read(&intf, buf, sizeof(buf)), 0);
	intf.rsp_cons = intf.rsp_prod = 0xfffffff0u; /* wrap inside */
	daemon_put("hello world", 11);
	CHECK_EQ(xs_ring_read(&intf, buf, 5), 5);
	CHECK_EQ(memcmp(buf, "hello", 5), 0);
	CHECK_EQ(xs_ring_read(&intf, buf, sizeof(buf)), 6);
	CHECK_EQ(memcmp(buf, " world", 6), 0);
	CHECK_EQ(intf.rsp_cons, intf.rsp_prod);
	intf.rsp_prod = intf.rsp_cons + XENSTORE_RING_SIZE + 1;
	CHECK_EQ(xs_ring_read(&intf, buf, sizeof(buf)), -EPROTO);
}

static void test_reader(void)
{
	static struct xs_reader r;
	struct xsd_sockmsg h = { .type = XS_READ, .req_id = 7, .len = 5 };

	memset(&intf, 0, sizeof(intf));
	xs_reader_reset(&r);
	CHECK_EQ(xs_reader_pull(&r, &intf), 0);
	/* Header in two pieces, then the body in two. */
	daemon_put(&h, 6);
	CHECK_EQ(xs_reader_pull(&r, &intf), 0);
	daemon_put((char *)&h + 6, sizeof(h) - 6);
	CHECK_EQ(xs_reader_pull(&r, &intf), 0);
	daemon_put("ab", 2);
	CHECK_EQ(xs_reader_pull(&r, &intf), 0);
	daemon_put("cde", 3);
	CHECK_EQ(xs_reader_pull(&r, &intf), 1);
	CHECK_EQ(r.hdr.req_id, 7);
	CHECK_STR(r.body, "abcde");
	/* Two messages back to back come out one at a time. */
	xs_reader_reset(&r);
	daemon_msg(XS_WRITE, 8, "OK", 3);
	daemon_msg(XS_WATCH_EVENT, 0, "a/b\0t1", 7);
	CHECK_EQ(xs_reader_pull(&r, &intf), 1);
	CHECK_EQ(r.hdr.type, XS_WRITE);
	CHECK_STR(r.body, "OK");
	xs_reader_reset(&r);
	CHECK_EQ(xs_reader_pull(&r, &intf), 1);
	CHECK_EQ(r.hdr.type, XS_WATCH_EVENT);
	/* A zero-length body. */
	xs_reader_reset(&r);
	daemon_msg(XS_RM, 9, "", 0);
	CHECK_EQ(xs_reader_pull(&r, &intf), 1);
	CHECK_EQ(r.hdr.len, 0);
	CHECK_STR(r.body, "");
	/* A header announcing more than the protocol allows. */
	xs_reader_reset(&r);
	h.len = XENSTORE_PAYLOAD_MAX + 1;
	daemon_put(&h, sizeof(h));
	CHECK_EQ(xs_reader_pull(&r, &intf), -EPROTO);
	/* Exactly the maximum is fine. */
	memset(&intf, 0, sizeof(intf));
	xs_reader_reset(&r);
	h.len = XENSTORE_PAYLOAD_MAX;
	daemon_put(&h, sizeof(h));
	for (int got = 0, i = 0; i < 8 && got == 0; i++) {
		char chunk[512];

		memset(chunk, 'z', sizeof(chunk));
		daemon_put(chunk, sizeof(chunk));
		got = xs_reader_pull(&r, &intf);
		CHECK(got >= 0);
		if (i == 7)
			CHECK_EQ(got, 1);
	}
	CHECK_EQ(strlen(r.body), XENSTORE_PAYLOAD_MAX);
	/* Impossible response indices. */
	xs_reader_reset(&r);
	intf.rsp_prod = intf.rsp_cons - 1;
	CHECK_EQ(xs_reader_pull(&r, &intf), -EPROTO);
}

static void test_build(void)
{
	char buf[64];
	const char *read_args[] = { "device/vif/0/mac" };
	const char *write_args[] = { "device/vbd/1/state", "3" };
	struct xsd_sockmsg h;
	int n;

	n = xs_request_build(buf, sizeof(buf), XS_READ, 5, 0, read_args, 1,
			     false);
	CHECK_EQ(n, (int)(sizeof(h) + 17));
	memcpy(&h, buf, sizeof(h));
	CHECK_EQ(h.type, XS_READ);
	CHECK_EQ(h.req_id, 5);
	CHECK_EQ(h.tx_id, 0);
	CHECK_EQ(h.len, 17);
	CHECK_EQ(buf[sizeof(h) + 16], '\0');
	/* XS_WRITE: path NUL value, no NUL after the value. */
	n = xs_request_build(buf, sizeof(buf), XS_WRITE, 6, 42, write_args, 2,
			     true);
	memcpy(&h, buf, sizeof(h));
	CHECK_EQ(h.len, 19 + 1);
	CHECK_EQ(h.tx_id, 42);
	CHECK_EQ(memcmp(buf + sizeof(h),
			"device/vbd/1/state\0"
			"3",
			20),
		 0);
	CHECK_EQ(n, (int)(sizeof(h) + 20));
	/* Too long for the buffer, or for the protocol. */
	CHECK_EQ(xs_request_build(buf, 20, XS_READ, 1, 0, read_args, 1, false),
		 -E2BIG);
	{
		static char huge[XENSTORE_PAYLOAD_MAX + 1];
		static char out[XS_MSG_MAX + 64];
		const char *args[] = { huge };

		memset(huge, 'p', XENSTORE_PAYLOAD_MAX);
		CHECK_EQ(xs_request_build(out, sizeof(out), XS_READ, 1, 0, args,
					  1, false),
			 -E2BIG); /* 4096 + NUL */
		CHECK_EQ(xs_request_build(out, sizeof(out), XS_WRITE, 1, 0,
					  args, 1, true),
			 (int)XS_MSG_MAX);
	}
}

static void test_payloads(void)
{
	const char dir[] = "0\0"
			   "51712\0"
			   "x";
	const char *path, *token;
	uint32_t off = 0;
	uint64_t v;

	CHECK_EQ(xs_error_errno("ENOENT", 7), -ENOENT);
	CHECK_EQ(xs_error_errno("EAGAIN", 7), -EAGAIN);
	CHECK_EQ(xs_error_errno("EACCES", 7), -EPERM);
	CHECK_EQ(xs_error_errno("EWHAT", 6), -EIO);
	CHECK_EQ(xs_error_errno("ENOENT", 6), -EIO); /* no NUL */
	CHECK_EQ(xs_error_errno("", 0), -EIO);

	CHECK_STR(xs_dir_next(dir, 9, &off), "0");
	CHECK_STR(xs_dir_next(dir, 9, &off), "51712");
	CHECK(xs_dir_next(dir, 9, &off) == NULL);
	off = 0;
	CHECK(xs_dir_next(dir, 9, &off) != NULL);
	CHECK(xs_dir_next(dir, 9, &off) != NULL);
	CHECK(xs_dir_next(dir, sizeof(dir) - 1, &off) == NULL); /* "x" no NUL */
	off = 0;
	CHECK(xs_dir_next(dir, 0, &off) == NULL);

	CHECK_EQ(xs_watch_event_parse("a/b\0t3", 7, &path, &token), 0);
	CHECK_STR(path, "a/b");
	CHECK_STR(token, "t3");
	CHECK_EQ(xs_watch_event_parse("a/b\0t3", 6, &path, &token), -EPROTO);
	CHECK_EQ(xs_watch_event_parse("a/b", 4, &path, &token), -EPROTO);

	CHECK_EQ(xs_parse_u64("0", &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(xs_parse_u64("18446744073709551615", &v), 0);
	CHECK(v == UINT64_MAX);
	CHECK_EQ(xs_parse_u64("18446744073709551616", &v), -EINVAL);
	CHECK_EQ(xs_parse_u64("", &v), -EINVAL);
	CHECK_EQ(xs_parse_u64("-1", &v), -EINVAL);
	CHECK_EQ(xs_parse_u64("4\n", &v), -EINVAL);
	CHECK_EQ(xs_parse_u64(" 4", &v), -EINVAL);
	CHECK_EQ(xs_parse_u64("0x10", &v), -EINVAL);
}

int main(void)
{
	test_request_ring();
	test_response_ring();
	test_reader();
	test_build();
	test_payloads();
	return check_done();
}
