/*
 * microservice: the seed's ToroHelloWorldMicroservice in C. It dedicates
 * the first network device and a TCP/IP stack to CPU 0 (net_dedicate), and
 * registers a network service on port 80 (or port=N) whose callbacks answer
 * HTTP: every GET (and HEAD) gets 200 with "Hello World"; POST /echo
 * streams the request body back (Content-Length bodies of any size, with
 * flow control: while the reply cannot be queued the request is not read,
 * so the window closes instead of memory growing). HTTP/1.1 keeps the
 * connection open unless the client says close; HTTP/1.0 closes unless it
 * says keep-alive; "Expect: 100-continue" gets its 100 at once. Idle
 * connections are closed after 30 s.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/app.h>
#include <torito/boot.h>
#include <torito/console.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/net/config.h>
#include <torito/net/iface.h>
#include <torito/net/service.h>
#include <torito/string.h>
#include <torito/thread.h>

#define HDR_MAX 4096
#define CHUNK 4096
#define IDLE_MS 30000

static const char hello[] = "Hello World\n";

struct conn {
	char hdr[HDR_MAX]; /* request head being read */
	size_t hdr_len;
	bool close_after; /* close once the reply is out */
	uint64_t echo_left; /* body bytes still to echo */
	char out[CHUNK];    /* read but not yet queued */
	size_t out_len, out_off;
};

static bool has_token(const char *head, const char *name, const char *token)
{
	const char *p = head;
	size_t nlen = strlen(name), tlen = strlen(token);

	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncmp(p, name, nlen) != 0 && !(
			    /* case-insensitive enough for header names */
			    (p[0] | 0x20) == (name[0] | 0x20) &&
			    strncmp(p + 1, name + 1, nlen - 1) == 0))
			continue;
		for (const char *v = p + nlen; *v && *v != '\r'; v++)
			if (((v[0] | 0x20) == (token[0] | 0x20)) &&
			    strncmp(v + 1, token + 1, tlen - 1) == 0)
				return true;
	}
	return false;
}

static uint64_t content_length(const char *head)
{
	const char *p = head;
	uint64_t n = 0;

	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if ((p[0] | 0x20) != 'c' || strncmp(p + 1, "ontent-", 7) != 0 ||
		    (p[8] | 0x20) != 'l' || strncmp(p + 9, "ength:", 6) != 0)
			continue;
		for (p += 15; *p == ' '; p++)
			;
		while (*p >= '0' && *p <= '9')
			n = n * 10 + (uint64_t)(*p++ - '0');
		return n;
	}
	return 0;
}

/* Queues s; the reply heads are small and always fit a fresh buffer. */
static void send_str(struct net_sock *k, const char *s, size_t len)
{
	if (net_sock_send(k, s, len) != (int)len)
		net_sock_close(k); /* no room even for a header: give up */
}

static void reply(struct net_sock *k, struct conn *c, const char *status,
		  const char *body, size_t body_len, bool head_only)
{
	char h[256];
	int n = snprintf(h, sizeof(h),
			 "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %lu\r\n%s\r\n",
			 status, (unsigned long)body_len,
			 c->close_after ? "Connection: close\r\n" : "");
	send_str(k, h, (size_t)n);
	if (!head_only && body_len)
		send_str(k, body, body_len);
}

/* Moves echo bytes from the socket to the reply while both have room. */
static void pump_echo(struct net_sock *k, struct conn *c)
{
	for (;;) {
		while (c->out_off < c->out_len) {
			int n = net_sock_send(k, c->out + c->out_off,
					      c->out_len - c->out_off);
			if (n <= 0)
				return; /* full: the sent callback resumes */
			c->out_off += (size_t)n;
		}
		c->out_len = c->out_off = 0;
		if (c->echo_left == 0)
			return;
		size_t want = c->echo_left < CHUNK ? (size_t)c->echo_left : CHUNK;
		int n = net_sock_recv(k, c->out, want);
		if (n <= 0)
			return; /* nothing yet: the receive callback resumes */
		c->out_len = (size_t)n;
		c->echo_left -= (uint64_t)n;
	}
}

/* Offset of the blank line ending the head in buf, or -1. */
static long head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' &&
		    buf[i + 3] == '\n')
			return (long)i;
	return -1;
}

static void drop_head(struct conn *c, size_t n)
{
	memmove(c->hdr, c->hdr + n, c->hdr_len - n);
	c->hdr_len -= n;
}

static void conn_close(struct net_sock *k, struct conn *c)
{
	net_sock_set_user(k, NULL);
	mem_free(c);
	net_sock_close(k);
}

