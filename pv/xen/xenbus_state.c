/*
 * Frontend decisions of the xenbus protocol (xen/include/public/io/xenbus.h
 * and the Linux and Mini-OS frontends): a frontend publishes its rings once
 * the backend is InitWait (or later: Initialised, Connected), waits for
 * Connected, and from then on treats any other backend state as the
 * backend going away. Closing or Closed before we are connected means the
 * backend refused us (or is a leftover of a previous frontend). Closing
 * down, the backend answers our Closing with Closing and our Closed with
 * Closed, releasing its mappings of our pages in between. The states
 * Unknown and Initialising mean "not there yet"; Reconfiguring and
 * Reconfigured (PCI hot-plug only) mean "wait". Anything outside 0..8 is a
 * backend bug and fails the device; while closing, it only means waiting
 * (bounded by the caller) for the backend to write a proper state.
 */
#include <torito/errno.h>

#include "pv/xen/xenbus_state.h"
#include "pv/xen/xs_wire.h"

static enum xenbus_step step_setup(long state, const char **why)
{
	switch (state) {
	case XenbusStateInitWait:
	case XenbusStateInitialised:
	case XenbusStateConnected: return XENBUS_GO;
	case XenbusStateClosing:
	case XenbusStateClosed:
		*why = "backend is closing or closed";
		return XENBUS_FAIL;
	default: /* missing, Unknown, Initialising, Reconfigur* */
		return XENBUS_WAIT;
	}
}

static enum xenbus_step step_connect(long state, const char **why)
{
	switch (state) {
	case XenbusStateConnected: return XENBUS_GO;
	case XenbusStateClosing:
	case XenbusStateClosed:
		*why = "backend closed instead of connecting";
		return XENBUS_FAIL;
	case -1: *why = "backend state node vanished"; return XENBUS_FAIL;
	default: return XENBUS_WAIT;
	}
}

static enum xenbus_step step_running(long state, const char **why)
{
	switch (state) {
	case XenbusStateConnected: return XENBUS_GO;
	case XenbusStateReconfiguring:
	case XenbusStateReconfigured: return XENBUS_WAIT;
	case -1: *why = "backend state node vanished"; return XENBUS_FAIL;
	default: *why = "backend left the Connected state"; return XENBUS_FAIL;
	}
}

enum xenbus_step xenbus_state_step(enum xenbus_phase phase, long state,
				   const char **why)
{
	if (state < -1 || state > XenbusStateReconfigured) {
		if (phase == XENBUS_PHASE_CLOSE || phase == XENBUS_PHASE_CLOSED)
			return XENBUS_WAIT; /* it may still close properly */
		*why = "backend published an unknown state";
		return XENBUS_FAIL;
	}
	switch (phase) {
	case XENBUS_PHASE_SETUP: return step_setup(state, why);
	case XENBUS_PHASE_CONNECT: return step_connect(state, why);
	case XENBUS_PHASE_RUNNING: return step_running(state, why);
	case XENBUS_PHASE_CLOSE:
		return state == XenbusStateClosing ||
				       state == XenbusStateClosed || state <= 0
			       ? XENBUS_GO
			       : XENBUS_WAIT;
	case XENBUS_PHASE_CLOSED:
		/* Closed, gone, or (netback) ready for a new frontend. */
		return state == XenbusStateClosed || state <= 0 ||
				       state == XenbusStateInitWait
			       ? XENBUS_GO
			       : XENBUS_WAIT;
	}
	*why = "bad phase";
	return XENBUS_FAIL;
}

int xenbus_state_parse(const char *s, long *state)
{
	uint64_t v;

	if (xs_parse_u64(s, &v) < 0 || v > XenbusStateReconfigured)
		return -EINVAL;
	*state = (long)v;
	return 0;
}

const char *xenbus_state_name(long state)
{
	static const char *const names[] = {
		"Unknown",     "Initialising",	"InitWait",
		"Initialised", "Connected",	"Closing",
		"Closed",      "Reconfiguring", "Reconfigured",
	};

	if (state < 0 || state > XenbusStateReconfigured)
		return "invalid";
	return names[state];
}
