/*
 * sockclient: exercises the blocking socket API (net/iface) from inside a
 * guest. It connects to peer=A.B.C.D port=N (the test runs an HTTP server
 * there, reached through QEMU user networking), sends a request, reads the
 * whole answer, and prints its status line and size. It also checks that
 * sock_poll and sock_accept time out on a listener nobody connects to, and
 * that connecting to a closed port is refused.
 */
#include <stdint.h>

#include <torito/app.h>
#include <torito/boot.h>
#include <torito/console.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/net/config.h>
#include <torito/net/iface.h>
#include <torito/string.h>

static int fetch(struct net_iface *ifc, const struct net_addr *to)
{
	static const char req[] = "GET /page.txt HTTP/1.0\r\n\r\n";
	static char buf[65536];
	struct net_sock *k;
	size_t got = 0;
	int rc;

	rc = sock_socket(ifc, NET_SOCK_TCP, &k);
	if (rc < 0)
		return rc;
	rc = sock_connect(k, to, 5000);
	if (rc == 0)
		rc = sock_send(k, req, sizeof(req) - 1, 5000);
	while (rc >= 0 && got < sizeof(buf) - 1) {
		rc = sock_recv(k, buf + got, sizeof(buf) - 1 - got, 5000);
		if (rc > 0)
			got += (size_t)rc;
		if (rc == 0)
			break;
	}
	sock_close(k);
	if (rc < 0)
		return rc;
	buf[got] = '\0';
	char *eol = strchr(buf, '\r');
	if (eol)
		*eol = '\0';
	kprintf("sockclient: %lu bytes, status: %s\n", (unsigned long)got, buf);
	return 0;
}

static int check_timeouts(struct net_iface *ifc, net_ip4_t peer)
{
	struct net_sock *l, *c;
	struct sock_pollfd pfd;
	struct net_addr closed = { peer, 1 };
	int rc;

	if (sock_socket(ifc, NET_SOCK_TCP, &l) < 0)
		return -ENOMEM;
	if (sock_bind(l, 7070) < 0 || sock_listen(l, 4) < 0) {
		sock_close(l);
		return -EINVAL;
	}
	pfd = (struct sock_pollfd){ .sock = l, .events = NET_POLL_IN };
	rc = sock_poll(&pfd, 1, 100);
	kprintf("sockclient: poll on an idle listener returned %d\n", rc);
	rc = sock_accept(l, &c, NULL, 100);
	kprintf("sockclient: accept on an idle listener: %s\n", errno_name(rc));
	sock_close(l);
	if (sock_socket(ifc, NET_SOCK_TCP, &c) < 0)
		return -ENOMEM;
	rc = sock_connect(c, &closed, 5000);
	kprintf("sockclient: connect to a closed port: %s\n", errno_name(rc));
	sock_close(c);
	return 0;
}

int torito_main(void)
{
	char peer[20], port[8];
	struct net_ipv4_config ip;
	struct net_iface *ifc;
	struct net_addr to = { 0, 0 };
	int rc;

	if (!boot_cmdline_get(boot_info(), "peer", peer, sizeof(peer)) ||
	    !boot_cmdline_get(boot_info(), "port", port, sizeof(port)) ||
	    net_ip4_parse(peer, strlen(peer), &to.ip) < 0) {
		kprintf("sockclient: give peer=A.B.C.D port=N\n");
		return 2;
	}
	for (const char *p = port; *p >= '0' && *p <= '9'; p++)
		to.port = (uint16_t)(to.port * 10 + (*p - '0'));
	rc = net_dedicate(NULL, 0, NULL, &ifc);
	if (rc < 0 || net_iface_wait_ip(ifc, 20000, &ip) < 0) {
		kprintf("sockclient: no network (%s)\n", errno_name(rc));
		return 1;
	}
	rc = fetch(ifc, &to);
	if (rc < 0) {
		kprintf("sockclient: fetch failed: %s\n", errno_name(rc));
		return 1;
	}
	return check_timeouts(ifc, to.ip) < 0 ? 1 : 0;
}
