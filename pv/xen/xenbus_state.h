/*
 * The frontend side of the xenbus state machine, portable (host-tested):
 * given where a frontend is in its life and the state its backend
 * published, what to do next. xenbus.c feeds it the backend's "state"
 * node; netfront and blkfront drive the phases.
 */
#ifndef TORITO_PV_XEN_XENBUS_STATE_H
#define TORITO_PV_XEN_XENBUS_STATE_H

#include <torito/compiler.h>

#include "pv/xen/xen_if.h"

/* Where the frontend is. */
enum xenbus_phase {
	XENBUS_PHASE_SETUP, /* before publishing rings: backend must be ready */
	XENBUS_PHASE_CONNECT, /* published: waiting for the backend to connect
			       */
	XENBUS_PHASE_RUNNING, /* connected: the backend must stay Connected */
	XENBUS_PHASE_CLOSE,   /* we are Closing: waiting for the backend */
	XENBUS_PHASE_CLOSED,  /* we are Closed: waiting for it to let go */
};

enum xenbus_step {
	XENBUS_WAIT, /* not yet: wait for the next change */
	XENBUS_GO,   /* proceed to the next phase (RUNNING: all is well) */
	XENBUS_FAIL, /* give up: shut the device down */
};

/*
 * The step for backend state `state` (-1: the state node is missing) in
 * phase. On XENBUS_FAIL, *why says why in words.
 */
enum xenbus_step xenbus_state_step(enum xenbus_phase phase, long state,
				   const char **why);

/*
 * Parses a state node's value. Returns 0 and the state (0..8), or -EINVAL
 * for anything that is not a known state.
 */
int xenbus_state_parse(const char *s, long *state) __must_check;

/* "Connected", "InitWait", ..., or "invalid". */
const char *xenbus_state_name(long state);

#endif /* TORITO_PV_XEN_XENBUS_STATE_H */
