/*
 * Index checks for the frontend side of a Xen shared ring (io/ring.h),
 * portable and host-tested. The backend is another domain: its producer
 * index is input, and a frontend that trusts it indexes past what it
 * asked for. Every frontend in pv/xen reads the response producer through
 * ring_new_responses before touching a response.
 */
#ifndef TORITO_PV_XEN_RING_CHECK_H
#define TORITO_PV_XEN_RING_CHECK_H

#include <stdint.h>

#include <torito/errno.h>

#include "pv/xen/xen_if.h"

/*
 * The number of responses between rsp_cons and the backend's rsp_prod,
 * or -EPROTO when rsp_prod claims more than the requests outstanding
 * (req_prod_pvt - rsp_cons, our own count), including a rsp_prod behind
 * rsp_cons (which wraps to a huge count).
 */
static inline int ring_new_responses(RING_IDX rsp_prod, RING_IDX rsp_cons,
				     RING_IDX req_prod_pvt)
{
	RING_IDX n = rsp_prod - rsp_cons;

	if (n > req_prod_pvt - rsp_cons)
		return -EPROTO;
	return (int)n;
}

/* The backend's response producer of front ring r, read once, with the
 * barrier that orders the responses' loads after it. */
#define RING_READ_RSP_PROD(r) \
	__atomic_load_n(&(r)->sring->rsp_prod, __ATOMIC_ACQUIRE)

#endif /* TORITO_PV_XEN_RING_CHECK_H */
