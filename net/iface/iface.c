/*
 * net_dedicate and the network thread. One thread per interface, on the
 * interface's CPU, owns the device and the stack: it hands received frames
 * to net_input, runs net_poll, and then waits until the device signals
 * (interrupt → netdev notify → thread_wake) or the stack's next timer is
 * due — no polling loop, no tick. Application threads on the same CPU call
 * the stack directly and kick the network thread afterwards, since a call
 * may have set an earlier timer. See torito/net/iface.h.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/boot.h>
#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/net/config.h>
#include <torito/net/iface.h>
#include <torito/netdev.h>
#include <torito/string.h>
#include <torito/thread.h>
#include <torito/time.h>

#include "net/iface/iface_private.h"

#define RX_BUDGET 64
#define MAX_IFACES 8

static struct net_iface *ifaces[MAX_IFACES];
static unsigned int nifaces;

static void *env_alloc(void *ctx, size_t size)
{
	return mem_alloc(size);
}

static void env_free(void *ctx, void *p, size_t size)
{
	mem_free(p);
}

static uint64_t env_now_ms(void *ctx)
{
	return time_now_ns() / 1000000;
}

static int env_xmit(void *dev, const void *frame, size_t len)
{
	return netdev_xmit(dev, frame, len);
}

/* A socket's readiness changed: wake the thread waiting on it, if any. */
static void env_notify(void *ctx, struct net_sock *k)
{
	struct thread *waiter = net_sock_user(k);

	if (waiter)
		thread_wake(waiter);
}

static void env_ipv4_changed(void *ctx, const struct net_ipv4_config *cfg)
{
	struct net_iface *ifc = ctx;
	char ip[16], mask[16], gw[16];

	ifc->ip = *cfg;
	ifc->have_ip = cfg->ip != 0;
	if (net_ip4_format(cfg->ip, ip, sizeof(ip)) < 0 ||
	    net_ip4_format(cfg->netmask, mask, sizeof(mask)) < 0 ||
	    net_ip4_format(cfg->gateway, gw, sizeof(gw)) < 0)
		return;
	kprintf("net: %s ip %s netmask %s gw %s\n", ifc->name, ip, mask, gw);
}

/* Interrupt context: the device has frames or free transmit space. */
static void on_device_event(void *ctx)
{
	struct net_iface *ifc = ctx;

	thread_wake(ifc->thread);
}

static void on_frame(void *ctx, const void *frame, size_t len)
{
	struct net_iface *ifc = ctx;

	net_input(ifc->stack, frame, len);
}

static int setup(struct net_iface *ifc)
{
	const struct netdev_info *info = netdev_info(ifc->dev);
	struct net_stack_config cfg;
	struct net_mac mac;
	int rc;

	ifc->env = (struct net_env){
		.ctx = ifc,
		.dev_ctx = ifc->dev,
		.alloc = env_alloc,
		.free = env_free,
		.now_ms = env_now_ms,
		.xmit = env_xmit,
		.notify = env_notify,
		.ipv4_changed = env_ipv4_changed,
	};
	memcpy(mac.b, info->mac, sizeof(mac.b));
	net_stack_config_init(&cfg, &mac);
	if (info->mtu >= 576 && info->mtu <= 9000)
		cfg.mtu = info->mtu;
	rc = net_stack_create(&ifc->env, &cfg, &ifc->stack);
	if (rc < 0)
		return rc;
	rc = net_configure(ifc->stack, ifc->config);
	if (rc < 0) {
		net_stack_destroy(ifc->stack);
		ifc->stack = NULL;
		return rc;
	}
	netdev_set_notify(ifc->dev, on_device_event, ifc);
	return 0;
}

static void *net_thread(void *arg)
{
	struct net_iface *ifc = arg;

	ifc->setup_rc = setup(ifc);
	ifc->setup_done = true;
	thread_wake(ifc->creator);
	if (ifc->setup_rc < 0)
		return NULL;
	for (;;) {
		int n = netdev_poll(ifc->dev, on_frame, ifc, RX_BUDGET);
		if (n < 0 && !ifc->failed) {
			kprintf("net: %s stopped: device failed (%s)\n",
				ifc->name, errno_name(n));
			ifc->failed = true;
		}
		net_poll(ifc->stack);
		if (n == RX_BUDGET) {
			thread_yield(); /* more is waiting: let others run too */
			continue;
		}
		uint64_t due = net_next_deadline_ms(ifc->stack);
		(void)thread_wait(due == NET_DEADLINE_NONE ? 0 : due * 1000000);
	}
}

void net_iface_kick_local(void)
{
	unsigned int me = cpu_id();

	for (unsigned int i = 0; i < nifaces; i++)
		if (ifaces[i]->cpu == me)
			thread_wake(ifaces[i]->thread);
}

int net_dedicate(const char *dev, unsigned int cpu, const char *config,
		 struct net_iface **out)
{
	char name[NETDEV_NAME_MAX];
	struct net_iface *ifc;
	struct netdev *nd;

	if (!dev && boot_cmdline_get(boot_info(), "net", name, sizeof(name)))
		dev = name;
	nd = dev ? netdev_find(dev) : netdev_get(0);
	if (!nd || cpu >= cpu_count() || nifaces == MAX_IFACES)
		return -ENODEV;
	ifc = mem_zalloc(sizeof(*ifc), 0);
	if (!ifc)
		return -ENOMEM;
	ifc->dev = nd;
	ifc->cpu = cpu;
	strlcpy(ifc->name, netdev_name(nd), sizeof(ifc->name));
	strlcpy(ifc->config, config ? config : boot_info()->cmdline,
		sizeof(ifc->config));
	ifc->creator = thread_self();
	ifc->thread = thread_create(cpu, net_thread, ifc);
	if (!ifc->thread) {
		mem_free(ifc);
		return -ENOMEM;
	}
	while (!ifc->setup_done)
		(void)thread_wait(0);
	if (ifc->setup_rc < 0) {
		int rc = ifc->setup_rc;
		thread_join(ifc->thread);
		mem_free(ifc);
		return rc;
	}
	ifaces[nifaces++] = ifc;
	*out = ifc;
	return 0;
}

struct net_stack *net_iface_stack(const struct net_iface *ifc)
{
	return ifc->stack;
}

unsigned int net_iface_cpu(const struct net_iface *ifc)
{
	return ifc->cpu;
}

const char *net_iface_name(const struct net_iface *ifc)
{
	return ifc->name;
}

int net_iface_wait_ip(struct net_iface *ifc, uint32_t timeout_ms,
		      struct net_ipv4_config *cfg)
{
	uint64_t end = time_now_ns() + (uint64_t)timeout_ms * 1000000;

	while (!ifc->have_ip) {
		if (time_now_ns() >= end)
			return -ETIMEDOUT;
		thread_sleep_ms(10);
	}
	*cfg = ifc->ip;
	return 0;
}

struct call {
	struct net_iface *ifc;
	int (*fn)(struct net_stack *s, void *arg);
	void *arg;
};

static void *run_call(void *p)
{
	struct call *c = p;
	int rc = c->fn(c->ifc->stack, c->arg);

	net_iface_kick_local();
	return (void *)(intptr_t)rc;
}

int net_iface_call(struct net_iface *ifc,
		   int (*fn)(struct net_stack *s, void *arg), void *arg)
{
	struct call c = { ifc, fn, arg };
	struct thread *t = thread_create(ifc->cpu, run_call, &c);

	if (!t)
		return -ENOMEM;
	return (int)(intptr_t)thread_join(t);
}
