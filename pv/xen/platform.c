/*
 * Xen PVH platform bring-up. At INIT_EARLY, under Xen
 * (boot_info()->hypervisor, then the CPUID base scan again to learn the
 * base leaf), it installs the hypercall page, makes the PV console ring
 * the kernel console (or, where the domain has no PV console, Xen's log
 * through console_io or port 0xe9) and installs SCHEDOP_shutdown as the
 * power-off backend. At INIT_PLATFORM, with memory and interrupt vectors
 * up, it maps shared_info with XENMEM_add_to_physmap, gives the kernel the
 * TSC rate from Xen's CPUID time leaf (base + 3) or the pvclock in
 * shared_info, and starts the modules in order: event channels, grant
 * tables, xenstore. On any other machine both steps return at once.
 *
 * Left out: VCPUOP_register_vcpu_info (vCPUs past 32 need it), live
 * migration and suspend/resume, PV clock as the time source (the kernel
 * keeps using the TSC, which Xen keeps constant-rate for PVH guests).
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/boot.h>
#include <torito/console.h>
#include <torito/driver.h>
#include <torito/errno.h>
#include <torito/mem.h>
#include <torito/string.h>

#include "pv/xen/arch.h"
#include "pv/xen/console.h"
#include "pv/xen/evtchn.h"
#include "pv/xen/gnttab.h"
#include "pv/xen/hypercall.h"
#include "pv/xen/xen.h"
#include "pv/xen/xenstore.h"

#define PAGE_SIZE 4096

static uint32_t cpuid_base;
static struct shared_info *shared;

bool xen_present(void)
{
	return cpuid_base != 0;
}

uint32_t xen_cpuid_base(void)
{
	return cpuid_base;
}

struct shared_info *xen_shared_info(void)
{
	return shared;
}

int xen_errno(long rc)
{
	static const int same[] = {
		EPERM,	ENOENT, EIO,	E2BIG,	 ENOMEM,
		EFAULT, EBUSY,	EEXIST, ENODEV,	 EINVAL,
		ENOSPC, ENOSYS, EAGAIN, ENOTSUP, ETIMEDOUT
	};

	if (rc >= 0)
		return (int)rc;
	for (unsigned int i = 0; i < ARRAY_SIZE(same); i++)
		if (rc == -same[i])
			return (int)rc;
	return -EIO;
}

/* Xen's leaves may sit past other hypervisors' (Viridian at 0x40000000). */
static uint32_t find_cpuid_base(void)
{
	uint32_t r[4];

	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		xen_cpuid(base, 0, r);
		if (r[1] == XEN_CPUID_SIGNATURE_EBX &&
		    r[2] == XEN_CPUID_SIGNATURE_ECX &&
		    r[3] == XEN_CPUID_SIGNATURE_EDX && r[0] >= base + 2)
			return base;
	}
	return 0;
}

static int map_shared_info(void)
{
	void *page = mem_zalloc(PAGE_SIZE, PAGE_SIZE);
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_shared_info,
		.idx = 0,
	};
	long rc;

	if (!page)
		return -ENOMEM;
	xatp.gpfn = virt_to_phys(page) / PAGE_SIZE;
	rc = hypercall_memory_op(XENMEM_add_to_physmap, &xatp);
	if (rc < 0)
		return xen_errno(rc);
	shared = page;
	return 0;
}

/* TSC Hz from the pvclock of vCPU 0: ((10^9 << 32) / mul) >> shift. */
static uint64_t pvclock_tsc_hz(void)
{
	const volatile struct vcpu_time_info *t = &shared->vcpu_info[0].time;
	uint32_t version, mul;
	int8_t shift;
	uint64_t hz;

	do {
		version = t->version;
		xen_rmb();
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		xen_rmb();
	} while ((version & 1) || version != t->version);
	if (mul == 0)
		return 0;
	hz = (1000000000ull << 32) / mul;
	return shift < 0 ? hz << -shift : hz >> shift;
}

/* Sub-leaf 0 of the time leaf: ecx = guest TSC rate in kHz. */
static uint64_t cpuid_tsc_hz(void)
{
	uint32_t r[4];

	xen_cpuid(cpuid_base, 0, r);
	if (r[0] < cpuid_base + 3)
		return 0;
	xen_cpuid(cpuid_base + 3, 0, r);
	return (uint64_t)r[2] * 1000;
}

static void set_tsc_rate(void)
{
	uint64_t from_cpuid = cpuid_tsc_hz(), from_pvclock = pvclock_tsc_hz();
	uint64_t hz = from_cpuid ? from_cpuid : from_pvclock;

	kprintf("xen: TSC %lu kHz (cpuid %lu kHz, pvclock %lu kHz)\n",
		(unsigned long)(hz / 1000), (unsigned long)(from_cpuid / 1000),
		(unsigned long)(from_pvclock / 1000));
	if (hz)
		time_set_tsc_hz(hz);
}

static void power_off_xen(int status)
{
	struct sched_shutdown s = {
		.reason = status == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash,
	};

	xencons_flush();
	(void)hypercall_sched_op(SCHEDOP_shutdown, &s);
}

static void print_version(void)
{
	long v = hypercall_xen_version(XENVER_version, NULL);
	char extra[XEN_EXTRAVERSION_LEN];

	if (hypercall_xen_version(XENVER_extraversion, extra) < 0)
		extra[0] = '\0';
	extra[sizeof(extra) - 1] = '\0';
	kprintf("xen: Xen %ld.%ld%s, PVH guest, CPUID base 0x%x\n", v >> 16,
		v & 0xffff, extra, cpuid_base);
}

/*
 * INIT_EARLY: on the boot page tables, with no allocator and no interrupt
 * vectors yet. Only what needs neither: hypercalls, the console, power-off.
 */
static void xen_early_init(void)
{
	int rc;

	if (boot_info()->hypervisor != HYPERVISOR_XEN)
		return;
	cpuid_base = find_cpuid_base();
	if (!cpuid_base)
		return;
	hypercall_init(cpuid_base);
	/* The PV console first, so every line from here on reaches `xl
	 * console`, including the kernel's own until INIT_PLATFORM. */
	rc = xencons_init();
	if (rc < 0)
		xencons_debug_init();
	power_set_backend(power_off_xen);
	print_version();
	if (rc < 0)
		kprintf("xen: no PV console (%s)\n", errno_name(rc));
}
TORITO_INIT(INIT_EARLY, xen_early_init);

static void xen_platform_init(void)
{
	int rc;

	if (!cpuid_base)
		return;
	rc = map_shared_info();
	if (rc < 0) {
		kprintf("xen: cannot map shared_info (%s); no PV devices\n",
			errno_name(rc));
		return;
	}
	set_tsc_rate();
	rc = evtchn_init_cpu();
	if (rc < 0) {
		kprintf("xen: no event channel upcall (%s); no PV devices\n",
			errno_name(rc));
		return;
	}
	rc = gnttab_init();
	if (rc < 0)
		kprintf("xen: no grant table (%s)\n", errno_name(rc));
	rc = xenstore_init();
	if (rc < 0)
		kprintf("xen: no xenstore (%s)\n", errno_name(rc));
}
TORITO_INIT(INIT_PLATFORM, xen_platform_init);
