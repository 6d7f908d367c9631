/*
 * The Toro-style service API: a tiny HTTP-like service registered with
 * callbacks on node 1, driven by socket clients on node 0. Checks the
 * callback order (accept, receive, close), sending and closing from inside
 * callbacks, the idle timeout, the automatic close after the close
 * callback, large answers through the sent-space callback, init failure,
 * and unregistering with live connections.
 */
#include <stdio.h>
#include <string.h>

#include <torito/errno.h>

#include "net/tests/harness.h"
#include "testing/unit/check.h"

struct svc_log {
	int init, accept, receive, timeout, close;
	char order[64];
	size_t olen;
	char req[256];
	size_t rlen;
	int init_rc;
	bool close_in_receive; /* answer and close at once (HTTP/1.0) */
	bool arm_timeout;
	bool greet; /* say hello on accept */
	int close_err;
};

static void log_ev(struct svc_log *l, char c)
{
	if (l->olen < sizeof(l->order) - 1)
		l->order[l->olen++] = c;
}

static int svc_init(void *ctx)
{
	struct svc_log *l = ctx;

	l->init++;
	return l->init_rc;
}

static void svc_accept(void *ctx, struct net_sock *conn)
{
	struct svc_log *l = ctx;

	l->accept++;
	log_ev(l, 'a');
	if (l->arm_timeout)
		CHECK_EQ(net_service_set_timeout(conn, 500), 0);
	if (l->greet)
		CHECK_EQ(net_sock_send(conn, "hi", 2), 2);
}

static void svc_receive(void *ctx, struct net_sock *conn)
{
	struct svc_log *l = ctx;
	int rc;

	l->receive++;
	log_ev(l, 'r');
	while ((rc = net_sock_recv(conn, l->req + l->rlen,
				   sizeof(l->req) - 1 - l->rlen)) > 0)
		l->rlen += (size_t)rc;
	if (l->close_in_receive && strstr(l->req, "\r\n\r\n")) {
		CHECK_EQ(net_sock_send(conn, "HTTP/1.0 200 OK\r\n\r\nHello", 24),
			 24);
		net_sock_close(conn);
	}
}

static void svc_timeout(void *ctx, struct net_sock *conn)
{
	struct svc_log *l = ctx;

	l->timeout++;
	log_ev(l, 't');
	CHECK_EQ(net_sock_send(conn, "timeout", 7), 7);
	net_sock_close(conn);
}

static void svc_close(void *ctx, struct net_sock *conn)
{
	struct svc_log *l = ctx;

	l->close++;
	l->close_err = net_sock_error(conn);
	log_ev(l, 'c');
	/* Not closing here: the stack does it after we return. */
	(void)!net_sock_send(conn, "bye", 3);
}

static const struct net_service_ops ops = {
	.init = svc_init,
	.accept = svc_accept,
	.receive = svc_receive,
	.timeout = svc_timeout,
	.close = svc_close,
};

static bool got_eof(struct sim *sim, void *ctx)
{
	static char buf[512];
	struct net_sock *k = ctx;

	return net_sock_recv(k, buf, 0) == 0 ||
	       (net_sock_poll(k) & NET_POLL_HUP);
}

static int read_all(struct net_sock *k, char *buf, size_t size)
{
	int rc, n = 0;

	while ((rc = net_sock_recv(k, buf + n, size - 1 - (size_t)n)) > 0)
		n += rc;
	buf[n] = '\0';
	return n;
}

static struct net_sock *connect_to(struct sim *sim, uint16_t port)
{
	struct net_sock *k;
	struct net_addr to = { SIM_IP1, port };

	CHECK_EQ(net_sock_open(sim->node[0].stack, NET_SOCK_TCP, &k), 0);
	CHECK_EQ(net_sock_connect(k, &to), -EINPROGRESS);
	return k;
}

