/*
 * crash_test: how a failing image ends under Xen. With fault=panic it
 * panics (the report must reach the PV console); with fault=pf it writes
 * through a wild pointer (the page-fault report must reach it); otherwise
 * torito_main returns 3. Each ends in power_off(failure), which on Xen is
 * SCHEDOP_shutdown(crash): xl shows the domain crashed.
 */
#include <stdint.h>

#include <torito/app.h>
#include <torito/boot.h>
#include <torito/console.h>
#include <torito/panic.h>
#include <torito/string.h>

int torito_main(void)
{
	char kind[16] = "";

	(void)boot_cmdline_get(boot_info(), "fault", kind, sizeof(kind));
	kprintf("crash: causing '%s'\n", kind);
	if (strcmp(kind, "panic") == 0)
		panic("deliberate panic under Xen");
	if (strcmp(kind, "pf") == 0)
		*(volatile uint64_t *)0x7fff00000000ull = 1;
	return 3;
}
