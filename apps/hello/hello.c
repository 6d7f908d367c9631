/*
 * hello: greets, then reports the boot path, the hypervisor, usable memory
 * and the command line. Returning 0 powers the machine off with success.
 */
#include <torito/app.h>
#include <torito/boot.h>
#include <torito/console.h>

int torito_main(void)
{
	const struct boot_info *bi = boot_info();

	kprintf("Hello from Torito!\n");
	kprintf("boot path: %s\n", boot_path_name(bi->path));
	if (bi->hypervisor_sig[0])
		kprintf("hypervisor: %s (%s)\n", hypervisor_name(bi->hypervisor),
			bi->hypervisor_sig);
	else
		kprintf("hypervisor: %s\n", hypervisor_name(bi->hypervisor));
	kprintf("usable memory: %lu KiB in %u map entries\n",
		(unsigned long)(boot_usable_bytes(bi) >> 10), bi->nmem);
	kprintf("command line: %s\n", bi->cmdline);
	return 0;
}
