/* Grant references v1: allocation, the entry protocol, misuse. */
#include <string.h>

#include <torito/errno.h>

#include "pv/xen/gnttab_table.h"
#include "testing/unit/check.h"

#define NR    16
#define FIRST 8

static grant_entry_v1_t entries[NR];
static grant_ref_t links[NR];
static struct gnttab_table t;

int main(void)
{
	int refs[NR];

	memset(entries, 0, sizeof(entries));
	/* The toolstack's reserved entries hold grants already. */
	entries[0].flags = GTF_permit_access;
	entries[1].flags = GTF_permit_access;
	gnttab_table_init(&t, entries, links, NR, FIRST);
	CHECK_EQ(t.nfree, NR - FIRST);

	refs[0] = gnttab_table_grant(&t, 3, 0x12345, false);
	CHECK_EQ(refs[0], FIRST); /* lowest free first */
	CHECK_EQ(entries[FIRST].frame, 0x12345);
	CHECK_EQ(entries[FIRST].domid, 3);
	CHECK_EQ(entries[FIRST].flags, GTF_permit_access);
	refs[1] = gnttab_table_grant(&t, 0, 0x777, true);
	CHECK_EQ(entries[refs[1]].flags, GTF_permit_access | GTF_readonly);

	/* Revoking while the backend maps or copies fails and keeps it. */
	entries[refs[0]].flags |= GTF_reading;
	CHECK_EQ(gnttab_table_revoke(&t, (grant_ref_t)refs[0]), -EBUSY);
	CHECK_EQ(entries[refs[0]].flags, GTF_permit_access | GTF_reading);
	entries[refs[0]].flags = GTF_permit_access | GTF_writing;
	CHECK_EQ(gnttab_table_revoke(&t, (grant_ref_t)refs[0]), -EBUSY);
	entries[refs[0]].flags = GTF_permit_access;
	CHECK_EQ(gnttab_table_revoke(&t, (grant_ref_t)refs[0]), 0);
	CHECK_EQ(entries[refs[0]].flags, 0);

	/* Double revoke, reserved entries, out of range. */
	CHECK_EQ(gnttab_table_revoke(&t, (grant_ref_t)refs[0]), -EINVAL);
	CHECK_EQ(gnttab_table_revoke(&t, 0), -EINVAL);
	CHECK_EQ(gnttab_table_revoke(&t, 1), -EINVAL);
	CHECK_EQ(entries[0].flags, GTF_permit_access); /* untouched */
	CHECK_EQ(gnttab_table_revoke(&t, NR), -EINVAL);
	CHECK_EQ(gnttab_table_revoke(&t, 0xffffffffu), -EINVAL);

	/* The freed reference is reused first. */
	CHECK_EQ(gnttab_table_grant(&t, 1, 1, false), refs[0]);

	/* Exhaustion, then recovery. */
	for (int i = 2; i < NR - FIRST; i++)
		CHECK(gnttab_table_grant(&t, 1, (uint32_t)i, false) >= FIRST);
	CHECK_EQ(t.nfree, 0);
	CHECK_EQ(gnttab_table_grant(&t, 1, 99, false), -ENOSPC);
	CHECK_EQ(gnttab_table_revoke(&t, NR - 1), 0);
	CHECK_EQ(gnttab_table_grant(&t, 1, 99, false), NR - 1);

	/* An entry whose flags were cleared behind our back (not a grant of
	 * ours any more) is refused, and stays allocated. */
	entries[refs[1]].flags = 0;
	CHECK_EQ(gnttab_table_revoke(&t, (grant_ref_t)refs[1]), -EINVAL);
	return check_done();
}
