/*
 * hello: greets, reports the boot path, the hypervisor, usable memory and
 * the command line, then says hello from a thread created on every CPU
 * (one at a time, so the lines come in CPU order). Returning 0 powers the
 * machine off with success.
 */
#include <stdint.h>

#include <torito/app.h>
#include <torito/boot.h>
#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/thread.h>

static void *greet(void *arg)
{
	kprintf("hello from cpu %u of %u\n", cpu_id(), cpu_count());
	return arg;
}

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
	for (unsigned int cpu = 0; cpu < cpu_count(); cpu++) {
		struct thread *t = thread_create(cpu, greet, (void *)(uintptr_t)cpu);
		if (!t || thread_join(t) != (void *)(uintptr_t)cpu) {
			kprintf("hello: thread on cpu %u failed\n", cpu);
			return 1;
		}
	}
	return 0;
}