static void test_http_like(void)
{
	struct sim sim;
	struct svc_log l = { .close_in_receive = true };
	struct net_service *svc;
	struct net_sock *k;
	char buf[256];

	sim_init(&sim, 2, NULL);
	CHECK_EQ(net_service_register(sim.node[1].stack, 80, &ops, &l, &svc),
		 0);
	CHECK_EQ(l.init, 1);
	k = connect_to(&sim, 80);
	sim_run_for(&sim, 20);
	CHECK_EQ(l.accept, 1);
	CHECK_EQ(net_sock_send(k, "GET / HTTP/1.0\r\n", 16), 16);
	sim_run_for(&sim, 20);
	CHECK_EQ(l.receive, 1);
	CHECK_EQ(net_sock_send(k, "\r\n", 2), 2);
	CHECK(sim_run_until(&sim, got_eof, NULL, k, 1000));
	CHECK_EQ(read_all(k, buf, sizeof(buf)), 24);
	CHECK(strstr(buf, "Hello") != NULL);
	CHECK_STR(l.order, "arr"); /* closed by the app: no close callback */
	CHECK_STR(l.req, "GET / HTTP/1.0\r\n\r\n");
	net_sock_close(k);
	sim_run_for(&sim, 3000);
	CHECK_EQ(net_tcp_foreach(sim.node[1].stack, NULL, NULL), 1);
	net_service_unregister(svc);
	CHECK_EQ(net_tcp_foreach(sim.node[1].stack, NULL, NULL), 0);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_peer_close_and_auto_close(void)
{
	struct sim sim;
	struct svc_log l = { 0 };
	struct net_service *svc;
	struct net_sock *k;
	char buf[64];

	sim_init(&sim, 2, NULL);
	CHECK_EQ(net_service_register(sim.node[1].stack, 81, &ops, &l, &svc),
		 0);
	k = connect_to(&sim, 81);
	sim_run_for(&sim, 20);
	CHECK_EQ(net_sock_send(k, "data", 4), 4);
	CHECK_EQ(net_sock_shutdown(k), 0); /* data and FIN together */
	CHECK(sim_run_until(&sim, got_eof, NULL, k, 1000));
	CHECK_STR(l.order, "arc");
	CHECK_EQ(l.close_err, 0);
	CHECK_EQ(read_all(k, buf, sizeof(buf)), 3); /* "bye" from close */
	net_sock_close(k);
	sim_run_for(&sim, 3000);
	CHECK_EQ(net_tcp_foreach(sim.node[1].stack, NULL, NULL), 1);
	/* A reset connection: close callback with the error. */
	l.greet = true;
	k = connect_to(&sim, 81);
	sim_run_for(&sim, 20);
	net_sock_close(k); /* the greeting is left unread: a reset */
	sim_run_for(&sim, 20);
	CHECK_EQ(l.close, 2);
	CHECK_EQ(l.close_err, -ECONNRESET);
	net_service_unregister(svc);
	sim_run_for(&sim, 3000);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_timeout(void)
{
	struct sim sim;
	struct svc_log l = { .arm_timeout = true };
	struct net_service *svc;
	struct net_sock *k;
	char buf[64];

	sim_init(&sim, 2, NULL);
	CHECK_EQ(net_service_register(sim.node[1].stack, 82, &ops, &l, &svc),
		 0);
	k = connect_to(&sim, 82);
	sim_run_for(&sim, 400);
	CHECK_EQ(net_sock_send(k, "ping", 4), 4); /* restarts the timer */
	sim_run_for(&sim, 400);
	CHECK_EQ(l.timeout, 0);
	CHECK(sim_run_until(&sim, got_eof, NULL, k, 1000));
	CHECK_EQ(l.timeout, 1);
	CHECK_EQ(read_all(k, buf, sizeof(buf)), 7);
	CHECK_STR(buf, "timeout");
	CHECK_STR(l.order, "art");
	net_sock_close(k);
	net_service_unregister(svc);
	sim_run_for(&sim, 3000);
	CHECK_EQ(sim_fini(&sim), 0);
}

/* A service answering 1 MB through a 16 KiB send buffer. */
struct bulk {
	size_t sent, total;
	int writes;
};

static void bulk_push(struct bulk *b, struct net_sock *conn)
{
	static char chunk[4096];
	int rc;

	memset(chunk, 'z', sizeof(chunk));
	while (b->sent < b->total) {
		size_t n = b->total - b->sent;

		rc = net_sock_send(conn, chunk, n < sizeof(chunk) ? n : 4096);
		if (rc <= 0)
			return;
		b->sent += (size_t)rc;
	}
	net_sock_close(conn);
}

static void bulk_accept(void *ctx, struct net_sock *conn)
{
	bulk_push(ctx, conn);
}

static void bulk_recv(void *ctx, struct net_sock *conn)
{
}

static void bulk_close(void *ctx, struct net_sock *conn)
{
}

static void bulk_sent(void *ctx, struct net_sock *conn)
{
	((struct bulk *)ctx)->writes++;
	bulk_push(ctx, conn);
}

static void test_large_answer(void)
{
	static char buf[65536];
	const struct net_service_ops bops = {
		.accept = bulk_accept, .receive = bulk_recv,
		.close = bulk_close, .sent = bulk_sent,
	};
	struct bulk b = { 0, 1 << 20, 0 };
	struct net_service *svc;
	struct net_sock *k;
	struct sim sim;
	size_t got = 0;
	int rc;

	sim_init(&sim, 2, NULL);
	CHECK_EQ(net_service_register(sim.node[1].stack, 83, &bops, &b, &svc),
		 0);
	k = connect_to(&sim, 83);
	while (sim.now < 60000) {
		sim_run_for(&sim, 2);
		while ((rc = net_sock_recv(k, buf, sizeof(buf))) > 0)
			got += (size_t)rc;
		if (rc == 0)
			break;
	}
	CHECK_EQ(got, 1u << 20);
	CHECK(b.writes > 10);
	net_sock_close(k);
	net_service_unregister(svc);
	sim_run_for(&sim, 3000);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_register_errors(void)
{
	struct sim sim;
	struct svc_log l = { .init_rc = 1 };
	struct net_service *svc, *svc2;
	struct net_service_ops bad = ops;
	struct net_sock *k;

	sim_init(&sim, 1, NULL);
	CHECK_EQ(net_service_register(sim.node[0].stack, 80, &ops, &l, &svc),
		 -EINVAL);
	l.init_rc = -ENODEV;
	CHECK_EQ(net_service_register(sim.node[0].stack, 80, &ops, &l, &svc),
		 -ENODEV);
	bad.receive = NULL;
	CHECK_EQ(net_service_register(sim.node[0].stack, 80, &bad, &l, &svc),
		 -EINVAL);
	CHECK_EQ(net_service_register(sim.node[0].stack, 0, &ops, &l, &svc),
		 -EINVAL);
	l.init_rc = 0;
	CHECK_EQ(net_service_register(sim.node[0].stack, 80, &ops, &l, &svc),
		 0);
	CHECK_EQ(net_service_register(sim.node[0].stack, 80, &ops, &l, &svc2),
		 -EADDRINUSE);
	CHECK_EQ(net_sock_open(sim.node[0].stack, NET_SOCK_TCP, &k), 0);
	CHECK_EQ(net_service_set_timeout(k, 10), -EINVAL);
	net_sock_close(k);
	net_service_unregister(svc);
	CHECK_EQ(sim_fini(&sim), 0);
}

static void test_unregister_live(void)
{
	struct sim sim;
	struct svc_log l = { 0 };
	struct net_service *svc;
	struct net_sock *k[3];

	sim_init(&sim, 2, NULL);
	CHECK_EQ(net_service_register(sim.node[1].stack, 84, &ops, &l, &svc),
		 0);
	for (int i = 0; i < 3; i++)
		k[i] = connect_to(&sim, 84);
	sim_run_for(&sim, 50);
	CHECK_EQ(l.accept, 3);
	net_service_unregister(svc);
	sim_run_for(&sim, 50);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(net_sock_tcp_state(k[i]), NET_TCP_CLOSED);
		CHECK_EQ(net_sock_error(k[i]), -ECONNRESET);
		net_sock_close(k[i]);
	}
	CHECK_EQ(l.close, 0);
	CHECK_EQ(net_tcp_foreach(sim.node[1].stack, NULL, NULL), 0);
	CHECK_EQ(sim_fini(&sim), 0);
}

int main(void)
{
	test_http_like();
	test_peer_close_and_auto_close();
	test_timeout();
	test_large_answer();
	test_register_errors();
	test_unregister_live();
	return check_done();
}
