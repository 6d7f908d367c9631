/*
 * Hypervisor detection: CPUID.1:ECX bit 31 says a hypervisor is present and
 * the 0x40000000 leaves carry its signature. Xen may sit at a later base
 * (0x40000100 when it also offers Viridian), so the bases are scanned for
 * "XenVMMXenVMM" first, as Xen's interface documentation asks, as far as
 * they answer.
 */
#include <torito/string.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/kernel.h"

static void signature(uint32_t leaf, char sig[13], uint32_t *max_leaf)
{
	uint32_t r[4];

	cpuid(leaf, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = '\0';
	*max_leaf = r[0];
}

void hypervisor_detect(struct boot_info *bi)
{
	static const struct {
		const char *sig;
		enum hypervisor hv;
	} known[] = {
		{ "KVMKVMKVM", HYPERVISOR_KVM },
		{ "Microsoft Hv", HYPERVISOR_HYPERV },
		{ "VMwareVMware", HYPERVISOR_VMWARE },
		{ "TCGTCGTCGTCG", HYPERVISOR_TCG },
	};
	uint32_t r[4], max;
	char sig[13];

	cpuid(1, 0, r);
	if (!(r[2] & (1u << 31)))
		return;
	/* Every CPUID is a VM exit (tens of µs when nested): stop at the
	 * first base that does not exist instead of probing all 256. */
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		signature(base, sig, &max);
		if (max < base || max > base + 0xff)
			break;
		if (strcmp(sig, "XenVMMXenVMM") == 0 && max >= base + 2) {
			bi->hypervisor = HYPERVISOR_XEN;
			strlcpy(bi->hypervisor_sig, sig, sizeof(sig));
			return;
		}
	}
	signature(0x40000000, sig, &max);
	strlcpy(bi->hypervisor_sig, sig, sizeof(sig));
	bi->hypervisor = HYPERVISOR_OTHER;
	for (unsigned int i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(sig, known[i].sig) == 0)
			bi->hypervisor = known[i].hv;
	if (sig[0] == '\0')
		bi->hypervisor = HYPERVISOR_NONE;
}
