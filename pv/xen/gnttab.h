/*
 * Grant tables v1 for frontends: let a backend domain access one of our
 * page frames, and take that access back. Private to pv/xen; bare metal.
 * Any CPU, thread context.
 */
#ifndef TORITO_PV_XEN_GNTTAB_H
#define TORITO_PV_XEN_GNTTAB_H

#include <stdbool.h>
#include <stdint.h>

#include <torito/compiler.h>

#include "pv/xen/xen_if.h"

/*
 * Maps the grant frames (XENMEM_add_to_physmap, XENMAPSPACE_grant_table)
 * over pages taken from the allocator. Returns 0, -ENOMEM, or a Xen error.
 * Call once at INIT_PLATFORM.
 */
int gnttab_init(void) __must_check;

/*
 * Grants domid access to the page at physical address paddr (page
 * aligned). Returns the grant reference (>= 0), -ENOSPC (table full),
 * -ENODEV (no grant table), -EINVAL (paddr unaligned or above 16 TiB).
 */
int gnttab_grant_access(domid_t domid, uint64_t paddr,
			bool readonly) __must_check;

/*
 * Ends a grant made by gnttab_grant_access. Returns 0, -EINVAL (not an
 * active grant of ours), -EBUSY (the backend still maps or copies the
 * page: the grant stays; the page must not be reused or freed).
 */
int gnttab_end_access(grant_ref_t ref) __must_check;

/*
 * Teardown helper for frontends: ends the grant *ref if there is one (0
 * means none: refs below 8 are reserved), counts in *busy a grant the
 * backend still holds (its page must then be leaked, not reused), and sets
 * *ref to 0.
 */
void gnttab_forget(grant_ref_t *ref, unsigned int *busy);

#endif /* TORITO_PV_XEN_GNTTAB_H */
