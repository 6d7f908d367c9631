/*
 * Toolstack shutdown requests (`xl shutdown`, `xl reboot`): the toolstack
 * writes "poweroff", "halt" or "reboot" to control/shutdown. At
 * INIT_DEVICES this advertises control/feature-poweroff and
 * feature-reboot, watches control/shutdown and starts a thread on CPU 0
 * that sleeps until the watch fires (the watch runs in interrupt context
 * and only resumes the thread). The thread reads the request, clears the
 * node (the toolstack's acknowledgement) and powers off, or asks Xen for a
 * reboot. Like every thread it runs when CPU 0 schedules: an application
 * that never yields, sleeps or blocks in the scheduler delays the request.
 *
 * Left out: "suspend" (save/restore and migration), sysrq.
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/console.h>
#include <torito/driver.h>
#include <torito/errno.h>
#include <torito/power.h>
#include <torito/string.h>
#include <torito/thread.h>

#include "pv/xen/console.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/xen.h"
#include "pv/xen/xenstore.h"

#define NODE "control/shutdown"

static struct thread *watcher;

/* Interrupt context. */
static void on_request(void *ctx, const char *path)
{
	(void)ctx;
	(void)path;
	thread_resume(watcher);
}

static void reboot(void)
{
	struct sched_shutdown s = { .reason = SHUTDOWN_reboot };

	kprintf("torito: reboot\n");
	xencons_flush();
	(void)hypercall_sched_op(SCHEDOP_shutdown, &s);
}

/* Acts on the request in control/shutdown, if any. */
static void handle(void)
{
	char req[16];
	int rc = xenstore_read(XBT_NIL, NODE, req, sizeof(req));

	if (rc <= 0)
		return; /* no request (the watch's first event), or no node */
	if (xenstore_write(XBT_NIL, NODE, "") < 0)
		kprintf("xen: cannot acknowledge the shutdown request\n");
	kprintf("xen: the toolstack asks for %s\n", req);
	if (strcmp(req, "poweroff") == 0 || strcmp(req, "halt") == 0)
		power_off(0);
	if (strcmp(req, "reboot") == 0)
		reboot();
	kprintf("xen: request '%s' not supported; ignored\n", req);
}

static void *watch_thread(void *arg)
{
	(void)arg;
	for (;;) {
		thread_suspend();
		handle();
	}
	return NULL;
}

static void control_init(void)
{
	int rc;

	if (!xen_present())
		return;
	/* Optional: without them xl still writes the request. */
	if (xenstore_write(XBT_NIL, "control/feature-poweroff", "1") < 0 ||
	    xenstore_write(XBT_NIL, "control/feature-reboot", "1") < 0)
		kprintf("xen: cannot advertise shutdown features\n");
	watcher = thread_create(0, watch_thread, NULL);
	if (!watcher) {
		kprintf("xen: no memory for the shutdown watcher\n");
		return;
	}
	thread_detach(watcher);
	rc = xenstore_watch(NODE, on_request, NULL);
	if (rc < 0)
		kprintf("xen: cannot watch %s (%s); xl shutdown will not "
			"work\n",
			NODE, errno_name(rc));
}
TORITO_INIT(INIT_DEVICES, control_init);
