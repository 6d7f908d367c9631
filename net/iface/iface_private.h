/* The interface record, shared by iface.c and sock.c only. */
#ifndef TORITO_NET_IFACE_IFACE_PRIVATE_H
#define TORITO_NET_IFACE_IFACE_PRIVATE_H

#include <stdbool.h>

#include <torito/boot.h>
#include <torito/net/iface.h>
#include <torito/netdev.h>

struct net_iface {
	/* Set by net_dedicate; read-only after. */
	struct netdev *dev;
	unsigned int cpu;
	char name[NETDEV_NAME_MAX];
	char config[BOOT_CMDLINE_MAX];
	struct thread *thread; /* the network thread */
	struct thread *creator;

	/* Owned by the network thread's CPU; no lock. */
	struct net_env env;
	struct net_stack *stack;
	int setup_rc;
	volatile bool setup_done;
	volatile bool have_ip;
	struct net_ipv4_config ip;
	bool failed;
};

/* Wakes the network threads of the calling CPU (after a stack call). */
void net_iface_kick_local(void);

#endif /* TORITO_NET_IFACE_IFACE_PRIVATE_H */
