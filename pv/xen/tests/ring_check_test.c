/* ring_new_responses: the frontend's check on the backend's producer. */
#include "pv/xen/ring_check.h"
#include "testing/unit/check.h"

int main(void)
{
	/* Nothing outstanding, nothing new. */
	CHECK_EQ(ring_new_responses(0, 0, 0), 0);
	/* Three requests made, two answered. */
	CHECK_EQ(ring_new_responses(2, 0, 3), 2);
	CHECK_EQ(ring_new_responses(3, 0, 3), 3);
	/* An answer to a request never made. */
	CHECK_EQ(ring_new_responses(4, 0, 3), -EPROTO);
	/* Producer behind the consumer: wraps to a huge count. */
	CHECK_EQ(ring_new_responses(5, 6, 10), -EPROTO);
	/* Indices wrap around 2^32. */
	CHECK_EQ(ring_new_responses(2, 0xfffffffeu, 4), 4);
	/* 6 outstanding (0xfffffffe..3), 7 claimed. */
	CHECK_EQ(ring_new_responses(5, 0xfffffffeu, 4), -EPROTO);
	CHECK_EQ(ring_new_responses(4, 0xfffffffeu, 4), 6);
	CHECK_EQ(ring_new_responses(0xffffffffu, 0xfffffff0u, 0x10), 15);
	return check_done();
}