/* Answers the request head hdr[0, len) (NUL-terminated there). */
static void answer(struct net_sock *k, struct conn *c)
{
	const char *sp = strchr(c->hdr, ' ');
	const char *line_end = strchr(c->hdr, '\r');
	bool http10 = line_end && line_end - c->hdr >= 8 &&
		      strncmp(line_end - 8, "HTTP/1.0", 8) == 0;

	c->close_after = http10 ? !has_token(c->hdr, "Connection:", "keep-alive")
				: has_token(c->hdr, "Connection:", "close");
	if (strncmp(c->hdr, "GET ", 4) == 0 || strncmp(c->hdr, "HEAD ", 5) == 0) {
		reply(k, c, "200 OK", hello, sizeof(hello) - 1, c->hdr[0] == 'H');
	} else if (strncmp(c->hdr, "POST /echo", 10) == 0) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		c->echo_left = content_length(c->hdr);
		/* A client that waits for permission gets it at once. */
		if (has_token(c->hdr, "Expect:", "100-continue"))
			send_str(k, cont, sizeof(cont) - 1);
		reply(k, c, "200 OK", NULL, (size_t)c->echo_left, true);
	} else {
		static const char msg[] = "Only GET, HEAD and POST /echo\n";
		c->close_after = true;
		reply(k, c, sp ? "405 Method Not Allowed" : "400 Bad Request",
		      msg, sizeof(msg) - 1, false);
	}
}

/* Advances the connection as far as the data and the buffers allow. */
static void process(struct net_sock *k, struct conn *c)
{
	for (;;) {
		if (c->echo_left || c->out_off < c->out_len) {
			/* Body bytes that came with the head go first. */
			if (c->out_len == 0 && c->hdr_len && c->echo_left) {
				size_t n = MIN(MIN(c->hdr_len, (size_t)CHUNK),
					       (size_t)MIN(c->echo_left, CHUNK));
				memcpy(c->out, c->hdr, n);
				c->out_len = n;
				c->out_off = 0;
				c->echo_left -= n;
				drop_head(c, n);
			}
			pump_echo(k, c);
			if (c->echo_left || c->out_off < c->out_len)
				return; /* resumes on receive or sent */
			if (c->close_after) {
				conn_close(k, c);
				return;
			}
			continue;
		}
		long end = head_end(c->hdr, c->hdr_len);
		if (end < 0) {
			if (c->hdr_len >= HDR_MAX - 1) {
				static const char msg[] = "Request head too large\n";
				c->close_after = true;
				reply(k, c, "431 Request Header Fields Too Large",
				      msg, sizeof(msg) - 1, false);
				conn_close(k, c);
				return;
			}
			int n = net_sock_recv(k, c->hdr + c->hdr_len,
					      HDR_MAX - 1 - c->hdr_len);
			if (n <= 0)
				return; /* -EAGAIN; end of stream comes as close */
			c->hdr_len += (size_t)n;
			continue;
		}
		char saved = c->hdr[end + 4];
		c->hdr[end + 4] = '\0';
		answer(k, c);
		c->hdr[end + 4] = saved;
		drop_head(c, (size_t)end + 4);
		if (!c->echo_left && c->close_after) {
			conn_close(k, c);
			return;
		}
	}
}

static void on_accept(void *ctx, struct net_sock *k)
{
	struct conn *c = mem_zalloc(sizeof(*c), 0);

	if (!c) {
		net_sock_close(k); /* out of memory: refuse this one */
		return;
	}
	net_sock_set_user(k, c);
	/* Both only fail for a non-TCP or non-service socket: not here. */
	if (net_sock_set_nodelay(k, true) < 0 ||
	    net_service_set_timeout(k, IDLE_MS) < 0)
		kprintf("microservice: connection options refused\n");
}

static void on_receive(void *ctx, struct net_sock *k)
{
	struct conn *c = net_sock_user(k);

	if (c)
		process(k, c);
}

static void on_timeout(void *ctx, struct net_sock *k)
{
	struct conn *c = net_sock_user(k);

	if (c)
		conn_close(k, c);
}

static void on_close(void *ctx, struct net_sock *k)
{
	struct conn *c = net_sock_user(k);

	if (c)
		conn_close(k, c);
}

static const struct net_service_ops http_ops = {
	.accept = on_accept,
	.receive = on_receive,
	.timeout = on_timeout,
	.close = on_close,
	.sent = on_receive, /* send space: carry on where it stopped */
};

int torito_main(void)
{
	struct net_ipv4_config ip;
	struct net_service *svc;
	struct net_iface *ifc;
	char arg[8];
	unsigned int port = 80;
	int rc;

	if (boot_cmdline_get(boot_info(), "port", arg, sizeof(arg))) {
		port = 0;
		for (const char *p = arg; *p >= '0' && *p <= '9'; p++)
			port = port * 10 + (unsigned int)(*p - '0');
		if (port == 0 || port > 65535) {
			kprintf("microservice: bad port=%s\n", arg);
			return 1;
		}
	}
	rc = net_dedicate(NULL, 0, NULL, &ifc);
	if (rc < 0) {
		kprintf("microservice: no network (%s)\n", errno_name(rc));
		return 1;
	}
	while (net_iface_wait_ip(ifc, 10000, &ip) < 0)
		kprintf("microservice: still waiting for an address on %s\n",
			net_iface_name(ifc));
	rc = net_service_register(net_iface_stack(ifc), (uint16_t)port,
				  &http_ops, NULL, &svc);
	if (rc < 0) {
		kprintf("microservice: cannot listen on port %u (%s)\n", port,
			errno_name(rc));
		return 1;
	}
	kprintf("microservice: listening on port %u\n", port);
	for (;;)
		thread_suspend(); /* the network thread does the rest */
}
