/* The frontend's xenbus decisions for every phase and backend state. */
#include <torito/errno.h>

#include "pv/xen/xenbus_state.h"
#include "testing/unit/check.h"

static enum xenbus_step step(enum xenbus_phase p, long s)
{
	const char *why = NULL;
	enum xenbus_step r = xenbus_state_step(p, s, &why);

	CHECK((r == XENBUS_FAIL) == (why != NULL));
	return r;
}

int main(void)
{
	/* Rows: phase; columns: state -1 (missing), 0..8. */
	static const enum xenbus_step table[5][10] = {
		/* SETUP: proceed once the backend can take our rings. */
		{ XENBUS_WAIT, XENBUS_WAIT, XENBUS_WAIT, XENBUS_GO, XENBUS_GO,
		  XENBUS_GO, XENBUS_FAIL, XENBUS_FAIL, XENBUS_WAIT,
		  XENBUS_WAIT },
		/* CONNECT: only Connected is success. */
		{ XENBUS_FAIL, XENBUS_WAIT, XENBUS_WAIT, XENBUS_WAIT,
		  XENBUS_WAIT, XENBUS_GO, XENBUS_FAIL, XENBUS_FAIL, XENBUS_WAIT,
		  XENBUS_WAIT },
		/* RUNNING: anything but Connected ends the device. */
		{ XENBUS_FAIL, XENBUS_FAIL, XENBUS_FAIL, XENBUS_FAIL,
		  XENBUS_FAIL, XENBUS_GO, XENBUS_FAIL, XENBUS_FAIL, XENBUS_WAIT,
		  XENBUS_WAIT },
		/* CLOSE: done once the backend closes (or is gone). */
		{ XENBUS_GO, XENBUS_GO, XENBUS_WAIT, XENBUS_WAIT, XENBUS_WAIT,
		  XENBUS_WAIT, XENBUS_GO, XENBUS_GO, XENBUS_WAIT, XENBUS_WAIT },
		/* CLOSED: done once the backend let go (or waits anew). */
		{ XENBUS_GO, XENBUS_GO, XENBUS_WAIT, XENBUS_GO, XENBUS_WAIT,
		  XENBUS_WAIT, XENBUS_WAIT, XENBUS_GO, XENBUS_WAIT,
		  XENBUS_WAIT },
	};
	long s;

	for (int p = 0; p < 5; p++)
		for (s = -1; s <= 8; s++) {
			enum xenbus_step got = step((enum xenbus_phase)p, s);

			if (got != table[p][s + 1])
				fprintf(stderr, "phase %d state %ld\n", p, s);
			CHECK_EQ(got, table[p][s + 1]);
		}
	/* Unknown states fail the device; while closing, they are waited
	 * out (the backend overwrites them when it closes). */
	for (int p = 0; p < 5; p++) {
		enum xenbus_step want =
			p >= XENBUS_PHASE_CLOSE ? XENBUS_WAIT : XENBUS_FAIL;

		CHECK_EQ(step((enum xenbus_phase)p, 9), want);
		CHECK_EQ(step((enum xenbus_phase)p, 99), want);
		CHECK_EQ(step((enum xenbus_phase)p, -2), want);
	}

	CHECK_EQ(xenbus_state_parse("4", &s), 0);
	CHECK_EQ(s, XenbusStateConnected);
	CHECK_EQ(xenbus_state_parse("0", &s), 0);
	CHECK_EQ(xenbus_state_parse("8", &s), 0);
	CHECK_EQ(xenbus_state_parse("9", &s), -EINVAL);
	CHECK_EQ(xenbus_state_parse("", &s), -EINVAL);
	CHECK_EQ(xenbus_state_parse("Connected", &s), -EINVAL);
	CHECK_EQ(xenbus_state_parse("4 ", &s), -EINVAL);
	CHECK_EQ(xenbus_state_parse("99999999999999999999999", &s), -EINVAL);

	CHECK_STR(xenbus_state_name(4), "Connected");
	CHECK_STR(xenbus_state_name(2), "InitWait");
	CHECK_STR(xenbus_state_name(9), "invalid");
	CHECK_STR(xenbus_state_name(-1), "invalid");
	return check_done();
}
